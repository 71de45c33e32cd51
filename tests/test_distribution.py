"""tf.distribute: 2 logical CPUs train one device's weights; 2 workers on 127.0.0.1 train, only the chief writes."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import head_image, write_image
from test_cli_end_to_end import TINY_RUN

from mri_gan.errors import ConfigError
from mri_gan.runtime.distribution import is_chief, make_strategy

HERE = Path(__file__).parent


def test_mirrored_over_two_cpus_trains_the_weights_of_one_device_with_the_global_batch():
    """Tolerance 1e-5 on every weight after 3 steps with synchronized batch norm (float32 sums in another order)."""
    result = subprocess.run([sys.executable, str(HERE / "distributed_steps.py")], capture_output=True, text=True,
                            timeout=300, check=True)  # fmt: skip
    differences = json.loads(result.stdout.strip().splitlines()[-1])
    assert differences["replicas"] == 2
    assert min(differences["moved_from_initial"].values()) > 1e-2
    assert max(differences["synchronized"].values()) < 1e-5
    assert max(differences["per_replica_batch_norm"].values()) > 1e-4  # statistics of half batches do differ
    assert differences["mixed_float16_losses_finite"]


def test_mirrored_over_two_cpus_trains_a_diffusion_model_as_one_device_does():
    """The noise, times and dropped labels are drawn for the global batch and sliced per replica."""
    result = subprocess.run([sys.executable, str(HERE / "distributed_diffusion_steps.py")], capture_output=True,
                            text=True, timeout=300, check=True)  # fmt: skip
    differences = json.loads(result.stdout.strip().splitlines()[-1])
    assert differences["replicas"] == 2
    assert differences["moved_from_initial"] > 1e-3
    # Adam divides by the gradients' size, so float32 sums in another order can move a near-zero gradient's weight by
    # a share of the rate (the largest single difference is 7% of the largest move); taken over all weights together
    # the two runs differ by under 1% of how far training moved them, where other noise per replica would differ by
    # about as much as training moves them.
    assert max(differences["relative_difference"].values()) < 0.05


def test_multiworker_needs_tf_config_and_single_machine_processes_are_chiefs(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ConfigError, match="TF_CONFIG"):
        make_strategy("multiworker")
    with pytest.raises(ConfigError, match="bogus"):
        make_strategy("bogus")
    assert is_chief(make_strategy("default"))


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def run_two_workers(data: Path, run: Path, scratch: Path, cache: Path, *extra: str) -> list[str]:
    """Both workers' stderr; each must exit 0 within 240 s (both are always stopped)."""
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    processes = []
    try:
        for index in range(2):
            task = {"cluster": cluster, "task": {"type": "worker", "index": index}}
            env = {**os.environ, "TF_CONFIG": json.dumps(task), "TMPDIR": str(scratch), "MRI_GAN_CACHE": str(cache)}
            command = [sys.executable, "-m", "mri_gan.fit", "--strategy", "multiworker", "--data", str(data),
                       "--out", str(run), "--quality-every", "0", *TINY_RUN, *extra]  # fmt: skip
            processes.append(
                subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            )
        deadline = time.monotonic() + 240
        outputs = [process.communicate(timeout=max(deadline - time.monotonic(), 1)) for process in processes]
    finally:
        for process in processes:
            process.kill()
    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr[-3000:]
    return [stderr for _, stderr in outputs]


def test_two_workers_train_resume_from_the_chiefs_checkpoint_and_only_the_chief_writes(tmp_path):
    data, run, scratch, cache = tmp_path / "data", tmp_path / "run", tmp_path / "tmp", tmp_path / "cache"
    for i in range(16):
        write_image(data / ("yes" if i % 2 else "no") / f"{i}.png", head_image(48, 48, seed=i))
    scratch.mkdir()
    chief, other = run_two_workers(data, run, scratch, cache)
    assert "Worker worker-1 writes into" in other and "Worker" not in chief
    assert (run / "checkpoints" / "checkpoint").is_file() and (run / "generator" / "saved_model.pb").is_file()
    assert not list(scratch.iterdir())  # worker 1 wrote into a temporary folder, deleted at the end

    chief, other = run_two_workers(data, run, scratch, cache, "--epochs", "3")  # e.g. after a worker died
    assert "from epoch 2" in chief and "from epoch 2" in other
    assert (run / "checkpoints" / "ckpt-3.index").is_file()
    import tensorflow as tf

    generator = tf.saved_model.load(str(run / "generator"))
    assert generator.sample(tf.constant(0, tf.int64), tf.constant(2, tf.int32)).shape[0] == 2
