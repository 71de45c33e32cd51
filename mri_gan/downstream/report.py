"""The utility study on disk: report.json, differences.png (each arm's paired difference to real only with its
interval) and report.html, the first lines of which say in words whether any arm helped."""

import base64
import html
import json
from pathlib import Path

import matplotlib
import numpy as np

from mri_gan.downstream.statistics import MEASURES
from mri_gan.runs.atomic import write_text_atomically
from mri_gan.sampling.grids import save_figure

matplotlib.use("Agg")
import matplotlib.pyplot as plt

HEADLINE_MEASURES = ("accuracy", "sensitivity", "roc_auc")
THRESHOLD_FREE = ("balanced_accuracy", "roc_auc")


def headline(report: dict) -> list[str]:
    """Sentences a clinician-researcher can act on: which arms, if any, beat real only after Holm's correction
    over the arms, in accuracy, sensitivity and ROC AUC, for which classifier (a corrected interval that barely
    clears zero can still miss Holm's 5%: the decision is Holm's). A sensitivity gained only by losing
    specificity, with balanced accuracy and ROC AUC no better, is named a shift of the decision threshold:
    synthetic tumour slices make a classifier say "tumour" more often, which is not a better classifier."""
    lines = []
    for classifier, arms in report["arms"].items():
        for measure in HEADLINE_MEASURES:
            gains = [(name, entry[measure]) for name, entry in arms.items() if entry[measure]["significant"]]
            shifts = [name for name, _ in gains if measure == "sensitivity" and _threshold_shift(arms[name])]
            better = [f"{name} ({_difference_text(entry)})" for name, entry in gains
                      if entry["difference"]["mean"] > 0 and name not in shifts]  # fmt: skip
            worse = [f"{name} ({_difference_text(entry)})" for name, entry in gains if entry["difference"]["mean"] < 0]
            text = f"{classifier}, {measure}: "
            if better:
                text += "adding synthetic images helped in " + "; ".join(better)
            else:
                text += "no arm beat real only after Holm's correction"
            if shifts:
                text += (f"; {', '.join(shifts)} raised it only by lowering specificity, with balanced accuracy and "
                         "ROC AUC no better: a shift of the decision threshold, not a better classifier")  # fmt: skip
            if worse:
                text += ("; they hurt in " if better else "; synthetic images hurt in ") + "; ".join(worse)
            lines.append(text + ".")
    if report["overlap"]["warning"]:
        lines.append(report["overlap"]["warning"])
    return lines


def _threshold_shift(arm: dict) -> bool:
    """Whether an arm's specificity fell beyond Holm's correction while no threshold-free measure rose."""
    specificity = arm["specificity"]
    fell = specificity["significant"] and specificity["difference"]["mean"] < 0
    return fell and not any(arm[m]["significant"] and arm[m]["difference"]["mean"] > 0 for m in THRESHOLD_FREE)


def _difference_text(entry: dict) -> str:
    difference, corrected = entry["difference"], entry["difference"]["corrected_interval"]
    return (
        f"{difference['mean']:+.3f}, corrected interval [{corrected['low']:+.3f}, {corrected['high']:+.3f}], "
        f"Holm p {entry['holm_p']:.3f}"
    )


def table_lines(report: dict) -> list[str]:
    """A Markdown table per classifier: each arm's mean, real only's, and the paired difference with intervals."""
    lines = []
    for classifier, arms in report["arms"].items():
        lines += [f"\n{classifier} ({report['settings']['repeats']} repeats x {report['settings']['folds']} folds, "
                  f"{report['settings']['steps']} steps per arm)\n",
                  "| arm | " + " | ".join(MEASURES) + " |", "|---|" + "---|" * len(MEASURES)]  # fmt: skip
        real = next(iter(arms.values()))
        lines.append("| real only | " + " | ".join(f"{real[m]['real']:.3f}" for m in MEASURES) + " |")
        for name, entry in arms.items():
            cells = []
            for measure in MEASURES:
                difference = entry[measure]["difference"]
                interval = difference["interval"]
                star = " *" if entry[measure]["significant"] else ""
                cells.append(f"{difference['mean']:+.3f} [{interval['low']:+.3f}, {interval['high']:+.3f}]{star}")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("\nCells: arm minus real only, mean over (repeat, fold) pairs [95% bootstrap interval]; "
                 "* stands after Holm's correction over the arms.")  # fmt: skip
    return lines


def write_utility_report(report: dict, out: Path) -> Path:
    """Write report.json, differences.png and report.html into `out`; returns the JSON path."""
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomically(out / "report.json", json.dumps(report, indent=2))
    figure_path = _difference_figure(report, out / "differences.png")
    picture = base64.b64encode(figure_path.read_bytes()).decode()
    sentences = "".join(f"<p>{html.escape(line)}</p>" for line in headline(report))
    table = html.escape("\n".join(table_lines(report)))
    write_text_atomically(out / "report.html",
        "<!doctype html><meta charset='utf-8'><title>mri_gan utility</title>"
        f"<h1>Do the synthetic images help a tumour classifier?</h1>{sentences}<pre>{table}</pre>"
        f"<img alt='paired differences' src='data:image/png;base64,{picture}'>"
        f"<pre>{html.escape(json.dumps(report['settings'], indent=2))}</pre>")  # fmt: skip
    return out / "report.json"


def _difference_figure(report: dict, path: Path) -> Path:
    classifiers = list(report["arms"])
    arm_names = list(next(iter(report["arms"].values())))
    figure, axes = plt.subplots(1, len(MEASURES), figsize=(3.2 * len(MEASURES), 0.5 * len(arm_names) + 1.6),
                                sharey=True, dpi=100)  # fmt: skip
    offsets = np.linspace(-0.15, 0.15, len(classifiers)) if len(classifiers) > 1 else [0.0]
    for axis, measure in zip(axes, MEASURES, strict=True):
        for offset, classifier in zip(offsets, classifiers, strict=True):
            entries = [report["arms"][classifier][name][measure]["difference"] for name in arm_names]
            means = np.asarray([entry["mean"] for entry in entries])
            low = means - np.asarray([entry["corrected_interval"]["low"] for entry in entries])
            high = np.asarray([entry["corrected_interval"]["high"] for entry in entries]) - means
            axis.errorbar(means, np.arange(len(arm_names)) + offset, xerr=[low, high], fmt="o", capsize=3,
                          label=classifier)  # fmt: skip
        axis.axvline(0, color="gray", linewidth=1)
        axis.set_title(f"{measure}\n(arm - real only)", fontsize=9)
    axes[0].set_yticks(range(len(arm_names)), arm_names)
    axes[0].invert_yaxis()
    axes[-1].legend(fontsize=8)
    figure.suptitle("Paired differences to real only, with intervals corrected for the number of arms", fontsize=10)
    figure.tight_layout()
    return save_figure(figure, path)
