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

import numpy as np

from mri_gan.metrics.density_coverage import (
    NEIGHBOURS,
    density_coverage_entry,
    density_coverage_rows,
    random_feature_entry,
)
from mri_gan.metrics.diversity import mean_pairwise_ms_ssim, ms_ssim_diversity, pairwise_ms_ssim
from mri_gan.metrics.frd import frechet_radiomics_distance
from mri_gan.metrics.frd import unavailable_reason as frd_unavailable_reason
from mri_gan.metrics.frechet import frechet_distance, kernel_distance, unbiased_mmd
from mri_gan.metrics.intervals import bootstrap_interval, interval_text, share_interval, standard_error_interval
from mri_gan.metrics.label_fidelity import label_agreement_tracking, label_fidelity, label_fidelity_rows
from mri_gan.metrics.measure import (
    MEASURES,
    Compared,
    Measure,
    MeasureInputs,
    Tracking,
    register,
    selectable_measures,
    tracked_measures,
)
from mri_gan.metrics.novelty import COPY_PERCENTILE, nearest_training_images, share_closer_than
from mri_gan.metrics.precision_recall import precision_recall
from mri_gan.metrics.spectrum import BAND_EDGES, power_ratios
from mri_gan.metrics.swd import sliced_wasserstein
from mri_gan.metrics.two_sample import two_sample_entry, two_sample_rows

__all__ = [
    "MEASURES",
    "Measure",
    "MeasureInputs",
    "Tracking",
    "compared_values",
    "register",
    "selectable_measures",
    "tracked_measures",
]

LOWER, HIGHER, NEAR_ONE = "lower", "higher", "closer to 1"

CLOSEST_PAIRS = 8
SWD_RESAMPLES = 10  # bootstrap redraws of SWD ratio (2 SWDs each: about 5 s for 150 images of 64x64 a side)


def _swd(inputs: MeasureInputs) -> dict:
    reference, fake = inputs.real[: inputs.count], inputs.compared_fake()
    other_half = inputs.real[inputs.half : inputs.half + inputs.count]
    versus_fake = sliced_wasserstein(reference, fake, inputs.seed)
    versus_real = sliced_wasserstein(reference, other_half, inputs.seed)

    def ratio(a, b, c) -> float:
        return sliced_wasserstein(reference[a], fake[b], inputs.seed).mean / max(
            sliced_wasserstein(reference[a], other_half[c], inputs.seed).mean, 1e-12
        )

    count = inputs.count
    entry = {
        "real_vs_generated": {"per_level": versus_fake.per_level, "mean": versus_fake.mean},
        "real_vs_real": {"per_level": versus_real.per_level, "mean": versus_real.mean},
        "ratio_to_baseline": versus_fake.mean / max(versus_real.mean, 1e-12),
    }
    if inputs.intervals:
        entry["ratio_interval"] = standard_error_interval(entry["ratio_to_baseline"], ratio, (count,) * 3,
                                                          SWD_RESAMPLES, inputs.seed).as_dict()  # fmt: skip
    return entry


def _swd_rows(entry: dict) -> list[tuple[str, str]]:
    """The headline SWD and its baseline, and each pyramid level's ratio: where a gap sits (grain or layout)."""
    generated, real = entry["real_vs_generated"]["per_level"], entry["real_vs_real"]["per_level"]
    ratios = "  ".join(f"{size} px {generated[size] / max(real[size], 1e-12):.2f}x" for size in generated)
    interval = entry.get("ratio_interval")
    generated_mean, real_mean = entry["real_vs_generated"]["mean"], entry["real_vs_real"]["mean"]
    return [("SWD x1e3 real vs generated", f"{entry['real_vs_generated']['mean']:.2f}"),
            ("SWD x1e3 real vs real (baseline)", f"{entry['real_vs_real']['mean']:.2f}"),
            ("SWD / baseline", f"{generated_mean / max(real_mean, 1e-12):.2f}"
                               + (f" {interval_text(interval)}" if interval else "")),
            ("SWD per level, fine to coarse / baseline", ratios)]  # fmt: skip


