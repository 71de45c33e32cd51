"""Fréchet Radiomics Distance (FRD; Konz, Osuala et al., Medical Image Analysis 2026), when installed.

FID's counterpart for medical images: the Fréchet distance between the real and the
generated set in standardised radiomic features (intensity, texture and filtered-image
statistics of each whole slice, by pyradiomics), which need no network trained on
photographs and no download. The value is FRD v1 as `frd-score` reports it: the logarithm
of the squared Fréchet distance, so it can be negative and only differences between
models on the same real images mean something. Computed by the `frd-score` package (FRD v1, its default) in
a separate Python process of this interpreter, which keeps its worker processes away from
TensorFlow's threads. Optional, because pyradiomics' PyPI release does not build in pip's
isolated build environment on Python >= 3.10; `INSTALL` is the command that works.
"""

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

INSTALL = 'pip install "setuptools<72" wheel && pip install --no-build-isolation pyradiomics==3.0.1 frd-score==1.0.1'
PROGRAM = (
    "import sys\n"
    "from frd_score.frd import compute_frd\n"
    "value = compute_frd(sys.argv[1:3], num_workers=int(sys.argv[3]), verbose=False)\n"
    "print('FRD_VALUE', repr(float(value)))\n"
)


def unavailable_reason() -> str | None:
    """Why FRD cannot be computed here (None when it can)."""
    missing = [name for name in ("frd_score", "radiomics") if importlib.util.find_spec(name) is None]
    if missing:
        return f"{' and '.join(missing)} not installed; install with: {INSTALL}"
    return None


def frechet_radiomics_distance(real: np.ndarray, fake: np.ndarray, workers: int = 2) -> float:
    """FRD between two sets of uint8 [N, H, W, 1] images (lower: closer). Raises RuntimeError if frd-score fails."""
    with tempfile.TemporaryDirectory(prefix="mri_gan-frd-") as scratch:
        folders = [Path(scratch) / "real", Path(scratch) / "generated"]
        for folder, images in zip(folders, (real, fake), strict=True):
            folder.mkdir()
            for index, image in enumerate(images):
                Image.fromarray(np.asarray(image)[..., 0]).save(folder / f"{index:06d}.png")
        result = subprocess.run([sys.executable, "-c", PROGRAM, *map(str, folders), str(workers)],
                                capture_output=True, text=True)  # fmt: skip
    values = [line.split(" ", 1)[1] for line in result.stdout.splitlines() if line.startswith("FRD_VALUE ")]
    if result.returncode != 0 or not values:
        raise RuntimeError(f"frd-score failed (exit {result.returncode}): {result.stderr.strip()[-500:]}")
    return float(values[-1])
