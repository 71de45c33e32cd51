"""The built-in default dataset: brain MR slices rendered from the ICBM152 2009 template.

A new user with no data still gets a realistic, labelled training set without any
download. The tissue probability maps that ship inside the `nilearn` wheel (grey and
white matter of the ICBM152 2009 symmetric template) are sliced axially and rendered
as a clinical slice would look:

- contrast: T1, T1 post-contrast, T2 or FLAIR, each with its own tissue intensities;
- a head around the brain: CSF gap, dark skull with fatty diploe, bright scalp;
- anatomy that differs like people do: a random affine and a smooth elastic warp;
- acquisition: a smooth multiplicative bias field, slight blur and Rician noise;
- tumour (label `yes`, every other image): a star-shaped mass inside the brain, either
  a necrotic core with an enhancing rim, a homogeneous glioma or an extra-axial
  meningioma-like mass, with surrounding oedema that follows white matter and a mass
  effect that pushes the tissue around it.

Run as a command to write a set explicitly:

    python -m mri_gan.data.phantom --out phantom --num 1000 --seed 0
"""

import functools
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

from mri_gan.runs.atomic import process_unique

CLASS_NAMES = ("no", "yes")
CONTRASTS = ("t1", "t1c", "t2", "flair")
TUMOUR_KINDS = ("necrotic", "glioma", "meningioma")
TISSUES = ("wm", "gm", "csf", "bone", "diploe", "scalp", "necrosis", "enhancing", "solid", "oedema")

# Relative signal of each tissue per contrast (0 = black, 1 = brightest), from the
# usual appearance of brain MR: CSF dark on T1/FLAIR and bright on T2, fat bright on
# T1, oedema bright on T2/FLAIR, an enhancing rim bright only after contrast.
SIGNAL = {
    "t1": dict(wm=0.78, gm=0.55, csf=0.12, bone=0.04, diploe=0.7, scalp=0.9,
               necrosis=0.12, enhancing=0.36, solid=0.3, oedema=0.36),
    "t1c": dict(wm=0.75, gm=0.55, csf=0.12, bone=0.04, diploe=0.7, scalp=0.88,
                necrosis=0.12, enhancing=0.97, solid=0.8, oedema=0.36),
    "t2": dict(wm=0.33, gm=0.5, csf=0.95, bone=0.04, diploe=0.45, scalp=0.7,
               necrosis=0.92, enhancing=0.62, solid=0.76, oedema=0.78),
    "flair": dict(wm=0.42, gm=0.58, csf=0.07, bone=0.04, diploe=0.5, scalp=0.75,
                  necrosis=0.3, enhancing=0.72, solid=0.82, oedema=0.9),
}  # fmt: skip

MANIFEST = "manifest.json"
VERSION = 2  # bump when rendering changes, so cached sets of older versions are not reused


@dataclass(frozen=True)
class Template:
    """Grey/white matter, CSF and head layers of the template, axial slices first."""

    maps: np.ndarray  # [slice, tissue, row, col] for wm, gm, csf, bone, diploe, scalp
    brain_depth: np.ndarray  # [slice, row, col]: distance (mm) to the brain's edge
    usable_slices: np.ndarray  # indices of slices with enough brain to be clinical-looking
    head_centre: np.ndarray  # [slice, 2]: centre of the brain's bounding box (row, col)
    head_extent: float  # largest brain extent in any slice plus skull and scalp (mm)


@dataclass(frozen=True)
class PhantomSlice:
    """A rendered slice, where its tumour is (None without one), and how it was made."""

    image: np.ndarray  # uint8 [size, size]
    lesion: np.ndarray | None  # float32 [size, size] in [0, 1]: tumour and oedema share
    record: dict


@functools.cache
def load_template() -> Template:
    """Tissue maps from the nilearn wheel (no download), with skull and scalp added."""
    from nilearn import datasets

    grey = datasets.load_mni152_gm_template(resolution=1).get_fdata(dtype=np.float32)
    white = datasets.load_mni152_wm_template(resolution=1).get_fdata(dtype=np.float32)
    # RAS volume [x, y, z] -> axial slices [z, row = anterior..posterior, col = right..left]
    grey, white = (np.rot90(volume, axes=(0, 1)).transpose(2, 0, 1) for volume in (grey, white))
    brain = ndimage.binary_closing(grey + white > 0.2, iterations=3)
    brain = np.stack([ndimage.binary_fill_holes(s) for s in brain])
    csf = np.clip(brain - grey - white, 0.0, 1.0)
    outside = np.stack([ndimage.distance_transform_edt(~s) for s in brain]).astype(np.float32)
    depth = np.stack([ndimage.distance_transform_edt(s) for s in brain]).astype(np.float32)
    layers = _head_layers(outside)
    maps = np.stack([white, grey, csf + layers[0], layers[1], layers[2], layers[3]], axis=1)
    area = brain.sum(axis=(1, 2))
    usable = np.flatnonzero(area >= 0.6 * area.max())
    rows, cols = np.flatnonzero(brain.any(axis=(0, 2))), np.flatnonzero(brain.any(axis=(0, 1)))
    centre = np.array([_bounding_centre(s) for s in brain], np.float32)
    extent = max(np.ptp(rows), np.ptp(cols)) + 2 * 15.0
    return Template(maps.astype(np.float32), depth, usable, centre, float(extent))


