"""The second reliability pass (issue 48): the wrong data refused, one clear line instead of a traceback."""

import os

from conftest import head_image, run_module, write_image


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
