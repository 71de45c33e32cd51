"""Each callback on its own, with a small DCGAN and `fit`."""

import csv
import io

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from test_gan import small_gan

from mri_gan.callbacks import ImageGrid, LossPlot, ProgressLine, RealVsFake, StopOnInterrupt
from mri_gan.callbacks.loss_plot import _smoothed


@pytest.fixture(scope="module")
def dataset():
    images = np.random.default_rng(0).uniform(-1, 1, (8, 32, 32, 1)).astype("float32")
    return tf.data.Dataset.from_tensor_slices(images).batch(4)


def test_image_grid_saves_every_n_epochs_and_at_the_end_from_fixed_latents(dataset, tmp_path):
    gan = small_gan()
    grid = ImageGrid(tmp_path / "grids", every=2, num_images=9, seed=3)
    gan.fit(dataset, epochs=5, verbose=0, callbacks=[grid])
    names = sorted(path.name for path in (tmp_path / "grids").glob("*.png"))
    assert names == ["epoch_000002.png", "epoch_000004.png", "epoch_000005.png"]
    assert Image.open(tmp_path / "grids" / "epoch_000005.png").size == (3 * 32 + 2 * 2, 3 * 32 + 2 * 2)
    first = np.asarray(Image.open(grid.save(99)))
    np.testing.assert_array_equal(first, np.asarray(Image.open(grid.save(100))))  # same z, same weights


def test_loss_plot_draws_snapshots_and_continues_a_resumed_history(dataset, tmp_path):
    history = tmp_path / "history.csv"
    with history.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["epoch", "d_loss", "g_loss"])
        writer.writerows([[0, 1.0, 2.0], [1, 0.9, 2.1]])
    plot = LossPlot(tmp_path / "loss.png", every=10, snapshots=[3], history_csv=history)
    small_gan().fit(dataset, initial_epoch=2, epochs=4, verbose=0, callbacks=[plot])
    assert plot.epochs == [1, 2, 3, 4]
    assert plot.losses["g_loss"][:2] == [2.0, 2.1]
    assert (tmp_path / "loss_epoch_000003.png").is_file() and (tmp_path / "loss.png").is_file()


def test_smoothing_is_a_bias_corrected_moving_average():
    assert _smoothed([2.0, 2.0, 2.0], 0.9) == pytest.approx([2.0, 2.0, 2.0])
    assert _smoothed([0.0, 1.0], 0.5) == pytest.approx([0.0, 0.5 / 0.75])


def test_real_vs_fake_writes_one_sheet(dataset, tmp_path):
    real = next(iter(dataset)).numpy()
    small_gan().fit(dataset, epochs=1, verbose=0, callbacks=[RealVsFake(real, tmp_path / "sheet.png")])
    assert Image.open(tmp_path / "sheet.png").size[0] > 400


def test_progress_prints_summaries_not_a_line_per_step(dataset):
    stream = io.StringIO()
    small_gan().fit(dataset, epochs=6, verbose=0, callbacks=[ProgressLine(8, summary_every=3, stream=stream)])
    lines = stream.getvalue().splitlines()
    assert [line.split("  ")[0] for line in lines] == ["epoch 1/6", "epoch 3/6", "epoch 6/6"]
    assert all("D(G(z))" in line and "img/s" in line and "ETA" in line for line in lines)


