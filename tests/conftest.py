"""Shared fixtures: small image folders written by the tests themselves, and commands run as a user would."""

import contextlib
import dataclasses
import importlib
import io
import json
import logging
import os
import subprocess
import sys
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


def run_module(module: str, *args: str, env=None, cwd=None) -> "CommandResult":
    """Run `python -m module args` inside this process: `main(argv)` with stdout and stderr captured.

    What a user sees from the command (exit code, stdout, stderr, files written) without paying
    a new process's TensorFlow start-up, which made these tests most of the suite's time. `env`
    replaces the environment and `cwd` the working folder for the call, as they would for a new
    process. What only a new process can show (TensorFlow's start-up, the lock another process
    holds) uses `run_in_new_process`.
    """
    import keras

    main = _command_main(module)
    stdout, stderr = io.StringIO(), io.StringIO()
    package_logger = logging.getLogger("mri_gan")
    saved_logging = package_logger.handlers[:], package_logger.level, package_logger.propagate
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    if cwd is not None:
        os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                returncode = main(list(args))
            except SystemExit as exit:
                returncode = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        package_logger.handlers[:], package_logger.level, package_logger.propagate = saved_logging
        keras.backend.clear_session()
    return CommandResult(returncode or 0, stdout.getvalue(), stderr.getvalue())


@dataclasses.dataclass
class CommandResult:
    """A command's exit code and output, read like subprocess's CompletedProcess."""

    returncode: int
    stdout: str
    stderr: str


def _command_main(module: str):
    imported = importlib.import_module(module)
    if not hasattr(imported, "main"):
        imported = importlib.import_module(f"{module}.__main__")
    return imported.main


def run_in_new_process(module: str, *args: str, timeout: float = 300, env=None, cwd=None):
    """Run `python -m module args` in a fresh process; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd,
    )  # fmt: skip


def evaluated(run, real, out, num: int) -> tuple[dict, str]:
    """`evaluate --real REAL --model RUN --num NUM --out OUT` offline: its report.json and what it printed, once it
    exited 0."""
    result = run_module("mri_gan.evaluate", "--real", str(real), "--model", str(run), "--num", str(num), "--out",
                        str(out), env={**os.environ, "MRI_GAN_OFFLINE": "1"})  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads((out / "report.json").read_text()), result.stdout


def tiny_config(data, epochs=2, **train):
    """A RunConfig of a few seconds' training on `data`: 32x32, width 4, batch 4, `train` settings over them."""
    from mri_gan.config import RunConfig

    config = RunConfig()
    config.data.path = str(data)
    config.model.width, config.model.latent_dim = 4, 8
    config.train.epochs, config.train.batch_size, config.train.quality_every = epochs, 4, 1
    for key, value in train.items():
        setattr(config.train, key, value)
    return config


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A one-epoch run at 32x32 on twelve images, trained in this process."""
    from mri_gan.training.run import train

    root = tmp_path_factory.mktemp("reliability")
    for i in range(12):
        write_image(root / "data" / f"{i}.png", head_image(48, 48, seed=i))
    return train(tiny_config(root / "data", epochs=1), root / "run").run.root
