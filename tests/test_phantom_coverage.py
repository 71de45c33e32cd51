"""experiments/phantom_coverage.py: factors read in the pipeline's image order, shares and distances."""

import importlib.util
import json
from pathlib import Path

import numpy as np
from PIL import Image

from mri_gan.data.phantom import CONTRASTS, MANIFEST, write_phantom_dataset

SCRIPT = Path(__file__).parents[1] / "experiments" / "phantom_coverage.py"


def load_script():
    spec = importlib.util.spec_from_file_location("phantom_coverage", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_factors_follow_the_images_they_belong_to(tmp_path):
    coverage = load_script()
    folder = write_phantom_dataset(tmp_path / "set", num=6, seed=3, size=64)
    images, factors = coverage.phantom_images(folder)
    records = json.loads((folder / MANIFEST).read_text())["images"]
    files = {record["file"]: np.asarray(Image.open(folder / record["file"])) for record in records}
    assert images.shape == (6, 64, 64, 1)
    for image, contrast, level, tumour in zip(images, factors.contrast, factors.level, factors.tumour, strict=True):
        # At the rendered size the pipeline leaves the pixels as they are: find the file by its content.
        name = min(files, key=lambda file: np.abs(files[file].astype(int) - image[..., 0]).sum())
        record = next(record for record in records if record["file"] == name)
        assert np.abs(files[name].astype(int) - image[..., 0]).max() <= 1
        assert (CONTRASTS[contrast], level, tumour) == (record["contrast"], record["slice"], record["label"] == "yes")


def test_shares_and_total_variation():
    coverage = load_script()
    edges = coverage.level_edges(np.arange(100, dtype=np.float32))
    assert len(edges) == coverage.LEVEL_BINS - 1
    reference = coverage.Factors(np.array([0, 1, 2, 3] * 25), np.arange(100, dtype=np.float32), np.arange(100) % 2)
    reference_shares = coverage.shares(reference, edges)
    assert reference_shares["contrast"] == [0.25] * 4
    assert np.allclose(reference_shares["level"], [0.2] * 5)
    # Only the lowest levels, one contrast, every image with a tumour.
    collapsed = coverage.Factors(np.zeros(10, int), np.full(10, 3.0, np.float32), np.ones(10, int))
    distance = coverage.total_variation(coverage.shares(collapsed, edges), reference_shares)
    assert np.isclose(distance["contrast"], 0.75)
    assert np.isclose(distance["level"], 0.8)
    assert np.isclose(distance["tumour"], 0.5)
    assert coverage.total_variation(reference_shares, reference_shares) == {"contrast": 0, "level": 0, "tumour": 0}


def test_the_matched_draw_gives_each_wanted_kind_a_generated_image_of_that_kind():
    coverage = load_script()
    factors = coverage.Factors(contrast=np.array([0, 0, 3, 3]), level=np.array([10.0, 90.0, 10.0, 90.0]),
                               tumour=np.array([0, 1, 0, 1]))  # fmt: skip
    kinds = coverage.kinds(factors, level_edges=np.array([50.0]))
    assert len(set(kinds.tolist())) == 4
    candidates = np.repeat(kinds, [3, 1, 0, 2])  # the third kind has no candidate
    wanted = np.concatenate([kinds, kinds[:2]])
    drawn, missing = coverage.matched_draw(candidates, wanted, np.random.default_rng(0))
    assert missing == 1
    have_candidates = wanted != kinds[2]
    assert (candidates[drawn[have_candidates]] == wanted[have_candidates]).all()
    assert len(drawn) == len(wanted) and drawn.min() >= 0 and drawn.max() < len(candidates)
