"""`fit` and `generate` as a user runs them: the first run in a fresh process, as from a shell."""

import json
import subprocess
import sys
import textwrap

import numpy as np
from conftest import run_in_new_process, run_module
from PIL import Image

TINY_RUN = ["--epochs", "2", "--resolution", "32", "--width", "4", "--latent-dim", "8", "--batch-size", "4",
            "--sample-every", "1", "--checkpoint-every", "1", "--precision", "float32"]  # fmt: skip


def test_fit_writes_every_artifact_and_the_savedmodel_loads_without_mri_gan(tiny_folder, tmp_path):
    run = tmp_path / "run"
    result = run_in_new_process("mri_gan.fit", "--data", str(tiny_folder), "--out", str(run), *TINY_RUN)
    assert result.returncode == 0, result.stderr
    assert "epoch 2/2" in result.stdout and "d_loss" in result.stdout
    assert "Found 12 images" in result.stderr
    for name in ("config.json", "summary.txt", "history.csv", "loss.png", "real_vs_fake.png",
                 "grids/epoch_000001.png", "grids/epoch_000002.png", "checkpoints/checkpoint",
                 "generator/saved_model.pb", "keras/generator.keras", "keras/discriminator.keras"):  # fmt: skip
        assert (run / name).exists(), name
    for png in [run / "loss.png", run / "real_vs_fake.png", *run.glob("grids/*.png")]:
        Image.open(png).load()
    record = json.loads((run / "config.json").read_text())
    assert record["seed"] == 0 and record["config"]["train"]["epochs"] == 2 and record["versions"]["tensorflow"]
    assert list(run.glob("tensorboard/**/*tfevents*"))
    from mri_gan.runs.export import read_export_info

    info = read_export_info(run / "generator")
    assert (info["latent_dim"], info["resolution"], info["epochs"], info["seed"]) == (8, 32, 2, 0)

    z = np.random.default_rng(5).normal(size=(3, 8)).astype("float32")
    np.save(tmp_path / "z.npy", z)
    script = textwrap.dedent(f"""
        import sys, numpy as np, tensorflow as tf
        generator = tf.saved_model.load({str(run / "generator")!r})
        z = np.load({str(tmp_path / "z.npy")!r})
        first, second = generator.from_latent(z).numpy(), generator.from_latent(z).numpy()
        sampled = generator.sample(tf.constant(0, tf.int64), tf.constant(4)).numpy()
        served = generator.signatures["serving_default"](z=tf.constant(z))
        assert "mri_gan" not in sys.modules
        assert first.dtype == np.uint8 and first.shape == (3, 32, 32, 1) and sampled.shape == (4, 32, 32, 1)
        assert np.array_equal(first, second) and np.array_equal(list(served.values())[0].numpy(), first)
        np.save({str(tmp_path / "images.npy")!r}, first)
    """)
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr

    # The .keras files load where mri_gan cannot even be imported, and make the SavedModel's images.
    script = textwrap.dedent(f"""
        import sys
        sys.modules["mri_gan"] = None  # any import of mri_gan now fails
        import keras, numpy as np
        generator = keras.models.load_model({str(run / "keras" / "generator.keras")!r})
        discriminator = keras.models.load_model({str(run / "keras" / "discriminator.keras")!r})
        z = np.load({str(tmp_path / "z.npy")!r})
        images = generator(z, training=False).numpy()
        assert discriminator(images, training=False).shape == (3, 1)
        layers = {{type(layer).__module__.split(".")[0] for layer in generator.layers + discriminator.layers}}
        assert layers == {{"keras"}}, layers
        np.save({str(tmp_path / "keras_images.npy")!r}, np.round((images + 1) * 127.5).clip(0, 255).astype(np.uint8))
    """)
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr
    difference = np.abs(np.load(tmp_path / "images.npy").astype(int) - np.load(tmp_path / "keras_images.npy"))
    assert difference.max() <= 1  # the same network; batch norm's two formulas may round a pixel differently

    images = tmp_path / "generated"
    result = run_module("mri_gan.generate", "--model", str(run / "generator"), "--num", "10", "--out", str(images),
                        "--batch-size", "3", "--seed", "4", "--grid")  # fmt: skip
    assert result.returncode == 0, result.stderr
    files = sorted(images.glob("generated_*.png"))
    assert len(files) == 10 and (images / "grid.png").is_file()
    assert np.asarray(Image.open(files[0])).shape == (32, 32)
    again = tmp_path / "again"
    result = run_module("mri_gan.generate", "--model", str(run), "--num", "10", "--out", str(again),
                        "--batch-size", "10", "--seed", "4", "--quiet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    for first, second in zip(files, sorted(again.glob("generated_*.png")), strict=True):
        np.testing.assert_array_equal(np.asarray(Image.open(first)), np.asarray(Image.open(second)))


def test_user_mistakes_give_one_paragraph_and_exit_2(tmp_path):
    missing = run_module("mri_gan.fit", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "r"))
    assert missing.returncode == 2
    assert "error: The image folder" in missing.stderr and "Traceback" not in missing.stderr
    bad = run_module("mri_gan.fit", "--batch-size", "0", "--out", str(tmp_path / "r"))
    assert bad.returncode == 2 and "train.batch_size must be at least 1, got 0" in bad.stderr
    assert "Traceback" not in bad.stderr
    no_model = run_module("mri_gan.generate", "--model", str(tmp_path), "--num", "2", "--out", str(tmp_path / "g"))
    assert (
        no_model.returncode == 2
        and "holds no exported generator" in " ".join(no_model.stderr.split())
        and "Traceback" not in no_model.stderr
    )


def test_a_length_in_images_trains_that_many_images_on_any_set_and_a_larger_one_continues(tiny_folder, tmp_path):
    run = tmp_path / "run"
    flags = [arg for arg in TINY_RUN if arg not in ("--epochs", "2")]
    first = run_module("mri_gan.fit", "--data", str(tiny_folder), "--out", str(run), *flags, "--mirror",
                       "--images", "50")  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert "Length: 50 images = 3 epochs of 24" in first.stderr  # 12 images and their mirrored copies
    epochs = [row.split(",")[0] for row in (run / "history.csv").read_text().splitlines()[1:]]
    assert epochs == ["0", "1", "2"]
    record = json.loads((run / "config.json").read_text())["config"]["train"]
    assert (record["images"], record["epochs"]) == (50, 3)
    longer = run_module("mri_gan.fit", "--out", str(run), "--images", "100")
    assert longer.returncode == 0, longer.stderr
    epochs = [row.split(",")[0] for row in (run / "history.csv").read_text().splitlines()[1:]]
    assert epochs == ["0", "1", "2", "3", "4"]
