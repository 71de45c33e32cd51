"""Adaptive discriminator augmentation (Karras et al. 2020, StyleGAN2-ADA), restricted to MRI-safe operations.

Every image the discriminator sees, real or generated, goes through the same random
pipeline, each operation applied with probability p: x-flip, integer translation (up to
1/32 of the side), isotropic scaling (log2-normal, std 0.05), rotation (uniform within 5
degrees), brightness (normal shift, std 0.2) and contrast (log2-normal factor, std 0.5).
Colour hue, saturation and strong geometric distortions of the original are left out:
MR slices are grayscale and anatomy should keep its shape. The geometric operations make
one affine warp per image (bilinear), so the pipeline is differentiable and the
generator's gradient passes through it.

The geometric strengths are far below StyleGAN2-ADA's (translation up to 1/8 of the
side, scaling std 0.2; this pipeline also rotated up to 15 degrees before): MR slices are
framed alike, their heads differ by about a pixel in position and a tenth in size, and
warps larger than that, on most of what the discriminator sees once p is high, hide those
differences from it. With the larger warps the generated heads drifted in size and place
(built-in set, 3 seeds, 200,000 images: SWD 2.74x the real-vs-real baseline against 2.10x,
MS-SSIM 1.32x against 1.12x; experiments/README.md).

What a warp uncovers at the borders is the image reflected, as StyleGAN2-ADA pads, not a
constant: MR backgrounds carry a noise floor, and pure black borders on most real images
the discriminator sees teach the generator that a darker, flatter background than the
data's is real (a leak measured on the built-in set: experiments/README.md).

p is not a fixed setting: `AdaController` raises it while the discriminator overfits
and lowers it when it does not. The overfitting signal is r_t = E[sign(D(x_real))], the
share of real images the discriminator is sure of, measured over a few steps; p moves
toward keeping r_t at the target (0.6 in the paper) by a step that lets it go from 0 to
1 in `speed_images` training images.

On a few hundred MR slices even p = 1 leaves the discriminator sure of nearly every real
image (ADA's adaptive part idle). Adaptive pseudo augmentation (`pseudo_augment`, Jiang et
al. 2021) then adds a second controller with its own p: that share of the real batch is
replaced by generated images labelled real.
"""

import math

import keras
import tensorflow as tf
from keras import ops

MAX_TRANSLATION = 1 / 32  # of the side
SCALE_STD = 0.05  # log2 units
MAX_ROTATION = math.radians(5)
BRIGHTNESS_STD = 0.2  # in [-1, 1] pixel units
CONTRAST_STD = 0.5  # log2 units


def _applied(batch, p, seed_generator):
    """1.0 for the images an operation is applied to (each with probability p), else 0.0; [batch]."""
    return ops.cast(keras.random.uniform((batch,), seed=seed_generator) < p, "float32")


def _gated_normal(batch, p, stddev, seed_generator):
    """A normal draw per image where the operation applies (probability p), 0 elsewhere; [batch]."""
    return _applied(batch, p, seed_generator) * keras.random.normal((batch,), stddev=stddev, seed=seed_generator)


def _warps(batch, size_h, size_w, p, seed_generator):
    """Per image, the inverse affine map (output pixel -> input pixel) as ImageProjectiveTransform's 8 numbers."""
    flip = 1.0 - 2.0 * _applied(batch, p, seed_generator) * ops.cast(
        keras.random.uniform((batch,), seed=seed_generator) < 0.5, "float32"
    )
    shift = _applied(batch, p, seed_generator)[:, None] * ops.round(
        keras.random.uniform((batch, 2), -MAX_TRANSLATION, MAX_TRANSLATION, seed=seed_generator)
        * ops.convert_to_tensor([size_w, size_h], "float32")
    )
    scale = ops.power(2.0, _gated_normal(batch, p, SCALE_STD, seed_generator))
    angle = _applied(batch, p, seed_generator) * keras.random.uniform((batch,), -MAX_ROTATION, MAX_ROTATION,
                                                                      seed=seed_generator)  # fmt: skip
    # Forward map about the centre: x' = R S F (x - c) + c + t; the warp needs its inverse.
    cos, sin = ops.cos(angle), ops.sin(angle)
    centre_x, centre_y = (size_w - 1) / 2.0, (size_h - 1) / 2.0
    # inverse of R S F is F^-1 S^-1 R^T = (1/s) * [[f cos, f sin], [-sin, cos]]
    a00, a01 = flip * cos / scale, flip * sin / scale
    a10, a11 = -sin / scale, cos / scale
    dx, dy = -centre_x - shift[:, 0], -centre_y - shift[:, 1]  # input = A (output - c - t) + c
    b0 = a00 * dx + a01 * dy + centre_x
    b1 = a10 * dx + a11 * dy + centre_y
    zeros = ops.zeros_like(a00)
    return ops.stack([a00, a01, b0, a10, a11, b1, zeros, zeros], axis=1)


