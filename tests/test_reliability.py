"""What issue 16 reproduced: failures that lost work, state a resume forgot, and hostile scanner input."""

import io
import json
import logging
import os
import signal

import numpy as np
import pytest
import tensorflow as tf
from conftest import head_image, run_module, tiny_config, write_image
from PIL import Image
from test_gan import small_gan

from mri_gan.callbacks import Checkpoint, QualityMonitor, StopOnInterrupt
from mri_gan.config import RunConfig
from mri_gan.data import folder_dataset
from mri_gan.errors import ConfigError
from mri_gan.runs.atomic import write_text_atomically
from mri_gan.training.state import TrainingState


@pytest.fixture(scope="module")
def images():
    return tf.data.Dataset.from_tensor_slices(np.random.default_rng(0).uniform(-1, 1, (8, 32, 32, 1)).astype("float32"))


# Lost work


def test_grids_and_plots_that_cannot_be_written_are_warnings_and_the_run_is_kept(tiny_folder, tmp_path, monkeypatch,
                                                                                  caplog):  # fmt: skip
    from mri_gan.callbacks import image_grid, loss_plot, quality, real_vs_fake
    from mri_gan.training.run import train

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    for module, name in ((image_grid, "save_png"), (loss_plot, "save_figure"), (real_vs_fake, "save_figure"),
                         (quality, "save_figure")):  # fmt: skip
        monkeypatch.setattr(module, name, disk_full)
    with caplog.at_level(logging.WARNING):
        result = train(tiny_config(tiny_folder, sample_every=1), tmp_path / "run")
    assert result.epochs_done == 2
    assert (result.run.generator / "saved_model.pb").is_file() and (result.run.checkpoints / "checkpoint").is_file()
    warned = " ".join(record.getMessage() for record in caplog.records)
    for what in ("an image grid", "the loss plot", "the real-vs-generated sheet", "the quality plot"):
        assert f"Could not write {what} (OSError: [Errno 28] No space left on device)" in warned


def test_an_error_during_training_first_saves_the_epochs_finished(tiny_folder, tmp_path, monkeypatch):
    from mri_gan.callbacks import export_generator
    from mri_gan.training.run import train

    def export_fails(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_generator, "export_generator", export_fails)
    with pytest.raises(OSError, match="No space left"):
        train(tiny_config(tiny_folder, epochs=5, checkpoint_every=10, export_every=2), tmp_path / "run")
    assert tf.train.latest_checkpoint(str(tmp_path / "run" / "checkpoints")).endswith("ckpt-2")


def test_sigterm_stops_after_the_step_and_the_final_checkpoint_is_written(images, tmp_path):
    import keras

    class TerminatedAtEpoch2(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                os.kill(os.getpid(), signal.SIGTERM)

    gan = small_gan()
    state = TrainingState(gan, tmp_path / "checkpoints")
    stop = StopOnInterrupt(stream=io.StringIO())
    before = signal.getsignal(signal.SIGTERM)
    history = gan.fit(images.batch(4), epochs=10, verbose=0,
                      callbacks=[TerminatedAtEpoch2(), Checkpoint(state, every=5), stop])  # fmt: skip
    assert stop.interrupted and len(history.history["d_loss"]) == 2
    assert "SIGTERM: stopping after this step" in stop.stream.getvalue()
    assert state.latest.endswith("ckpt-2")
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_resumed_run_keeps_its_best_generator_and_quality_history(images, tmp_path):
    import csv

    history = tmp_path / "history.csv"
    with history.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["epoch", "d_loss", "g_loss", "ms_ssim", "swd"])
        writer.writerows([[0, 1, 1, 0.3, 500.0], [1, 1, 1, "nan", "nan"], [2, 1, 1, 0.2, 1e-6]])
    best_json = tmp_path / "best.json"
    best_json.write_text(json.dumps({"epoch": 3, "selected_by": "swd", "swd": 1e-6, "ms_ssim": 0.2}))
    real = next(iter(images.batch(8))).numpy()
    monitor = QualityMonitor(real, every=1, plot_path=tmp_path / "quality.png", best_dir=tmp_path / "best",
                             history_csv=history)  # fmt: skip
    small_gan().fit(images.batch(4), initial_epoch=3, epochs=5, verbose=0, callbacks=[monitor])
    assert monitor.history["epoch"] == [1, 3, 4, 5]
    assert json.loads(best_json.read_text())["epoch"] == 3, "a worse generator replaced the best one"
    assert not (tmp_path / "best").exists()


