"""The tumour classifiers the arms are compared with, and training for a fixed number of steps.

Two classifiers with no downloaded weights: a small CNN (four strided convolutions) and a
small residual network (three stages of two residual blocks), which a gain must survive.
Both see classic augmentation (mirroring, shifts, small rotations and zooms) in every arm,
so synthetic images are measured against the augmentation a careful baseline already has.
Every arm of a fold starts from the same initial weights and takes the same number of
optimizer steps, so a larger training set never means more training.
"""

from collections.abc import Callable

import keras
import numpy as np
from keras import layers

from mri_gan.errors import ConfigError

BATCH_SIZE = 32
LEARNING_RATE = 1e-3
PREDICT_BATCH = 256


def _augmented_input(resolution: int) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    image = keras.Input((resolution, resolution, 1), name="image")
    x = layers.Rescaling(1 / 127.5, offset=-1.0)(image)
    x = layers.RandomFlip("horizontal")(x)
    x = layers.RandomTranslation(0.06, 0.06, fill_mode="constant", fill_value=-1.0)(x)
    x = layers.RandomRotation(0.03, fill_mode="constant", fill_value=-1.0)(x)
    x = layers.RandomZoom(0.08, fill_mode="constant", fill_value=-1.0)(x)
    return image, x


def small_cnn(resolution: int) -> keras.Model:
    """uint8 [N, res, res, 1] -> logit of the positive class: four strided convolutions and global pooling."""
    image, x = _augmented_input(resolution)
    for filters in (16, 32, 64, 96):
        x = layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Dropout(0.3)(layers.GlobalAveragePooling2D()(x))
    return keras.Model(image, layers.Dense(1)(x), name="small_cnn")


def small_resnet(resolution: int) -> keras.Model:
    """uint8 [N, res, res, 1] -> logit of the positive class: a strided stem and three stages of two residual
    blocks, each stage halving the side (64 px: 32, 16, 8, 4)."""
    image, x = _augmented_input(resolution)
    x = layers.Conv2D(16, 3, strides=2, padding="same", use_bias=False)(x)
    for filters in (32, 64, 128):
        for block in range(2):
            stride = 1 if block else 2
            shortcut = x if stride == 1 else layers.Conv2D(filters, 1, strides=stride)(x)
            y = layers.ReLU()(layers.BatchNormalization()(x))
            y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(y)
            y = layers.ReLU()(layers.BatchNormalization()(y))
            y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
            x = layers.Add()([shortcut, y])
    x = layers.GlobalAveragePooling2D()(layers.ReLU()(layers.BatchNormalization()(x)))
    return keras.Model(image, layers.Dense(1)(layers.Dropout(0.3)(x)), name="small_resnet")


CLASSIFIERS: dict[str, Callable[[int], keras.Model]] = {"cnn": small_cnn, "resnet": small_resnet}


def classifier_names(text: str) -> list[str]:
    """`--classifier cnn,resnet` as a list of known names."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in CLASSIFIERS]
    if not names or unknown:
        raise ConfigError(f"--classifier {text!r}: choose from {', '.join(CLASSIFIERS)} (comma-separated)")
    return names


class StepTrainer:
    """One classifier, compiled once, that every arm of a fold trains from the same starting weights."""

    def __init__(self, name: str, resolution: int, seed: int):
        keras.utils.set_random_seed(seed)
        self.model = CLASSIFIERS[name](resolution)
        self.model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE),
                           loss=keras.losses.BinaryCrossentropy(from_logits=True))  # fmt: skip
        self.model.optimizer.build(self.model.trainable_variables)
        self._state = [*self.model.variables, *self.model.optimizer.variables]
        self._start = [variable.numpy() for variable in self._state]

    def restart(self, seed: int) -> None:
        """Back to the starting weights and a fresh optimizer, augmentation drawn from `seed`."""
        for variable, value in zip(self._state, self._start, strict=True):
            variable.assign(value)
        keras.utils.set_random_seed(seed)

    def train(self, images: np.ndarray, positive: np.ndarray, steps: int, seed: int) -> None:
        """`steps` optimizer steps on batches drawn without replacement, epoch after epoch, from the images."""
        order = np.random.default_rng(seed)
        epochs = -(-steps * BATCH_SIZE // len(images))
        index = np.concatenate([order.permutation(len(images)) for _ in range(epochs)])[: steps * BATCH_SIZE]
        self.model.fit(images[index], positive[index].astype(np.float32), batch_size=BATCH_SIZE, epochs=1,
                       shuffle=False, verbose=0)  # fmt: skip

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """P(positive class) per image. Padded to whole batches: every call then has one input shape, and the
        test folds' and synthetic pools' many sizes do not retrace the prediction (TensorFlow warned of it)."""
        padding = np.zeros((-len(images) % PREDICT_BATCH, *images.shape[1:]), images.dtype)
        batches = np.concatenate([images, padding])
        logits = self.model.predict(batches, batch_size=PREDICT_BATCH, verbose=0).ravel()[: len(images)]
        return 1 / (1 + np.exp(-logits))
