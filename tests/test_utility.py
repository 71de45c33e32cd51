"""`python -m mri_gan.utility`: disjoint folds, equal steps per arm, the overlap warning, and on toy problems a gain
for synthetic images that are more real data and a loss for synthetic images with their classes swapped."""

import json
import os
import shutil

import numpy as np
import pytest
from conftest import head_image, run_module, tiny_config, write_image
from scipy.ndimage import gaussian_filter


def blob_slices(count: int, seed: int, side: int = 32, amplitude: float = 60.0) -> tuple[np.ndarray, np.ndarray]:
    """A toy tumour task: a textured disc ("head"), half of them with a faint bright blob ("yes") somewhere near
    the middle; hard enough at 40 training images that more images of the same kind help."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(count) % 2)
    rows, cols = np.mgrid[:side, :side]
    head = (rows - side / 2) ** 2 + (cols - side / 2) ** 2 < (0.4 * side) ** 2
    texture = gaussian_filter(rng.normal(0, 1, (count, side, side)), (0, 1.5, 1.5))
    images = (110 + 35 * texture / texture.std()) * head
    for index in np.flatnonzero(labels):
        row, col = side / 2 + rng.uniform(-0.2 * side, 0.2 * side, 2)
        images[index] += amplitude * np.exp(-((rows - row) ** 2 + (cols - col) ** 2) / (2 * (side / 8) ** 2)) * head
    return np.clip(images, 0, 255).astype(np.uint8), labels


def write_classes(folder, images, labels, names=("no", "yes")):
    for index, (image, label) in enumerate(zip(images, labels, strict=True)):
        write_image(folder / names[label] / f"{index:04d}.png", image)
    return folder


def utility(*args):
    return run_module("mri_gan.utility", *map(str, args), env={**os.environ, "MRI_GAN_OFFLINE": "1"})


def test_folds_never_share_a_subject_or_identical_bytes_and_test_every_image_once_per_repeat():
    from mri_gan.downstream.folds import image_groups, repeated_folds

    rng = np.random.default_rng(0)
    subjects = [f"patient{rng.integers(12)}" if index % 3 else None for index in range(90)]
    sha1s = [f"plain{rng.integers(20)}" if who is None else f"slice{index}" for index, who in enumerate(subjects)]
    labels = rng.integers(0, 2, 90)
    folds = list(repeated_folds(image_groups(subjects, sha1s), labels, folds=4, repeats=3, seed=1))
    assert len(folds) == 12
    for fold in folds:
        for values in (subjects, sha1s):
            train, test = ({values[index] for index in part} - {None} for part in (fold.train, fold.test))
            assert not train & test
    for repeat in range(3):
        tested = np.sort(np.concatenate([fold.test for fold in folds if fold.repeat == repeat]))
        assert np.array_equal(tested, np.arange(90))
    assert not np.array_equal(folds[0].test, folds[4].test), "each repeat shuffles the folds anew"


def test_a_folder_s_byte_identical_files_land_on_one_side(tmp_path):
    from mri_gan.downstream.folds import repeated_folds
    from mri_gan.downstream.protocol import LabelledSlices

    images, labels = blob_slices(24, seed=0)
    data = write_classes(tmp_path / "data", images, labels)
    for index in range(6):  # copies under other names, as the Kaggle set has
        name = ("no", "yes")[labels[index]]
        shutil.copy(data / name / f"{index:04d}.png", data / name / f"copy{index}.png")
    slices = LabelledSlices.from_folder(data, 32, None)
    assert slices.class_names[slices.positive] == "yes"
    for fold in repeated_folds(slices.groups, slices.labels, folds=3, repeats=2, seed=0):
        assert not {slices.sha1s[i] for i in fold.train} & {slices.sha1s[i] for i in fold.test}


def test_every_arm_and_classifier_takes_the_same_number_of_steps_from_the_same_start():
    from mri_gan.downstream.arms import SyntheticPool, arms_from_flags
    from mri_gan.downstream.protocol import LabelledSlices, study

    images, labels = blob_slices(24, seed=0)
    extra, extra_labels = blob_slices(80, seed=1)
    ids = [str(index) for index in range(24)]

    class Memory:
        def pool(self, counts, seed):
            return SyntheticPool({label: extra[extra_labels == label][:count] for label, count in counts.items()})

    arms = arms_from_flags("mixed,pretrain,filtered", "0.5,2")
    assert [arm.name for arm in arms] == ["real", "mixed@0.5", "mixed@2", "pretrain", "filtered"]
    slices = LabelledSlices(images, labels, ("no", "yes"), ids, ids, positive=1)
    rows = study(slices, Memory(), arms, ["cnn", "resnet"], folds=2, repeats=1, steps=7, seed=0)
    assert len(rows) == 2 * 2 * len(arms)
    assert {row["steps"] for row in rows} == {7}
    assert {row["arm"] for row in rows} == {arm.name for arm in arms}
    assert all(0 <= row["accuracy"] <= 1 and 0 <= row["roc_auc"] <= 1 for row in rows)


@pytest.mark.parametrize("bad, message", [
    (["--arms", "mixed,bagging"], "unknown arm 'bagging'"),
    (["--shares", "0.5,-1"], "every share must be above 0"),
    (["--classifier", "vgg"], "choose from cnn, resnet"),
    (["--folds", "30"], "Give fewer --folds"),
])  # fmt: skip
def test_bad_flags_are_one_paragraph(tmp_path, bad, message):
    images, labels = blob_slices(24, seed=0)
    data = write_classes(tmp_path / "data", images, labels)
    result = utility("--data", data, "--synthetic", data, "--out", tmp_path / "out", "--resolution", 32, *bad)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_generator_trained_on_the_tested_slices_is_warned_about(tmp_path):
    from mri_gan.training.run import train

    data = tmp_path / "data"
    for index in range(16):
        write_image(data / ("yes" if index % 2 else "no") / f"{index}.png", head_image(48, 48, seed=index))
    config = tiny_config(data, epochs=1)
    config.model.conditional = True
    train(config, tmp_path / "run")
    result = utility("--data", data, "--model", tmp_path / "run", "--out", tmp_path / "out", "--folds", 2,
                     "--repeats", 1, "--classifier", "cnn", "--dry-run")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "The generator trained on 16 of the 16 real slices the folds test on" in result.stderr
    assert "about" in result.stdout and not (tmp_path / "out").exists()

    config.data.holdout = 0.5
    train(config, tmp_path / "held")
    unflattered = utility("--model", tmp_path / "held", "--out", tmp_path / "out", "--folds", 2, "--repeats", 1,
                          "--classifier", "cnn", "--dry-run")  # fmt: skip
    assert unflattered.returncode == 0, unflattered.stderr
    assert f"8 real slices (no, yes; the 8 slices {tmp_path / 'held'} held out from training)" in unflattered.stdout
    assert "trained on" not in unflattered.stderr and "not recorded" not in unflattered.stderr

    unconditional = tiny_config(data, epochs=1)
    train(unconditional, tmp_path / "plain")
    refused = utility("--data", data, "--model", tmp_path / "plain", "--out", tmp_path / "out")
    assert refused.returncode == 2 and "is unconditional" in refused.stderr


def toy_study(tmp_path, swap_classes: bool) -> tuple[dict, str]:
    """The CLI on 60 real toy slices, with 16 synthetic per real one that are more slices of the same task (their
    classes swapped when `swap_classes`)."""
    images, labels = blob_slices(60, seed=0)
    data = write_classes(tmp_path / "data", images, labels)
    extra, extra_labels = blob_slices(1400, seed=1)
    names = ("yes", "no") if swap_classes else ("no", "yes")
    synthetic = write_classes(tmp_path / "synthetic", extra, extra_labels, names)
    result = utility("--data", data, "--synthetic", synthetic, "--out", tmp_path / "out", "--resolution", 32,
                     "--arms", "mixed", "--shares", 16, "--classifier", "cnn", "--folds", 3, "--repeats", 2,
                     "--steps", 200)  # fmt: skip
    assert result.returncode == 0, result.stderr
    for name in ("report.json", "report.html", "differences.png"):
        assert (tmp_path / "out" / name).is_file()
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert len(report["per_fold"]) == 2 * 3 * 2
    return report["arms"]["cnn"]["mixed@16"], result.stdout


def test_more_slices_of_the_same_kind_are_found_to_help(tmp_path):
    entry, printed = toy_study(tmp_path, swap_classes=False)
    auc = entry["roc_auc"]
    assert auc["difference"]["corrected_interval"]["low"] > 0, auc
    assert entry["accuracy"]["difference"]["mean"] > 0
    assert "adding synthetic images helped in mixed@16" in printed


def test_slices_with_their_classes_swapped_are_found_to_hurt(tmp_path):
    entry, printed = toy_study(tmp_path, swap_classes=True)
    accuracy = entry["accuracy"]
    assert accuracy["difference"]["corrected_interval"]["high"] < 0 and accuracy["significant"], accuracy
    assert "synthetic images hurt in mixed@16" in printed


def arm_entry(**means):
    """A report entry per measure: the given mean differences, those of magnitude >= 0.1 beyond Holm's correction."""
    from mri_gan.downstream.statistics import MEASURES

    entry = {}
    for measure in MEASURES:
        mean = means.get(measure, 0.0)
        entry[measure] = {"difference": {"mean": mean, "corrected_interval": {"low": mean - 0.05, "high": mean + 0.05}},
                          "holm_p": 0.001 if abs(mean) >= 0.1 else 0.5, "significant": abs(mean) >= 0.1}  # fmt: skip
    return entry


def test_a_sensitivity_bought_with_specificity_is_named_a_threshold_shift_not_a_help():
    from mri_gan.downstream.report import headline

    report = {
        "arms": {"cnn": {
            "shifted": arm_entry(sensitivity=0.2, specificity=-0.2),
            "better": arm_entry(sensitivity=0.2, specificity=-0.2, roc_auc=0.1),
        }},
        "overlap": {"warning": ""},
    }  # fmt: skip
    sensitivity = next(line for line in headline(report) if line.startswith("cnn, sensitivity"))
    assert "helped in better (" in sensitivity and "helped in shifted" not in sensitivity
    assert "shifted raised it only by lowering specificity" in sensitivity and "a shift of the decision" in sensitivity
    roc_auc = next(line for line in headline(report) if line.startswith("cnn, roc_auc"))
    assert "helped in better (" in roc_auc
