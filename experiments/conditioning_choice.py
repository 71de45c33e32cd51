"""Projection discriminator or auxiliary classifier (AC-GAN)? Both trained the same way, then measured.

    python experiments/conditioning_choice.py --data ../shared/datasets/brain_tumor_dataset --out runs/conditioning

`--conditional` in mri_gan uses a projection discriminator (Miyato & Koyama 2018). This
script trains it beside an AC-GAN (Odena et al. 2017: an unconditional discriminator with
a class head; both networks also minimise the class cross-entropy) with the same
generator, data, seed and number of images, exports both generators and judges them
with `python -m mri_gan.evaluate` (per-class measures and label fidelity).
`conditioning.md` holds the table, `conditioning.jsonl` one line per run.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import mri_gan  # noqa: F401  (first: its TensorFlow settings apply only before TF is imported)

# isort: split
import keras
import numpy as np
import tensorflow as tf
from keras import layers

from mri_gan.config import RunConfig
from mri_gan.data import default_dataset_dir, folder_dataset
from mri_gan.gan.build import build_gan
from mri_gan.gan.losses import discriminator_bce, generator_non_saturating
from mri_gan.models import build_discriminator, build_generator
from mri_gan.models.contract import FEATURES
from mri_gan.runs.export import export_generator

METHODS = ("projection", "auxiliary")


class AuxiliaryClassifierGAN(keras.Model):
    """AC-GAN: D(x) gives a real/fake logit and class logits; the class loss is added to both players."""

    def __init__(self, generator, discriminator, seed: int):
        super().__init__()
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.class_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    def train_step(self, data):
        real, labels = data
        z = keras.random.normal((tf.shape(real)[0], self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as g_tape:
            fake = self.generator([z, labels], training=True)
            with g_tape.stop_recording(), tf.GradientTape() as d_tape:
                real_logit, real_classes = self.discriminator(real, training=True)
                fake_logit, fake_classes = self.discriminator(tf.stop_gradient(fake), training=True)
                d_loss = (discriminator_bce(real_logit, fake_logit) + self.class_loss(labels, real_classes)
                          + self.class_loss(labels, fake_classes))  # fmt: skip
            d_weights = self.discriminator.trainable_weights
            self.d_optimizer.apply(d_tape.gradient(d_loss, d_weights), d_weights)
            logit, classes = self.discriminator(fake, training=True)
            g_loss = generator_non_saturating(logit) + self.class_loss(labels, classes)
        self.g_optimizer.apply(g_tape.gradient(g_loss, self.generator.trainable_weights),
                               self.generator.trainable_weights)  # fmt: skip
        return {"d_loss": d_loss, "g_loss": g_loss}


def auxiliary_discriminator(resolution: int, width: int, num_classes: int) -> keras.Model:
    """The package's DCGAN discriminator with a class head on its features beside the real/fake logit."""
    base = build_discriminator(resolution, width)
    features = base.get_layer(FEATURES).output
    classes = layers.Dense(num_classes, dtype="float32", name="class_logits")(features)
    return keras.Model(base.inputs, [base.output, classes], name="auxiliary_discriminator")


def train(method: str, data: Path, seed: int, images: int, resolution: int, width: int):
    """The trained conditional generator of `method`, the class names, and the training seconds."""
    dataset, scan = folder_dataset(data, resolution=resolution, batch_size=32, with_labels=True, seed=seed)
    epochs = -(-images // len(scan.images))
    keras.utils.set_random_seed(seed)
    if method == "projection":
        config = RunConfig()
        config.model.resolution, config.model.width, config.model.conditional = resolution, width, True
        config.train.seed = seed
        gan = build_gan(config, len(scan.class_names))
    else:
        classes = len(scan.class_names)
        gan = AuxiliaryClassifierGAN(build_generator(resolution, 100, width, num_classes=classes),
                                     auxiliary_discriminator(resolution, width, classes), seed)  # fmt: skip
        gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                    g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))  # fmt: skip
    started = time.perf_counter()
    gan.fit(dataset, epochs=epochs, verbose=0)
    return gan.generator, scan.class_names, time.perf_counter() - started, epochs * len(scan.images)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, help="folder with class subfolders (default: the built-in dataset)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--images", type=int, default=12_800)
    p.add_argument("--resolution", type=int, default=64)
    p.add_argument("--width", type=int, default=32)
    args = p.parse_args(argv)
    data = args.data or default_dataset_dir()
    results = []
    for seed in args.seeds:
        for method in METHODS:
            run = args.out / f"{method}-seed{seed}"
            generator, classes, seconds, seen = train(method, data, seed, args.images, args.resolution, args.width)
            export_generator(generator, run / "generator", {"classes": list(classes), "method": method})
            subprocess.run([sys.executable, "-m", "mri_gan.evaluate", "--real", str(data), "--model", str(run),
                            "--num", "500", "--out", str(run / "evaluation"), "--seed", str(seed)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env={**os.environ, "MRI_GAN_OFFLINE": "1"})  # fmt: skip
            report = json.loads((run / "evaluation" / "report.json").read_text())
            result = {"method": method, "seed": seed, "images_seen": seen, "train_seconds": round(seconds),
                      "swd": report["swd"]["real_vs_generated"]["mean"],
                      "swd_per_class": {name: m["swd"]["real_vs_generated"]["mean"]
                                        for name, m in report["per_class"].items() if m["available"]},
                      "ms_ssim_ratio": report["ms_ssim"]["generated"] / report["ms_ssim"]["real"],
                      "agreement": report["label_fidelity"]["agreement"],
                      "classifier_held_out_accuracy": report["label_fidelity"]["held_out_real_accuracy"]}  # fmt: skip
            results.append(result)
            with (args.out / "conditioning.jsonl").open("a") as handle:
                handle.write(json.dumps(result) + "\n")
            print(json.dumps(result), flush=True)
    lines = ["| discriminator | SWD x1e3 | SWD per class | MS-SSIM generated / real | label agreement | seeds |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for method in METHODS:
        rows = [r for r in results if r["method"] == method]
        per_class = ", ".join(f"{name} {np.mean([r['swd_per_class'][name] for r in rows]):.1f}"
                              for name in rows[0]["swd_per_class"])  # fmt: skip
        agreement = ", ".join(f"{name} {np.mean([r['agreement'][name] for r in rows]):.2f}"
                              for name in rows[0]["agreement"])  # fmt: skip
        lines.append(f"| {method} | {np.mean([r['swd'] for r in rows]):.1f} | {per_class} | "
                     f"{np.mean([r['ms_ssim_ratio'] for r in rows]):.2f} | {agreement} | {len(rows)} |")  # fmt: skip
    (args.out / "conditioning.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
