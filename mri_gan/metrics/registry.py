"""Every sample-quality measure, registered once: what it needs, how it reports, whether it can pick a generator.

`evaluate` computes every measure in `MEASURES` and writes the rows each one gives; the
quality checks during training (`QualityMonitor`) track the measures that have a `track`
function, and `fit --keep-best` chooses among those. A new measure is one module with its
computation and one `register(...)` call here.

A measure's `compute` takes a `MeasureInputs` (arrays only: real images ordered so that
their two halves share no subject, generated images, training images, and Inception
features when the measure needs them) and returns a JSON-ready dict.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mri_gan.metrics.diversity import mean_pairwise_ms_ssim, ms_ssim_diversity
from mri_gan.metrics.frd import frechet_radiomics_distance
from mri_gan.metrics.frd import unavailable_reason as frd_unavailable_reason
from mri_gan.metrics.frechet import frechet_distance, kernel_distance
from mri_gan.metrics.novelty import COPY_PERCENTILE, nearest_training_images, share_closer_than
from mri_gan.metrics.precision_recall import precision_recall
from mri_gan.metrics.spectrum import BAND_EDGES, power_ratios
from mri_gan.metrics.swd import sliced_wasserstein

CLOSEST_PAIRS = 8


@dataclass(frozen=True)
class MeasureInputs:
    """The arrays a measure is computed on (uint8 [N, H, W, 1] images)."""

    real: np.ndarray  # ordered so that real[:half] and real[half:] share no subject
    half: int
    count: int  # images per set in pairwise comparisons
    fake: np.ndarray
    train: np.ndarray
    seed: int = 0
    train_subjects: list[str | None] | None = None
    real_features: np.ndarray | None = None  # Inception features, for measures that need them
    fake_features: np.ndarray | None = None

    def compared_fake(self, values: np.ndarray | None = None) -> np.ndarray:
        """`count` of the generated images (or of `values`, their features), drawn at random with `seed`.

        A generated set can come in class order (a folder's `no/` before its `yes/`, a
        conditional model's images class by class): its first `count` would compare one class
        with all of them. `fake` itself keeps its order, which reports index into.
        """
        chosen = np.random.default_rng([self.seed, 1]).permutation(len(self.fake))[: self.count]
        return (self.fake if values is None else values)[chosen]


@dataclass(frozen=True)
class Tracking:
    """How a measure is followed during training: one number per check, and its best value.

    `track(real, fake, seed)` gives the number; with `real_value`, the best generator is the
    one whose number is closest to the real images' own (e.g. diversity), else the lowest (the
    highest with `higher_is_better`).
    """

    track: Callable[[np.ndarray, np.ndarray, int], float]
    real_value: Callable[[np.ndarray, int], float] | None = None
    title: str = ""
    higher_is_better: bool = False


@dataclass(frozen=True)
class Measure:
    name: str
    needs: str  # "pixels" or "features" (ImageNet Inception features)
    compute: Callable[[MeasureInputs], dict]
    rows: Callable[[dict], list[tuple[str, str]]]  # report lines of an entry
    tracking: Tracking | None = None  # None: too slow or not meaningful to follow during training
    per_class: bool = True  # also reported per class for a conditional model


MEASURES: dict[str, Measure] = {}


def register(measure: Measure) -> Measure:
    if measure.name in MEASURES:
        raise ValueError(f"a measure named {measure.name!r} is registered already")
    MEASURES[measure.name] = measure
    return measure


LABEL_AGREEMENT = "label_agreement"
"""Tracked in conditional runs only: it needs the classes (`mri_gan.label_classifier.label_agreement_tracking`)."""


def selectable_measures(conditional: bool = False) -> tuple[str, ...]:
    """Names of the measures that can pick the best generator during training (`fit --keep-best`)."""
    tracked = tuple(name for name, measure in MEASURES.items() if measure.tracking is not None)
    return (*tracked, LABEL_AGREEMENT) if conditional else tracked


def _swd(inputs: MeasureInputs) -> dict:
    versus_fake = sliced_wasserstein(inputs.real[: inputs.count], inputs.compared_fake(), inputs.seed)
    versus_real = sliced_wasserstein(inputs.real[: inputs.count], inputs.real[inputs.half : inputs.half + inputs.count],
                                     inputs.seed)  # fmt: skip
    return {
        "real_vs_generated": {"per_level": versus_fake.per_level, "mean": versus_fake.mean},
        "real_vs_real": {"per_level": versus_real.per_level, "mean": versus_real.mean},
        "ratio_to_baseline": versus_fake.mean / max(versus_real.mean, 1e-12),
    }


def _swd_rows(entry: dict) -> list[tuple[str, str]]:
    """The headline SWD and its baseline, and each pyramid level's ratio: where a gap sits (grain or layout)."""
    generated, real = entry["real_vs_generated"]["per_level"], entry["real_vs_real"]["per_level"]
    ratios = "  ".join(f"{size} px {generated[size] / max(real[size], 1e-12):.2f}x" for size in generated)
    return [("SWD x1e3 real vs generated", f"{entry['real_vs_generated']['mean']:.2f}"),
            ("SWD x1e3 real vs real (baseline)", f"{entry['real_vs_real']['mean']:.2f}"),
            ("SWD per level, fine to coarse / baseline", ratios)]  # fmt: skip


