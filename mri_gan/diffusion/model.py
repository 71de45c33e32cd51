"""`DiffusionModel`: a denoising diffusion model trained by `fit()` and sampled with DDIM.

`train_step` follows keras-io's DDIM example (Béres 2022): each real image is mixed with
Gaussian noise at a random diffusion time of the continuous cosine schedule, and the mean
absolute error of the U-Net's prediction is the loss (keras-io found it better than the squared
error at this scale). The U-Net predicts the velocity (`schedule.velocity`, as in Salimans and Ho
2022 and most small-set diffusion code since) rather than keras-io's noise: on 64x64 MR slices
after 20,000 training images, predicted noise left a third of DDIM's samples as speckle, because
near t = 1 an image from predicted noise multiplies the prediction's error fifty-fold. A
conditional model trains with the class of each image replaced by "no class" for a share
`label_dropout` of the images, so one network learns the conditional and the unconditional
prediction that classifier-free guidance mixes.
An exponential moving average (EMA) of the weights is what samples are drawn from; its decay
warms up over the first steps (`ema_decay_at`), so that a run of a few hundred steps on a CPU
does not sample from an average that is still mostly the random initial weights.

Under a `tf.distribute` strategy the noise and times are drawn for the global batch and each
replica takes its slice, and the loss is divided by the number of replicas, as in the GAN.
"""

from typing import ClassVar

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from mri_gan.diffusion.sampler import diffusion_sampler, sampling_network
from mri_gan.diffusion.schedule import diffusion_rates, velocity
from mri_gan.errors import ConfigError
from mri_gan.models.portable import separate_copy
from mri_gan.runtime.distribution import logs_for_strategy, replica_share
from mri_gan.runtime.precision import needs_loss_scaling
from mri_gan.sampling.latents import sample_images

LOSSES = {"loss": "Denoising (mean absolute error of the predicted velocity)"}


def ema_decay_at(step, decay: float):
    """The EMA decay after `step` optimizer steps: (1 + step) / (10 + step), at most `decay`.

    The warm-up of common diffusion code (diffusers' EMA, after Tarvainen and Valpola 2017): a
    fixed 0.999 keeps 53% of the initial weights after 625 steps (20,000 images at batch 32),
    which is the whole of a short CPU run; the warm-up reaches 0.99 after 890 steps and 0.999
    after 8,990.
    """
    step = ops.cast(step, "float32")
    return ops.minimum(decay, (1.0 + step) / (10.0 + step))


