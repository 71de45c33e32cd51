"""Settings of a training run as dataclasses: defaults, a TOML file, flag overrides, validation.

A TOML file has the sections `[data]`, `[model]` and `[train]`, whose keys are the field
names below; `experiments/paper.toml` is a complete example. Every value is checked
when the configuration is built, and a bad one raises `ConfigError` naming the key,
the value and what would be accepted.
"""

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mri_gan.augment import parse_policy
from mri_gan.data.volumes.slicing import SliceOptions
from mri_gan.distribution import STRATEGIES
from mri_gan.errors import ConfigError, DataNotFoundError
from mri_gan.losses import LOSS_NAMES
from mri_gan.models import SUPPORTED_RESOLUTIONS
from mri_gan.precision import PRECISIONS


@dataclass
class DataConfig:
    """Where the images come from and how they become model input."""

    path: str | None = None  # folder of images; None means the built-in phantom set
    fit: str = "pad"  # "pad" keeps the whole image; "crop" cuts the long side
    clip_percentiles: list[float] | None = None  # e.g. [0.5, 99.5]; off by default
    cache: str = "memory"  # "memory", "none" or a file path prefix
    drop_duplicates: bool = False
    strict: bool = False
    min_size: int = 32
    # NIfTI volumes and DICOM series in the folder are sliced first (mri_gan.data.volumes):
    plane: str = "axial"
    modality: str = "t1ce"  # the sequence sliced in BraTS-style folders: t1, t1ce, t2 or flair
    min_tumour_area: int = 20  # segmentation pixels that make a slice "yes"
    min_foreground: float = 0.1  # least share of a slice that must be head
    window: list[float] = field(default_factory=lambda: [0.5, 99.5])  # per-volume intensity percentiles
    dicom_window: bool = False  # use each DICOM series' own WindowCenter/Width instead
    balance_classes: bool = False  # draw every class equally often (e.g. Kaggle's 155 yes / 98 no)

    def slice_options(self) -> SliceOptions:
        try:
            return SliceOptions(self.plane, self.modality, self.min_tumour_area, self.min_foreground,
                                tuple(self.window), self.dicom_window).validate()  # fmt: skip
        except (TypeError, ValueError) as error:
            raise ConfigError(f"data: {error}") from error

    def validate(self) -> None:
        self.slice_options()
        _choice("data.fit", self.fit, ("pad", "crop"))
        if self.clip_percentiles is not None:
            low_high = self.clip_percentiles
            if len(low_high) != 2 or not 0 <= low_high[0] < low_high[1] <= 100:
                raise ConfigError(
                    f"data.clip_percentiles must be [low, high] with 0 <= low < high <= 100, got {low_high}"
                )
        _at_least("data.min_size", self.min_size, 1)


@dataclass
class ModelConfig:
    """The DCGAN's shape."""

    resolution: int = 32  # the no-argument run; the paper (experiments/paper.toml) uses 64
    latent_dim: int = 100
    width: int = 32  # base filters; the paper's DCGAN uses 64 (experiments/paper.toml)
    synchronized_batch_norm: bool = False  # batch statistics over all replicas of a distributed run
    conditional: bool = False  # generator takes (z, label), projection discriminator; needs class subfolders
    spectral_norm: bool = False  # spectral normalisation in the discriminator (instead of its batch norm)

    def validate(self) -> None:
        if self.resolution not in SUPPORTED_RESOLUTIONS:
            raise ConfigError(
                f"model.resolution must be a power of two from 32 to 256 {SUPPORTED_RESOLUTIONS}, got {self.resolution}"
            )
        _at_least("model.latent_dim", self.latent_dim, 1)
        _at_least("model.width", self.width, 1)