def ada_augment(images, p, seed_generator):
    """The ADA pipeline with probability `p` per operation; [-1, 1] images, kept in range and in shape.

    p = 0 returns the images unchanged (the warp is skipped, not applied as an identity).
    """
    dtype = images.dtype
    x = ops.cast(images, "float32")
    batch, height, width = ops.shape(x)[0], x.shape[1], x.shape[2]
    p = ops.cast(p, "float32")

    def augmented():
        transforms = _warps(batch, height, width, p, seed_generator)
        warped = tf.raw_ops.ImageProjectiveTransformV3(
            images=x, transforms=transforms, output_shape=[height, width], fill_value=0.0,
            interpolation="BILINEAR", fill_mode="REFLECT",
        )  # fmt: skip
        brightness = _gated_normal(batch, p, BRIGHTNESS_STD, seed_generator)
        contrast = ops.power(2.0, _gated_normal(batch, p, CONTRAST_STD, seed_generator))
        shifted = warped + brightness[:, None, None, None]
        mean = ops.mean(shifted, axis=(1, 2, 3), keepdims=True)
        return ops.clip((shifted - mean) * contrast[:, None, None, None] + mean, -1.0, 1.0)

    return ops.cast(tf.cond(p > 0.0, augmented, lambda: x), dtype)


class AdaController:
    """p and the overfitting signal, as variables a `GAN` trains and checkpoints with.

    Every `interval` steps: r_t = mean of sign(D(real) - decision point) over those steps;
    p += sign(r_t - target) * batch * interval / speed_images, kept in [0, max_p]. A cap
    under 1 keeps a share of un-augmented images in every batch: StyleGAN2-ADA found that
    augmentations applied to nearly every image leak into what the generator makes.

    `name` prefixes the variables ("ada_p", ...): a second controller (`apa`) keeps its own.
    """

    def __init__(self, target: float = 0.6, interval: int = 4, speed_images: int = 100_000, name: str = "ada",
                 max_p: float = 1.0):  # fmt: skip
        if not 0 < target < 1:
            raise ValueError(f"the ADA target must be in (0, 1), got {target}")
        if not 0 < max_p <= 1:
            raise ValueError(f"the ADA cap on p must be in (0, 1], got {max_p}")
        self.target, self.interval, self.speed_images, self.name = target, interval, speed_images, name
        self.max_p = max_p
        self.p = keras.Variable(0.0, trainable=False, name=f"{name}_p", aggregation="only_first_replica")
        self.signal = keras.Variable(0.0, trainable=False, name=f"{name}_signal", aggregation="mean")
        self.steps = keras.Variable(
            0, dtype="int32", trainable=False, name=f"{name}_steps", aggregation="only_first_replica"
        )

    def variables(self) -> dict[str, keras.Variable]:
        return {f"{self.name}_p": self.p, f"{self.name}_signal": self.signal, f"{self.name}_steps": self.steps}

    def update(self, real_logits, decision_logit: float, global_batch) -> None:
        """Add this step's overfitting signal; every `interval` steps, move p and start a new window.

        Without branches: under a distribution strategy the variables synchronize across
        replicas, which TensorFlow cannot do inside a `tf.cond`.
        """
        sign = ops.mean(ops.sign(ops.cast(real_logits, "float32") - decision_logit))
        self.signal.assign_add(sign)
        self.steps.assign_add(1)
        due = self.steps >= self.interval
        r_t = self.signal / ops.cast(self.steps, "float32")
        step = ops.cast(global_batch * self.steps, "float32") / self.speed_images
        moved = ops.clip(self.p + ops.sign(r_t - self.target) * step, 0.0, self.max_p)
        self.p.assign(ops.where(due, moved, self.p))
        self.signal.assign(ops.where(due, 0.0, self.signal))
        self.steps.assign(ops.where(due, 0, self.steps))


def pseudo_augment(real, fake, p, seed_generator):
    """APA (Jiang et al. 2021): each real image, with probability p, swapped for a generated one labelled real.

    When even full augmentation leaves the discriminator sure of every real image (ADA's p
    at 1), this deceives it in proportion to how much it overfits, instead of letting it
    memorise the few real images.
    """
    swapped = keras.random.uniform((ops.shape(real)[0], 1, 1, 1), seed=seed_generator) < ops.cast(p, "float32")
    return ops.where(swapped, ops.cast(fake, real.dtype), real)
