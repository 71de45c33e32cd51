"""`evaluate` and `detect` end to end on a tiny trained run, and how evaluation samples the sets it compares."""

import csv

import numpy as np
import pytest
from conftest import evaluated, run_module
from test_cli_end_to_end import TINY_RUN


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    from conftest import head_image, write_image

    root = tmp_path_factory.mktemp("evaluate")
    data = root / "data"
    for i in range(16):
        write_image(data / ("yes" if i % 2 else "no") / f"{i}.png", head_image(48, 48, seed=i))
    run = root / "run"
    result = run_module("mri_gan.fit", "--data", str(data), "--out", str(run), *TINY_RUN)
    assert result.returncode == 0, result.stderr
    return run, data


def test_evaluate_writes_every_measure_and_reports_fid_unavailable_offline(tiny_run, tmp_path):
    run, data = tiny_run
    out = tmp_path / "evaluation"
    report, printed = evaluated(run, data, out, 24)
    for key in ("swd", "ms_ssim", "fid", "kid", "relative_fd", "precision_recall", "novelty", "discriminator"):
        assert key in report, key
    assert report["fid"] == {"available": False, "reason": report["fid"]["reason"]}
    assert "MRI_GAN_OFFLINE=1" in report["fid"]["reason"]
    assert report["swd"]["real_vs_real"]["mean"] > 0 and report["counts"]["generated"] == 24
    assert set(report["discriminator"]["confusion"]) == {"real_as_real", "real_as_fake", "fake_as_real", "fake_as_fake"}
    assert (out / "closest_pairs.png").is_file()
    assert (out / "report.png").stat().st_size > 10_000 and "<table>" in (out / "report.html").read_text()
    assert "SWD x1e3 real vs generated" in printed and "unavailable" in printed
    assert "SWD per level, fine to coarse / baseline" in printed and "16 px" in printed


def test_detect_scores_each_image_and_skips_a_corrupt_file(tiny_run, tmp_path):
    run, data = tiny_run
    images = tmp_path / "images"
    images.mkdir()
    for path in sorted(data.rglob("*.png"))[:5]:
        (images / path.name).write_bytes(path.read_bytes())
    (images / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    out = tmp_path / "scores.csv"
    result = run_module("mri_gan.detect", "--model", str(run), "--images", str(images), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "broken.png" in result.stderr and "warning" in result.stderr
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 5 and all(0.0 <= float(row["p_real"]) <= 1.0 for row in rows)
    assert "Scored 5 images (1 skipped)" in result.stdout


def test_evaluation_compares_a_class_ordered_generated_set_as_a_whole(monkeypatch):
    """Generated images listed class by class (a folder's `no/` then `yes/`) are measured as the whole set.

    The generated set here is the real set itself, sorted by class: taken in that order, the
    compared half would hold one class only and score far above the real-vs-real baseline.
    """
    from mri_gan.evaluation import evaluate_images

    monkeypatch.setenv("MRI_GAN_OFFLINE", "1")
    rng = np.random.default_rng(0)
    dark = rng.integers(0, 60, (60, 32, 32, 1), dtype=np.uint8)
    bright = rng.integers(150, 256, (60, 32, 32, 1), dtype=np.uint8)
    real = np.concatenate([dark, bright])[rng.permutation(120)]
    fake = np.concatenate([dark, bright])
    report = evaluate_images(real, fake, real, measures=("swd",), seed=0)
    assert report["swd"]["ratio_to_baseline"] < 1.5
    assert report["counts"]["compared"] == 60


def test_the_closest_pairs_name_generated_images_in_the_order_given(monkeypatch):
    """Reports index into the generated set as the caller gave it (closest_pairs.png shows those images)."""
    from mri_gan.evaluation import evaluate_images

    monkeypatch.setenv("MRI_GAN_OFFLINE", "1")
    rng = np.random.default_rng(1)
    train = rng.integers(0, 256, (30, 32, 32, 1), dtype=np.uint8)
    fake = rng.integers(0, 256, (30, 32, 32, 1), dtype=np.uint8)
    fake[7] = train[3]
    report = evaluate_images(train, fake, train, measures=("novelty",), seed=0)
    assert report["novelty"]["closest_pairs"][0] == [7, 3]
