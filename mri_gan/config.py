"""Settings of a training run as dataclasses: defaults, a TOML file, flag overrides, validation.

Every setting is declared once, as a field whose `Option` says its help text, its allowed
values or range, and its command-line flag: `python -m mri_gan.fit`'s parser, the flag
overrides and the validation are all derived from these declarations. A TOML file has
the sections `[data]`, `[model]` and `[train]`, whose keys are the field names below;
`experiments/paper.toml` is a complete example. Every value is checked when the
configuration is built, and a bad one raises `ConfigError` naming the key, the value and
what would be accepted.
"""

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mri_gan.data.volumes.formats import MODALITY_ALIASES
from mri_gan.data.volumes.slicing import PLANES, SliceOptions
from mri_gan.errors import ConfigError, DataNotFoundError
from mri_gan.gan.augment import PSEUDO, parse_policy
from mri_gan.gan.losses import LOSSES, AdversarialLoss
from mri_gan.gan.model import GAN
from mri_gan.metrics.registry import MEASURES, selectable_measures
from mri_gan.models import ARCHITECTURES, RESOLUTIONS, architecture
from mri_gan.runtime.distribution import STRATEGIES
from mri_gan.runtime.precision import PRECISIONS

JIT_COMPILE = {"auto": "auto", "on": True, "off": False}  # the flag's values and what keras.Model.compile takes


@dataclass(frozen=True)
class Option:
    """What a setting means and accepts, and how it is given on the command line.

    `flag` is the command-line flag (default: the field name with dashes; None: TOML
    only); `group` the heading it is listed under in `--help`; a `negatable` switch also
    has `--no-FLAG`, for switches the recommended recipe turns on. Numbers are checked
    against `at_least` / `above` / `below` / `at_most`; `choices` lists the allowed values.
    """

    help: str
    choices: tuple | None = None
    at_least: float | None = None
    above: float | None = None
    below: float | None = None
    at_most: float | None = None
    flag: str | None = ""
    metavar: str | tuple[str, ...] | None = None
    group: str | None = None
    negatable: bool = False

    def check(self, name: str, value) -> None:
        if value is None:
            return
        if self.choices is not None and value not in self.choices:
            raise ConfigError(f"{name} must be one of {', '.join(map(str, self.choices))}; got {value!r}")
        low_ok = (self.at_least is None or value >= self.at_least) and (self.above is None or value > self.above)
        high_ok = (self.below is None or value < self.below) and (self.at_most is None or value <= self.at_most)
        if not low_ok or not high_ok:
            raise ConfigError(f"{name} must be {self.range_text()}, got {value}")

    def range_text(self) -> str:
        """The allowed range in words: "at least 1", "above 0", "below 1", "at most 1", "in [0, 1)", "in (0, 1]"."""
        low = (f"[{_number(self.at_least)}" if self.at_least is not None else f"({_number(self.above)}"
               if self.above is not None else None)  # fmt: skip
        high = (f"{_number(self.below)})" if self.below is not None else f"{_number(self.at_most)}]"
                if self.at_most is not None else None)  # fmt: skip
        if low and high:
            return f"in {low}, {high}"
        if high:
            return f"below {_number(self.below)}" if self.below is not None else f"at most {_number(self.at_most)}"
        return f"at least {_number(self.at_least)}" if self.at_least is not None else f"above {_number(self.above)}"


