"""The generator as a TensorFlow SavedModel that loads anywhere TensorFlow runs.

Signatures (each also a callable attribute of the loaded object):

- `from_latent(z)`: float32 [N, latent_dim] -> uint8 images [N, H, W, 1]; also `serving_default`;
- `sample(seed, count)`: int64 seed, int32 count -> uint8 images [count, H, W, 1], the same
  images `GAN.sample(count, seed)` and `python -m mri_gan.generate` give;
- `from_latent_truncated(z, psi)`: `from_latent` with the truncation trick, float32 psi in (0, 1]:
  in W for a generator with a mapping network (StyleGAN2), else in z
  (`mri_gan.sampling.truncation`).

A conditional generator's signatures take the class too: `from_latent(z, label)` and
`from_latent_truncated(z, label, psi)` with int32 labels [N], and `sample(seed, count, label)`
with one int32 class for all images.

A diffusion model's generator (the DDIM sampler around its denoiser; z is the starting noise)
has the same signatures, sampled with the run's steps and guidance (in the info file), and two
more that take them at generation time: `from_latent_steps(z[, label], steps, guidance)` and
`sample_steps(seed, count[, label], steps, guidance)`, int32 steps and float32 guidance.
The class names, in index order, are in `assets.extra/mri_gan.json` under "classes".

Loading needs only TensorFlow, not this package:

    generator = tf.saved_model.load("runs/NAME/generator")
    images = generator.sample(tf.constant(0, tf.int64), tf.constant(16))
"""

import json
import logging
import os
import shutil
from pathlib import Path

import keras
import tensorflow as tf

from mri_gan.diffusion.sampler import diffusion_sampler
from mri_gan.runs.atomic import process_unique
from mri_gan.sampling.latents import latent_vectors, to_uint8
from mri_gan.sampling.truncation import truncated_generator

INFO_FILE = "assets.extra/mri_gan.json"

logger = logging.getLogger(__name__)


def export_generator(generator: keras.Model, directory: str | os.PathLike, info: dict | None = None) -> Path:
    """Write the SavedModel to `directory`, replacing an earlier export only once complete."""
    directory = Path(directory)
    latent_dim = int(generator.inputs[0].shape[-1])
    z_spec = tf.TensorSpec((None, latent_dim), tf.float32, name="z")
    sample_specs = [tf.TensorSpec((), tf.int64, name="seed"), tf.TensorSpec((), tf.int32, name="count")]
    psi_spec = tf.TensorSpec((), tf.float32, name="psi")
    truncated = truncated_generator(generator)
    archive = keras.export.ExportArchive()
    archive.track(generator)
    if len(generator.inputs) == 1:

        def from_latent(z):
            return to_uint8(generator(z, training=False))

        def from_latent_truncated(z, psi):
            return to_uint8(truncated(z, psi))

        def sample(seed, count):
            return to_uint8(generator(latent_vectors(seed, count, latent_dim), training=False))

        archive.add_endpoint("from_latent", from_latent, [z_spec])
        archive.add_endpoint("from_latent_truncated", from_latent_truncated, [z_spec, psi_spec])
        archive.add_endpoint("sample", sample, sample_specs)
    else:

        def conditional_from_latent(z, label):
            return to_uint8(generator([z, label], training=False))

        def conditional_from_latent_truncated(z, label, psi):
            return to_uint8(truncated([z, label], psi))

        def conditional_sample(seed, count, label):
            labels = tf.fill([count], label)
            return to_uint8(generator([latent_vectors(seed, count, latent_dim), labels], training=False))

        label_spec = tf.TensorSpec((), tf.int32, name="label")
        labels_spec = tf.TensorSpec((None,), tf.int32, name="label")
        archive.add_endpoint("from_latent", conditional_from_latent, [z_spec, labels_spec])
        archive.add_endpoint("from_latent_truncated", conditional_from_latent_truncated,
                             [z_spec, labels_spec, psi_spec])  # fmt: skip
        archive.add_endpoint("sample", conditional_sample, [*sample_specs, label_spec])
    sampler = diffusion_sampler(generator)
    if sampler is not None:
        _add_sampler_endpoints(archive, sampler, latent_dim)
    partial = process_unique(directory)
    shutil.rmtree(partial, ignore_errors=True)
    try:
        archive.write_out(str(partial), verbose=False)
        details = {"latent_dim": latent_dim, "resolution": int(generator.outputs[0].shape[1]),
                   **({"steps": sampler.steps, "guidance": sampler.guidance} if sampler is not None else {}),
                   **(info or {})}  # fmt: skip
        (partial / INFO_FILE).parent.mkdir(parents=True, exist_ok=True)
        (partial / INFO_FILE).write_text(json.dumps(details, indent=2))
    except BaseException:  # a full disk, a kill signal turned exception: leave no half-written export behind
        shutil.rmtree(partial, ignore_errors=True)
        raise
    _swap_in(partial, directory)
    return directory


