"""Which kinds of built-in slice a generator makes too often or too rarely: contrast, level, tumour.

The built-in slices are rendered from known factors (`mri_gan.data.phantom`): one of four
contrasts, the template's axial level (cerebellum to vertex) and a tumour or none. A small
CNN trained on fresh slices of the same distribution predicts those factors for any
image; the shares it predicts for a generator's images, set against the shares it predicts
for the training slices, say which modes a generator over- or under-produces. This is the
classifier mode count of PacGAN's and VEEGAN's stacked-MNIST experiments applied to the
phantoms: SWD says how far a generator is from the data, this says where.

    python experiments/phantom_coverage.py --model runs/builtin/generator [--model ...] --out runs/coverage

The fresh slices (4,000, another seed than the built-in set's) are rendered once into the
package's cache, the classifier is trained once and kept in `--out`; `coverage.json` there
holds every figure printed.

`--matched-swd` asks whether the mix is what SWD counts: each generator's images are drawn
again so that every training slice of one half of the set gets a generated image of its own
kind (contrast x level bin x tumour), and SWD per pyramid level against that half is printed
for the images as sampled and as drawn. If correcting the mix does not lower SWD, the gap
is inside the images, not in how often each kind comes.
"""

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import mri_gan  # noqa: F401  (first: its TensorFlow settings apply only before TF is imported)

# isort: split
import keras
import numpy as np

from mri_gan.cli import run_command
from mri_gan.data.builtin import default_dataset_dir
from mri_gan.data.files import scan_image_folder
from mri_gan.data.phantom import CONTRASTS, MANIFEST
from mri_gan.evaluation.folders import labelled_images
from mri_gan.metrics.swd import sliced_wasserstein
from mri_gan.runs.model_source import Sampler, model_source
from mri_gan.sampling.latents import latent_vectors

RESOLUTION = 64
LEVEL_BINS = 5  # quantile bins of the training slices' predicted level: 20% of them in each
FRESH_SEED = 2  # the built-in set is seed 0 and `evaluate`'s fresh-slice floor seed 1


@dataclass(frozen=True)
class Factors:
    """Per-image factors: contrast index (into CONTRASTS), axial level, tumour (0 or 1)."""

    contrast: np.ndarray
    level: np.ndarray
    tumour: np.ndarray

    def subset(self, index) -> "Factors":
        return Factors(self.contrast[index], self.level[index], self.tumour[index])


def phantom_images(folder: Path) -> tuple[np.ndarray, Factors]:
    """A rendered phantom set at 64x64 through the training pipeline, with its manifest's factors."""
    records = {entry["file"]: entry for entry in json.loads((folder / MANIFEST).read_text())["images"]}
    scan = scan_image_folder(folder)
    images = labelled_images(scan, RESOLUTION).images
    entries = [records[image.path.relative_to(scan.root).as_posix()] for image in scan.images]
    factors = Factors(
        contrast=np.array([CONTRASTS.index(entry["contrast"]) for entry in entries]),
        level=np.array([entry["slice"] for entry in entries], np.float32),
        tumour=np.array([entry["label"] == "yes" for entry in entries], np.int32),
    )
    return images, factors


def _network_input(images: np.ndarray) -> np.ndarray:
    return images.astype(np.float32) / 127.5 - 1.0


class FactorClassifier:
    """A CNN from a 64x64 slice to its contrast, level and tumour; the level is learned standardized."""

    def __init__(self, network: keras.Model, level_mean: float, level_sd: float):
        self.network, self.level_mean, self.level_sd = network, level_mean, level_sd

    @classmethod
    def train(cls, images: np.ndarray, factors: Factors, epochs: int, seed: int = 0) -> "FactorClassifier":
        keras.utils.set_random_seed(seed)
        inputs = keras.Input((RESOLUTION, RESOLUTION, 1))
        x = inputs
        for filters in (32, 64, 64, 128):
            x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
            x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
            x = keras.layers.MaxPooling2D()(x)
        x = keras.layers.GlobalAveragePooling2D()(x)
        x = keras.layers.Dense(128, activation="relu")(x)
        outputs = [
            keras.layers.Dense(len(CONTRASTS), activation="softmax", name="contrast")(x),
            keras.layers.Dense(1, name="level")(x),
            keras.layers.Dense(1, activation="sigmoid", name="tumour")(x),
        ]
        network = keras.Model(inputs, outputs, name="factor_classifier")
        network.compile(keras.optimizers.Adam(1e-3),
                        loss=["sparse_categorical_crossentropy", "mse", "binary_crossentropy"])  # fmt: skip
        level_mean, level_sd = float(factors.level.mean()), float(factors.level.std())
        targets = [factors.contrast, (factors.level - level_mean) / level_sd, factors.tumour]
        network.fit(_network_input(images), targets, epochs=epochs, batch_size=64, verbose=0)
        return cls(network, level_mean, level_sd)

    def save(self, path: Path) -> None:
        self.network.save(path)
        path.with_suffix(".json").write_text(json.dumps({"level_mean": self.level_mean, "level_sd": self.level_sd}))

    @classmethod
    def load(cls, path: Path) -> "FactorClassifier":
        scale = json.loads(path.with_suffix(".json").read_text())
        return cls(keras.models.load_model(path), scale["level_mean"], scale["level_sd"])

    def predict(self, images: np.ndarray) -> Factors:
        contrast, level, tumour = self.network.predict(_network_input(images), batch_size=256, verbose=0)
        return Factors(contrast.argmax(axis=1), level[:, 0] * self.level_sd + self.level_mean,
                       (tumour[:, 0] > 0.5).astype(np.int32))  # fmt: skip