def _bounding_centre(mask: np.ndarray) -> tuple[float, float]:
    rows, cols = np.nonzero(mask)
    if len(rows) == 0:
        return mask.shape[0] / 2, mask.shape[1] / 2
    return (rows.min() + rows.max()) / 2, (cols.min() + cols.max()) / 2


def _head_layers(outside: np.ndarray) -> tuple[np.ndarray, ...]:
    """Soft bands at a distance (mm) outside the brain: CSF gap, skull, diploe, scalp."""

    def band(start, end):
        return np.clip(outside - start, 0, 1) * np.clip(end - outside, 0, 1)

    gap, skull, scalp = 2.0, 7.0, 6.0
    return (
        band(0.0, gap),
        band(gap, gap + skull) - band(gap + 2.5, gap + skull - 2.5),
        band(gap + 2.5, gap + skull - 2.5),
        band(gap + skull, gap + skull + scalp),
    )


def render_slice(seed: int, index: int, tumour: bool, size: int = 256) -> PhantomSlice:
    """One synthetic slice of `size` x `size` pixels.

    Deterministic for (seed, index): each image has its own random stream, so a set
    can be rendered in any order or in parts.
    """
    template = load_template()
    rng = np.random.default_rng([seed, index])
    z = int(rng.choice(template.usable_slices))
    contrast = CONTRASTS[rng.integers(len(CONTRASTS))]
    maps = template.maps[z]
    coords = _sampling_grid(rng, template.head_centre[z], template.head_extent, size)
    record = {"contrast": contrast, "slice": z, "label": CLASS_NAMES[int(tumour)]}
    lesion_map = None
    if tumour:
        centre, radius, kind = _place_tumour(rng, template.brain_depth[z])
        coords = _mass_effect(coords, centre, radius, rng)
        lesion = _tumour_compartments(rng, centre, radius, kind, maps[0], template.brain_depth[z])
        maps = np.concatenate([maps[:3] * np.clip(1.0 - lesion.sum(axis=0), 0.0, 1.0), maps[3:], lesion])
        record["tumour"] = {"kind": kind, "radius_mm": round(float(radius), 1)}
        lesion_map = ndimage.map_coordinates(lesion.sum(axis=0), coords, order=1)
    signal = SIGNAL[contrast]
    weights = np.array([signal[t] for t in TISSUES[: len(maps)]], np.float32)
    weights *= rng.uniform(0.9, 1.1, weights.shape)
    # Interpolation is linear, so rendering before warping equals warping every tissue map.
    image = ndimage.map_coordinates(np.tensordot(weights, maps, axes=1), coords, order=1)
    image = _acquire(rng, image)
    return PhantomSlice((np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8), lesion_map, record)


def _sampling_grid(rng, head_centre, head_extent, size) -> np.ndarray:
    """Where each output pixel samples the template: random affine plus elastic warp."""
    fill = rng.uniform(0.75, 0.95)
    scale = head_extent / (size * fill)
    angle = np.deg2rad(rng.uniform(-10, 10))
    stretch = rng.uniform(0.92, 1.08)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    matrix = rotation @ np.diag([scale * stretch, scale / stretch])
    out = np.indices((size, size), dtype=np.float32).reshape(2, -1) - size / 2
    centre = head_centre + rng.uniform(-6, 6, 2)
    coords = (matrix @ out + centre[:, None]).reshape(2, size, size)
    coarse = rng.normal(0.0, rng.uniform(1.5, 4.0), (2, 5, 5))
    elastic = np.stack([_smooth_upsample(c, size) for c in coarse])
    return (coords + elastic).astype(np.float32)


def _smooth_upsample(coarse: np.ndarray, size: int) -> np.ndarray:
    """A smooth size x size field through a few random values (bicubic; 50x faster than ndimage.zoom)."""
    image = Image.fromarray(coarse.astype(np.float32))
    return np.asarray(image.resize((size, size), Image.Resampling.BICUBIC), dtype=np.float32)


