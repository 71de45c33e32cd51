"""Image bytes of any format and mode to a one-channel float image of the model's size.

Decoding goes through Pillow, which recognises a format from the file's content (the
Kaggle set has PNGs named `.jpg`) and knows every mode MR images come in: 8- and 16-bit
grayscale, RGB, RGBA, palette, CMYK and progressive JPEG, TIFF. The same two functions
serve the folder pipeline, the TFDS builder and the validation pass, so every route to
the model sees identical pixels.
"""

import io

import numpy as np
from PIL import Image, ImageOps

from mri_gan.data.limits import IMAGE_PIXELS_VARIABLE, TooLarge, check_image_size, max_image_pixels, too_large_reason

RESAMPLING = Image.Resampling.LANCZOS
_EIGHT_BIT_MODES = {"1", "L", "P", "RGB", "RGBA", "LA", "PA", "CMYK", "YCbCr", "LAB", "HSV", "RGBX"}


def decode_grayscale(data: bytes, size_hint: int | None = None) -> np.ndarray:
    """Decode encoded image bytes to a 2-D float32 array in [0, 1].

    `size_hint` lets JPEG decoding skip detail that a resize to that size would throw
    away (DCT scaling); the result is still at least twice that size on its short side.
    The first frame of an animated GIF or multi-page TIFF is used. An image with more
    pixels than `mri_gan.data.limits` allows raises `TooLarge` before it is decoded.
    """
    try:
        opened = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:  # Pillow's own, far higher limit
        bound = f"more than {2 * Image.MAX_IMAGE_PIXELS:,}"
        raise TooLarge(too_large_reason(bound, "pixels", max_image_pixels(), IMAGE_PIXELS_VARIABLE)) from error
    with opened as image:
        check_image_size(*image.size)
        if size_hint is not None and image.format == "JPEG":
            image.draft(None, (2 * size_hint, 2 * size_hint))
        image.load()
        return to_grayscale(ImageOps.exif_transpose(image))


def to_grayscale(image: Image.Image) -> np.ndarray:
    """One channel, float32 in [0, 1], whatever the mode.

    Transparent pixels are composited on black (the background of an MR slice).
    Images deeper than 8 bits are scaled by their own maximum, because 16-bit MR
    exports rarely use the full 0-65535 range (12-bit scanners store 0-4095).
    """
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        black = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        return _scaled_8bit(Image.alpha_composite(black, rgba).convert("L"))
    if image.mode in _EIGHT_BIT_MODES:
        rgb_or_gray = image if image.mode in ("1", "L", "P", "RGB") else image.convert("RGB")
        return _scaled_8bit(rgb_or_gray.convert("L"))
    if image.mode not in ("F",) and not image.mode.startswith("I"):
        raise ValueError(f"unsupported image mode {image.mode!r}")
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 3:
        array = array.mean(axis=-1)
    array = array - min(float(array.min()), 0.0)
    peak = float(array.max())
    return array / peak if peak > 0 else array


def _scaled_8bit(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.float32) / 255.0


def to_model_input(
    gray: np.ndarray,
    resolution: int,
    fit: str = "pad",
    clip_percentiles: tuple[float, float] | None = None,
) -> np.ndarray:
    """A [0, 1] grayscale image to the model's input: [resolution, resolution, 1] in [-1, 1].

    `fit="pad"` keeps the whole image and its aspect ratio, padding with black;
    `fit="crop"` fills the square and cuts the long side at its centre. Downsampling is
    antialiased. `clip_percentiles=(low, high)` stretches each image between those
    intensity percentiles first, evening out scans with different windowing.
    """
    if clip_percentiles is not None:
        low, high = np.percentile(gray, clip_percentiles)
        gray = np.clip((gray - low) / max(high - low, 1e-6), 0.0, 1.0)
    image = Image.fromarray(np.ascontiguousarray(gray, dtype=np.float32))
    size = (resolution, resolution)
    if fit == "crop":
        square = ImageOps.fit(image, size, method=RESAMPLING)
    else:
        square = ImageOps.pad(image, size, method=RESAMPLING, color=0)
    pixels = np.clip(np.asarray(square, dtype=np.float32), 0.0, 1.0)
    return (pixels * 2.0 - 1.0)[..., np.newaxis]
