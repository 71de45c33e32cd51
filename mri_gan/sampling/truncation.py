"""The truncation trick (Brock et al. 2019; Karras et al. 2019): images nearer the generator's typical one.

A generator with a mapping network (StyleGAN2's, whose `w_average` layer keeps the running mean
of w) is truncated in W: `w_avg + psi * (w - w_avg)`, as StyleGAN does, because the mean of W
is a typical image where the centre of z need not be. Others are truncated in z, scaled by psi
toward the normal prior's mean 0. psi 1 leaves the generator as trained.
"""

from collections.abc import Callable

import keras
from keras import ops

from mri_gan.models.style_layers import W_AVERAGE


def truncates_in_w(generator: keras.Model) -> bool:
    """Whether `generator` has a mapping network whose running mean of w truncation pulls toward."""
    return any(layer.name == W_AVERAGE for layer in generator.layers)


def truncated_generator(generator: keras.Model) -> Callable:
    """A function (inputs, psi) -> images in [-1, 1], `inputs` being what `generator` takes (z, or [z, labels])."""
    if not truncates_in_w(generator):

        def in_z(inputs, psi):
            if isinstance(inputs, list | tuple):
                return generator([inputs[0] * psi, *inputs[1:]], training=False)
            return generator(inputs * psi, training=False)

        return in_z
    average = generator.get_layer(W_AVERAGE)
    mapping = keras.Model(generator.input, average.input, name="mapping")
    synthesis = keras.Model(average.output, generator.outputs[0], name="synthesis")

    def in_w(inputs, psi):
        w = mapping(inputs, training=False)
        return synthesis(average.truncate(w, ops.cast(psi, w.dtype)), training=False)

    return in_w
