"""The evaluation report on disk: report.json, a one-page report.png and report.html."""

import base64
import html
import json
from pathlib import Path

import matplotlib
import numpy as np

from mri_gan.grids import image_grid, save_figure, save_png
from mri_gan.metrics.registry import MEASURES

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def summary_rows(report: dict) -> list[tuple[str, str]]:
    """(measure, value) lines for the terminal table and the page, in the registry's order."""
    rows = [row for name, measure in MEASURES.items() if name in report for row in measure.rows(report[name])]
    if "discriminator" in report:
        scores = report["discriminator"]
        rows.append(("discriminator accuracy / ROC AUC", f"{scores['accuracy']:.3f} / {scores['roc_auc']:.3f}"))
    for name, measures in report.get("per_class", {}).items():
        rows.extend(_class_rows(name, measures))
    if "label_fidelity" in report:
        fidelity = report["label_fidelity"]
        judges = fidelity.get("judges", 1)
        rows.append((f"label classifiers' accuracy, held-out real (mean of {judges})",
                     f"{fidelity['held_out_real_accuracy']:.3f}"))  # fmt: skip
        recall = fidelity.get("held_out_real_recall", {})
        for name, agreement in fidelity["agreement"].items():
            real_share = f" (held-out real: {recall[name]:.3f})" if name in recall else ""
            rows.append((f"[{name}] generated classified as {name}", f"{agreement:.3f}{real_share}"))
    return rows


def _class_rows(name: str, measures: dict) -> list[tuple[str, str]]:
    if not measures["available"]:
        return [(f"[{name}]", f"unavailable: {measures['reason']}")]
    return [(f"[{name}] {label}", value) for label, value in summary_rows(measures)]


def format_table(report: dict) -> str:
    rows = summary_rows(report)
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def write_report(report: dict, real: np.ndarray, fake: np.ndarray, train: np.ndarray, out: Path) -> Path:
    """Write report.json, report.png, report.html and closest_pairs.png (generated images
    above their nearest training images, closest first) into `out`; returns the JSON path."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2, default=_plain))
    closest = np.asarray(report["novelty"]["closest_pairs"], int)
    pairs = np.concatenate([fake[closest[:, 0]], train[closest[:, 1]]])
    save_png(image_grid(pairs, columns=len(closest)), out / "closest_pairs.png")

    figure = plt.figure(figsize=(11, 8.5), dpi=100)
    panels = [(real[:36], "Real images", 1), (fake[:36], "Generated images", 2)]
    for images, title, position in panels:
        axis = figure.add_subplot(2, 3, position)
        axis.imshow(image_grid(images), cmap="gray", vmin=0, vmax=255)
        axis.set_title(title)
        axis.axis("off")
    axis = figure.add_subplot(2, 3, 3)
    axis.hist(real.ravel(), bins=64, range=(0, 255), density=True, alpha=0.6, label="real")
    axis.hist(fake.ravel(), bins=64, range=(0, 255), density=True, alpha=0.6, label="generated")
    axis.set_yscale("log")
    axis.set_title("Intensity histograms")
    axis.legend()
    axis = figure.add_subplot(2, 3, (4, 5))
    axis.imshow(image_grid(pairs, columns=len(closest)), cmap="gray", vmin=0, vmax=255)
    axis.set_title("Closest generated (top) and training (bottom) pairs")
    axis.axis("off")
    axis = figure.add_subplot(2, 3, 6)
    axis.axis("off")
    axis.text(0, 1, "\n".join(f"{name}:\n   {value}" for name, value in summary_rows(report)), va="top", fontsize=8,
              family="monospace")  # fmt: skip
    figure.tight_layout()
    save_figure(figure, out / "report.png")

    picture = base64.b64encode((out / "report.png").read_bytes()).decode()
    table = "".join(f"<tr><td>{html.escape(n)}</td><td>{html.escape(v)}</td></tr>" for n, v in summary_rows(report))
    (out / "report.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>mri_gan evaluation</title>"
        f"<h1>mri_gan evaluation</h1><table>{table}</table>"
        f"<img alt='report' src='data:image/png;base64,{picture}'>"
        f"<pre>{html.escape(json.dumps(report, indent=2, default=_plain))}</pre>"
    )
    return out / "report.json"


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
