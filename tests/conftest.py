"""Shared fixtures: small image folders written by the tests themselves."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def head_image(width: int = 96, height: int = 96, seed: int = 0) -> np.ndarray:
    """A bright ellipse on black with some texture: a stand-in for an MR slice (uint8)."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:height, 0:width]
    inside = ((rows - height / 2) / (0.4 * height)) ** 2 + ((cols - width / 2) / (0.4 * width)) ** 2 < 1
    return (inside * rng.uniform(120, 230, (height, width))).astype(np.uint8)


def write_image(path: Path, pixels: np.ndarray, fmt: str | None = None, mode: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray(pixels)
    if mode:
        image = image.convert(mode)
    image.save(path, format=fmt)
    return path


@pytest.fixture
def labelled_folder(tmp_path: Path) -> Path:
    """yes/ with 5 images and no/ with 3, in mixed formats and sizes."""
    root = tmp_path / "scans"
    for i in range(5):
        write_image(root / "yes" / f"y{i}.png", head_image(80 + 10 * i, 96, seed=i))
    for i in range(3):
        write_image(root / "no" / f"n{i}.jpg", head_image(96, 70 + 10 * i, seed=10 + i), fmt="JPEG")
    return root


@pytest.fixture
def tiny_folder(tmp_path: Path) -> Path:
    """Twelve 48x48 images in yes/ and no/: enough for a few training steps at 32x32."""
    root = tmp_path / "tiny"
    for i in range(12):
        write_image(root / ("yes" if i % 2 else "no") / f"{i}.png", head_image(48, 48, seed=i))
    return root


def run_module(module: str, *args: str, timeout: float = 300, env=None, cwd=None):
    """Run `python -m module args` in a fresh process; returns the CompletedProcess."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd,
    )  # fmt: skip
