"""NIfTI and DICOM scans to labelled slices: orientation, series order, rescaling, refusals, cache, PHI."""

import json
import os
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import pytest
from conftest import run_module
from pydicom.dataset import Dataset
from scanner_data import (
    SHAPE,
    TUMOUR_SLICES,
    flipped,
    head_volume,
    permuted,
    save_nifti,
    tumour_mask,
    write_dicom_series,
)

from mri_gan.data.volumes.dicom import read_series
from mri_gan.data.volumes.extract import cached_slices, write_slices
from mri_gan.data.volumes.nifti import load_nifti
from mri_gan.data.volumes.slicing import SliceOptions, plane_slices
from mri_gan.errors import DataError


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MRI_GAN_CACHE", str(tmp_path / "cache"))


def slice_labels(folder: Path) -> dict[int, str]:
    manifest = json.loads((folder / "slices.json").read_text())
    return {record["slice"]: record["label"] for record in manifest["slices"]}


def test_mask_labels_the_slices_through_the_tumour_yes(tmp_path):
    save_nifti(tmp_path / "scans" / "case1.nii.gz", head_volume())
    save_nifti(tmp_path / "scans" / "case1_seg.nii.gz", tumour_mask())
    export = write_slices(tmp_path / "scans", tmp_path / "out", SliceOptions(min_tumour_area=10))
    labels = slice_labels(tmp_path / "out")
    assert {k for k, label in labels.items() if label == "yes"} == set(TUMOUR_SLICES)
    assert labels and all(label == "no" for k, label in labels.items() if k not in TUMOUR_SLICES)
    assert export.counts["yes"] == len(TUMOUR_SLICES)
    assert len(list((tmp_path / "out" / "yes").glob("*.png"))) == len(TUMOUR_SLICES)


def test_slices_that_are_mostly_background_are_left_out(tmp_path):
    save_nifti(tmp_path / "scans" / "case1.nii.gz", head_volume())
    write_slices(tmp_path / "scans", tmp_path / "out", SliceOptions(min_foreground=0.3))
    kept = set(slice_labels(tmp_path / "out"))
    assert 0 not in kept and SHAPE[2] - 1 not in kept and SHAPE[2] // 2 in kept


@pytest.mark.parametrize("stored", [flipped, permuted])
def test_orientation_follows_the_affine_not_the_stored_axis_order(tmp_path, stored):
    reference, _ = load_nifti(save_nifti(tmp_path / "ras.nii.gz", head_volume()))
    data, affine = stored(head_volume())
    assert data.shape != SHAPE or not np.array_equal(data, head_volume())
    volume, zooms = load_nifti(save_nifti(tmp_path / "other.nii.gz", data, affine))
    np.testing.assert_array_equal(volume, reference)
    np.testing.assert_allclose(zooms, 1)


def test_axial_slices_are_shown_radiologically():
    image = plane_slices(head_volume(), np.ones(3), "axial")[21]  # through the cube
    rows, cols = np.nonzero(image == image.max())
    # The cube is right (x 24-31 of 40) and anterior (y 30-37 of 48): on the image's left and top.
    assert cols.max() < SHAPE[0] / 2 and rows.max() < SHAPE[1] / 2


def test_anisotropic_voxels_give_square_pixels():
    volume = np.ones((10, 20, 5), np.float32)
    (first, *_) = plane_slices(volume, np.array([2.0, 1.0, 3.0]), "axial")
    assert first.shape == (20, 20)


def test_brats_subject_folders_use_the_chosen_modality_and_the_seg_file(tmp_path):
    root = tmp_path / "brats"
    for subject in ("BraTS20_Training_001", "BraTS20_Training_002"):
        save_nifti(root / subject / f"{subject}_t1ce.nii.gz", head_volume())
        save_nifti(root / subject / f"{subject}_flair.nii.gz", head_volume() * 0 + 50)
        save_nifti(root / subject / f"{subject}_seg.nii.gz", tumour_mask())
    write_slices(root, tmp_path / "out", SliceOptions(modality="t1ce"))
    manifest = json.loads((tmp_path / "out" / "slices.json").read_text())
    assert len({record["subject"] for record in manifest["slices"]}) == 2
    assert manifest["left_out"] == {"another sequence than --modality t1ce": 2}
    text = (tmp_path / "out" / "slices.json").read_text() + " ".join(os.listdir(tmp_path / "out" / "yes"))
    assert "BraTS20" not in text  # source names are hashed like patient ids