def test_text_is_replaced_whole_or_not_at_all(tmp_path, monkeypatch):
    target = tmp_path / "best_generator.json"
    target.write_text("old")

    def fails(self, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(type(target), "write_text", fails)
    with pytest.raises(OSError):
        write_text_atomically(target, "new")
    monkeypatch.undo()
    assert target.read_text() == "old" and [path.name for path in tmp_path.iterdir()] == ["best_generator.json"]
    write_text_atomically(target, "new")
    assert target.read_text() == "new"


def test_a_disk_cache_is_never_read_for_other_data(tmp_path):
    for name, seed in (("a", 0), ("b", 50)):
        for i in range(4):
            write_image(tmp_path / name / f"{i}.png", head_image(48, 48, seed=seed + i))

    def first_batch(folder):
        dataset, _ = folder_dataset(folder, resolution=32, batch_size=4, shuffle=False, cache=str(tmp_path / "c/x"))
        return next(iter(dataset)).numpy()

    from_a, from_b = first_batch(tmp_path / "a"), first_batch(tmp_path / "b")
    uncached_b, _ = folder_dataset(tmp_path / "b", resolution=32, batch_size=4, shuffle=False, cache="none")
    np.testing.assert_array_equal(from_b, next(iter(uncached_b)).numpy())
    assert not np.array_equal(from_a, from_b)
    np.testing.assert_array_equal(first_batch(tmp_path / "a"), from_a)


def test_resuming_with_another_network_shape_is_one_clear_error(trained_run):
    result = run_module("mri_gan.fit", "--out", str(trained_run), "--epochs", "2", "--resolution", "64")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "resolution 32 -> 64" in result.stderr and "new --out" in result.stderr


# Bad input to the commands


def test_evaluate_names_the_flag_the_user_gave(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_module("mri_gan.evaluate", "--real", str(tmp_path / "empty"), "--fake", str(tmp_path / "empty"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--data" not in result.stderr and str(tmp_path / "empty") in result.stderr


@pytest.mark.parametrize(
    ("section", "values", "expected"),
    [
        (
            "data",
            {"clip_percentiles": 5},
            "clip_percentiles in t.toml [data] has the wrong type: got 5, expected a list",
        ),
        ("data", {"clip_percentiles": [1, "a"]}, "got [1, 'a'], expected a list of numbers"),
        ("train", {"loss_snapshots": ["a"]}, "got ['a'], expected a list of whole numbers"),
        ("data", {"window": [1, True]}, "got [1, True], expected a list of numbers"),
    ],
)
def test_toml_values_of_the_wrong_shape_are_config_errors(section, values, expected):
    with pytest.raises(ConfigError) as error:
        RunConfig.from_dict({section: values}, "t.toml").validate()
    assert expected in str(error.value)


# Scanner input


def test_a_symlinked_class_folder_is_followed_and_a_link_loop_ends(tmp_path):
    from mri_gan.data.files import scan_image_folder

    elsewhere = tmp_path / "elsewhere" / "yes"
    for i in range(2):
        write_image(elsewhere / f"{i}.png", head_image(48, 48, seed=i))
    data = tmp_path / "data"
    write_image(data / "no" / "0.png", head_image(48, 48, seed=9))
    (data / "yes").symlink_to(elsewhere, target_is_directory=True)
    (data / "no" / "loop").symlink_to(data, target_is_directory=True)
    scan = scan_image_folder(data)
    assert scan.class_names == ("no", "yes") and scan.counts_per_class() == {"no": 1, "yes": 2}


def test_images_beyond_the_pixel_limit_are_skipped_as_too_large_before_decoding(tmp_path, monkeypatch):
    from mri_gan.data.files import scan_image_folder

    write_image(tmp_path / "ok.png", head_image(48, 48))
    Image.new("I;16", (3000, 3000)).save(tmp_path / "big.png")
    monkeypatch.setenv("MRI_GAN_MAX_IMAGE_PIXELS", "8000000")
    scan = scan_image_folder(tmp_path)
    assert [image.path.name for image in scan.images] == ["ok.png"]
    assert scan.skipped[tmp_path / "big.png"] == (
        "too large (9,000,000 pixels; limit 8,000,000, change with the environment variable MRI_GAN_MAX_IMAGE_PIXELS)"
    )
    monkeypatch.setenv("MRI_GAN_MAX_IMAGE_PIXELS", "10_000_000")
    assert len(scan_image_folder(tmp_path).images) == 2
    monkeypatch.setenv("MRI_GAN_MAX_IMAGE_PIXELS", "lots")
    with pytest.raises(ConfigError, match="MRI_GAN_MAX_IMAGE_PIXELS='lots'"):
        scan_image_folder(tmp_path)


def test_an_image_beyond_pillows_own_limit_is_too_large_not_corrupt(tmp_path):
    from mri_gan.data.files import scan_image_folder

    write_image(tmp_path / "ok.png", head_image(48, 48))
    Image.new("1", (20000, 10000)).save(tmp_path / "bomb.png")  # 200 megapixels in a small file
    scan = scan_image_folder(tmp_path)
    assert scan.skipped[tmp_path / "bomb.png"].startswith("too large (more than 178,956,970 pixels; limit")


def test_volumes_beyond_the_voxel_limit_are_left_out_from_their_header(tmp_path, monkeypatch):
    from scanner_data import head_volume, save_nifti, write_dicom_series

    from mri_gan.data.volumes.extract import write_slices
    from mri_gan.data.volumes.slicing import SliceOptions

    volume = head_volume()
    save_nifti(tmp_path / "scans" / "small.nii.gz", volume[:, :, :10])
    save_nifti(tmp_path / "scans" / "large.nii.gz", volume)
    write_dicom_series(tmp_path / "scans" / "series", volume)
    limit = volume[:, :, :10].size
    monkeypatch.setenv("MRI_GAN_MAX_VOLUME_VOXELS", str(limit))
    export = write_slices(tmp_path / "scans", tmp_path / "out", SliceOptions())
    too_large = f"too large ({volume.size:,} voxels; limit {limit:,}"
    assert sum(reason.startswith(too_large) for reason in export.left_out) == 1
    assert export.left_out[next(reason for reason in export.left_out if reason.startswith(too_large))] == 2
    assert sum(export.counts.values()) > 0


def test_malformed_and_undecodable_dicom_is_skipped_by_file_without_header_values(tmp_path):
    import pydicom
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEG2000Lossless
    from scanner_data import head_volume, write_dicom_series

    volume = head_volume()
    scans = tmp_path / "scans"
    write_dicom_series(scans / "good", volume, patient_id="GOOD-1")
    for path in write_dicom_series(scans / "window", volume, patient_id="WIN-2"):
        dataset = pydicom.dcmread(path)
        dataset.WindowCenter, dataset.WindowWidth = "9876", "400"
        dataset.save_as(path)
        path.write_bytes(path.read_bytes().replace(b"9876", b"J^Do"))
    compressed = write_dicom_series(scans / "compressed", volume, patient_id="JPEG-3")
    for path in compressed:
        dataset = pydicom.dcmread(path)
        dataset.file_meta.TransferSyntaxUID = JPEG2000Lossless
        dataset.PixelData = encapsulate([b"\xff\x4f\xff\x51" + bytes(100)])
        dataset.save_as(path, enforce_file_format=False)
    out = tmp_path / "out"
    result = run_module("mri_gan.data.slices", "--data", str(scans), "--out", str(out))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "slices.json").read_text())
    assert len({record["subject"] for record in manifest["slices"]}) == 2  # the malformed window only loses its window
    assert f"{compressed[0]}: compressed (JPEG 2000 Image Compression (Lossless Only))" in result.stderr
    assert "pip install pylibjpeg" in result.stderr
    for header_value in ("J^Do", "Doe^Jane", "GOOD-1", "WIN-2", "JPEG-3"):
        assert header_value not in result.stdout + result.stderr


def test_generate_refuses_to_mix_a_new_set_into_an_old_one(trained_run, tmp_path):
    out = tmp_path / "generated"
    first = run_module("mri_gan.generate", "--model", str(trained_run), "--num", "3", "--out", str(out), "--quiet")
    assert first.returncode == 0, first.stderr
    again = run_module("mri_gan.generate", "--model", str(trained_run), "--num", "2", "--out", str(out), "--quiet")
    assert (
        again.returncode == 2 and "already holds 3 generated images" in again.stderr and "--overwrite" in again.stderr
    )
    replaced = run_module("mri_gan.generate", "--model", str(trained_run), "--num", "2", "--out", str(out), "--quiet",
                          "--overwrite")  # fmt: skip
    assert replaced.returncode == 0 and sorted(path.name for path in out.iterdir()) == [
        "generated_000000.png", "generated_000001.png", "generation.json"
    ]  # fmt: skip


@pytest.mark.parametrize("command", ["mri_gan.generate", "mri_gan.evaluate", "mri_gan.data.slices"])
def test_an_output_folder_that_is_a_file_is_one_clear_error(tmp_path, command):
    a_file = tmp_path / "a_file"
    a_file.write_text("mine")
    arguments = {"mri_gan.generate": ["--model", str(tmp_path), "--num", "1"],
                 "mri_gan.evaluate": ["--model", str(tmp_path), "--real", str(tmp_path)],
                 "mri_gan.data.slices": ["--data", str(tmp_path)]}[command]  # fmt: skip
    result = run_module(command, *arguments, "--out", str(a_file))
    assert result.returncode == 2 and "is a file, not a folder" in result.stderr and "Traceback" not in result.stderr
    assert a_file.read_text() == "mine"
