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
def test_killed_run_resumes_from_its_last_checkpoint_and_finishes(tiny_folder, tmp_path):
    run = tmp_path / "run"
    command = [sys.executable, "-m", "mri_gan.fit", "--data", str(tiny_folder), "--out", str(run), *ARGS]
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

    from mri_gan.checkpointing import GanCheckpoint

    real = np.random.default_rng(0).uniform(-1, 1, (4, 32, 32, 1)).astype("float32")
    gan = small_gan(seed=1)
    gan.train_step(real)
    GanCheckpoint(gan, tmp_path).save(epoch=3)
    gan.reset_metrics()  # metrics are running means per epoch, not training state
    expected = float(gan.train_step(real)["g_loss"])

    fresh = small_gan(seed=2)
    assert GanCheckpoint(fresh, tmp_path).restore_latest() == 3
    assert float(fresh.train_step(real)["g_loss"]) == pytest.approx(expected, rel=1e-5)
    assert int(fresh.d_optimizer.iterations.numpy()) == 2 and int(fresh.g_optimizer.iterations.numpy()) == 2
