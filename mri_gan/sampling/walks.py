"""Walks through the latent space between random endpoints, as an animated GIF and a strip PNG.

The check StyleGAN and DCGAN users make by eye: a generator that has learned the data
changes an image gradually along a walk; one that memorised its training set jumps between
a few fixed images. Endpoints are drawn from the normal prior and joined by spherical
interpolation (slerp, Shoemake 1985; White 2016 for GANs), which keeps every point at the
typical norm of the prior where linear interpolation would pass through its unlikely centre.
"""

import math
from pathlib import Path

import numpy as np
from PIL import Image

from mri_gan.errors import ConfigError
from mri_gan.runs.model_source import Sampler, model_source
from mri_gan.sampling.files import check_truncation, class_targets, latents
from mri_gan.sampling.grids import image_grid, save_png

FRAME_MILLISECONDS = 100


def slerp(start: np.ndarray, end: np.ndarray, fractions: np.ndarray) -> np.ndarray:
    """Points along the great circle from `start` to `end` ([D] each) at `fractions` in [0, 1]: [len(fractions), D].

    Falls back to linear interpolation when the two are (nearly) parallel.
    """
    fractions = np.asarray(fractions, np.float64)[:, None]
    a, b = np.asarray(start, np.float64), np.asarray(end, np.float64)
    cosine = np.dot(a, b) / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12)
    angle = math.acos(float(np.clip(cosine, -1.0, 1.0)))
    if math.sin(angle) < 1e-6:
        return ((1 - fractions) * a + fractions * b).astype(np.float32)
    points = (np.sin((1 - fractions) * angle) * a + np.sin(fractions * angle) * b) / math.sin(angle)
    return points.astype(np.float32)


def walk_latents(seed: int, walks: int, steps: int, latent_dim: int) -> np.ndarray:
    """[walks, steps, latent_dim]: walk i goes from latent vector 2i to 2i+1 of the stream for `seed`."""
    if walks < 1 or steps < 2:
        raise ValueError(f"walks must be at least 1 and steps at least 2, got {walks} and {steps}")
    ends = latents(seed, 2 * walks, latent_dim)
    fractions = np.linspace(0.0, 1.0, steps)
    return np.stack([slerp(ends[2 * i], ends[2 * i + 1], fractions) for i in range(walks)])


def write_walks(sampler: Sampler, walks: int, steps: int, out: Path, seed: int = 0, truncation: float = 1.0,
                label: int | None = None) -> tuple[Path, Path]:  # fmt: skip
    """`out/interpolation.png` (one row per walk) and `out/interpolation.gif` (all walks, step by step)."""
    walk = walk_latents(seed, walks, steps, sampler.latent_dim)
    side = sampler.resolution
    images = sampler.images(walk.reshape(walks * steps, -1), label, truncation).reshape(walks, steps, side, side, 1)
    strip = save_png(image_grid(images.reshape(walks * steps, *images.shape[2:]), columns=steps),
                     out / "interpolation.png")  # fmt: skip
    columns = math.ceil(math.sqrt(walks))
    frames = [Image.fromarray(image_grid(images[:, step], columns=columns)) for step in range(steps)]
    frames += frames[-2:0:-1]  # back again, so the loop has no jump
    out.mkdir(parents=True, exist_ok=True)
    gif = out / "interpolation.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=FRAME_MILLISECONDS, loop=0)
    return strip, gif


def walk_files(model_path, walks: int, steps: int, out, seed: int = 0, truncation: float = 1.0,
               label: str | None = None, sampler_steps: int | None = None,
               guidance: float | None = None) -> list[Path]:  # fmt: skip
    """`write_walks` for the generator `--model` names: into `out`, or `out/<class>/` for each class (a diffusion
    model's with `sampler_steps` DDIM steps and guidance scale `guidance`; None: the run's)."""
    if walks < 1 or steps < 2:
        raise ConfigError(f"--interpolate must be at least 1 and --walk-steps at least 2, got {walks} and {steps}")
    check_truncation(truncation)
    sampler = Sampler(model_source(model_path))
    sampler.use_sampler_settings(sampler_steps, guidance)
    return [path for folder, index in class_targets(sampler, label, Path(out))
            for path in write_walks(sampler, walks, steps, folder, seed, truncation, index)]  # fmt: skip