def test_four_d_and_non_image_files_are_refused_with_a_clear_message(tmp_path):
    save_nifti(tmp_path / "series.nii.gz", np.zeros((8, 8, 8, 3), np.float32))
    with pytest.raises(DataError, match=r"4-D NIfTI .*one scan per file"):
        load_nifti(tmp_path / "series.nii.gz")
    (tmp_path / "notes.nii").write_text("not an image")
    with pytest.raises(DataError, match=r"notes\.nii could not be read as a NIfTI image"):
        load_nifti(tmp_path / "notes.nii")
    (tmp_path / "only").mkdir()
    (tmp_path / "only" / "notes.nii").write_text("not an image")
    with pytest.raises(DataError, match="No slice"):
        write_slices(tmp_path / "only", tmp_path / "out", SliceOptions())


def test_dicom_series_in_shuffled_file_order_reassembles_in_slice_order(tmp_path):
    volume = head_volume()
    order = list(np.random.default_rng(0).permutation(SHAPE[2]))
    write_dicom_series(tmp_path / "dicom", volume, order=order, slope=2.0, intercept=-100.0)
    (series,), skipped = read_series(sorted((tmp_path / "dicom").iterdir()))
    assert not skipped
    assembled, zooms = series.volume()
    np.testing.assert_allclose(assembled, volume, atol=1.0)  # rescale slope and intercept applied
    np.testing.assert_allclose(zooms, 1)


def test_two_series_in_one_folder_stay_apart_and_a_truncated_file_is_skipped(tmp_path):
    first = write_dicom_series(tmp_path / "dicom" / "a", head_volume())
    write_dicom_series(tmp_path / "dicom" / "b", head_volume()[::-1].copy(), patient_id="PID-2")
    for path in sorted((tmp_path / "dicom" / "b").iterdir()):
        path.rename(tmp_path / "dicom" / "a" / f"b_{path.name}")
    truncated = first[3]
    truncated.write_bytes(truncated.read_bytes()[:-500])  # cut inside the pixel data
    series, skipped = read_series(sorted((tmp_path / "dicom" / "a").iterdir()))
    assert [item.slice_count for item in series] == [SHAPE[2], SHAPE[2]] and not skipped  # headers are whole
    volumes = [item.volume()[0] for item in series]
    assert sorted(volume.shape[2] for volume in volumes) == [SHAPE[2] - 1, SHAPE[2]]
    assert series[0].left_out == {truncated: "truncated or unreadable DICOM"}


def test_second_run_reads_the_cache(tmp_path, monkeypatch):
    save_nifti(tmp_path / "scans" / "case1.nii.gz", head_volume())
    save_nifti(tmp_path / "scans" / "case1_seg.nii.gz", tumour_mask())
    first = cached_slices(tmp_path / "scans", SliceOptions())
    assert not first.cached

    def no_rereading(*args, **kwargs):
        raise AssertionError("volumes were read again")

    with monkeypatch.context() as patch:
        patch.setattr(nib, "load", no_rereading)
        second = cached_slices(tmp_path / "scans", SliceOptions())
    assert second.cached and second.folder == first.folder and second.counts == first.counts
    assert cached_slices(tmp_path / "scans", SliceOptions(plane="coronal")).folder != first.folder


def test_slices_command_writes_png_folders_and_refuses_a_used_out_folder(tmp_path):
    save_nifti(tmp_path / "scans" / "case1.nii.gz", head_volume())
    save_nifti(tmp_path / "scans" / "case1_seg.nii.gz", tumour_mask())
    out = tmp_path / "slices"
    result = run_module(
        "mri_gan.data.slices", "--data", str(tmp_path / "scans"), "--out", str(out), "--plane", "coronal"
    )
    assert result.returncode == 0, result.stderr
    assert len(list((out / "yes").glob("*.png"))) == 8  # the cube spans y 30-37: eight coronal slices
    again = run_module("mri_gan.data.slices", "--data", str(tmp_path / "scans"), "--out", str(out))
    assert again.returncode == 2 and "not empty" in again.stderr and "Traceback" not in again.stderr


def frame_position(k: int) -> Dataset:
    position, frame = Dataset(), Dataset()
    position.ImagePositionPatient = [0.0, 0.0, float(k)]
    frame.PlanePositionSequence = [position]
    return frame


def test_a_multi_frame_dicom_gives_one_slice_per_frame_in_position_order(tmp_path):
    (single,) = write_dicom_series(tmp_path / "one", head_volume()[:, :, :1])
    dataset = pydicom.dcmread(single)
    volume = head_volume()
    order = [3, 0, 2, 1]  # frames stored out of order; their positions say where they belong
    dataset.NumberOfFrames = len(order)
    dataset.PixelData = b"".join(np.round(volume[:, :, k].T).astype(np.uint16).tobytes() for k in order)
    dataset.PerFrameFunctionalGroupsSequence = [frame_position(k) for k in order]
    pydicom.dcmwrite(single, dataset)
    (series,), skipped = read_series([single])
    assembled, _ = series.volume()
    assert not skipped and assembled.shape == (SHAPE[0], SHAPE[1], 4)
    np.testing.assert_allclose(assembled, volume[:, :, :4], atol=1.0)