register(Measure(
    "swd", "pixels", _swd, _swd_rows,
    tracking=Tracking(lambda real, fake, seed: sliced_wasserstein(real, fake, seed=seed).mean,
                      title="Sliced Wasserstein distance x1e3 (lower is better)"),
))  # fmt: skip


def _ms_ssim(inputs: MeasureInputs) -> dict:
    diversity = ms_ssim_diversity(inputs.real, inputs.fake, seed=inputs.seed)
    return {"real": diversity.real, "generated": diversity.generated, "diversity_ratio": diversity.ratio,
            "likely_mode_collapse": diversity.likely_mode_collapse}  # fmt: skip


register(Measure(
    "ms_ssim", "pixels", _ms_ssim,
    lambda entry: [("MS-SSIM real / generated", f"{entry['real']:.3f} / {entry['generated']:.3f}"
                    + ("  LIKELY MODE COLLAPSE" if entry["likely_mode_collapse"] else ""))],
    tracking=Tracking(lambda real, fake, seed: mean_pairwise_ms_ssim(fake, pairs=200, seed=seed),
                      real_value=lambda real, seed: mean_pairwise_ms_ssim(real, pairs=200, seed=seed),
                      title="MS-SSIM within the set (lower is more diverse)"),
))  # fmt: skip


def _spectrum(inputs: MeasureInputs) -> dict:
    real_halves = power_ratios(inputs.real[: inputs.half], inputs.real[inputs.half :])
    return {
        "band_edges_cycles_per_pixel": list(BAND_EDGES),
        "generated_over_real": power_ratios(inputs.real, inputs.fake).tolist(),
        "real_half_over_half": real_halves.tolist(),
    }


def _spectrum_rows(entry: dict) -> list[tuple[str, str]]:
    generated = " ".join(f"{ratio:.2f}" for ratio in entry["generated_over_real"])
    halves = entry["real_half_over_half"]
    chance = max(max(ratio, 1 / ratio) for ratio in halves)
    return [("power spectrum generated / real, low to high frequency",
             f"{generated} (real half / half: within x{chance:.2f})")]  # fmt: skip


register(Measure("spectrum", "pixels", _spectrum, _spectrum_rows))


def _novelty(inputs: MeasureInputs) -> dict:
    novelty = nearest_training_images(inputs.fake, inputs.train)
    closest = np.argsort(novelty.nearest_distance)[:CLOSEST_PAIRS]
    entry = {
        "possible_copies": len(novelty.possible_copies),
        "possible_copy_share": novelty.copy_share,
        "threshold_rms": novelty.threshold,
        "median_nearest_rms": float(np.median(novelty.nearest_distance)),
        "median_real_to_real_rms": float(np.median(novelty.real_to_real)),
        "median_nearest_ssim": float(np.median(novelty.nearest_ssim)),
        "distinct_training_images": len(novelty.training_kept),
        # (generated index, training index) of the closest pairs, closest first
        "closest_pairs": [[int(i), int(novelty.training_kept[novelty.nearest_index[i]])] for i in closest],
    }
    if inputs.train_subjects and any(inputs.train_subjects):
        nearest = novelty.training_kept[novelty.nearest_index[novelty.possible_copies]]
        resembled: dict[str, int] = {}
        for index in nearest:
            subject = inputs.train_subjects[index] or "plain image"
            resembled[subject] = resembled.get(subject, 0) + 1
        entry["possible_copy_subjects"] = dict(sorted(resembled.items(), key=lambda item: -item[1]))
    entry["held_out_real_copy_share"] = _held_out_copy_share(inputs.real, inputs.train, novelty.threshold)
    return entry