class DiffusionModel(keras.Model):
    """A U-Net denoiser (`mri_gan.models.unet.denoiser`) trained with `fit()`; a `GenerativeModel`.

        model = DiffusionModel(denoiser(64), seed=0, ema_decay=0.999)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        model.fit(dataset, epochs=100)
        images = model.sample(16, seed=1)  # uint8 [16, 64, 64, 1], by `steps` DDIM steps

    The latent vector of an image is its starting noise, flattened (latent_dim = res x res).
    `steps` and `guidance` are the sampler's settings for grids, checks and the export; the
    export also takes others at generation time. A diffusion model has no discriminator.
    """

    logged_losses: ClassVar[dict[str, str]] = LOSSES
    discriminator = None

    def __init__(self, network: keras.Model, seed: int | None = None, ema_decay: float = 0.999,
                 label_dropout: float = 0.1, steps: int = 25, guidance: float = 1.0, **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        self.check_settings(ema_decay=ema_decay, label_dropout=label_dropout, steps=steps, guidance=guidance)
        self.network = network
        self.ema_decay = ema_decay
        self.label_dropout = label_dropout
        self.steps, self.guidance = steps, guidance
        self.ema_network = separate_copy(network, "ema_denoiser") if ema_decay else None
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in LOSSES}
        self._sampler = sampling_network(self.ema_network or network, steps, guidance)
        sampler = diffusion_sampler(self._sampler)  # reads the class count and size off the denoiser once
        self.num_classes, self.resolution = sampler.num_classes, sampler.resolution
        self.latent_dim = self.resolution**2
        self._compiled_sampler = tf.function(self._sampler, reduce_retracing=True)
        self.built = True

    @staticmethod
    def check_settings(ema_decay: float = 0.999, label_dropout: float = 0.1, steps: int = 25,
                       guidance: float = 1.0) -> None:  # fmt: skip
        """Refuse settings outside their range (ConfigError naming the value)."""
        if not 0 <= ema_decay < 1:
            raise ConfigError(f"ema_decay must be in [0, 1), got {ema_decay}")
        if not 0 <= label_dropout < 1:
            raise ConfigError(f"label_dropout must be in [0, 1), got {label_dropout}")
        if steps < 1:
            raise ConfigError(f"steps must be at least 1, got {steps}")
        if guidance < 0:
            raise ConfigError(f"guidance must be at least 0, got {guidance}")

    def compile(self, optimizer, **kwargs):
        """One optimizer for the denoiser; wrapped for loss scaling when the network computes in float16."""
        if needs_loss_scaling(self.network) and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        super().compile(optimizer=optimizer, **kwargs)
        self.optimizer.build(self.network.trainable_variables)  # now: in the strategy scope, before a restore

    @property
    def metrics(self):
        return list(self.trackers.values())

    @property
    def sampling_generator(self) -> keras.Model:
        """z (starting noise) [and label] -> images: DDIM with the EMA denoiser when there is one."""
        return self._sampler

    def call(self, z, training=False):
        return self.sample_from_latent(z)

    def sample_from_latent(self, z, labels=None, training=False):
        """Images in [-1, 1] from starting noise `z` by the sampler; a conditional model without `labels` cycles
        the classes."""
        z = ops.convert_to_tensor(z, "float32")
        if not self.num_classes:
            return self._compiled_sampler(z)
        if labels is None:
            labels = ops.arange(ops.shape(z)[0]) % self.num_classes
        return self._compiled_sampler([z, ops.cast(labels, "int32")])

    def train_step(self, data):
        images, labels = (data[0], data[1]) if isinstance(data, tuple | list) else (data, None)
        if self.num_classes and labels is None:
            raise ValueError("a conditional diffusion model needs (images, labels) batches; build the dataset with "
                             "labels")  # fmt: skip
        images = ops.cast(ops.convert_to_tensor(images), "float32")
        batch_size = ops.shape(images)[0]
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        draw = (batch_size * replicas, self.resolution, self.resolution, 1)
        noises = replica_share(keras.random.normal(draw, seed=self.seed_generator), batch_size, replicas)
        times = keras.random.uniform((batch_size * replicas, 1, 1, 1), seed=self.seed_generator)
        noise_rates, signal_rates = diffusion_rates(replica_share(times, batch_size, replicas))
        noisy = signal_rates * images + noise_rates * noises
        inputs = [noisy, ops.reshape(noise_rates**2, (-1, 1))]
        if self.num_classes:
            dropped = keras.random.uniform((batch_size * replicas,), seed=self.seed_generator) < self.label_dropout
            no_class = ops.full_like(ops.cast(labels, "int32"), self.num_classes)
            inputs.append(ops.where(replica_share(dropped, batch_size, replicas), no_class, ops.cast(labels, "int32")))

        with tf.GradientTape() as tape:
            predicted = ops.cast(self.network(inputs, training=True), "float32")
            loss = ops.mean(ops.abs(velocity(images, noises, noise_rates, signal_rates) - predicted))
            scaled_loss = self.optimizer.scale_loss(loss / replicas)
        weights = self.network.trainable_weights
        self.optimizer.apply(tape.gradient(scaled_loss, weights), weights)
        if self.ema_network is not None:
            decay = ema_decay_at(self.optimizer.iterations, self.ema_decay)
            for average, weight in zip(self.ema_network.weights, self.network.weights, strict=True):
                average.assign(decay * average + (1.0 - decay) * ops.cast(weight, average.dtype))
        self.trackers["loss"].update_state(loss)
        return logs_for_strategy({name: tracker.result() for name, tracker in self.trackers.items()})

    def sample(self, num: int, seed: int = 0, batch_size: int = 256, label: int | None = None) -> np.ndarray:
        """`num` images as uint8 [num, H, W, 1], the same for the same seed (as the export's `sample`)."""
        return sample_images(self, num, seed, batch_size, label)

    def checkpoint_items(self) -> tuple[dict, dict]:
        """The denoiser, its optimizer (with the step count) and the noise state; the EMA denoiser, which a run
        resumed with a new --ema-decay may lack."""
        required = {"network": self.network, "optimizer": self.optimizer, "noise_state": self.seed_generator.state}
        optional = {"ema_network": self.ema_network} if self.ema_network is not None else {}
        return required, optional

    def start_afresh(self, names) -> None:
        """The EMA denoiser, when a resumed checkpoint lacked it, starts from the restored denoiser."""
        if "ema_network" in names:
            self.ema_network.set_weights(self.network.get_weights())

    def parameter_counts(self) -> dict[str, int]:
        """The denoiser's parameters (the EMA copy and the sampler add none)."""
        return {"denoiser": self.network.count_params()}

    def summary_text(self) -> str:
        """The denoiser's `summary()` and the sampler's settings, for the run directory."""
        lines: list[str] = []
        self.network.summary(print_fn=lambda line, *args, **kwargs: lines.append(line), line_length=100)
        lines.append(f"Sampler: DDIM, {self.steps} steps, guidance {self.guidance:g}; EMA decay {self.ema_decay:g}")
        return "\n".join(lines)
