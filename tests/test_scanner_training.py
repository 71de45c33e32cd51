"""`fit --data` on scanner data: NIfTI and DICOM folders train, and no patient information leaks."""

import os

from conftest import run_module, write_image
from scanner_data import head_volume, save_nifti, tumour_mask, write_dicom_series
from test_cli_end_to_end import TINY_RUN

from mri_gan.data.pipeline import folder_dataset

PATIENT_NAME, PATIENT_ID = "Doe^Jane", "PID-98765"


def test_dicom_run_trains_and_never_writes_the_patient_name_or_id(tmp_path):
    data, run, cache = tmp_path / "dicom", tmp_path / "run", tmp_path / "cache"
    write_dicom_series(data / "yes" / "series1", head_volume(), patient_name=PATIENT_NAME, patient_id=PATIENT_ID)
    env = {**os.environ, "MRI_GAN_CACHE": str(cache)}
    result = run_module("mri_gan.fit", "--data", str(data), "--out", str(run), *TINY_RUN, env=env)
    assert result.returncode == 0, result.stderr
    assert "slices (" in result.stderr and (run / "generator" / "saved_model.pb").is_file()
    leaks = []
    for folder in (run, cache):
        for path in folder.rglob("*"):
            text = path.name + (path.read_bytes().decode("latin-1") if path.is_file() else "")
            leaks += [f"{path}: {word}" for word in ("Doe", "Jane", PATIENT_ID) if word in text]
    leaks += [f"output: {word}" for word in ("Doe", "Jane", PATIENT_ID) if word in result.stdout + result.stderr]
    assert not leaks


def test_a_folder_of_images_and_volumes_gives_both_with_subjects_on_the_slices(tmp_path, monkeypatch):
    monkeypatch.setenv("MRI_GAN_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "mixed"
    save_nifti(root / "case1.nii.gz", head_volume())
    save_nifti(root / "case1_seg.nii.gz", tumour_mask())
    write_image(root / "yes" / "photo.png", (head_volume()[:, :, 20] / 4).astype("uint8"))
    _, scan = folder_dataset(root, resolution=32, batch_size=4)
    assert scan.class_names == ("no", "yes")
    photos = [image for image in scan.images if image.path.name == "photo.png"]
    slices = [image for image in scan.images if image.subject is not None]
    assert len(photos) == 1 and photos[0].subject is None and scan.class_names[photos[0].label] == "yes"
    assert len(slices) + 1 == len(scan.images) and len({image.subject for image in slices}) == 1
    assert {scan.class_names[image.label] for image in slices} == {"yes", "no"}
