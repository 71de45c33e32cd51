"""A conditional run as a user drives it: fit, generate --label, evaluate per class, detect; and its errors."""

import csv
import json

import pytest
from conftest import evaluated, head_image, run_module, write_image
from PIL import Image
from test_cli_end_to_end import TINY_RUN


@pytest.fixture(scope="module")
def conditional_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("conditional")
    data = root / "data"
    for i in range(16):
        write_image(data / ("yes" if i % 4 else "no") / f"{i}.png", head_image(48, 48, seed=i))  # 12 yes, 4 no
    run = root / "run"
    result = run_module("mri_gan.fit", "--data", str(data), "--out", str(run), *TINY_RUN, "--conditional",
                        "--balance-classes", "--ema-decay", "0.9", "--loss", "hinge", "--spectral-norm",
                        "--quality-every", "1", "--keep-best", "label_agreement")  # fmt: skip
    assert result.returncode == 0, result.stderr
    return run, data


def test_fit_writes_a_grid_per_class_and_a_labelled_export(conditional_run):
    run, _ = conditional_run
    for name in ("grids/epoch_000002_no.png", "grids/epoch_000002_yes.png", "keras/generator.keras"):
        assert (run / name).is_file(), name
    info = json.loads((run / "generator/assets.extra/mri_gan.json").read_text())
    assert info["classes"] == ["no", "yes"]
    config = json.loads((run / "config.json").read_text())["config"]
    assert config["model"]["conditional"] and config["train"]["ema_decay"] == 0.9 and config["data"]["balance_classes"]


def test_the_quality_checks_track_label_agreement_and_keep_the_generator_best_at_it(conditional_run):
    run, _ = conditional_run
    with (run / "history.csv").open(newline="") as handle:
        checks = [(float(row["label_agreement"]), float(row["ms_ssim"])) for row in csv.DictReader(handle)]
    assert len(checks) == 2 and all(0.0 <= agreement <= 1.0 for agreement, _ in checks)
    best = json.loads((run / "best_generator.json").read_text())
    real_diversity = 1 - best["real_sample"]["ms_ssim"]
    ranks = [((1 - ms_ssim) / real_diversity < 0.5, -agreement * min(1.0, (1 - ms_ssim) / real_diversity))
             for agreement, ms_ssim in checks]  # fmt: skip
    chosen = ranks.index(min(ranks))
    assert best["selected_by"] == "label_agreement" and best["epoch"] == 1 + chosen
    assert (best["label_agreement"], best["ms_ssim"]) == checks[chosen]


def test_generate_makes_the_requested_class_or_every_class(conditional_run, tmp_path):
    run, _ = conditional_run
    result = run_module("mri_gan.generate", "--model", str(run), "--num", "3", "--out", str(tmp_path / "yes"),
                        "--label", "yes", "--quiet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "yes").glob("*.png"))) == 3
    result = run_module(
        "mri_gan.generate", "--model", str(run), "--num", "2", "--out", str(tmp_path / "all"), "--quiet"
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.relative_to(tmp_path / "all").as_posix() for p in (tmp_path / "all").rglob("*.png")) == [
        "no/generated_000000.png",
        "no/generated_000001.png",
        "yes/generated_000000.png",
        "yes/generated_000001.png",
    ]
    assert Image.open(tmp_path / "all/no/generated_000000.png").size == (32, 32)
    wrong = run_module("mri_gan.generate", "--model", str(run), "--num", "2", "--out", str(tmp_path / "x"),
                       "--label", "maybe")  # fmt: skip
    assert wrong.returncode == 2 and "'maybe' is not a class" in wrong.stderr and "no, yes" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_evaluate_reports_every_measure_per_class_and_label_fidelity(conditional_run, tmp_path):
    run, data = conditional_run
    out = tmp_path / "evaluation"
    report, printed = evaluated(run, data, out, 16)
    assert report["counts"]["generated"] == 4 + 12  # the real folder's class shares
    assert set(report["per_class"]) == {"no", "yes"}
    for measures in report["per_class"].values():
        assert measures["available"] and measures["swd"]["real_vs_generated"]["mean"] > 0
    fidelity = report["label_fidelity"]
    assert set(fidelity["agreement"]) == {"no", "yes"} and 0 <= fidelity["held_out_real_accuracy"] <= 1
    recall = fidelity["held_out_real_recall"]
    assert recall and set(recall) <= {"no", "yes"} and all(0 <= share <= 1 for share in recall.values())
    assert "[yes] generated classified as yes" in printed and "(held-out real: " in printed


def test_detect_scores_images_with_a_conditional_discriminator(conditional_run, tmp_path):
    run, data = conditional_run
    result = run_module("mri_gan.detect", "--model", str(run), "--images", str(data), "--out", str(tmp_path / "s.csv"))
    assert result.returncode == 0, result.stderr
    assert len((tmp_path / "s.csv").read_text().splitlines()) == 1 + 16


def test_conditional_training_on_a_folder_without_classes_is_a_clear_error(tmp_path):
    for i in range(6):
        write_image(tmp_path / "flat" / f"{i}.png", head_image(48, 48, seed=i))
    result = run_module("mri_gan.fit", "--data", str(tmp_path / "flat"), "--out", str(tmp_path / "run"), *TINY_RUN,
                        "--conditional")  # fmt: skip
    assert result.returncode == 2 and "no class subfolders" in result.stderr and "Traceback" not in result.stderr
    unconditional = run_module("mri_gan.fit", "--data", str(tmp_path / "flat"), "--out", str(tmp_path / "run2"),
                               *TINY_RUN, "--ema-decay", "1.5")  # fmt: skip
    assert unconditional.returncode == 2 and "train.ema_decay must be in [0, 1)" in unconditional.stderr


def test_latent_walks_are_written_per_class(conditional_run, tmp_path):
    run, _ = conditional_run
    result = run_module("mri_gan.generate", "--model", str(run), "--interpolate", "2", "--walk-steps", "3",
                        "--out", str(tmp_path / "walks"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    for name in ("no", "yes"):
        assert Image.open(tmp_path / "walks" / name / "interpolation.gif").n_frames == 3 + 1
        assert Image.open(tmp_path / "walks" / name / "interpolation.png").size == (3 * 32 + 2 * 2, 2 * 32 + 2)