def _interleaved_halves(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two equal halves of a set, every other image, so an odd count (215 training slices) still has a floor."""
    even = len(images) - len(images) % 2
    return images[0:even:2], images[1:even:2]


register(Measure(
    "swd", "pixels", _swd, _swd_rows,
    compared=(Compared("SWD / real-vs-real baseline", ("ratio_to_baseline",), ("ratio_interval",), LOWER),),
    tracking=Tracking(lambda real, fake, seed: sliced_wasserstein(real, fake, seed=seed).mean,
                      title="Sliced Wasserstein distance x1e3 (lower is better)",
                      floor=lambda real, seed: sliced_wasserstein(*_interleaved_halves(real), seed=seed).mean),
))  # fmt: skip


def _ms_ssim(inputs: MeasureInputs) -> dict:
    diversity = ms_ssim_diversity(inputs.real, inputs.fake, seed=inputs.seed)
    real_pairs = pairwise_ms_ssim(inputs.real, seed=inputs.seed)
    fake_pairs = pairwise_ms_ssim(inputs.fake, seed=inputs.seed + 1)

    def ratio(a, b) -> float:
        return float(fake_pairs[b].mean() / max(real_pairs[a].mean(), 1e-12))

    interval = bootstrap_interval(ratio, (len(real_pairs), len(fake_pairs)), 500, inputs.seed)
    return {"real": diversity.real, "generated": diversity.generated, "diversity_ratio": diversity.ratio,
            "generated_over_real": diversity.generated / max(diversity.real, 1e-12),
            "generated_over_real_interval": interval.as_dict(),
            "likely_mode_collapse": diversity.likely_mode_collapse}  # fmt: skip


def _ms_ssim_rows(entry: dict) -> list[tuple[str, str]]:
    ratio = entry.get("generated_over_real_interval")
    return [("MS-SSIM real / generated", f"{entry['real']:.3f} / {entry['generated']:.3f}"
             + (f" (generated / real {entry['generated_over_real']:.2f} {interval_text(ratio)})" if ratio else "")
             + ("  LIKELY MODE COLLAPSE" if entry["likely_mode_collapse"] else ""))]  # fmt: skip


register(Measure(
    "ms_ssim", "pixels", _ms_ssim, _ms_ssim_rows,
    compared=(Compared("MS-SSIM generated / real", ("generated_over_real",), ("generated_over_real_interval",),
                       NEAR_ONE),),
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
        "possible_copy_share_interval": share_interval(len(novelty.possible_copies), len(inputs.fake)).as_dict(),
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
    interval = entry.get("possible_copy_share_interval")
    share = f"{100 * entry['possible_copy_share']:.1f}%" + (
        f" [{100 * interval['low']:.1f}, {100 * interval['high']:.1f}]" if interval else ""
    )
    return [("possible copies of training images", f"{entry['possible_copies']} ({share}; {floor})")]


register(
    Measure(
        "novelty",
        "pixels",
        _novelty,
        _novelty_rows,
        compared=(Compared("possible copy share", ("possible_copy_share",), ("possible_copy_share_interval",), LOWER),),
    )
)


register(Measure("two_sample", "pixels", two_sample_entry, two_sample_rows, per_class=False, compared=(
    Compared("two-sample test AUC", ("auc",), ("interval",), LOWER),
    Compared("two-sample test AUC, 16 px", ("coarser", "16", "auc"), ("coarser", "16", "interval"), LOWER),
)))  # fmt: skip


register(Measure("density_coverage", "pixels", random_feature_entry, density_coverage_rows, per_class=False,
                 compared=(Compared("coverage", ("coverage",), ("coverage_interval",), HIGHER),
                           Compared("density", ("density",), ("density_interval",), NEAR_ONE))))  # fmt: skip


FEATURE_RESAMPLES = 20  # bootstrap redraws of FID (each a matrix square root of 2048 x 2048)


def _fid(inputs: MeasureInputs) -> dict:
    real, fake = inputs.real_features, inputs.fake_features
    entry = {"available": True, "value": frechet_distance(real, fake)}
    if inputs.intervals:

        def redrawn(a, b) -> float:
            return frechet_distance(real[a], fake[b])

        entry["interval"] = standard_error_interval(entry["value"], redrawn, (len(real), len(fake)),
                                                    FEATURE_RESAMPLES, inputs.seed).as_dict()  # fmt: skip
    return entry


def _fid_text(entry: dict) -> str:
    return f"{entry['value']:.3f}" + (f" {interval_text(entry['interval'], 3)}" if "interval" in entry else "")


def _relative_fd(inputs: MeasureInputs) -> dict:
    fid = frechet_distance(inputs.real_features, inputs.fake_features)
    baseline = frechet_distance(inputs.real_features[: inputs.half], inputs.real_features[inputs.half :])
    return {"available": True, "value": fid / max(baseline, 1e-12), "real_halves_fd": baseline}


def _kid(inputs: MeasureInputs) -> dict:
    real, fake = inputs.real_features, inputs.fake_features
    kid = kernel_distance(real, fake, seed=inputs.seed)
    # Each redraw's distinct vectors only: a vector drawn twice would count as its own neighbour in the unbiased MMD.
    interval = bootstrap_interval(lambda a, b: unbiased_mmd(real[np.unique(a)], fake[np.unique(b)]),
                                  (len(real), len(fake)), 200, inputs.seed)  # fmt: skip
    return {"available": True, "mean": kid.mean, "std": kid.std, "interval": interval.as_dict()}


def _inception_density_coverage(inputs: MeasureInputs) -> dict:
    if inputs.count <= NEIGHBOURS:
        return {"available": False, "reason": f"{inputs.count} images per set compared; more than {NEIGHBOURS} needed"}
    return {"available": True, **density_coverage_entry(inputs.real_features, inputs.fake_features, inputs)}


def _precision_recall(inputs: MeasureInputs) -> dict:
    pr = precision_recall(inputs.real_features[: inputs.count], inputs.compared_fake(inputs.fake_features))
    return {"available": True, "precision": pr.precision, "recall": pr.recall}


def _when_available(label: str, text: Callable[[dict], str]) -> Callable[[dict], list[tuple[str, str]]]:
    return lambda entry: [(label, text(entry) if entry["available"] else "unavailable")]


def _when_available_rows(rows: Callable[[dict], list[tuple[str, str]]]) -> Callable[[dict], list[tuple[str, str]]]:
    return lambda entry: rows(entry) if entry["available"] else []


register(Measure("fid", "features", _fid, _when_available("FID", _fid_text),
                 compared=(Compared("FID", ("value",), ("interval",), LOWER),),
                 per_class=False))  # fmt: skip
register(Measure("relative_fd", "features", _relative_fd,
                 _when_available("FD relative to real halves", lambda e: f"{e['value']:.3f}"),
                 per_class=False))  # fmt: skip
register(Measure("kid", "features", _kid,
                 _when_available("KID", lambda e: f"{e['mean']:.4f} {interval_text(e['interval'], 4)}"),
                 compared=(Compared("KID", ("mean",), ("interval",), LOWER),)))  # fmt: skip
register(Measure(
    "density_coverage_inception", "features",
    _inception_density_coverage,
    _when_available_rows(lambda entry: density_coverage_rows(entry, "Inception features")), per_class=False,
))  # fmt: skip
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


def _label_fidelity(inputs: MeasureInputs) -> dict:
    sets = inputs.labelled
    generated = {index: sets.fake[sets.fake_labels == index] for index in range(len(sets.class_names))}
    return label_fidelity(sets.real, sets.real_labels, generated, sets.class_names, sets.real_subjects, inputs.seed)


register(Measure("label_fidelity", "labels", _label_fidelity, label_fidelity_rows, per_class=False))
register(Measure(
    "label_agreement", "labels", None, lambda entry: [],
    tracking=Tracking(prepare=label_agreement_tracking, title="Worst class's label agreement (higher is better)",
                      higher_is_better=True, variety_discount=True),
    per_class=False,
))  # fmt: skip


def compared_values() -> list[tuple[str, Compared]]:
    """(measure name, what of its entry is compared) for every number `evaluate --compare` ranks."""
    return [(name, compared) for name, measure in MEASURES.items() for compared in measure.compared]


register(Measure(
    "copies", "pixels", None, lambda entry: [],
    tracking=Tracking(lambda real, fake, seed: nearest_training_images(fake, real).copy_share,
                      title="Possible copies of the sample's training slices (share; lower is better)",
                      selectable=False),
))  # fmt: skip
"""Tracked only: how many generated images are nearest-neighbour copies of the quality check's training slices,
so a run shows when it starts to memorise (diffusion models on small sets do); `evaluate`'s novelty measure
compares with every training image."""