@dataclass
class TrainConfig:
    """How long and how the two networks are trained, and what is saved while they are."""

    epochs: int = 150
    batch_size: int = 64
    lr: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999
    seed: int = 0
    checkpoint_every: int = 10  # epochs
    sample_every: int = 10  # epochs between image grids and loss-plot refreshes
    export_every: int = 0  # epochs between generator exports; 0 = only at the end
    summary_every: int = 10  # epochs between printed summary lines
    loss_snapshots: list[int] = field(default_factory=list)  # epochs at which to keep a copy of the loss plot
    jit_compile: str = "auto"  # "auto" (XLA where it is faster: GPUs), "on" or "off"
    strategy: str = "default"  # "default" (one device), "mirrored" (this machine's GPUs) or "multiworker" (TF_CONFIG)
    precision: str = "auto"  # bfloat16 where the hardware computes it, else float32; or "float32", "mixed", ...
    augment: str = ""  # DiffAugment policy, e.g. "translation,cutout"; "" is the paper's step
    loss: str = "bce"  # "bce" (the paper), "hinge", "lsgan" or "wgan-gp"
    label_smoothing: float = 0.0  # one-sided: real target 1 - this (bce, lsgan)
    r1_gamma: float = 0.0  # weight of the R1 penalty on real images; 0 = off
    ema_decay: float = 0.0  # EMA of the generator's weights for sampling and export, e.g. 0.999; 0 = off
    quality_every: int = 10  # epochs between SWD / MS-SSIM measurements; 0 = off
    keep_best: str = "swd"  # keep the generator with the best "swd" or "ms_ssim" as best_generator/

    def validate(self) -> None:
        _at_least("train.epochs", self.epochs, 1)
        _at_least("train.batch_size", self.batch_size, 1)
        if not self.lr > 0:
            raise ConfigError(f"train.lr (learning rate) must be positive, got {self.lr}")
        for name in ("beta_1", "beta_2"):
            value = getattr(self, name)
            if not 0 <= value < 1:
                raise ConfigError(f"train.{name} must be in [0, 1), got {value}")
        _at_least("train.seed", self.seed, 0)
        for name in ("checkpoint_every", "sample_every", "summary_every"):
            _at_least(f"train.{name}", getattr(self, name), 1)
        _at_least("train.export_every", self.export_every, 0)
        _at_least("train.quality_every", self.quality_every, 0)
        _choice("train.keep_best", self.keep_best, ("swd", "ms_ssim"))
        for epoch in self.loss_snapshots:
            _at_least("train.loss_snapshots", epoch, 1)
        _choice("train.jit_compile", self.jit_compile, ("auto", "on", "off"))
        _choice("train.precision", self.precision, PRECISIONS)
        _choice("train.strategy", self.strategy, STRATEGIES)
        _choice("train.loss", self.loss, LOSS_NAMES)
        if not 0 <= self.label_smoothing < 1:
            raise ConfigError(f"train.label_smoothing must be in [0, 1), got {self.label_smoothing}")
        if self.label_smoothing and self.loss not in ("bce", "lsgan"):
            raise ConfigError(f"train.label_smoothing applies to the bce and lsgan losses, not {self.loss!r}")
        if self.r1_gamma < 0:
            raise ConfigError(f"train.r1_gamma must not be negative, got {self.r1_gamma}")
        if not 0 <= self.ema_decay < 1:
            raise ConfigError(f"train.ema_decay must be in [0, 1) (0 = off; 0.999 is usual), got {self.ema_decay}")
        try:
            parse_policy(self.augment)
        except ValueError as error:
            raise ConfigError(f"train.augment: {error}") from error


@dataclass
class RunConfig:
    """Everything a training run needs; written to the run directory as config.json."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def validate(self) -> "RunConfig":
        self.data.validate()
        self.model.validate()
        self.train.validate()
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any], source: str = "the configuration") -> "RunConfig":
        """Build from nested section dicts; unknown sections or keys are errors."""
        sections = {f.name: f.type for f in dataclasses.fields(cls)}
        unknown = set(values) - set(sections)
        if unknown:
            raise ConfigError(f"unknown section {sorted(unknown)[0]!r} in {source}; known sections: {sorted(sections)}")
        config = cls()
        for name, section in values.items():
            if not isinstance(section, dict):
                raise ConfigError(f"{name!r} in {source} must be a table of settings, got {section!r}")
            apply_overrides(getattr(config, name), section, f"{source} [{name}]")
        return config

    @classmethod
    def from_toml(cls, path: str | Path) -> "RunConfig":
        path = Path(path)
        if not path.is_file():
            raise DataNotFoundError(f"The config file {path} does not exist. Check the path given to --config.")
        try:
            values = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path} is not valid TOML: {error}") from error
        return cls.from_dict(values, str(path))


def apply_overrides(section, values: dict[str, Any], source: str) -> None:
    """Set fields of one section dataclass from a dict, checking names and types."""
    fields = {f.name: f for f in dataclasses.fields(section)}
    for key, value in values.items():
        if key not in fields:
            raise ConfigError(f"unknown key {key!r} in {source}; known keys: {', '.join(sorted(fields))}")
        setattr(section, key, _coerce(key, value, getattr(section, key), fields[key].type, source))


def _coerce(key, value, current, annotation, source):
    """Accept ints for floats, and check the kind of value against the field's default."""
    text = str(annotation)
    if value is None and "None" in text:
        return None
    if "float" in text and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if "int" in text and "float" not in text and "list" not in text:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif "bool" in text:
        if isinstance(value, bool):
            return value
    elif "list" in text:
        if isinstance(value, list):
            return value
    elif "str" in text and isinstance(value, str):
        return value
    raise ConfigError(f"{key} in {source} has the wrong type: got {value!r}, expected a value like {current!r}")


def _at_least(name: str, value: int, minimum: int) -> None:
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
