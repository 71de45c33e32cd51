"""DiffAugment (Zhao et al. 2020): differentiable augmentation of every image the discriminator sees.

With a few hundred training images the discriminator memorises them and the generator
collapses to a few outputs. Augmenting real and generated images alike, inside the
training step and differentiably (so the generator's gradient passes through), keeps
the discriminator from memorising without changing what the generator must produce.

Policies, joined by commas: `color` (brightness and contrast), `translation` (shift by
up to 1/8 of the side, filling with black) and `cutout` (a black square of half the
side); `ada` adds adaptive discriminator augmentation (`mri_gan.gan.ada`), applied after these, and
`apa` adaptive pseudo augmentation (generated images shown to the discriminator as real).
Images are in [-1, 1] with a black (-1) background, as the pipeline makes them.
"""

import keras
from keras import ops

ADAPTIVE = "ada"
PSEUDO = "apa"
POLICIES = ("color", "translation", "cutout", ADAPTIVE, PSEUDO)


def parse_policy(policy: str) -> tuple[str, ...]:
    """ "translation,cutout" -> ("translation", "cutout"); "" or "none" -> ()."""
    names = tuple(name.strip() for name in policy.split(",") if name.strip() and name.strip() != "none")
    unknown = [name for name in names if name not in POLICIES]
    if unknown:
        raise ValueError(f"unknown augmentation {unknown[0]!r} in {policy!r}; choose from {', '.join(POLICIES)}")
    return names


def diff_augment(images, policy: tuple[str, ...], seed_generator):
    """Apply each DiffAugment operation of `policy` (not `ada` or `apa`: they have their own p), one draw per image."""
    for name in policy:
        if name not in (ADAPTIVE, PSEUDO):
            images = AUGMENTATIONS[name](images, seed_generator)
    return images


def _per_image(images, seed_generator, low=0.0, high=1.0):
    batch = ops.shape(images)[0]
    return keras.random.uniform((batch, 1, 1, 1), low, high, seed=seed_generator, dtype=images.dtype)


def color(images, seed_generator):
    """Brightness shift in [-0.5, 0.5) and contrast factor in [0.5, 1.5), per image."""
    images = images + _per_image(images, seed_generator, -0.5, 0.5)
    mean = ops.mean(images, axis=(1, 2, 3), keepdims=True)
    return (images - mean) * _per_image(images, seed_generator, 0.5, 1.5) + mean


def translation(images, seed_generator, ratio: float = 0.125):
    """Shift each image by up to `ratio` of its side in each direction; uncovered pixels turn black."""
    batch, height, width = ops.shape(images)[0], ops.shape(images)[1], ops.shape(images)[2]
    limit_h, limit_w = int(images.shape[1] * ratio + 0.5), int(images.shape[2] * ratio + 0.5)
    shift_h = keras.random.randint((batch, 1, 1), -limit_h, limit_h + 1, seed=seed_generator)
    shift_w = keras.random.randint((batch, 1, 1), -limit_w, limit_w + 1, seed=seed_generator)
    rows = ops.clip(ops.arange(height)[None, :, None] + shift_h + 1, 0, height + 1)
    cols = ops.clip(ops.arange(width)[None, None, :] + shift_w + 1, 0, width + 1)
    padded = ops.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=-1.0)
    flat = ops.reshape(padded, (batch, (height + 2) * (width + 2), -1))
    index = ops.reshape(rows * (width + 2) + cols, (batch, height * width, 1))
    gathered = ops.take_along_axis(flat, ops.cast(index, "int32"), axis=1)
    return ops.reshape(gathered, ops.shape(images))


def cutout(images, seed_generator, ratio: float = 0.5):
    """Black out a square of `ratio` of the side at a random place in each image."""
    batch, height, width = ops.shape(images)[0], images.shape[1], images.shape[2]
    size_h, size_w = int(height * ratio + 0.5), int(width * ratio + 0.5)
    centre_h = keras.random.randint((batch, 1, 1), 0, height + (1 - size_h % 2), seed=seed_generator)
    centre_w = keras.random.randint((batch, 1, 1), 0, width + (1 - size_w % 2), seed=seed_generator)
    rows = ops.arange(height)[None, :, None]
    cols = ops.arange(width)[None, None, :]
    inside = (ops.abs(rows - centre_h) * 2 < size_h) & (ops.abs(cols - centre_w) * 2 < size_w)
    keep = ops.cast(ops.logical_not(inside), images.dtype)[..., None]
    return images * keep - (1.0 - keep)


AUGMENTATIONS = {"color": color, "translation": translation, "cutout": cutout}