def shares(factors: Factors, level_edges: np.ndarray) -> dict:
    """The share of images in each contrast, each level bin and with a tumour."""
    count = len(factors.contrast)
    return {
        "contrast": (np.bincount(factors.contrast, minlength=len(CONTRASTS)) / count).tolist(),
        "level": (
            np.bincount(np.digitize(factors.level, level_edges), minlength=len(level_edges) + 1) / count
        ).tolist(),
        "tumour": float(factors.tumour.mean()),
    }


def total_variation(these: dict, reference: dict) -> dict:
    """Half the summed absolute difference of shares, per factor: the share of images in the wrong kind."""
    distance = {
        name: 0.5 * float(np.abs(np.subtract(these[name], reference[name])).sum()) for name in ("contrast", "level")
    }
    distance["tumour"] = abs(these["tumour"] - reference["tumour"])
    return distance


def level_edges(training_levels: np.ndarray) -> np.ndarray:
    """Inner edges of LEVEL_BINS bins holding equal shares of the training slices."""
    return np.quantile(training_levels, np.linspace(0, 1, LEVEL_BINS + 1)[1:-1])


def classifier_for(out: Path, fresh: int, epochs: int) -> tuple[FactorClassifier, dict]:
    """The factor classifier kept in `out` (trained on first use) and its held-out accuracy."""
    images, factors = phantom_images(default_dataset_dir(num=fresh, seed=FRESH_SEED))
    order = np.random.default_rng(FRESH_SEED).permutation(len(images))  # the folder lists no/ before yes/
    images, factors = images[order], factors.subset(order)
    held = len(images) // 8
    path = out / f"factor_classifier_n{fresh}_e{epochs}.keras"
    if path.is_file():
        classifier = FactorClassifier.load(path)
    else:
        classifier = FactorClassifier.train(images[held:], factors.subset(slice(held, None)), epochs)
        classifier.save(path)
    predicted = classifier.predict(images[:held])
    accuracy = {
        "contrast": float((predicted.contrast == factors.contrast[:held]).mean()),
        "level_mean_abs_error": float(np.abs(predicted.level - factors.level[:held]).mean()),
        "tumour": float((predicted.tumour == factors.tumour[:held]).mean()),
        "held_out_images": held,
    }
    return classifier, {"accuracy": accuracy, "held_out": predicted}


def kinds(factors: Factors, level_edges: np.ndarray) -> np.ndarray:
    """One integer per image for its contrast x level bin x tumour cell."""
    level_bin = np.digitize(factors.level, level_edges)
    return (factors.contrast * (len(level_edges) + 1) + level_bin) * 2 + factors.tumour


def matched_draw(candidate_kinds: np.ndarray, wanted_kinds: np.ndarray, rng) -> tuple[np.ndarray, int]:
    """For each wanted kind the index of a candidate of that kind; a kind no candidate has gets any candidate.

    Returns the indices and how many wanted kinds had no candidate (the draw is only as
    matched as that count allows).
    """
    indices, missing = [], 0
    for kind in wanted_kinds:
        pool = np.flatnonzero(candidate_kinds == kind)
        missing += not len(pool)
        indices.append(rng.choice(pool) if len(pool) else rng.integers(len(candidate_kinds)))
    return np.array(indices), missing


def swd_halves(count: int, num: int) -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint random halves of the training slices, of `num` // 2 each: the reference and real-vs-real."""
    half = min(num, count) // 2
    order = np.random.default_rng(FRESH_SEED).permutation(count)
    return order[:half], order[half : 2 * half]


def _levels(swd) -> dict:
    return {**swd.per_level, "mean": swd.mean}


def matched_swd(classifier, sampler, reference, reference_kinds, edges, num: int) -> dict:
    """SWD per level against `reference`, of as many generated images as sampled and as drawn to its mix."""
    candidates = sampler.images(latent_vectors(0, 12 * num, sampler.latent_dim))
    drawn, missing = matched_draw(kinds(classifier.predict(candidates), edges), reference_kinds,
                                  np.random.default_rng(0))  # fmt: skip
    return {"kinds_without_candidate": missing,
            "as_sampled": _levels(sliced_wasserstein(reference, candidates[: len(reference)])),
            "matched_to_training_mix": _levels(sliced_wasserstein(reference, candidates[drawn]))}  # fmt: skip