def _held_out_copy_share(real: np.ndarray, train: np.ndarray, threshold: float) -> float | None:
    """The share of real images outside the training set that the copy check flags, or None when
    `real` shares an image with `train` (e.g. the same folder).

    The check's threshold is a low percentile of the training images' own nearest distances,
    so even new images from the training distribution fall under it now and then (fresh
    slices of the built-in set: 1.4-1.7%); a generator's share means something only beside
    this one."""
    training_pixels = {image.tobytes() for image in train}
    if any(image.tobytes() in training_pixels for image in real):
        return None
    return share_closer_than(real, train, threshold)


def _novelty_rows(entry: dict) -> list[tuple[str, str]]:
    share = entry.get("held_out_real_copy_share")
    floor = (f"held-out real images: {100 * share:.1f}%" if share is not None
             else f"new images from the training distribution: about {COPY_PERCENTILE:g}%")  # fmt: skip
    return [("possible copies of training images",
             f"{entry['possible_copies']} ({100 * entry['possible_copy_share']:.1f}%; {floor})")]  # fmt: skip


register(Measure("novelty", "pixels", _novelty, _novelty_rows))


def _fid(inputs: MeasureInputs) -> dict:
    return {"available": True, "value": frechet_distance(inputs.real_features, inputs.fake_features)}


def _relative_fd(inputs: MeasureInputs) -> dict:
    fid = frechet_distance(inputs.real_features, inputs.fake_features)
    baseline = frechet_distance(inputs.real_features[: inputs.half], inputs.real_features[inputs.half :])
    return {"available": True, "value": fid / max(baseline, 1e-12), "real_halves_fd": baseline}


def _kid(inputs: MeasureInputs) -> dict:
    kid = kernel_distance(inputs.real_features, inputs.fake_features, seed=inputs.seed)
    return {"available": True, "mean": kid.mean, "std": kid.std}


def _precision_recall(inputs: MeasureInputs) -> dict:
    pr = precision_recall(inputs.real_features[: inputs.count], inputs.compared_fake(inputs.fake_features))
    return {"available": True, "precision": pr.precision, "recall": pr.recall}


def _when_available(label: str, text: Callable[[dict], str]) -> Callable[[dict], list[tuple[str, str]]]:
    return lambda entry: [(label, text(entry) if entry["available"] else "unavailable")]


register(Measure("fid", "features", _fid, _when_available("FID", lambda e: f"{e['value']:.3f}"),
                 per_class=False))  # fmt: skip
register(Measure("relative_fd", "features", _relative_fd,
                 _when_available("FD relative to real halves", lambda e: f"{e['value']:.3f}"),
                 per_class=False))  # fmt: skip
register(Measure("kid", "features", _kid,
                 _when_available("KID", lambda e: f"{e['mean']:.4f} ± {e['std']:.4f}")))  # fmt: skip
register(Measure("precision_recall", "features", _precision_recall,
                 _when_available("precision / recall", lambda e: f"{e['precision']:.3f} / {e['recall']:.3f}"),
                 per_class=False))  # fmt: skip


def _frd(inputs: MeasureInputs) -> dict:
    reason = frd_unavailable_reason()
    if reason is None:
        try:
            value = frechet_radiomics_distance(inputs.real, inputs.fake)
        except RuntimeError as error:
            reason = str(error)
        else:
            if math.isfinite(value):
                return {"available": True, "value": value}
            reason = f"FRD is {value}: the two sets have the same radiomic statistics"
    return {"available": False, "reason": reason}


register(Measure("frd", "pixels", _frd, _when_available("FRD (radiomics)", lambda e: f"{e['value']:.3f}"),
                 per_class=False))  # fmt: skip
