"""The built-in dataset: deterministic, balanced, and still looking like brain slices."""

import json

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from mri_gan.cli.phantom import main as phantom_main
from mri_gan.data import default_dataset_dir, folder_dataset, render_slice, write_phantom_dataset


@pytest.fixture(scope="module")
def slices():
    return [render_slice(seed=7, index=i, tumour=i % 2 == 0, size=128) for i in range(16)]


def test_rendering_is_deterministic_for_a_seed():
    first, again = render_slice(3, 5, True, 96), render_slice(3, 5, True, 96)
    np.testing.assert_array_equal(first.image, again.image)
    assert not np.array_equal(first.image, render_slice(4, 5, True, 96).image)


def test_slices_show_a_centred_head_on_a_dark_background(slices):
    for rendered in slices:
        image = rendered.image.astype(np.float32) / 255
        border = np.concatenate([image[:6].ravel(), image[-6:].ravel(), image[:, :6].ravel(), image[:, -6:].ravel()])
        head = ndimage.binary_fill_holes(image > 0.15)
        rows, cols = np.nonzero(head)
        assert border.mean() < 0.08, "background should be nearly black"
        assert 0.2 < head.mean() < 0.85, "the head should fill much, not all, of the frame"
        assert abs(rows.mean() - 64) < 13 and abs(cols.mean() - 64) < 13, "the head should be centred"
        assert image[head].std() > 0.08, "brain tissue should show contrast, not a flat disk"


def test_tumour_slices_carry_an_abnormal_region_inside_the_brain(slices):
    for rendered in slices:
        if rendered.record["label"] == "no":
            assert rendered.lesion is None
            continue
        lesion = rendered.lesion > 0.5
        assert lesion.sum() > 20, "a tumour should cover a visible area"
        image = rendered.image.astype(np.float32) / 255
        head = ndimage.binary_fill_holes(image > 0.15)
        assert (head[lesion]).mean() > 0.9, "the tumour should lie inside the head"
        ring = np.logical_xor(ndimage.binary_dilation(lesion, iterations=6), lesion) & head
        assert abs(image[lesion].mean() - image[ring].mean()) > 0.05 or image[lesion].std() > 0.15


def test_tumour_regions_differ_from_healthy_tissue_on_average(slices):
    """Across contrasts, the lesion's intensity is unusual for the brain it sits in."""
    deviations = []
    for rendered in slices:
        if rendered.lesion is None:
            continue
        image = rendered.image.astype(np.float32) / 255
        brain = (image > 0.15) & (rendered.lesion < 0.05)
        deviations.append(abs(image[rendered.lesion > 0.5].mean() - np.median(image[brain])))
    assert np.mean(deviations) > 0.1


def test_written_set_is_balanced_labelled_and_read_by_the_folder_pipeline(tmp_path):
    out = write_phantom_dataset(tmp_path / "phantom", num=10, seed=1, size=64)
    manifest = json.loads((out / "manifest.json").read_text())
    assert [entry["label"] for entry in manifest["images"]].count("yes") == 5
    assert len(list((out / "yes").glob("*.png"))) == 5 and len(list((out / "no").glob("*.png"))) == 5
    assert Image.open(next((out / "no").glob("*.png"))).size == (64, 64)
    dataset, scan = folder_dataset(out, resolution=32, batch_size=10)
    assert scan.counts_per_class() == {"no": 5, "yes": 5}
    assert next(iter(dataset)).shape == (10, 32, 32, 1)


def test_default_dataset_is_rendered_once_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MRI_GAN_CACHE", str(tmp_path / "cache"))
    folder = default_dataset_dir(num=4, seed=0)
    assert folder.parent == tmp_path / "cache"
    stamp = (folder / "manifest.json").stat().st_mtime_ns
    assert default_dataset_dir(num=4, seed=0) == folder
    assert (folder / "manifest.json").stat().st_mtime_ns == stamp


def test_a_run_that_renders_the_default_set_while_another_puts_it_in_place_uses_that_one(tmp_path, monkeypatch):
    from mri_gan.data import builtin as default_module

    monkeypatch.setenv("MRI_GAN_CACHE", str(tmp_path / "cache"))
    render = default_module.write_phantom_dataset

    def another_process_finishes_first(out, **kwargs):
        render(out, **kwargs)  # the other process's set lands while this one is still rendering
        return render(out, **kwargs)

    monkeypatch.setattr(default_module, "write_phantom_dataset", another_process_finishes_first)
    folder = default_dataset_dir(num=4, seed=0)
    assert len(list(folder.rglob("*.png"))) == 4
    assert sorted(path.name for path in folder.parent.iterdir()) == [folder.name]  # no staging folder left


def test_an_interrupted_render_leaves_nothing_behind(tmp_path, monkeypatch):
    from mri_gan.data import phantom

    rendered = []

    def interrupted_after_two(seed, index, tumour, size):
        if len(rendered) == 2:
            raise KeyboardInterrupt
        rendered.append(index)
        return render_slice(seed, index, tumour, size)

    monkeypatch.setattr(phantom, "render_slice", interrupted_after_two)
    with pytest.raises(KeyboardInterrupt):
        write_phantom_dataset(tmp_path / "set", num=6, size=64)
    assert rendered == [0, 1] and list(tmp_path.iterdir()) == []


def test_command_writes_the_set_and_refuses_an_existing_folder(tmp_path, capsys):
    assert phantom_main(["--out", str(tmp_path / "set"), "--num", "4", "--seed", "2", "--size", "64"]) == 0
    assert len(list((tmp_path / "set").rglob("*.png"))) == 4
    with pytest.raises(SystemExit) as exit_info:
        phantom_main(["--out", str(tmp_path / "set"), "--num", "4"])
    assert exit_info.value.code == 2
    assert "already exists" in capsys.readouterr().err
