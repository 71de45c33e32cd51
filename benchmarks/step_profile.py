"""Where the time of one training step goes: TensorFlow's profiler, summed per op type and per op.

    python benchmarks/step_profile.py [--precision auto] [--resolution 64] [--batch-size 128]
                                      [--width 64] [--steps 6] [--top 25]

Runs `DCGAN.fit` on random images as `train_step.py` does (one warm-up epoch), traces two
more epochs with `tf.profiler`, and prints milliseconds per step of each op type and of the
costliest ops. Two ops often run at once on the two inter-op threads, so the sums exceed
the wall time of a step; compare shares, not absolute figures, across machines. The CPU
model and instruction sets come first.
"""

import argparse
import collections
import tempfile
from pathlib import Path

from train_step import warmed_up_gan

from mri_gan.runtime.hardware import read_cpu
from mri_gan.runtime.precision import choose_precision

# isort: split
import tensorflow as tf
from tensorflow.tsl.profiler.protobuf import xplane_pb2

TRACED_EPOCHS = 2


def op_times(trace_dir: Path) -> tuple[collections.Counter, collections.Counter]:
    """Milliseconds per op type and per (type, op name), summed over the trace's TensorFlow ops."""
    by_type, by_op = collections.Counter(), collections.Counter()
    for path in trace_dir.rglob("*.xplane.pb"):
        space = xplane_pb2.XSpace.FromString(path.read_bytes())
        for plane in space.planes:
            for line in plane.lines:
                if not line.name.startswith("tf_Compute"):
                    continue
                for event in line.events:
                    name = plane.event_metadata[event.metadata_id].name
                    if ":" not in name or "::" in name:  # "ExecutorState::Process" is no op
                        continue
                    op_name, op_type = name.rsplit(":", 1)
                    by_type[op_type] += event.duration_ps / 1e9
                    by_op[(op_type, op_name)] += event.duration_ps / 1e9
    return by_type, by_op


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--precision", default="auto", choices=("auto", "float32", "mixed_bfloat16", "mixed_float16"))
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--steps", type=int, default=6, help="steps per epoch")
    parser.add_argument("--top", type=int, default=25, help="op types and ops to list")
    args = parser.parse_args()
    print(f"CPU: {read_cpu().describe()}")
    print(f"precision {args.precision} here: {choose_precision(args.precision).describe()}")
    gan, dataset = warmed_up_gan(args.resolution, args.width, args.batch_size, args.steps, args.precision)
    with tempfile.TemporaryDirectory() as trace_dir:
        tf.profiler.experimental.start(trace_dir)
        gan.fit(dataset, epochs=TRACED_EPOCHS, verbose=0)
        tf.profiler.experimental.stop()
        by_type, by_op = op_times(Path(trace_dir))
    steps = TRACED_EPOCHS * args.steps
    total = sum(by_type.values())
    print(f"{args.resolution} px, batch {args.batch_size}, width {args.width}: "
          f"{total / steps:.0f} ms of op time per step (both inter-op threads)")  # fmt: skip
    print("per op type:")
    for op_type, ms in by_type.most_common(args.top):
        print(f"  {ms / steps:8.2f} ms/step  {100 * ms / total:5.1f}%  {op_type}")
    print("costliest ops:")
    for (op_type, op_name), ms in by_op.most_common(args.top):
        print(f"  {ms / steps:8.2f} ms/step  {op_type:32s} {op_name.removeprefix('StatefulPartitionedCall/')}")


if __name__ == "__main__":
    main()
