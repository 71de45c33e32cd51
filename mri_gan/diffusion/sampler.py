"""DDIM sampling (Song et al. 2021) with classifier-free guidance (Ho and Salimans 2022), as a Keras layer.

`DiffusionSampler` turns latent vectors (the starting noise, flattened: latent_dim = res x res)
into images by `steps` deterministic DDIM steps of the denoiser from t = 1 to t = 0; the same
noise gives the same image, which is what the model contract asks of a generator. Wrapped in a
functional model (`sampling_network`) it has a generator's inputs and output, so grids, quality
checks, the SavedModel export and `generate` use it as they use a GAN's generator, and its
`.keras` file holds the denoiser's weights with the sampler's settings.

Guidance: a conditional denoiser also learned the unconditional prediction (the class index
`num_classes`); with scale s the prediction used is uncond + s (cond - uncond): s = 0 is the
unconditional model, 1 the conditional one, above 1 stronger class features, less variety.

At every step the clean image the prediction implies is clipped to the data's range [-1, 1]
before the step is taken (diffusers' `clip_sample`), so an image that strays out of range early
is pulled back instead of ending as saturated speckle. The denoiser predicts the velocity
(`schedule.velocity`); `prediction="noise"` reads a `.keras` file saved before it did.
"""

import keras
from keras import layers, ops

from mri_gan.diffusion.schedule import diffusion_rates, from_velocity
from mri_gan.models.unet import CLASS_EMBEDDING

PACKAGE = "mri_gan"
SAMPLER = "ddim_sampler"  # the sampler layer's name in a sampling network
PREDICTIONS = ("velocity", "noise")  # what a denoiser's output is; "noise" in files saved before "prediction"


def ddim_step(noisy, predicted_noise, noise_rates, signal_rates, next_noise_rates, next_signal_rates):
    """One deterministic DDIM step: (the next, less noisy image, the predicted clean image)."""
    predicted_images = (noisy - noise_rates * predicted_noise) / signal_rates
    return next_signal_rates * predicted_images + next_noise_rates * predicted_noise, predicted_images


def guided_noise(conditional, unconditional, guidance):
    """Classifier-free guidance: the unconditional prediction moved `guidance` times toward the conditional."""
    return unconditional + guidance * (conditional - unconditional)


@keras.saving.register_keras_serializable(PACKAGE)
class DiffusionSampler(layers.Layer):
    """[N, res*res] starting noise (and [N] int classes when the denoiser is conditional) -> [N, res, res, 1]
    images in [-1, 1] by `steps` DDIM steps of `network` with guidance scale `guidance`."""

    def __init__(self, network: keras.Model, steps: int = 25, guidance: float = 1.0, prediction: str = "velocity",
                 **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        if prediction not in PREDICTIONS:
            raise ValueError(f"prediction must be one of {', '.join(PREDICTIONS)}, got {prediction!r}")
        self.prediction = prediction
        if steps < 1:
            raise ValueError(f"steps must be at least 1, got {steps}")
        if guidance < 0:
            raise ValueError(f"guidance must be at least 0, got {guidance}")
        self.network = network
        self.steps = int(steps)
        self.guidance = float(guidance)
        self.resolution = int(network.inputs[0].shape[1])
        self.num_classes = network.get_layer(CLASS_EMBEDDING).input_dim - 1 if len(network.inputs) > 2 else 0

    def call(self, inputs, steps=None, guidance=None):
        z, labels = (inputs[0], inputs[1]) if self.num_classes else (inputs, None)
        return self.denoise(z, labels, self.steps if steps is None else steps,
                            self.guidance if guidance is None else guidance)  # fmt: skip

    def denoise(self, z, labels, steps, guidance):
        """Images from starting noise `z` by `steps` DDIM steps; `steps` and `guidance` may be tensors."""
        noisy = ops.reshape(ops.cast(z, "float32"), (-1, self.resolution, self.resolution, 1))
        count = ops.shape(noisy)[0]
        step_size = 1.0 / ops.cast(steps, "float32")

        def step(index, state):
            noisy, _ = state
            times = ops.ones((count, 1, 1, 1)) * (1.0 - ops.cast(index, "float32") * step_size)
            noise_rates, signal_rates = diffusion_rates(times)
            next_noise_rates, next_signal_rates = diffusion_rates(times - step_size)
            predicted = self.clipped_noise(noisy, self.predict(noisy, noise_rates, labels, guidance), noise_rates,
                                           signal_rates)  # fmt: skip
            return ddim_step(noisy, predicted, noise_rates, signal_rates, next_noise_rates, next_signal_rates)

        _, images = ops.fori_loop(0, ops.cast(steps, "int32"), step, (noisy, ops.zeros_like(noisy)))
        return ops.clip(images, -1.0, 1.0)

    def clipped_noise(self, noisy, prediction, noise_rates, signal_rates):
        """The noise in `noisy` that the denoiser's `prediction` implies once its clean image is clipped to [-1, 1]."""
        if self.prediction == "velocity":
            _, images = from_velocity(noisy, prediction, noise_rates, signal_rates)
        else:
            images = (noisy - noise_rates * prediction) / signal_rates
        return (noisy - signal_rates * ops.clip(images, -1.0, 1.0)) / noise_rates

    def predict(self, noisy, noise_rates, labels=None, guidance=1.0):
        """The denoiser's prediction for `noisy`, guided when the denoiser is conditional."""
        noisy = ops.convert_to_tensor(noisy, "float32")
        variances = ops.reshape(ops.convert_to_tensor(noise_rates, "float32") ** 2, (-1, 1))
        if not self.num_classes:
            return ops.cast(self.network([noisy, variances], training=False), "float32")
        labels = ops.cast(labels, "int32")
        if isinstance(guidance, int | float) and guidance == 1:
            return ops.cast(self.network([noisy, variances, labels], training=False), "float32")
        unconditional = ops.full_like(labels, self.num_classes)
        both = self.network([ops.concatenate([noisy, noisy]), ops.concatenate([variances, variances]),
                             ops.concatenate([labels, unconditional])], training=False)  # fmt: skip
        conditional, unconditional = ops.split(ops.cast(both, "float32"), 2)
        return guided_noise(conditional, unconditional, ops.cast(guidance, "float32"))

    def compute_output_shape(self, input_shape):
        return (None, self.resolution, self.resolution, 1)

    def get_config(self):
        return {**super().get_config(), "network": keras.saving.serialize_keras_object(self.network),
                "steps": self.steps, "guidance": self.guidance, "prediction": self.prediction}  # fmt: skip

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["network"] = keras.saving.deserialize_keras_object(config["network"])
        return cls(**{"prediction": "noise", **config})


def sampling_network(network: keras.Model, steps: int, guidance: float) -> keras.Model:
    """A generator-shaped model around `network`: z [N, res*res] (and label [N]) -> images [N, res, res, 1]."""
    sampler = DiffusionSampler(network, steps, guidance, name=SAMPLER, dtype="float32")
    z = keras.Input((sampler.resolution**2,), name="z")
    if not sampler.num_classes:
        return keras.Model(z, sampler(z), name="diffusion_generator")
    label = keras.Input((), dtype="int32", name="label")
    return keras.Model([z, label], sampler([z, label]), name="diffusion_generator")


def diffusion_sampler(generator: keras.Model) -> DiffusionSampler | None:
    """The DDIM sampler layer of a sampling network, or None for a GAN's generator."""
    found = [layer for layer in generator.layers if isinstance(layer, DiffusionSampler)]
    return found[0] if found else None