def test_interrupt_stops_training_cleanly(dataset):
    import os
    import signal

    import keras

    class InterruptAtEpoch2(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                os.kill(os.getpid(), signal.SIGINT)

    before = signal.getsignal(signal.SIGINT)  # SIG_IGN when the tests run as a background job
    stop = StopOnInterrupt(stream=io.StringIO())
    history = small_gan().fit(dataset, epochs=10, verbose=0, callbacks=[InterruptAtEpoch2(), stop])
    assert stop.interrupted and len(history.history["d_loss"]) == 2
    assert signal.getsignal(signal.SIGINT) is before


def test_quality_monitor_logs_measures_and_keeps_the_best_generator(dataset, tmp_path):
    import json

    import keras

    from mri_gan.callbacks import QualityMonitor

    real = next(iter(dataset.unbatch().batch(8))).numpy()
    monitor = QualityMonitor(real, every=2, plot_path=tmp_path / "quality.png", best_dir=tmp_path / "best")
    history = small_gan().fit(dataset, epochs=4, verbose=0, callbacks=[monitor, keras.callbacks.CSVLogger(
        str(tmp_path / "history.csv"))])  # fmt: skip
    swd = history.history["swd"]
    assert np.isnan(swd[0]) and np.isfinite(swd[1]) and np.isnan(swd[2]) and np.isfinite(swd[3])
    assert monitor.history["epoch"] == [2, 4]
    best = json.loads((tmp_path / "best.json").read_text())
    assert best["swd"] == pytest.approx(min(monitor.history["swd"]))
    assert (tmp_path / "best" / "saved_model.pb").is_file() and (tmp_path / "quality.png").is_file()
    assert "swd" in (tmp_path / "history.csv").read_text().splitlines()[0]


def test_the_quality_checks_count_generated_copies_of_the_training_sample():
    import keras
    from conftest import head_image

    from mri_gan.callbacks import QualityMonitor
    from mri_gan.metrics.registry import selectable_measures

    real = np.stack([head_image(32, 32, seed=seed)[..., None] for seed in range(12)]).astype(np.uint8)

    class Replayer(keras.Model):
        """A stand-in model that makes the training slices themselves until `copying` is turned off."""

        latent_dim, num_classes, copying = 4, 0, True

        def sample_from_latent(self, z, labels=None, training=False):
            noise = np.random.default_rng(int(self.copying)).uniform(-1, 1, real.shape).astype("float32")
            return real.astype("float32") / 127.5 - 1 if self.copying else noise

    monitor = QualityMonitor(real, every=1)
    monitor.set_model(Replayer())
    monitor.set_params({"epochs": 2})
    logs = {}
    monitor.on_epoch_end(0, logs)
    assert logs["copies"] == pytest.approx(1.0)
    monitor.model.copying = False
    monitor.on_epoch_end(1, logs)
    assert logs["copies"] == 0.0
    assert "copies" not in selectable_measures(conditional=True)  # followed, never what picks the best generator


def test_label_agreement_counts_only_as_far_as_the_samples_are_as_varied_as_the_real_ones():
    from mri_gan.callbacks.quality import agreement_in_varied_samples
    from mri_gan.metrics.diversity import Diversity

    assert agreement_in_varied_samples(0.9, Diversity(real=0.2, generated=0.2)) == pytest.approx(0.9)
    assert agreement_in_varied_samples(0.9, Diversity(real=0.2, generated=0.1)) == pytest.approx(0.9)
    assert agreement_in_varied_samples(0.9, Diversity(real=0.2, generated=0.6)) == pytest.approx(0.45)
    early_and_monotonous = agreement_in_varied_samples(0.966, Diversity(real=0.216, generated=0.547))
    later_and_varied = agreement_in_varied_samples(0.845, Diversity(real=0.216, generated=0.306))
    assert later_and_varied > early_and_monotonous


def test_learning_rates_hold_then_fall_linearly_and_a_resumed_run_continues_the_schedule(dataset):
    import keras

    from mri_gan.callbacks import LinearLearningRateDecay

    class RecordRates(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.rates = {}

        def on_epoch_begin(self, epoch, logs=None):
            self.rates[epoch] = (
                float(self.model.d_optimizer.learning_rate),
                float(self.model.g_optimizer.learning_rate),
            )

    def rates_seen(initial_epoch):
        record = RecordRates()
        decay = LinearLearningRateDecay({"d_optimizer": 4e-4, "g_optimizer": 2e-4}, share=0.5)
        small_gan().fit(dataset, epochs=8, initial_epoch=initial_epoch, verbose=0, callbacks=[decay, record])
        return record.rates

    unbroken = rates_seen(0)
    assert [unbroken[epoch][1] for epoch in range(8)] == pytest.approx([2e-4] * 5 + [1.5e-4, 1e-4, 0.5e-4])
    assert all(d == pytest.approx(2 * g) for d, g in unbroken.values())
    resumed = rates_seen(6)
    assert sorted(resumed) == [6, 7] and all(resumed[epoch] == pytest.approx(unbroken[epoch]) for epoch in (6, 7))
    with pytest.raises(ValueError, match="share"):
        LinearLearningRateDecay({"g_optimizer": 2e-4}, share=0)


def test_history_log_writes_only_logged_columns_and_continues_an_existing_header(dataset, tmp_path):
    from mri_gan.callbacks import HistoryLog

    path = tmp_path / "history.csv"
    small_gan().fit(dataset, epochs=2, verbose=0, callbacks=[HistoryLog(path)])
    header = path.read_text().splitlines()[0].split(",")
    assert header[0] == "epoch" and "d_loss" in header and "g_loss" in header
    assert not any(column.startswith("val_") for column in header), header

    path.write_text("epoch,g_loss,d_loss\n0,1.0,2.0\n")  # an earlier run's file, columns in its own order
    logged = small_gan().fit(dataset, epochs=1, verbose=0, callbacks=[HistoryLog(path)]).history
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["epoch", "g_loss", "d_loss"] and len(rows) == 3
    assert [float(value) for value in rows[2][1:]] == pytest.approx([logged["g_loss"][0], logged["d_loss"][0]])
