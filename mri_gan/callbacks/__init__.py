"""Keras callbacks for watching and keeping a GAN run; each works on its own with any `fit`."""

from mri_gan.callbacks.checkpoint import Checkpoint
from mri_gan.callbacks.export_generator import ExportGenerator
from mri_gan.callbacks.gan_health import GanHealth
from mri_gan.callbacks.history import HistoryLog
from mri_gan.callbacks.image_grid import ImageGrid
from mri_gan.callbacks.interrupt import StopOnInterrupt
from mri_gan.callbacks.learning_rate_decay import LinearLearningRateDecay
from mri_gan.callbacks.loss_plot import LossPlot
from mri_gan.callbacks.non_finite import StopOnNonFinite
from mri_gan.callbacks.progress import ProgressLine
from mri_gan.callbacks.quality import QualityMonitor
from mri_gan.callbacks.real_vs_fake import RealVsFake
from mri_gan.callbacks.standing_statistics import StandingStatistics

__all__ = [
    "Checkpoint",
    "ExportGenerator",
    "GanHealth",
    "HistoryLog",
    "ImageGrid",
    "LinearLearningRateDecay",
    "LossPlot",
    "ProgressLine",
    "QualityMonitor",
    "RealVsFake",
    "StandingStatistics",
    "StopOnInterrupt",
    "StopOnNonFinite",
]
