"""Where in spatial frequency two image sets differ: the radially averaged power spectrum, band by band.

Generators that upsample with transposed convolutions leave too much power at high
frequencies (a checkerboard, grain in flat regions) and low-pass ones too little (blur)
(Durall et al. 2020, "Watch your up-convolution"). A single distance mixes this with
everything else; the spectrum says which scale is wrong. Each image's mean is removed, its
2-D power spectrum averaged over the set and summed in rings of frequency (cycles per
pixel: 0.5 is the Nyquist frequency along one axis, the last ring holds the corners up to
both axes' Nyquist). Ratios of two sets near 1 in every ring mean the same texture at every
scale; two halves of one real set show how far from 1 chance alone goes.
"""

import math

import numpy as np

from mri_gan.metrics.pixels import as_unit_float

BAND_EDGES = (0.0, 1 / 16, 1 / 8, 1 / 4, 3 / 8, 1 / 2, math.sqrt(0.5))


def band_power(images) -> np.ndarray:
    """Mean power per image in each ring between consecutive `BAND_EDGES` (the zero frequency left out)."""
    pixels = as_unit_float(images)[..., 0].astype(np.float64)
    centred = pixels - pixels.mean(axis=(1, 2), keepdims=True)
    power = (np.abs(np.fft.fft2(centred)) ** 2).mean(axis=0)
    height, width = power.shape
    radius = np.hypot(*np.meshgrid(np.fft.fftfreq(height), np.fft.fftfreq(width), indexing="ij"))
    ring = np.digitize(radius, BAND_EDGES[1:-1])
    ring[0, 0] = -1
    return np.array([power[ring == band].sum() for band in range(len(BAND_EDGES) - 1)])


def power_ratios(reference, other) -> np.ndarray:
    """`other`'s power over `reference`'s in each ring: above 1 where `other` has more texture at that scale."""
    return band_power(other) / np.maximum(band_power(reference), 1e-20)
