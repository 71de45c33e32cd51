"""Run folders are protected: foreign folders refused, one process at a time, divergence stops the run."""

import json

import numpy as np
from conftest import run_in_new_process, run_module

from mri_gan.runs.guard import MARKER, run_lock
from mri_gan.runs.layout import RunDirectory

TINY = ["--epochs", "2", "--resolution", "32", "--width", "4", "--latent-dim", "8", "--batch-size", "4",
        "--quality-every", "1"]  # fmt: skip


def test_a_folder_that_is_not_a_run_is_refused_and_left_as_it_was(tiny_folder, tmp_path):
    mine = tmp_path / "mine"
    (mine / "generator").mkdir(parents=True)
    (mine / "generator" / "notes.txt").write_text("my notes")
    (mine / "config.json").write_text("{}")
    before = sorted((path.relative_to(mine), path.read_bytes()) for path in mine.rglob("*") if path.is_file())
    result = run_module("mri_gan.fit", "--data", str(tiny_folder), "--out", str(mine), *TINY)
    assert result.returncode == 2 and "did not write" in result.stderr and "Traceback" not in result.stderr
    assert sorted((path.relative_to(mine), path.read_bytes()) for path in mine.rglob("*") if path.is_file()) == before

    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    result = run_module("mri_gan.fit", "--data", str(tiny_folder), "--out", str(a_file), *TINY)
    assert result.returncode == 2 and "is a file" in result.stderr and "Traceback" not in result.stderr


def test_a_second_process_is_refused_while_a_run_is_in_use(tiny_folder, tmp_path):
    import os

    run = tmp_path / "run"
    run.mkdir()
    (run / MARKER).write_text("{}")
    with run_lock(RunDirectory(run)):
        result = run_in_new_process("mri_gan.fit", "--data", str(tiny_folder), "--out", str(run), *TINY)
    assert result.returncode == 2 and f"pid {os.getpid()}" in result.stderr and "Traceback" not in result.stderr
    assert not (run / "config.json").exists()


def test_divergence_stops_with_an_error_and_exports_no_non_finite_generator(tiny_folder, tmp_path):
    run = tmp_path / "run"
    result = run_module("mri_gan.fit", "--data", str(tiny_folder), "--out", str(run), *TINY, "--lr", "1e30")
    assert result.returncode == 2 and "diverged" in result.stderr and "Traceback" not in result.stderr
    assert "(--lr 1e+30)" in result.stderr  # the advice names the rate to lower
    said = " ".join(result.stderr.split())
    assert "Nothing was saved" in said and "no checkpoint is written" in said and "nothing is exported" in said
    assert "is kept" not in said and "are kept" not in said
    assert not (run / "generator").exists() and not (run / "best_generator").exists()
    assert not (run / "checkpoints" / "checkpoint").exists()  # nothing good was ever there to keep
    record = json.loads((run / "config.json").read_text())
    assert record["config"]["train"]["lr"] == 1e30
    assert (run / MARKER).is_file()


def test_a_run_continued_after_a_good_start_keeps_its_last_good_export(tiny_folder, tmp_path):
    import tensorflow as tf

    run = tmp_path / "run"
    assert run_module("mri_gan.fit", "--data", str(tiny_folder), "--out", str(run), *TINY).returncode == 0
    z = np.zeros((1, 8), "float32")
    before = tf.saved_model.load(str(run / "generator"))
    good = before.from_latent(z).numpy()
    result = run_module("mri_gan.fit", "--out", str(run), "--epochs", "4", "--lr", "1e30")
    assert result.returncode == 2 and "diverged" in result.stderr and "epoch 2" in result.stderr
    assert "checkpoint (epoch 2) and an exported generator" in " ".join(result.stderr.split())
    after = tf.saved_model.load(str(run / "generator"))
    np.testing.assert_array_equal(after.from_latent(z).numpy(), good)
    assert tf.train.latest_checkpoint(str(run / "checkpoints")).endswith("ckpt-2")


def test_class_names_that_are_not_plain_folder_names_are_refused(tmp_path):
    import pytest

    from mri_gan.errors import DataError
    from mri_gan.runs.model_source import checked_class_names

    for crafted in ("../escaped", "a/b", "..", ""):
        with pytest.raises(DataError, match="not a plain folder name"):
            checked_class_names(["yes", crafted], tmp_path)
    assert checked_class_names(["no", "yes"], tmp_path) == ["no", "yes"]


def test_the_subject_key_is_readable_by_its_owner_only(tmp_path, monkeypatch):
    import stat

    from mri_gan.data.volumes.extract import subject_id

    shared = tmp_path / "cache"
    shared.mkdir()
    shared.chmod(0o1777)  # a cache folder several users share
    monkeypatch.setenv("MRI_GAN_CACHE", str(shared))
    assert subject_id("patient 1") == subject_id("patient 1") != subject_id("patient 2")
    key = shared / "subject-key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777  # only the key is restricted, not the shared folder