def _number(value: float) -> str:
    """1, 0.5, 4294967296: whole numbers without an exponent."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def option(default, help: str, **details):
    """A dataclass field with its `Option` (mutable defaults such as lists are copied per instance)."""
    declared = {"metadata": {"option": Option(help, **details)}}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), **declared)
    return field(default=default, **declared)


SLICING = SliceOptions()
SCANS = "NIfTI volumes and DICOM series in --data (sliced first, then cached)"
DIFFUSION = "diffusion models (--architecture ddim)"
BEYOND = (
    "beyond the paper's DCGAN (without --config the recipe's ADA, mirror and R1 are on; a --config file "
    "that leaves them out has them off)"
)


@dataclass
class DataConfig:
    """Where the images come from and how they become model input."""

    path: str | None = option(None, "folder of images (subfolders such as yes/ and no/ are labels); "
                              "default: the built-in dataset", flag="data", metavar="DIR")  # fmt: skip
    fit: str = option("pad", "keep the whole image (pad) or fill the square (crop)", choices=("pad", "crop"))
    clip_percentiles: list[float] | None = option(None, "stretch each image between these percentiles, e.g. 0.5 99.5",
                                                  metavar=("LOW", "HIGH"))  # fmt: skip
    cache: str = option("memory", '"memory", "none", or a file path prefix for a disk cache (keyed by the files)')
    drop_duplicates: bool = option(False, "skip files that are byte copies of others")
    strict: bool = option(False, "refuse to train when any image file is bad")
    min_size: int = option(32, "smallest usable image side in pixels", at_least=1, flag=None)
    # The slicing settings' defaults and rules are SliceOptions'; these declare their flags and help.
    plane: str = option(SLICING.plane, "plane of the slices", choices=tuple(PLANES), group=SCANS)
    modality: str = option(SLICING.modality, "sequence of BraTS-style folders", choices=tuple(MODALITY_ALIASES),
                           group=SCANS)  # fmt: skip
    min_tumour_area: int = option(SLICING.min_tumour_area, "segmentation pixels that make a slice yes",
                                  metavar="PIXELS", group=SCANS)  # fmt: skip
    min_foreground: float = option(SLICING.min_foreground, "least share of a slice that is head", metavar="SHARE",
                                   group=SCANS)  # fmt: skip
    window: list[float] = option(list(SLICING.window), "per-volume intensity percentiles mapped to 0-255",
                                 metavar=("LOW", "HIGH"), group=SCANS)  # fmt: skip
    dicom_window: bool = option(SLICING.dicom_window, "use each DICOM series' own WindowCenter/Width instead",
                                group=SCANS)  # fmt: skip
    balance_classes: bool = option(False, "draw every class equally often (Kaggle: 155 yes / 98 no)", group=BEYOND)
    mirror: bool = option(False, "add left-right mirrored copies of the images (an epoch doubles); --no-mirror: "
                          "without them", group=BEYOND, negatable=True)  # fmt: skip
    holdout: float = option(0.0, "share of --data kept out of training for evaluate (whole subjects, per class)",
                            at_least=0, below=1, metavar="FRACTION")  # fmt: skip

    def slice_options(self) -> SliceOptions:
        try:
            return SliceOptions(self.plane, self.modality, self.min_tumour_area, self.min_foreground,
                                tuple(self.window), self.dicom_window).validate()  # fmt: skip
        except (TypeError, ValueError) as error:
            raise ConfigError(f"data: {error}") from error

    def pipeline_options(self) -> dict[str, Any]:
        """The keyword arguments of `mri_gan.data.folder_dataset` these settings stand for."""
        return {
            "fit": self.fit,
            "clip_percentiles": tuple(self.clip_percentiles) if self.clip_percentiles else None,
            "cache": self.cache,
            "min_size": self.min_size,
            "strict": self.strict,
            "drop_duplicates": self.drop_duplicates,
            "slice_options": self.slice_options(),
            "balance_classes": self.balance_classes,
            "mirror": self.mirror,
        }

    def scan(self):
        """The `FolderScan` of `path` with these settings (volumes sliced first): what training reads."""
        from mri_gan.data.sources import scan_training_data

        return scan_training_data(self.path, self.slice_options(), min_size=self.min_size, strict=self.strict,
                                  drop_duplicates=self.drop_duplicates)  # fmt: skip

    def images_per_epoch(self, images: int) -> int:
        """Training images per epoch for a folder of `images` usable images."""
        return images * (2 if self.mirror else 1)

    def validate(self) -> None:
        check_section("data", self)
        self.slice_options()
        if self.clip_percentiles is not None:
            low_high = self.clip_percentiles
            if len(low_high) != 2 or not 0 <= low_high[0] < low_high[1] <= 100:
                raise ConfigError(
                    f"data.clip_percentiles must be [low, high] with 0 <= low < high <= 100, got {low_high}"
                )


@dataclass
class ModelConfig:
    """The networks' shape."""

    architecture: str = option("dcgan", "the networks (mri_gan.models.ARCHITECTURES)", choices=tuple(ARCHITECTURES))
    resolution: int = option(32, "image side (the recommended recipe and the paper: 64)", choices=RESOLUTIONS)
    latent_dim: int = option(100, "length of the latent vector z", at_least=1)
    width: int = option(32, "base number of filters of both networks (the paper's DCGAN: 64)", at_least=1)
    synchronized_batch_norm: bool = option(False, "batch-norm statistics over all replicas", flag="sync_batch_norm")
    conditional: bool = option(False, "generate per class (yes/no subfolders)", group=BEYOND)
    spectral_norm: bool = option(False, "spectral normalisation in the discriminator", group=BEYOND)
    blocks: int = option(2, "residual blocks per level of the denoising U-Net", at_least=1, metavar="N",
                         group=DIFFUSION)  # fmt: skip
    steps: int = option(25, "DDIM steps per sample for grids, quality checks and the export's default "
                        "(generate --steps overrides it)", at_least=1, metavar="N", group=DIFFUSION)  # fmt: skip
    guidance: float = option(1.0, "classifier-free guidance scale of a conditional run's samples (0: unconditional, "
                             "1: conditional, above 1: stronger class features, less variety)", at_least=0,
                             metavar="SCALE", group=DIFFUSION)  # fmt: skip

    @property
    def family(self) -> str:
        """The model family the architecture belongs to: "gan" or "diffusion"."""
        return architecture(self.architecture).family

    def validate(self) -> None:
        check_section("model", self)
        try:
            architecture(self.architecture).check_shape(self.resolution, self.latent_dim, self.width)
        except ConfigError as error:
            raise ConfigError(f"model.{error} (architecture {self.architecture})") from None


