"""Decoding of every format and mode users' files come in, and the resize to the model."""

import io

import numpy as np
import pytest
from PIL import Image

from mri_gan.data import decode_grayscale, to_model_input


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


GRADIENT = np.tile(np.linspace(0, 255, 64).astype(np.uint8), (48, 1))


@pytest.mark.parametrize(
    ("mode", "fmt", "options"),
    [
        ("L", "PNG", {}),
        ("L", "JPEG", {"quality": 95}),
        ("L", "JPEG", {"quality": 95, "progressive": True}),
        ("RGB", "JPEG", {"quality": 95}),
        ("RGB", "PNG", {}),
        ("RGB", "BMP", {}),
        ("P", "PNG", {}),
        ("P", "GIF", {}),
        ("L", "TIFF", {}),
        ("CMYK", "JPEG", {"quality": 95}),
    ],
)
def test_every_mode_decodes_to_one_channel_with_the_same_gradient(mode, fmt, options):
    image = Image.fromarray(GRADIENT).convert(mode)
    gray = decode_grayscale(encoded(image, fmt, **options))
    assert gray.shape == GRADIENT.shape
    assert gray.dtype == np.float32
    np.testing.assert_allclose(gray, GRADIENT / 255.0, atol=0.04)


def test_16_bit_grayscale_is_scaled_by_its_maximum():
    twelve_bit = (np.tile(np.linspace(0, 4095, 64), (48, 1))).astype(np.uint16)
    gray = decode_grayscale(encoded(Image.fromarray(twelve_bit), "PNG"))
    assert gray.max() == pytest.approx(1.0)
    np.testing.assert_allclose(gray, twelve_bit / 4095.0, atol=1e-4)


def test_rgba_is_composited_on_black():
    rgba = np.zeros((32, 32, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[:, :16, 3] = 255  # left half opaque white, right half fully transparent white
    gray = decode_grayscale(encoded(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert gray[:, :16].min() == pytest.approx(1.0)
    assert gray[:, 16:].max() == pytest.approx(0.0)


def test_png_named_jpg_decodes_by_content(tmp_path):
    path = tmp_path / "scan.jpg"
    Image.fromarray(GRADIENT).save(path, format="PNG")
    assert Image.open(path).format == "PNG"
    np.testing.assert_allclose(decode_grayscale(path.read_bytes()), GRADIENT / 255.0, atol=1e-6)


def test_model_input_shape_dtype_and_range():
    gray = np.random.default_rng(0).random((120, 90)).astype(np.float32)
    pixels = to_model_input(gray, 64)
    assert pixels.shape == (64, 64, 1)
    assert pixels.dtype == np.float32
    assert pixels.min() >= -1.0 and pixels.max() <= 1.0


def test_pad_keeps_the_aspect_ratio_of_a_wide_image():
    wide = np.ones((50, 200), np.float32)  # 4:1 white rectangle
    pixels = to_model_input(wide, 64, fit="pad")[..., 0]
    white_rows = np.flatnonzero(pixels.mean(axis=1) > 0.5)
    assert len(white_rows) == pytest.approx(16, abs=1)  # 64 / 4
    assert pixels[0].max() == -1.0 and pixels[-1].max() == -1.0  # black padding above and below
    assert abs(white_rows.mean() - 31.5) < 1  # centred


def test_crop_fills_the_square_from_the_centre():
    wide = np.zeros((50, 200), np.float32)
    wide[:, 75:125] = 1.0  # the central square is white
    pixels = to_model_input(wide, 64, fit="crop")[..., 0]
    assert pixels[:, 2:-2].min() > 0.9  # the filter only blurs the outermost columns


def test_downsampling_is_antialiased():
    stripes = np.zeros((256, 256), np.float32)
    stripes[:, ::2] = 1.0  # one-pixel stripes: aliasing would keep or drop them all
    pixels = to_model_input(stripes, 64)
    assert abs(float(pixels.mean())) < 0.05
    assert float(pixels.std()) < 0.05


def test_percentile_clipping_stretches_each_image():
    dim = np.linspace(0.2, 0.4, 64 * 64, dtype=np.float32).reshape(64, 64)
    pixels = to_model_input(dim, 64, clip_percentiles=(1.0, 99.0))
    assert pixels.min() == pytest.approx(-1.0) and pixels.max() == pytest.approx(1.0)
