"""The noise schedule: how much of the image and how much noise a noisy image holds at diffusion time t.

The continuous-time cosine schedule of keras-io's DDIM example (after Nichol and Dhariwal 2021): the
signal and noise rates are the cosine and sine of an angle that grows linearly with t in [0, 1], so
signal^2 + noise^2 = 1 at every t (a variance-preserving process), the signal falls monotonically
from `MAX_SIGNAL_RATE` at t = 0 to `MIN_SIGNAL_RATE` at t = 1, and any number of sampling steps
can be taken without retraining. The rates stop short of 1 and 0: at t = 0 a little noise keeps
the network's input off the data itself, at t = 1 a little signal keeps the endpoint well posed.
"""

import math

from keras import ops

MIN_SIGNAL_RATE = 0.02
MAX_SIGNAL_RATE = 0.95


def diffusion_rates(times):
    """(noise_rates, signal_rates) at diffusion times `times` in [0, 1] (any shape, float)."""
    start_angle = math.acos(MAX_SIGNAL_RATE)
    end_angle = math.acos(MIN_SIGNAL_RATE)
    angles = start_angle + ops.cast(times, "float32") * (end_angle - start_angle)
    return ops.sin(angles), ops.cos(angles)


def velocity(images, noises, noise_rates, signal_rates):
    """The velocity v = signal * noise - noise_rate * image (Salimans and Ho 2022): what the denoiser learns."""
    return signal_rates * noises - noise_rates * images


def from_velocity(noisy, velocities, noise_rates, signal_rates):
    """(noise, clean image) of a noisy image given its velocity, the inverse of `velocity` for that image.

    Unlike an image computed from predicted noise, (noisy - noise_rate * noise) / signal_rate, neither
    is divided by a rate, so an early, slightly wrong prediction near t = 1 (signal rate 0.02) is not
    multiplied fifty-fold into the clean image that the next DDIM step starts from.
    """
    return noise_rates * noisy + signal_rates * velocities, signal_rates * noisy - noise_rates * velocities