def _report_matched_swd(classifier, samplers, training_images, training, edges, rows, num) -> dict:
    """Print and add to `rows` each model's `matched_swd`; returns the training halves' own SWD, the floor."""
    reference_half, other_half = swd_halves(len(training_images), num)
    baseline = _levels(sliced_wasserstein(training_images[reference_half], training_images[other_half]))
    print(f"SWD x1e3 per level against {len(reference_half)} training slices")
    _print_swd("training slices, the other half", "real vs real", baseline)
    for model, sampler in samplers.items():
        entry = matched_swd(classifier, sampler, training_images[reference_half],
                            kinds(training, edges)[reference_half], edges, num)  # fmt: skip
        rows[model]["swd"] = entry
        for label in ("as_sampled", "matched_to_training_mix"):
            _print_swd(model, label, entry[label])
        if entry["kinds_without_candidate"]:
            print(f"{'':>44} | {entry['kinds_without_candidate']} kinds had no generated image: drawn at random")
    return baseline


def _print_swd(name: str, label: str, levels: dict) -> None:
    per_level = "  ".join(f"{size} px {value:.2f}" for size, value in levels.items() if size != "mean")
    print(f"{name[-44:]:>44} | {label:>23} | {per_level} | mean {levels['mean']:.2f}")


def _print_row(name: str, row: dict) -> None:
    contrast = " ".join(f"{share:.2f}" for share in row["shares"]["contrast"])
    level = " ".join(f"{share:.2f}" for share in row["shares"]["level"])
    distance = row["total_variation"]
    print(f"{name[-44:]:>44} | {contrast} | {level} | {row['shares']['tumour']:.2f} | "
          f"{distance['contrast']:.2f} {distance['level']:.2f} {distance['tumour']:.2f}")  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--model", action="append", default=[], help="run, SavedModel or .keras; repeatable")
    parser.add_argument("--out", type=Path, required=True, help="folder for the classifier and coverage.json")
    parser.add_argument("--num", type=int, default=1000, help="generated images per model (default 1,000)")
    parser.add_argument("--fresh", type=int, default=4000, help="fresh slices for the classifier (default 4,000)")
    parser.add_argument("--epochs", type=int, default=25, help="classifier training epochs (default 25)")
    parser.add_argument("--matched-swd", action="store_true",
                        help="also SWD per level of each generator's images drawn to the training mix")  # fmt: skip
    args = parser.parse_args(argv)
    if args.num < 1 or args.fresh < 16 or args.epochs < 1:
        parser.error(f"--num must be at least 1, --fresh at least 16 and --epochs at least 1; got {args.num}, "
                     f"{args.fresh} and {args.epochs}")  # fmt: skip
    if args.matched_swd and args.num < 64:
        parser.error(f"--matched-swd compares --num // 2 images per set; give --num 64 or more, got {args.num}")
    samplers = {model: Sampler(model_source(model)) for model in args.model}  # a wrong --model fails before training
    args.out.mkdir(parents=True, exist_ok=True)
    classifier, held_out = classifier_for(args.out, args.fresh, args.epochs)
    training_images = phantom_images(default_dataset_dir())[0]
    training = classifier.predict(training_images)
    edges = level_edges(training.level)
    reference = shares(training, edges)
    sources = {"training slices": training, "fresh slices (held out)": held_out["held_out"]}
    for model, sampler in samplers.items():
        sources[model] = classifier.predict(sampler.images(latent_vectors(0, args.num, sampler.latent_dim)))
    rows = {name: {"shares": shares(factors, edges)} for name, factors in sources.items()}
    for row in rows.values():
        row["total_variation"] = total_variation(row["shares"], reference)
    accuracy = held_out["accuracy"]
    print(
        f"Classifier on {accuracy['held_out_images']} held-out fresh slices: contrast {accuracy['contrast']:.1%}, "
        f"level within {accuracy['level_mean_abs_error']:.1f} slices on average, tumour {accuracy['tumour']:.1%}"
    )
    print(f"Level bins: the training slices' predicted-level quintiles, edges {np.round(edges, 1).tolist()}")
    print(f"{'source':>44} | contrast {' '.join(CONTRASTS)} | level bins low..high | tumour | distance c l t")
    for name, row in rows.items():
        _print_row(name, row)
    report = {"accuracy": accuracy, "contrasts": list(CONTRASTS), "level_edges": edges.tolist(), "sources": rows}
    if args.matched_swd:
        report["swd_real_vs_real"] = _report_matched_swd(classifier, samplers, training_images, training, edges,
                                                         rows, args.num)  # fmt: skip
    (args.out / "coverage.json").write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(run_command(main, "experiments/phantom_coverage.py"))