NETWORK_SHAPE = ("architecture", "resolution", "latent_dim", "width", "conditional", "spectral_norm", "blocks")


@dataclass
class TrainConfig:
    """How long and how the two networks are trained, and what is saved while they are."""

    epochs: int = option(150, "total epochs of the run", at_least=1)
    images: int = option(0, "training length in images seen instead of epochs, e.g. 500000 (StyleGAN's kimg x "
                         "1000): the same length on a set of any size; 0: --epochs decides", at_least=0,
                         metavar="N")  # fmt: skip
    batch_size: int = option(64, "images per step (the global batch under a strategy)", at_least=1)
    lr: float = option(2e-4, "learning rate of both Adam optimizers", above=0)
    d_lr: float = option(0.0, "the discriminator's learning rate, if not --lr (0: --lr)", at_least=0, metavar="LR",
                         group=BEYOND)  # fmt: skip
    g_lr: float = option(0.0, "the generator's learning rate, if not --lr (0: --lr)", at_least=0, metavar="LR",
                         group=BEYOND)  # fmt: skip
    lr_decay: float = option(0.0, "the share of the run, at its end, over which both learning rates fall linearly "
                             "to zero, e.g. 0.5 (pix2pix, CycleGAN; 0: constant rates)", at_least=0, at_most=1,
                             metavar="SHARE", group=BEYOND)  # fmt: skip
    beta_1: float = option(0.5, "Adam's beta_1", at_least=0, below=1, flag=None)
    beta_2: float = option(0.999, "Adam's beta_2", at_least=0, below=1, flag=None)
    seed: int = option(0, "seed of weights, noise and data order", at_least=0, below=2**32)
    checkpoint_every: int = option(10, "epochs between checkpoints", at_least=1, metavar="N")
    sample_every: int = option(10, "epochs between image grids and plot refreshes", at_least=1, metavar="N")
    export_every: int = option(0, "epochs between generator exports (0: at the end)", at_least=0, metavar="N")
    summary_every: int = option(10, "epochs between printed summary lines", at_least=1, metavar="N")
    loss_snapshots: list[int] = option([], "epochs at which to keep a copy of the loss plot", flag=None)
    jit_compile: str = option("auto", "XLA; auto = on GPUs only", choices=tuple(JIT_COMPILE))
    strategy: str = option("default", "one device, this machine's GPUs, or TF_CONFIG's machines", choices=STRATEGIES)
    precision: str = option("auto", "auto: bfloat16 on CPUs with AVX-512 BF16 or AMX and on GPUs of compute "
                            "capability >= 8.0, else float32; mixed: bfloat16 on CPUs, float16 on GPUs",
                            choices=PRECISIONS)  # fmt: skip
    augment: str = option("", 'DiffAugment policy, e.g. "translation,cutout", and/or "ada" (adaptive '
                          'discriminator augmentation) and "apa" (adaptive pseudo augmentation: generated images '
                          'shown as real); "none": off', metavar="POLICY", group=BEYOND)  # fmt: skip
    ada_target: float = option(0.6, "ADA and APA: the overfitting signal E[sign(D(real))] that p keeps to",
                               above=0, below=1, metavar="R", group=BEYOND)  # fmt: skip
    ada_kimg: int = option(100, "ADA and APA: thousands of training images for p to go from 0 to 1", at_least=1,
                           metavar="K", group=BEYOND)  # fmt: skip
    ada_max_p: float = option(1.0, "ADA: the highest p may reach, e.g. 0.8 (StyleGAN2-ADA: applied to nearly "
                              "every image, augmentations start to leak into the generated images)", above=0,
                              at_most=1, metavar="P", group=BEYOND)  # fmt: skip
    loss: str = option("bce", "adversarial loss (default bce, the paper's)", choices=tuple(LOSSES), group=BEYOND)
    label_smoothing: float = option(0.0, "one-sided: real target 1 - X (bce, lsgan)", metavar="X",
                                    group=BEYOND)  # fmt: skip
    r1_gamma: float = option(0.0, "R1 penalty weight on real images (0: off)", metavar="GAMMA", group=BEYOND)
    r1_interval: int = option(1, "discriminator steps between R1 penalties, each weighted that much more "
                              "(StyleGAN2's lazy regularization, e.g. 16: a faster step; 1: every step)",
                              metavar="N", group=BEYOND)  # fmt: skip
    class_loss: float = option(0.0, "AC-GAN class loss weight, e.g. 1 (conditional runs; 0: off): a class head "
                               "on D learns the real classes and G is trained to be classified as its label",
                               metavar="WEIGHT", group=BEYOND)  # fmt: skip
    ema_decay: float = option(0.0, "EMA generator for sampling, e.g. 0.999 (0: off)", metavar="DECAY",
                              group=BEYOND)  # fmt: skip
    init_from: str = option("", "start from the networks of another run (its keras/ files), e.g. one trained on "
                            "more or unlabelled slices; layers the new run adds (class inputs) start fresh",
                            metavar="RUN", group=BEYOND)  # fmt: skip
    freeze_d: int = option(0, "keep the discriminator's first N layers with weights fixed, e.g. with --init-from "
                           "(Mo et al. 2020, \"Freeze the Discriminator\"; 0: train all)", at_least=0, metavar="N",
                           group=BEYOND)  # fmt: skip
    label_dropout: float = option(0.1, "share of a conditional diffusion run's images trained without their class, "
                                  "which classifier-free guidance needs", at_least=0, below=1, metavar="SHARE",
                                  group=DIFFUSION)  # fmt: skip
    quality_every: int = option(10, "epochs between SWD / MS-SSIM checks (0: off)", at_least=0, metavar="N")
    keep_best: str = option("swd", "measure that picks best_generator/ (label_agreement: the worst class's, "
                            "conditional runs, scaled down for samples less varied than the real ones)",
                            choices=selectable_measures(conditional=True))  # fmt: skip

    @property
    def optimizer_rates(self) -> dict[str, float]:
        """Each optimizer's learning rate by its attribute on the GAN: its own flag, else `lr`."""
        return {"d_optimizer": self.d_lr or self.lr, "g_optimizer": self.g_lr or self.lr}

    def length_in_epochs(self, images_per_epoch: int) -> int:
        """The run's length: `epochs`, or, when `images` is set, the fewest epochs that show that many images."""
        return -(-self.images // images_per_epoch) if self.images else self.epochs

    def validate(self) -> None:
        check_section("train", self)
        for epoch in self.loss_snapshots:
            if not isinstance(epoch, int) or epoch < 1:
                raise ConfigError(f"train.loss_snapshots must be epoch numbers of at least 1, got {epoch!r}")
        try:  # the loss object and the GAN own the rules of their settings
            AdversarialLoss(self.loss, self.label_smoothing, self.r1_gamma, self.r1_interval)
            GAN.check_settings(ema_decay=self.ema_decay, class_loss=self.class_loss)
        except ConfigError as error:
            raise ConfigError(f"train.{error}") from None
        try:
            parse_policy(self.augment)
        except ValueError as error:
            raise ConfigError(f"train.augment: {error}") from error


GAN_ONLY = (
    *(("model", key) for key in ("latent_dim", "spectral_norm", "synchronized_batch_norm")),
    *(("train", key) for key in ("d_lr", "g_lr", "augment", "ada_target", "ada_kimg", "ada_max_p", "loss",
                                 "label_smoothing", "r1_gamma", "r1_interval", "class_loss", "freeze_d", "init_from")),
)  # fmt: skip
"""Settings only a GAN uses (its second network, its loss, what the discriminator sees)."""
DIFFUSION_ONLY = (("model", "blocks"), ("model", "steps"), ("model", "guidance"), ("train", "label_dropout"))
"""Settings only a diffusion model uses."""

SECTIONS = {"data": DataConfig, "model": ModelConfig, "train": TrainConfig}


def options(section) -> dict[str, Option]:
    """Field name -> its `Option`, for a section dataclass (or instance)."""
    return {f.name: f.metadata["option"] for f in dataclasses.fields(section)}


def check_section(name: str, section) -> None:
    for key, declared in options(section).items():
        declared.check(f"{name}.{key}", getattr(section, key))


RECOMMENDED = {
    "data": {"mirror": True},
    "model": {"resolution": 64},
    "train": {"images": 200_000, "batch_size": 32, "augment": "ada", "ada_kimg": 20, "ada_max_p": 0.8,
              "r1_gamma": 0.05, "r1_interval": 16, "lr_decay": 0.5},
}  # fmt: skip
"""What `fit` trains without `--config`: the small-data recipe (`experiments/small_data.toml`) at 200,000 images.

Only the settings where the recipe differs from the dataclass defaults (width 32, Adam 2e-4 /
beta_1 0.5 are both); a test holds this equal to the recipe file but for its length.

The recipe made the most varied slices measured on a few hundred or a thousand images at
64x64 (experiments/README.md); 200,000 images take 6-8 minutes on a 2-core CPU with
bfloat16 and met the no-argument run's bar on the built-in set (SWD at most twice the
real-vs-real baseline, MS-SSIM at most 1.3 times the real set's, mean of 3 seeds: 1.59x and
1.11 with the rates falling to zero over the second half). A
`--config` file starts from the dataclass defaults instead (the plain DCGAN: no
augmentation, no penalty), so a file such as `experiments/paper.toml` means only what it
says, and a saved run resumes with exactly its own settings.
"""


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
        if MEASURES[self.train.keep_best].needs == "labels" and not self.model.conditional:
            raise ConfigError(f"train.keep_best {self.train.keep_best!r} measures how well each class is made, so it "
                              "needs a conditional run (--conditional); pick swd or ms_ssim otherwise")  # fmt: skip
        if self.train.class_loss and not self.model.conditional:
            raise ConfigError(f"train.class_loss {self.train.class_loss} trains the generator to make each class "
                              "recognisably, so it needs a conditional run (--conditional); set it to 0 "
                              "otherwise")  # fmt: skip
        return self

    def unused_settings(self) -> list[str]:
        """The settings, as `name value`, that another model family uses and this run's family does not, where they
        differ from their defaults: a GAN's with a diffusion architecture and the other way round."""
        unused = DIFFUSION_ONLY if self.model.family == "gan" else GAN_ONLY
        defaults = {"model": ModelConfig(), "train": TrainConfig()}
        return [f"{key} {getattr(getattr(self, section), key)!r}" for section, key in unused
                if getattr(getattr(self, section), key) != getattr(defaults[section], key)]  # fmt: skip

    def cautions(self) -> list[str]:
        """Combinations that are valid but measured to go wrong or not used, as one-paragraph warnings for the log."""
        cautions = []
        unused = self.unused_settings()
        if unused:
            why = " (a diffusion model has no discriminator to augment, penalise or judge with)"
            why = why if self.model.family == "diffusion" else ""
            cautions.append(
                f"--architecture {self.model.architecture} trains a {self.model.family} model, which does not use "
                f"these settings: {', '.join(unused)}; they are ignored{why}"
            )
        if self.model.conditional and self.train.class_loss and PSEUDO in parse_policy(self.train.augment):
            cautions.append(
                f"--augment {self.train.augment} with --conditional --class-loss {self.train.class_loss:g}: with "
                "APA the generator collapsed on every seed measured (MS-SSIM 1.8-2.6x the real set's; "
                "experiments/README.md, 'Conditional runs with the recipe'); drop apa for conditional runs"
            )
        return cautions

    def layout_changes(self, saved: "RunConfig") -> list[str]:
        """The settings, as `name saved -> new`, that differ from `saved` and change what a checkpoint holds: the
        networks' shape, and whether the discriminator has a class head (`class_loss` switched on or off)."""
        changes = [f"{name} {getattr(saved.model, name)} -> {getattr(self.model, name)}" for name in NETWORK_SHAPE
                   if getattr(self.model, name) != getattr(saved.model, name)]  # fmt: skip
        if bool(self.train.class_loss) != bool(saved.train.class_loss):
            changes.append(f"class_loss {saved.train.class_loss:g} -> {self.train.class_loss:g}")
        return changes

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any], source: str = "the configuration") -> "RunConfig":
        """Build from nested section dicts; unknown sections or keys are errors."""
        unknown = set(values) - set(SECTIONS)
        if unknown:
            raise ConfigError(f"unknown section {sorted(unknown)[0]!r} in {source}; known sections: {sorted(SECTIONS)}")
        config = cls()
        for name, section in values.items():
            if not isinstance(section, dict):
                raise ConfigError(f"{name!r} in {source} must be a table of settings, got {section!r}")
            apply_overrides(getattr(config, name), section, f"{source} [{name}]")
        return config

    @classmethod
    def recommended(cls) -> "RunConfig":
        """The configuration of a run without `--config`: `RECOMMENDED` over the dataclass defaults."""
        return cls.from_dict(RECOMMENDED, "RECOMMENDED")

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
    if "list" in text:
        item = float if "float" in text else int
        if isinstance(value, list) and all(_is_number(v, item) for v in value):
            return [item(v) for v in value]
    elif "float" in text and _is_number(value, float):
        return float(value)
    elif "int" in text:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif "bool" in text:
        if isinstance(value, bool):
            return value
    elif "str" in text and isinstance(value, str):
        return value
    expected = f"a list of {'numbers' if 'float' in text else 'whole numbers'}" if "list" in text else None
    raise ConfigError(f"{key} in {source} has the wrong type: got {value!r}, expected "
                      f"{expected or f'a value like {current!r}'}")  # fmt: skip


def _is_number(value, kind: type) -> bool:
    """An int (for `kind` int) or an int or float (for `kind` float); booleans are not numbers here."""
    allowed = (int,) if kind is int else (int, float)
    return isinstance(value, allowed) and not isinstance(value, bool)
