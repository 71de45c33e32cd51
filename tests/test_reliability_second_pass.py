"""The second reliability pass (issue 48): the wrong data refused, one clear line instead of a traceback."""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import head_image, run_module, tiny_config, write_image
from PIL import Image


def test_a_conditional_run_with_a_class_that_has_no_usable_image_is_refused_naming_the_class(tmp_path):
    data = tmp_path / "data"
    for i in range(6):
        write_image(data / "yes" / f"{i}.png", head_image(48, 48, seed=i))
    (data / "no").mkdir()
    (data / "no" / "broken.png").write_bytes(b"not an image")
    result = run_module("mri_gan.fit", "--data", str(data), "--out", str(tmp_path / "run"), "--conditional",
                        "--resolution", "32", "--dry-run")  # fmt: skip
    assert result.returncode == 2 and "class 'no' has no usable image" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_voxel_limit_is_the_same_one_line_error_for_nifti_and_dicom(tmp_path, monkeypatch):
    from scanner_data import head_volume, save_nifti, write_dicom_series

    monkeypatch.setenv("MRI_GAN_CACHE", str(tmp_path / "cache"))
    save_nifti(tmp_path / "nifti" / "subject.nii.gz", head_volume())
    write_dicom_series(tmp_path / "dicom" / "series", head_volume())
    for data in (tmp_path / "nifti", tmp_path / "dicom"):
        result = run_module("mri_gan.data.slices", "--data", str(data), "--out", str(tmp_path / f"{data.name}_out"),
                            env={**os.environ, "MRI_GAN_MAX_VOLUME_VOXELS": "abc"})  # fmt: skip
        assert result.returncode == 2, result.stderr
        message = " ".join(result.stderr.split())
        assert "MRI_GAN_MAX_VOLUME_VOXELS='abc' is not a positive whole number" in message, result.stderr
        assert "Traceback" not in result.stderr and "could not be" not in result.stderr


def test_evaluate_and_detect_check_their_inputs_before_any_work(tmp_path):
    one = tmp_path / "one"
    write_image(one / "a.png", head_image(48, 48))
    many = tmp_path / "many"
    for i in range(6):
        write_image(many / f"{i}.png", head_image(48, 48, seed=i))
    for flags in (["--real", str(one), "--fake", str(many)], ["--real", str(many), "--fake", str(one)]):
        result = run_module("mri_gan.evaluate", *flags, "--out", str(tmp_path / "e"))
        assert result.returncode == 2 and "1 usable image;" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and not (tmp_path / "e").exists()
    result = run_module("mri_gan.detect", "--model", str(tmp_path), "--data", str(many), "--out", str(tmp_path))
    assert result.returncode == 2 and "is a folder; give the CSV file" in result.stderr, result.stderr


def test_a_run_whose_data_moved_is_one_error_that_names_train(tmp_path):
    from mri_gan.config import RunConfig
    from mri_gan.errors import DataNotFoundError
    from mri_gan.evaluation.inputs import run_training_scan
    from mri_gan.runs.layout import RunDirectory

    run = RunDirectory(tmp_path / "run")
    run.root.mkdir()
    config = RunConfig()
    config.data.path = str(tmp_path / "moved_away")
    run.config.write_text(json.dumps({"config": config.to_dict()}))
    with pytest.raises(DataNotFoundError, match=r"moved_away.*no longer exists.*--train DIR"):
        run_training_scan(run)


