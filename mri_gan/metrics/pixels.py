"""Images for the measures: arrays of either pixel convention to one."""

import numpy as np


def as_unit_float(images) -> np.ndarray:
    """uint8 [0, 255] or float [-1, 1] images, [N, H, W] or [N, H, W, 1], to float32 [N, H, W, 1] in [0, 1]."""
    array = np.asarray(images)
    if array.ndim == 3:
        array = array[..., np.newaxis]
    if array.ndim != 4 or array.shape[-1] != 1:
        raise ValueError(f"expected grayscale images [N, H, W] or [N, H, W, 1], got shape {array.shape}")
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    return ((array.astype(np.float32) + 1.0) / 2.0).clip(0.0, 1.0)
