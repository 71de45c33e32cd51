"""Which `tf.distribute` strategy a run uses, and which process of a multi-worker run writes.

- default: one device (TensorFlow's default strategy).
- mirrored: `MirroredStrategy` over every GPU of this machine (the CPU when there is none).
- multiworker: `MultiWorkerMirroredStrategy` over the machines that the standard
  `TF_CONFIG` environment variable lists; it must be created before any other
  TensorFlow work in the process, which is why `train` creates it first.

In a multi-worker run only the chief (task type "chief", or worker 0 when the cluster has
no chief) writes into the run directory; the other workers do the same work into a
temporary folder that is deleted at the end, as TensorFlow's multi-worker guide
prescribes (every worker must take part in saving).
"""

import json
import os

import tensorflow as tf

from mri_gan.errors import ConfigError

STRATEGIES = ("default", "mirrored", "multiworker")


def make_strategy(name: str) -> tf.distribute.Strategy:
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        if "TF_CONFIG" not in os.environ:
            raise ConfigError(
                "--strategy multiworker needs the TF_CONFIG environment variable (the cluster and this "
                "worker's task); see 'Scaling out' in the README."
            )
        try:
            json.loads(os.environ["TF_CONFIG"])
        except json.JSONDecodeError as error:
            raise ConfigError(f"TF_CONFIG is not valid JSON ({error}): {os.environ['TF_CONFIG']!r}") from error
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ConfigError(f"strategy must be one of {', '.join(STRATEGIES)}; got {name!r}")


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """True for the process that writes the run's outputs (every single-machine process)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) or resolver is None:
        return True
    task_type, task_id = resolver.task_type, resolver.task_id
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return task_type == "chief" or (task_type == "worker" and task_id == 0 and not has_chief) or task_type is None


def worker_name(strategy: tf.distribute.Strategy) -> str:
    resolver = strategy.cluster_resolver
    return f"{resolver.task_type}-{resolver.task_id}"


def replica_share(values, batch_size, replicas: int):
    """This replica's slice of `values` drawn for the whole global batch (`batch_size` per replica), so that one
    device and N replicas train on the same random draws."""
    if replicas == 1:
        return values
    replica = tf.distribute.get_replica_context().replica_id_in_sync_group
    return values[replica * batch_size : (replica + 1) * batch_size]


def logs_for_strategy(logs: dict) -> dict:
    """Logs as Keras reduces them: under multi-worker training it takes a mean over axis 0, which a scalar lacks."""
    if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
        return {name: tf.reshape(value, (1,)) for name, value in logs.items()}
    return logs