def test_scans_whose_slices_all_show_too_little_head_say_why(tmp_path, monkeypatch):
    from scanner_data import save_nifti

    monkeypatch.setenv("MRI_GAN_CACHE", str(tmp_path / "cache"))
    save_nifti(tmp_path / "scans" / "dark.nii.gz", np.zeros((24, 24, 12), np.float32))
    result = run_module("mri_gan.data.slices", "--data", str(tmp_path / "scans"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "--min-foreground" in result.stderr and "()" not in result.stderr, result.stderr


def test_an_unwritable_tensorboard_folder_is_a_warning_and_training_goes_on(tiny_folder, tmp_path, caplog):
    import logging

    from mri_gan.training.run import train

    run = tmp_path / "run"
    run.mkdir()
    (run / ".mri_gan_run").write_text("{}")
    (run / "tensorboard").write_text("a file where the folder should be")
    with caplog.at_level(logging.WARNING):
        result = train(tiny_config(tiny_folder, epochs=1, quality_every=0), run)
    assert result.epochs_done == 1 and (result.run.generator / "saved_model.pb").is_file()
    assert any("Could not write TensorBoard logs" in record.getMessage() for record in caplog.records)


def test_a_second_generate_into_a_folder_in_use_is_refused_and_leaves_no_lock_file(trained_run, tmp_path):
    from mri_gan.runs.guard import folder_lock

    out = tmp_path / "out"
    out.mkdir()
    with folder_lock(out):
        refused = run_module("mri_gan.generate", "--model", str(trained_run), "--num", "2", "--out", str(out),
                             "--quiet")  # fmt: skip
    assert refused.returncode == 2 and "in use by another mri_gan process" in refused.stderr, refused.stderr
    assert not list(out.glob("generated_*.png"))
    made = run_module("mri_gan.generate", "--model", str(trained_run), "--num", "2", "--out", str(out), "--quiet")
    assert made.returncode == 0 and sorted(path.name for path in out.iterdir()) == [
        "generated_000000.png", "generated_000001.png", "generation.json"
    ]  # fmt: skip


@pytest.mark.filterwarnings("ignore:Invalid value for VR DS")
@pytest.mark.parametrize("width", ["0", "-40", "nan"])
def test_a_dicom_window_of_unusable_width_falls_back_to_the_percentiles(tmp_path, monkeypatch, width):
    import pydicom
    from scanner_data import head_volume, write_dicom_series

    monkeypatch.setenv("MRI_GAN_CACHE", str(tmp_path / "cache"))
    for path in write_dicom_series(tmp_path / "scans" / "series", head_volume()):
        dataset = pydicom.dcmread(path)
        dataset.WindowCenter, dataset.WindowWidth = "100", width
        dataset.save_as(path)
    out = tmp_path / "out"
    result = run_module("mri_gan.data.slices", "--data", str(tmp_path / "scans"), "--out", str(out), "--dicom-window")
    assert result.returncode == 0, result.stderr
    slices = [np.asarray(Image.open(path)) for path in sorted(out.rglob("*.png"))]
    assert slices and all(len(np.unique(image)) > 2 for image in slices)  # greys, not only 0 and 255


def test_an_image_with_non_finite_pixels_is_a_bad_file_at_validation(tmp_path):
    from mri_gan.data import scan_image_folder

    write_image(tmp_path / "data" / "good.png", head_image(48, 48))
    pixels = head_image(48, 48).astype(np.float32)
    pixels[10:20, 10:20] = np.nan
    Image.fromarray(pixels, mode="F").save(tmp_path / "data" / "nan.tif")
    scan = scan_image_folder(tmp_path / "data")
    assert [image.path.name for image in scan.images] == ["good.png"]
    assert scan.skipped == {tmp_path / "data" / "nan.tif": "non-finite pixels (NaN or infinity)"}


def test_a_run_folder_inside_the_data_is_not_data_and_training_into_it_warns(tiny_folder, tmp_path, caplog):
    import logging

    from mri_gan.data import scan_image_folder
    from mri_gan.training.run import train

    with caplog.at_level(logging.INFO):
        result = train(tiny_config(tiny_folder, epochs=1, quality_every=0), tiny_folder / "run1")
    assert any("is inside --data" in record.getMessage() for record in caplog.records)
    assert list((result.run.root / "grids").glob("*.png"))  # the run wrote images inside the data folder
    scan = scan_image_folder(tiny_folder)
    assert scan.class_names == ("no", "yes") and len(scan.images) == 12


def test_a_link_from_one_class_folder_to_another_keeps_each_image_in_its_own_class(tmp_path):
    from mri_gan.data import scan_image_folder

    data = tmp_path / "data"
    for i in range(3):
        write_image(data / "no" / f"n{i}.png", head_image(48, 48, seed=i))
        write_image(data / "yes" / f"y{i}.png", head_image(48, 48, seed=10 + i))
    (data / "yes" / "cross").symlink_to(data / "no", target_is_directory=True)
    (data / "no" / "back").symlink_to(data / "yes", target_is_directory=True)
    scan = scan_image_folder(data)
    assert scan.counts_per_class() == {"no": 3, "yes": 3}
    assert all(data.joinpath(scan.class_names[image.label]) in image.path.parents for image in scan.images)


def test_patient_like_folder_names_never_reach_slices_json(tmp_path, monkeypatch):
    from scanner_data import head_volume, save_nifti

    monkeypatch.setenv("MRI_GAN_CACHE", str(tmp_path / "cache"))
    scans = tmp_path / "scans"
    save_nifti(scans / "DOE^JANE_MRN4711" / "good.nii.gz", head_volume())
    (scans / "SMITH^JOHN_MRN0815").mkdir(parents=True)
    (scans / "SMITH^JOHN_MRN0815" / "broken.nii.gz").write_bytes(b"\x1f\x8b not really gzip")
    out = tmp_path / "out"
    result = run_module("mri_gan.data.slices", "--data", str(scans), "--out", str(out))
    assert result.returncode == 0, result.stderr
    manifest = (out / "slices.json").read_text()
    assert "MRN" not in manifest and "DOE" not in manifest and "SMITH" not in manifest, manifest
    assert json.loads(manifest)["left_out"]  # the broken file is still counted, without its path


def test_two_processes_slicing_the_same_scans_share_the_first_ones_cache(tmp_path, monkeypatch):
    from scanner_data import head_volume, save_nifti

    from mri_gan.data.volumes import extract
    from mri_gan.data.volumes.slicing import SliceOptions

    monkeypatch.setenv("MRI_GAN_CACHE", str(tmp_path / "cache"))
    save_nifti(tmp_path / "scans" / "a.nii.gz", head_volume())
    written = extract.write_slices

    def another_process_finishes_first(root, out, options, files=None):
        export = written(root, out, options, files)
        folder = extract.slice_cache_dir() / extract._cache_key(root, extract.volume_files(root), options)
        shutil.copytree(out, folder)  # the other process's finished slices appear under the final name
        return export

    monkeypatch.setattr(extract, "write_slices", another_process_finishes_first)
    export = extract.cached_slices(tmp_path / "scans", SliceOptions())
    assert (export.folder / "slices.json").is_file() and export.counts


def test_generate_refuses_foreign_or_damaged_models_and_a_seed_out_of_range_in_one_line(trained_run, tmp_path):
    import tensorflow as tf

    foreign = tmp_path / "foreign"
    module = tf.Module()
    module.scale = tf.Variable(2.0)
    tf.saved_model.save(module, str(foreign))
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "saved_model.pb").write_bytes(b"not a protobuf at all")
    bad_keras = tmp_path / "generator.keras"
    bad_keras.write_bytes(b"PK not a zip")
    cases = [
        (["--model", str(foreign)], "did not export"),
        (["--model", str(garbage)], "not a readable SavedModel"),
        (["--model", str(bad_keras)], "exists but is not a readable Keras model"),
        (["--model", str(trained_run), "--seed", str(2**64)], "--seed must be a whole number"),
    ]
    for flags, message in cases:
        result = run_module("mri_gan.generate", *flags, "--num", "1", "--out", str(tmp_path / "out"), "--quiet")
        said = " ".join(result.stderr.split())
        assert result.returncode == 2 and message in said and "Traceback" not in said, result.stderr
    assert not list((tmp_path / "out").glob("generated_*"))


def _damaged_copy(trained_run, tmp_path, damage) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(trained_run, copy)
    damage(copy)
    return copy


def _junk(path: Path) -> None:
    path.write_bytes(b"junk")


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


@pytest.mark.parametrize(("damage", "message"), [
    (lambda run: _truncate(next((run / "checkpoints").glob("ckpt-*.data-*"))), "is damaged and cannot be read"),
    (lambda run: _junk(next((run / "checkpoints").glob("ckpt-*.index"))), "is damaged and cannot be read"),
    (lambda run: _truncate(run / "config.json"), "config.json is damaged"),
    (lambda run: (run / "config.json").unlink(), "has checkpoints but no config.json"),
])  # fmt: skip
def test_damaged_run_files_are_one_error_naming_the_file(trained_run, tmp_path, damage, message):
    run = _damaged_copy(trained_run, tmp_path, damage)
    result = run_module("mri_gan.fit", "--out", str(run), "--epochs", "3")
    said = " ".join(result.stderr.split())
    assert result.returncode == 2 and message in said and "Traceback" not in said, result.stderr


def test_an_output_folder_that_cannot_be_written_is_one_line_before_any_work(trained_run, tiny_folder, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("mine")
    unwritable = str(blocker / "out")  # under a file: no one can make it, root included
    commands = {
        "mri_gan.fit": ["--data", str(tiny_folder), "--resolution", "32", "--epochs", "1"],
        "mri_gan.generate": ["--model", str(trained_run), "--num", "1"],
        "mri_gan.evaluate": ["--model", str(trained_run), "--real", str(tiny_folder), "--num", "4"],
    }
    for command, flags in commands.items():
        result = run_module(command, *flags, "--out", unwritable)
        said = " ".join(result.stderr.split())
        assert result.returncode == 2 and "cannot be written" in said and "Traceback" not in said, (command, said)
    assert blocker.read_text() == "mine"


def test_a_swap_interrupted_between_its_renames_is_finished_by_the_next_command(trained_run, tmp_path):
    run = _damaged_copy(trained_run, tmp_path, lambda run: None)
    (run / "generator").rename(run / ".generator.previous")
    (run / ".generator.4242.partial").mkdir()  # an unfinished new export: no info file yet
    made = run_module("mri_gan.generate", "--model", str(run), "--num", "2", "--out", str(tmp_path / "a"), "--quiet")
    assert made.returncode == 0, made.stderr
    assert (run / "generator" / "saved_model.pb").is_file() and not (run / ".generator.previous").exists()
    shutil.copytree(run / "generator", run / ".generator.4243.partial")  # a finished new export
    (run / "generator").rename(run / ".generator.previous")
    resumed = run_module("mri_gan.fit", "--out", str(run))
    assert resumed.returncode == 0 and (run / "generator" / "saved_model.pb").is_file(), resumed.stderr
    assert not (run / ".generator.4243.partial").exists()


def test_a_rerun_exports_a_generator_that_is_missing_or_older_than_the_last_checkpoint(trained_run, tmp_path):
    from mri_gan.runs.export import INFO_FILE

    run = _damaged_copy(trained_run, tmp_path, lambda run: shutil.rmtree(run / "generator"))
    result = run_module("mri_gan.fit", "--out", str(run))
    assert result.returncode == 0 and "exporting it now" in result.stderr, result.stderr
    info = run / "generator" / INFO_FILE
    assert json.loads(info.read_text())["epochs"] == 1
    info.write_text(json.dumps({**json.loads(info.read_text()), "epochs": 0}))  # an export older than the checkpoint
    again = run_module("mri_gan.fit", "--out", str(run))
    assert again.returncode == 0 and "exporting it now" in again.stderr and json.loads(info.read_text())["epochs"] == 1
    current = run_module("mri_gan.fit", "--out", str(run))
    assert current.returncode == 0 and "Nothing to do" in current.stderr, current.stderr


def test_outputs_without_a_checkpoint_are_refused_or_cleared_with_force(trained_run, tmp_path, tiny_folder):
    run = _damaged_copy(trained_run, tmp_path, lambda run: shutil.rmtree(run / "checkpoints"))
    (run / "mine.txt").write_text("not mri_gan's")
    flags = ["--data", str(tiny_folder), "--out", str(run), "--epochs", "1", "--resolution", "32", "--width", "4",
             "--batch-size", "4", "--quality-every", "0"]  # fmt: skip
    refused = run_module("mri_gan.fit", *flags)
    assert refused.returncode == 2 and "no checkpoint to continue from" in " ".join(refused.stderr.split())
    forced = run_module("mri_gan.fit", *flags, "--force")
    assert forced.returncode == 0, forced.stderr
    history = (run / "history.csv").read_text().splitlines()
    assert len(history) == 2 and (run / "mine.txt").read_text() == "not mri_gan's"
    assert not (run / "best_generator").exists()  # the 32-px run's best generator is gone with the rest
    for path in (run / "checkpoints").glob("ckpt-*"):
        path.unlink()
    lost = run_module("mri_gan.fit", "--out", str(run), "--epochs", "2")
    assert lost.returncode == 2 and "whose files are missing" in " ".join(lost.stderr.split()), lost.stderr


def test_a_full_disk_at_a_checkpoint_is_one_error_with_no_partial_files_and_the_last_one_intact(
    tiny_folder, tmp_path, monkeypatch
):
    import tensorflow as tf

    from mri_gan.errors import DataError
    from mri_gan.training.run import train

    real_save = tf.train.CheckpointManager.save

    def full_from_epoch_two(manager, checkpoint_number=None, **kwargs):
        if checkpoint_number and checkpoint_number >= 2:
            (Path(manager.directory) / f"ckpt-{checkpoint_number}_temp").mkdir()  # what TensorFlow leaves
            raise tf.errors.ResourceExhaustedError(None, None, "No space left on device")
        return real_save(manager, checkpoint_number=checkpoint_number, **kwargs)

    monkeypatch.setattr(tf.train.CheckpointManager, "save", full_from_epoch_two)
    with pytest.raises(DataError, match=r"epoch 2.*No space left.*ckpt-1 is intact"):
        train(tiny_config(tiny_folder, epochs=2, checkpoint_every=1, quality_every=0), tmp_path / "run")
    checkpoints = tmp_path / "run" / "checkpoints"
    assert tf.train.latest_checkpoint(str(checkpoints)).endswith("ckpt-1")
    assert not list(checkpoints.glob("ckpt-2*")) and not list((tmp_path / "run").rglob("*.partial"))


def test_an_image_that_cannot_be_written_leaves_no_partial_file(tmp_path, monkeypatch):
    from PIL import Image as PILImage

    from mri_gan.sampling.grids import save_png

    def disk_full(self, fp, *args, **kwargs):
        Path(fp).write_bytes(b"")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(PILImage.Image, "save", disk_full)
    with pytest.raises(OSError, match="No space"):
        save_png(np.zeros((4, 4), np.uint8), tmp_path / "grid.png")
    assert list(tmp_path.iterdir()) == []


def test_a_volume_whose_resampled_slices_would_exceed_the_limits_is_left_out_before_resampling(tmp_path, monkeypatch):
    import time

    import nibabel as nib
    from scanner_data import head_volume

    monkeypatch.setenv("MRI_GAN_CACHE", str(tmp_path / "cache"))
    affine = np.diag([0.0001, 1.0, 1.0, 1.0])  # voxels 10,000 times thinner along x: slices 10,000 times wider
    (tmp_path / "scans").mkdir()
    nib.save(nib.Nifti1Image(head_volume(), affine), tmp_path / "scans" / "thin.nii.gz")
    started = time.perf_counter()
    result = run_module("mri_gan.data.slices", "--data", str(tmp_path / "scans"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "too large" in result.stderr, result.stderr
    assert time.perf_counter() - started < 30  # refused from the header, not after resampling


def test_every_dicom_file_of_a_series_is_checked_against_the_size_limit(tmp_path, monkeypatch):
    import pydicom
    from scanner_data import head_volume, write_dicom_series

    monkeypatch.setenv("MRI_GAN_CACHE", str(tmp_path / "cache"))
    paths = write_dicom_series(tmp_path / "scans" / "series", head_volume())
    big = pydicom.dcmread(paths[-1])
    big.Rows, big.Columns = 3000, 3000
    big.PixelData = np.zeros((3000, 3000), np.uint16).tobytes()
    big.save_as(paths[-1])
    monkeypatch.setenv("MRI_GAN_MAX_IMAGE_PIXELS", "1000000")
    result = run_module("mri_gan.data.slices", "--data", str(tmp_path / "scans"), "--out", str(tmp_path / "out"))
    assert "too large (9,000,000 pixels" in result.stderr, result.stderr


def test_a_full_disk_during_generate_is_one_error_and_leaves_no_images(trained_run, tmp_path, monkeypatch):
    from PIL import Image as PILImage

    real_save, saved = PILImage.Image.save, []

    def full_after_three(self, fp, *args, **kwargs):
        saved.append(fp)
        if len(saved) > 3:
            Path(fp).write_bytes(b"")
            raise OSError(28, "No space left on device")
        return real_save(self, fp, *args, **kwargs)

    monkeypatch.setattr(PILImage.Image, "save", full_after_three)
    out = tmp_path / "out"
    result = run_module("mri_gan.generate", "--model", str(trained_run), "--num", "8", "--batch-size", "2", "--out",
                        str(out), "--quiet")  # fmt: skip
    said = " ".join(result.stderr.split())
    assert result.returncode == 2 and "No space left on device" in said and "Traceback" not in said, said
    assert list(out.iterdir()) == []  # no PNG, no partial file, no generation.json


def test_a_dry_run_on_scans_writes_nothing_into_the_cache(tmp_path, monkeypatch):
    from scanner_data import head_volume, save_nifti

    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("MRI_GAN_CACHE", str(cache))
    save_nifti(tmp_path / "scans" / "yes" / "a.nii.gz", head_volume())
    save_nifti(tmp_path / "scans" / "no" / "b.nii.gz", head_volume())
    result = run_module("mri_gan.fit", "--data", str(tmp_path / "scans"), "--out", str(tmp_path / "run"),
                        "--resolution", "32", "--width", "4", "--batch-size", "4", "--dry-run")  # fmt: skip
    assert result.returncode == 0 and "nothing was written" in result.stdout, result.stderr
    assert list(cache.iterdir()) == [] and not (tmp_path / "run").exists()


def test_files_left_by_a_process_killed_mid_write_are_removed_by_the_next_run(trained_run, tmp_path):
    run = _damaged_copy(trained_run, tmp_path, lambda run: None)
    (run / "checkpoints" / "ckpt-3_temp").mkdir()
    (run / ".best_generator.999999999.partial").mkdir()
    (run / "grids" / ".epoch_000002.png.999999999.partial").write_bytes(b"")
    result = run_module("mri_gan.fit", "--out", str(run))
    assert result.returncode == 0, result.stderr
    assert not list(run.rglob("*.partial")) and not list((run / "checkpoints").glob("*_temp*"))