def _add_sampler_endpoints(archive, sampler, latent_dim: int) -> None:
    """`from_latent_steps` and `sample_steps`: a diffusion generator sampled with the steps and guidance given."""
    z_spec = tf.TensorSpec((None, latent_dim), tf.float32, name="z")
    settings = [tf.TensorSpec((), tf.int32, name="steps"), tf.TensorSpec((), tf.float32, name="guidance")]
    sample_specs = [tf.TensorSpec((), tf.int64, name="seed"), tf.TensorSpec((), tf.int32, name="count")]
    if not sampler.num_classes:

        def from_latent_steps(z, steps, guidance):
            return to_uint8(sampler.denoise(z, None, steps, guidance))

        def sample_steps(seed, count, steps, guidance):
            return to_uint8(sampler.denoise(latent_vectors(seed, count, latent_dim), None, steps, guidance))

        archive.add_endpoint("from_latent_steps", from_latent_steps, [z_spec, *settings])
        archive.add_endpoint("sample_steps", sample_steps, [*sample_specs, *settings])
        return

    def conditional_from_latent_steps(z, label, steps, guidance):
        return to_uint8(sampler.denoise(z, label, steps, guidance))

    def conditional_sample_steps(seed, count, label, steps, guidance):
        labels = tf.fill([count], label)
        return to_uint8(sampler.denoise(latent_vectors(seed, count, latent_dim), labels, steps, guidance))

    archive.add_endpoint("from_latent_steps", conditional_from_latent_steps,
                         [z_spec, tf.TensorSpec((None,), tf.int32, name="label"), *settings])  # fmt: skip
    archive.add_endpoint("sample_steps", conditional_sample_steps,
                         [*sample_specs, tf.TensorSpec((), tf.int32, name="label"), *settings])  # fmt: skip


def _swap_in(partial: Path, directory: Path) -> None:
    """Move a finished export into place; the old one is removed only after the move."""
    previous = directory.with_name(f".{directory.name}.previous")
    shutil.rmtree(previous, ignore_errors=True)
    if directory.exists():
        os.replace(directory, previous)
    os.replace(partial, directory)
    shutil.rmtree(previous, ignore_errors=True)


def recover_interrupted_swap(directory: str | os.PathLike) -> bool:
    """Finish an export swap a crash interrupted, so a run is never left without its generator.

    `_swap_in` renames the old export to `.NAME.previous`, then the finished `.NAME.PID.partial`
    to NAME. Killed between the two, NAME is missing: a partial export that is complete (its
    info file is written last) is moved in, else the previous export is put back. Killed after
    both, the stale previous copy is removed. Returns whether anything was moved.
    """
    directory = Path(directory)
    previous = directory.with_name(f".{directory.name}.previous")
    if not previous.exists():
        return False
    if directory.exists():
        shutil.rmtree(previous, ignore_errors=True)
        return False
    complete = [partial for partial in directory.parent.glob(f".{directory.name}.*.partial")
                if (partial / INFO_FILE).is_file() and (partial / "saved_model.pb").is_file()]  # fmt: skip
    source = max(complete, key=lambda partial: partial.stat().st_mtime) if complete else previous
    os.replace(source, directory)
    logger.warning("%s was left half-replaced by an interrupted export; %s", directory,
                   "the finished new export is now in place" if complete else "the previous export is back")  # fmt: skip
    return True


def read_export_info(directory: str | os.PathLike) -> dict:
    """The latent size, resolution and run details stored beside an exported generator."""
    path = Path(directory) / INFO_FILE
    return json.loads(path.read_text()) if path.is_file() else {}
