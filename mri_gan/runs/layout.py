"""The layout of a run directory: one place that names every file a run writes."""

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunDirectory:
    """Paths inside `runs/NAME/`; creating the object creates nothing on disk."""

    root: Path

    def __init__(self, root: str | os.PathLike):
        object.__setattr__(self, "root", Path(root))

    config = property(lambda self: self.root / "config.json")
    summary = property(lambda self: self.root / "summary.txt")
    history = property(lambda self: self.root / "history.csv")
    loss_plot = property(lambda self: self.root / "loss.png")
    real_vs_fake = property(lambda self: self.root / "real_vs_fake.png")
    grids = property(lambda self: self.root / "grids")
    checkpoints = property(lambda self: self.root / "checkpoints")
    generator = property(lambda self: self.root / "generator")
    best_generator = property(lambda self: self.root / "best_generator")
    quality_plot = property(lambda self: self.root / "quality.png")
    keras_models = property(lambda self: self.root / "keras")
    tensorboard = property(lambda self: self.root / "tensorboard")
    holdout = property(lambda self: self.root / "holdout.json")
    evaluations = property(lambda self: self.root / "evaluation")

    def has_checkpoint(self) -> bool:
        return (self.checkpoints / "checkpoint").is_file()

    def outputs(self) -> list[Path]:
        """What training wrote here (the marker and lock aside): what `fit --force` removes, and nothing else."""
        files = [self.config, self.summary, self.history, self.loss_plot, self.real_vs_fake, self.quality_plot,
                 self.best_generator.with_suffix(".json"), self.holdout, *sorted(self.root.glob("loss_epoch_*.png"))]
        folders = [self.grids, self.checkpoints, self.generator, self.best_generator, self.keras_models,
                   self.tensorboard]  # fmt: skip
        return [path for path in files if path.is_file()] + [path for path in folders if path.is_dir()]
