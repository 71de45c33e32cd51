"""The evaluation report on disk: report.json, a one-page report.png and report.html."""

import base64
import html
import json
import textwrap
from pathlib import Path

import matplotlib
import numpy as np

from mri_gan.metrics.registry import MEASURES
from mri_gan.sampling.grids import image_grid, save_figure, save_png

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
    return rows


def headline(report: dict) -> list[str]:
    """The report's first lines, in words: could a classifier tell the sets apart, how well they overlap, and
    whether the generated images copy training images, each with its interval and its real-vs-real floor."""
    lines = []
    test = report.get("two_sample")
    if test and test["available"]:
        floor = test["floor"]
        told = test["interval"]["low"] > floor["interval"]["high"]
        lines.append(
            f"{'A classifier CAN tell' if told else 'A classifier could NOT reliably tell'} the generated images "
            f"from real ones: ROC AUC {test['auc']:.2f} (95% interval {_span(test['interval'])}; two halves of the "
            f"real set: {floor['auc']:.2f}, {_span(floor['interval'])}). 0.5 means it cannot, 1 that it always can."
        )
        coarsest = min(test["coarser"], key=int) if test["coarser"] else None
        if coarsest and told:
            coarse = test["coarser"][coarsest]
            still = coarse["interval"]["low"] > coarse["floor"]["interval"]["high"]
            lines.append(
                f"Shrunk to {coarsest} px, where only layout, outline and contrast remain, the AUC is "
                f"{coarse['auc']:.2f} {_span(coarse['interval'])}: the tell is "
                f"{'also in the layout, not only in texture' if still else 'in fine texture, not in the layout'}. "
                "two_sample.png shows the images it found most fake."
            )
    overlap = report.get("density_coverage")
    if overlap and overlap["available"]:
        floor = overlap["floor"]
        lines.append(
            f"Overlap: {overlap['coverage']:.0%} {_span(overlap['coverage_interval'], percent=True)} of the real "
            f"images have a generated image among their nearest (coverage; two real halves: {floor['coverage']:.0%}); "
            f"density {overlap['density']:.2f} {_span(overlap['density_interval'])} (real halves: "
            f"{floor['density']:.2f}; above that, generated images crowd into typical ones, below, they stray)."
        )
    novelty = report.get("novelty")
    if novelty:
        share = novelty.get("held_out_real_copy_share")
        bar = f"; new real images: {share:.1%}" if share is not None else ""
        lines.append(
            f"Copies: {novelty['possible_copies']} of {report['counts']['generated']} generated images "
            f"are as close to a training image as the closest training images are to each other{bar}."
        )
    return lines


def _span(interval: dict, percent: bool = False) -> str:
    if percent:
        return f"[{interval['low']:.0%}, {interval['high']:.0%}]"
    return f"[{interval['low']:.2f}, {interval['high']:.2f}]"


def _class_rows(name: str, measures: dict) -> list[tuple[str, str]]:
    if not measures["available"]:
        return [(f"[{name}]", f"unavailable: {measures['reason']}")]
    return [(f"[{name}] {label}", value) for label, value in summary_rows(measures)]


def format_table(report: dict) -> str:
    """The headline sentences, then every measure's line."""
    rows = summary_rows(report)
    width = max(len(name) for name, _ in rows)
    sentences = [textwrap.fill(line, 100) for line in headline(report)]
    return "\n".join([*sentences, *([""] if sentences else []), *(f"{name:<{width}}  {value}" for name, value in rows)])


def write_report(report: dict, real: np.ndarray, fake: np.ndarray, train: np.ndarray, out: Path) -> Path:
    """Write report.json, report.png, report.html, closest_pairs.png (generated images above their nearest
    training images, closest first) and two_sample.png (the images the two-sample test found most fake and most
    real) into `out`, for the measures the report has; returns the JSON path."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2, default=_plain))
    pairs = None
    if "novelty" in report:
        closest = np.asarray(report["novelty"]["closest_pairs"], int)
        pairs = image_grid(np.concatenate([fake[closest[:, 0]], train[closest[:, 1]]]), columns=len(closest))
        save_png(pairs, out / "closest_pairs.png")
    if report.get("two_sample", {}).get("available"):
        write_two_sample_sheet(report["two_sample"], real, fake, out / "two_sample.png")

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
    if pairs is not None:
        axis.imshow(pairs, cmap="gray", vmin=0, vmax=255)
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
    sentences = "".join(f"<p>{html.escape(line)}</p>" for line in headline(report))
    (out / "report.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>mri_gan evaluation</title>"
        f"<h1>mri_gan evaluation</h1>{sentences}<table>{table}</table>"
        f"<img alt='report' src='data:image/png;base64,{picture}'>"
        f"<pre>{html.escape(json.dumps(report, indent=2, default=_plain))}</pre>"
    )
    return out / "report.json"


def write_two_sample_sheet(test: dict, real: np.ndarray, fake: np.ndarray, path: Path) -> Path:
    """The generated images the two-sample test found most fake (top) and the real ones it found most real
    (bottom), surest first: what gives the generated images away, to look at."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 1, figsize=(10, 2.4), dpi=100)
    for axis, images, title in ((axes[0], fake[test["most_fake"]], "generated images it found most fake"),
                                (axes[1], real[test["most_real"]], "real images it found most real")):  # fmt: skip
        axis.imshow(image_grid(images, columns=len(images)), cmap="gray", vmin=0, vmax=255)
        axis.set_title(f"{title} (two-sample test, ROC AUC {test['auc']:.2f})", fontsize=9)
        axis.axis("off")
    figure.tight_layout()
    return save_figure(figure, path)


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