def _place_tumour(rng, depth: np.ndarray) -> tuple[np.ndarray, float, str]:
    """Centre (template pixels), radius (mm) and kind of a tumour inside the brain."""
    kind = TUMOUR_KINDS[rng.integers(len(TUMOUR_KINDS))]
    radius = rng.uniform(7, 24)
    if kind == "meningioma":
        candidates = np.argwhere((depth > 0.5 * radius) & (depth < 0.9 * radius))
    else:
        candidates = np.argwhere(depth > min(radius + 4, 0.8 * depth.max()))
    if len(candidates) == 0:
        candidates = np.argwhere(depth >= 0.8 * depth.max())
    centre = candidates[rng.integers(len(candidates))].astype(np.float32)
    return centre, float(radius), kind


def _mass_effect(coords, centre, radius, rng) -> np.ndarray:
    """Pull sampling positions toward the tumour so surrounding tissue looks pushed away."""
    offset = coords - centre[:, None, None]
    strength = rng.uniform(0.25, 0.5) * np.exp(-(offset**2).sum(axis=0) / (2 * (1.6 * radius) ** 2))
    return coords - offset * strength


def _tumour_compartments(rng, centre, radius, kind, white, depth) -> np.ndarray:
    """Necrosis, enhancing rim, solid tumour and oedema maps (soft, summing to <= 1, in the brain)."""
    offset = np.indices(depth.shape, dtype=np.float32) - centre[:, None, None]
    angle = np.arctan2(offset[0], offset[1])
    wobble = sum(rng.uniform(0, 0.14) * np.cos(k * angle + rng.uniform(0, 2 * np.pi)) for k in range(2, 6))
    rho = np.hypot(offset[0], offset[1]) / (radius * (1 + wobble))

    in_brain = np.clip(depth, 0.0, 1.0)

    def inside(limit):
        return np.clip((limit - rho) * radius / 1.5 + 0.5, 0.0, 1.0) * in_brain

    mass = inside(1.0)
    oedema_extent = rng.uniform(0.3, 1.2) if kind != "glioma" else rng.uniform(0.0, 0.4)
    oedema = (inside(1.0 + oedema_extent) - mass) * (0.35 + 0.65 * np.clip(white, 0, 1))
    zeros = np.zeros_like(mass)
    if kind == "necrotic":
        core = inside(rng.uniform(0.35, 0.65))
        return np.stack([core, mass - core, zeros, oedema])
    if kind == "meningioma":
        return np.stack([zeros, mass, zeros, oedema])
    return np.stack([zeros, zeros, mass, oedema])


def _acquire(rng, image: np.ndarray) -> np.ndarray:
    """Scanner effects: point-spread blur, smooth bias field, Rician noise, gain."""
    size = image.shape[0]
    image = ndimage.gaussian_filter(image, rng.uniform(0.4, 1.0))
    bias = _smooth_upsample(rng.normal(0.0, rng.uniform(0.05, 0.15), (4, 4)), size)
    image = image * np.exp(bias)
    sigma = rng.uniform(0.008, 0.035)
    image = np.hypot(image + rng.normal(0, sigma, image.shape), rng.normal(0, sigma, image.shape))
    return image * rng.uniform(0.85, 1.1) ** rng.uniform(0.8, 1.25)


def write_phantom_dataset(out: str | Path, num: int = 1000, seed: int = 0, size: int = 256) -> Path:
    """Render `num` slices into `out/yes` and `out/no` as PNG files, plus a manifest.

    Half carry a tumour (even indices). The set is written to a temporary sibling folder
    unique to this process and renamed into place at the end, so an interrupted run never
    leaves a partial set that looks complete, and two processes rendering the same set at
    once never write into each other's; the temporary folder is removed whatever happens.
    """
    if num < 2:
        raise ValueError(f"num must be at least 2 (one image per class), got {num}")
    out = Path(out)
    staging = process_unique(out)
    try:
        _render_into(staging, num, seed, size)
        try:
            staging.rename(out)
        except OSError:
            if out.exists():
                raise FileExistsError(f"{out} already exists; choose another --out or remove it first") from None
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone after a successful rename; else an interrupted render
    return out


def _render_into(folder: Path, num: int, seed: int, size: int) -> None:
    """The slices and the manifest of a set, written into `folder`."""
    for name in CLASS_NAMES:
        (folder / name).mkdir(parents=True, exist_ok=True)
    entries = []
    for index in range(num):
        tumour = index % 2 == 0
        rendered = render_slice(seed, index, tumour, size)
        name = f"{CLASS_NAMES[int(tumour)]}/phantom_{index:05d}.png"
        Image.fromarray(rendered.image).save(folder / name, compress_level=1)
        entries.append({"file": name, **rendered.record})
    manifest = {"version": VERSION, "seed": seed, "num": num, "size": size, "images": entries}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1))
