"""A training process killed with SIGKILL resumes from its last checkpoint and ends as planned."""

import csv
import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

EPOCHS = 40
ARGS = ["--epochs", str(EPOCHS), "--resolution", "32", "--width", "4", "--latent-dim", "8", "--batch-size", "4",
        "--checkpoint-every", "2", "--sample-every", "5"]  # fmt: skip


def checkpoint_number(run) -> int:
    latest = tf.train.latest_checkpoint(str(run / "checkpoints"))
    return int(latest.rsplit("-", 1)[1]) if latest else 0


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("family", [[], ["--architecture", "ddim", "--width", "8", "--blocks", "1", "--steps", "2"]],
                         ids=["gan", "diffusion"])  # fmt: skip
def test_killed_run_resumes_from_its_last_checkpoint_and_finishes(tiny_folder, tmp_path, family):
    run = tmp_path / "run"
    command = [sys.executable, "-m", "mri_gan.fit", "--data", str(tiny_folder), "--out", str(run), *ARGS, *family]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while checkpoint_number(run) < 6 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert process.poll() is None, f"training ended before it could be killed: {process.stderr.read()}"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    killed_at = checkpoint_number(run)
    assert 6 <= killed_at < EPOCHS

    resumed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"Resuming {run} from epoch {killed_at}" in resumed.stderr
    assert checkpoint_number(run) == EPOCHS
    starts = json.loads((run / "config.json").read_text())["starts"]
    assert [start["from_epoch"] for start in starts] == [0, killed_at]
    with (run / "history.csv").open() as handle:
        epochs = [int(row["epoch"]) for row in csv.DictReader(handle)]
    assert epochs == list(range(EPOCHS)), "each epoch logged exactly once"
    assert (run / "generator" / "saved_model.pb").is_file()


def test_restored_state_equals_the_saved_state(tmp_path):
    """Both networks, both optimizers and the noise generator come back exactly."""
    from test_gan import small_gan

    from mri_gan.training.state import TrainingState

    real = np.random.default_rng(0).uniform(-1, 1, (4, 32, 32, 1)).astype("float32")
    gan = small_gan(seed=1)
    gan.train_step(real)
    TrainingState(gan, tmp_path).save(epoch=3)
    gan.reset_metrics()  # metrics are running means per epoch, not training state
    expected = float(gan.train_step(real)["g_loss"])

    fresh = small_gan(seed=2)
    assert TrainingState(fresh, tmp_path).restore_latest() == 3
    assert float(fresh.train_step(real)["g_loss"]) == pytest.approx(expected, rel=1e-5)
    assert int(fresh.d_optimizer.iterations.numpy()) == 2 and int(fresh.g_optimizer.iterations.numpy()) == 2


def test_a_run_made_by_version_0_1_0_resumes_and_its_keras_file_still_loads(tiny_folder, tmp_path):
    """Runs written before the models/ package and the portable .keras files keep working."""
    import shutil
    from pathlib import Path

    from conftest import run_module

    run = tmp_path / "old"
    shutil.copytree(Path(__file__).parent / "data" / "run_made_by_0.1.0", run)
    record = json.loads((run / "config.json").read_text())
    record["config"]["data"]["path"] = str(tiny_folder)
    (run / "config.json").write_text(json.dumps(record))
    import keras

    import mri_gan  # noqa: F401  (registers the layers that files of 0.1.0 name, as its README said to do)

    old_generator = keras.models.load_model(run / "keras" / "generator.keras")
    assert type(old_generator.get_layer("up_8")).__name__ == "StridedConv2DTranspose"

    result = run_module("mri_gan.fit", "--out", str(run), "--epochs", "3")
    assert result.returncode == 0, result.stderr
    assert "Resuming" in result.stderr and "from epoch 2" in result.stderr
    starts = json.loads((run / "config.json").read_text())["starts"]
    assert [start["from_epoch"] for start in starts] == [0, 2]
    assert checkpoint_number(run) == 3
