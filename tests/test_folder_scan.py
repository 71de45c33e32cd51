"""Finding, labelling and validating images in a folder; bad files and bad folders."""

import logging
from pathlib import Path

import numpy as np
import pytest
from conftest import head_image, write_image

from mri_gan.data import UNLABELLED, scan_image_folder
from mri_gan.errors import DataError, DataNotFoundError


def test_labels_come_from_first_level_subfolders_in_a_stable_order(labelled_folder):
    scan = scan_image_folder(labelled_folder)
    assert scan.class_names == ("no", "yes")
    assert scan.counts_per_class() == {"no": 3, "yes": 5}
    assert {image.label for image in scan.images if image.path.parent.name == "yes"} == {1}


def test_nested_folders_are_scanned_recursively_and_extensions_ignore_case(tmp_path):
    write_image(tmp_path / "glioma" / "patient1" / "slice.PNG", head_image())
    write_image(tmp_path / "glioma" / "patient2" / "deep" / "slice.TIFF", head_image(), fmt="TIFF")
    write_image(tmp_path / "healthy" / "a.Jpeg", head_image(), fmt="JPEG")
    (tmp_path / "healthy" / "notes.txt").write_text("not scanned")
    scan = scan_image_folder(tmp_path)
    assert scan.class_names == ("glioma", "healthy")
    assert scan.counts_per_class() == {"glioma": 2, "healthy": 1}


def test_a_flat_folder_is_unlabelled(tmp_path):
    for i in range(3):
        write_image(tmp_path / f"{i}.png", head_image(seed=i))
    scan = scan_image_folder(tmp_path)
    assert scan.class_names == ()
    assert [image.label for image in scan.images] == [UNLABELLED] * 3


def make_bad_files(root):
    """One file of every bad kind, beside two good ones; returns path -> expected reason."""
    write_image(root / "good1.png", head_image(seed=1))
    write_image(root / "good2.jpg", head_image(seed=2), fmt="JPEG")
    (root / "empty.png").write_bytes(b"")
    (root / "text.jpg").write_text("this is not an image")
    full = (root / "good2.jpg").read_bytes()
    (root / "truncated.jpg").write_bytes(full[: len(full) // 2])
    png = (root / "good1.png").read_bytes()
    corrupt = bytearray(png)
    corrupt[60:200] = bytes(140)  # wipe the compressed data but keep the header
    (root / "corrupt.png").write_bytes(bytes(corrupt))
    write_image(root / "tiny.png", head_image(8, 8))
    expected = {"empty.png": "empty", "text.jpg": "not an image", "truncated.jpg": "truncated",
                "corrupt.png": "corrupt", "tiny.png": "too small"}  # fmt: skip
    return expected


def test_every_bad_file_kind_is_skipped_with_its_reason_and_one_warning(tmp_path, caplog):
    expected = make_bad_files(tmp_path)
    with caplog.at_level(logging.WARNING, logger="mri_gan"):
        scan = scan_image_folder(tmp_path)
    assert sorted(image.path.name for image in scan.images) == ["good1.png", "good2.jpg"]
    reasons = {path.name: reason for path, reason in scan.skipped.items()}
    for name, reason in expected.items():
        assert reasons[name].startswith(reason), (name, reasons[name])
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "Skipping 5 files" in warnings[0].getMessage()
    assert "truncated.jpg" in warnings[0].getMessage()
    assert "skipped 5" in scan.summary()


def test_unreadable_file_is_skipped(tmp_path, monkeypatch):
    write_image(tmp_path / "good.png", head_image())
    locked = write_image(tmp_path / "locked.png", head_image())
    read_bytes = Path.read_bytes

    def deny_locked(path):
        if path == locked:  # chmod 0 does not stop root, who runs CI, so deny it here
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", deny_locked)
    scan = scan_image_folder(tmp_path)
    assert scan.skipped[locked] == "unreadable (permission denied)"
    assert [image.path for image in scan.images] == [tmp_path / "good.png"]


def test_strict_mode_refuses_bad_files_and_names_them(tmp_path):
    make_bad_files(tmp_path)
    with pytest.raises(DataError, match=r"5 files .* strict mode refuses them") as error:
        scan_image_folder(tmp_path, strict=True)
    assert "truncated.jpg: truncated" in str(error.value)


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(DataNotFoundError, match="does not exist"):
        scan_image_folder(tmp_path / "nowhere")


def test_folder_without_images_is_a_clear_error(tmp_path):
    (tmp_path / "readme.txt").write_text("no images here")
    with pytest.raises(DataError, match="No image files"):
        scan_image_folder(tmp_path)


def test_folder_where_every_file_is_bad_is_a_clear_error(tmp_path):
    (tmp_path / "a.png").write_bytes(b"")
    (tmp_path / "b.jpg").write_text("nope")
    with pytest.raises(DataError, match=r"None of the 2 image files .* can be used"):
        scan_image_folder(tmp_path)


def test_exact_duplicates_are_reported_and_can_be_dropped(tmp_path):
    pixels = head_image(seed=3)
    write_image(tmp_path / "a.png", pixels)
    write_image(tmp_path / "b.png", pixels)
    write_image(tmp_path / "c.png", np.flipud(pixels))
    kept = scan_image_folder(tmp_path)
    assert kept.duplicates == {tmp_path / "b.png": tmp_path / "a.png"}
    assert len(kept.images) == 3 and "1 exact duplicates" in kept.summary()
    dropped = scan_image_folder(tmp_path, drop_duplicates=True)
    assert [image.path.name for image in dropped.images] == ["a.png", "c.png"]
