"""A diffusion run through the same commands as a GAN run: fit (with the GAN's settings named and skipped),
its files, generate with --steps and --guidance, evaluate, detect's answer, and the dry run."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import head_image, run_module, write_image
from PIL import Image

DDIM_RUN = ["--architecture", "ddim", "--epochs", "2", "--resolution", "32", "--width", "8", "--blocks", "1",
            "--steps", "2", "--batch-size", "4", "--sample-every", "1", "--checkpoint-every", "1", "--precision",
            "float32"]  # fmt: skip


@pytest.fixture(scope="module")
def diffusion_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("diffusion")
    for i in range(16):
        write_image(root / "data" / ("yes" if i % 2 else "no") / f"{i}.png", head_image(48, 48, seed=i))
    run = root / "run"
    result = run_module("mri_gan.fit", "--data", str(root / "data"), "--out", str(run), *DDIM_RUN, "--conditional",
                        "--holdout", "0.25")  # fmt: skip
    assert result.returncode == 0, result.stderr
    return run, result


def test_fit_trains_a_diffusion_model_and_names_the_gan_settings_it_skips(diffusion_run):
    run, result = diffusion_run
    assert "trains a diffusion model, which does not use these settings: augment 'ada'" in result.stderr
    assert "r1_gamma 0.05" in result.stderr and "ignored" in result.stderr
    assert (run / "generator" / "saved_model.pb").is_file() and (run / "keras" / "generator.keras").is_file()
    assert not (run / "keras" / "discriminator.keras").exists()
    assert (run / "loss.png").is_file() and any((run / "grids").glob("*.png"))
    header = (run / "history.csv").read_text().splitlines()[0].split(",")
    assert "loss" in header and "d_loss" not in header
    assert "Sampler: DDIM, 2 steps" in (run / "summary.txt").read_text()
    assert json.loads((run / "generator" / "assets.extra" / "mri_gan.json").read_text())["steps"] == 2


def test_generate_takes_the_sampler_steps_and_guidance_and_records_them(diffusion_run, tmp_path):
    run, _ = diffusion_run
    outputs = {}
    for name, extra in (("run", []), ("one_step", ["--steps", "1"]), ("guided", ["--guidance", "3"])):
        out = tmp_path / name
        result = run_module("mri_gan.generate", "--model", str(run), "--num", "3", "--out", str(out), "--quiet",
                            *extra)  # fmt: skip
        assert result.returncode == 0, result.stderr
        outputs[name] = np.stack([np.asarray(Image.open(path)) for path in sorted(out.glob("*/generated_*.png"))])
        record = json.loads((out / "generation.json").read_text())
        assert record["steps"] == (1 if name == "one_step" else 2)
        assert record["guidance"] == (3 if name == "guided" else 1)
    assert outputs["run"].shape == (6, 32, 32)  # 3 per class
    assert not np.array_equal(outputs["run"], outputs["one_step"])
    assert not np.array_equal(outputs["run"], outputs["guided"])


def test_the_savedmodel_samples_with_any_steps_in_a_process_without_mri_gan(diffusion_run, tmp_path):
    run, _ = diffusion_run
    script = textwrap.dedent(f"""
        import sys, numpy as np, tensorflow as tf
        generator = tf.saved_model.load({str(run / "generator")!r})
        seed, count, label = tf.constant(2, tf.int64), tf.constant(3), tf.constant(1)
        default = generator.sample(seed, count, label).numpy()
        same = generator.sample_steps(seed, count, label, tf.constant(2), tf.constant(1.0)).numpy()
        other = generator.sample_steps(seed, count, label, tf.constant(4), tf.constant(2.0)).numpy()
        assert "mri_gan" not in sys.modules
        assert default.dtype == np.uint8 and default.shape == (3, 32, 32, 1)
        assert np.array_equal(default, same) and not np.array_equal(default, other)
    """)
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr


def test_the_keras_file_samples_what_the_savedmodel_samples_with_other_steps(diffusion_run, tmp_path):
    run, _ = diffusion_run
    images = []
    for model in (run, run / "keras" / "generator.keras"):
        out = tmp_path / model.name
        result = run_module("mri_gan.generate", "--model", str(model), "--num", "2", "--label", "yes", "--out",
                            str(out), "--steps", "3", "--guidance", "1.5", "--quiet")  # fmt: skip
        assert result.returncode == 0, result.stderr
        images.append(np.stack([np.asarray(Image.open(path)) for path in sorted(out.glob("generated_*.png"))]))
    assert np.abs(images[0].astype(int) - images[1].astype(int)).max() <= 1


def test_evaluate_judges_a_diffusion_run_against_its_held_out_images(diffusion_run, tmp_path):
    run, _ = diffusion_run
    result = run_module("mri_gan.evaluate", "--model", str(run), "--num", "8", "--measures", "swd,ms_ssim,novelty",
                        "--out", str(tmp_path / "eval"), env={**os.environ, "MRI_GAN_OFFLINE": "1"})  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "eval" / "report.json").read_text())
    assert report["counts"]["real"] == 4 and report["swd"]["ratio_to_baseline"] > 0


def test_detect_says_a_diffusion_run_has_no_discriminator(diffusion_run, tmp_path):
    run, _ = diffusion_run
    result = run_module("mri_gan.detect", "--model", str(run), "--data", str(run.parent / "data"), "--out",
                        str(tmp_path / "scores.csv"))  # fmt: skip
    assert result.returncode != 0
    assert "is a diffusion model, which has no discriminator" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr and not (tmp_path / "scores.csv").exists()


def test_sampler_settings_for_a_gan_are_one_clear_error(trained_run, tmp_path):
    result = run_module("mri_gan.generate", "--model", str(trained_run), "--num", "2", "--out", str(tmp_path / "g"),
                        "--steps", "10")  # fmt: skip
    assert result.returncode != 0
    message = " ".join(result.stderr.split())
    assert "set a diffusion model's sampler" in message and "--walk-steps" in message
    assert "Traceback" not in result.stderr


def test_the_dry_run_of_a_diffusion_run_counts_the_denoiser(tiny_folder, tmp_path):
    from mri_gan.models.unet import denoiser

    result = run_module("mri_gan.fit", "--data", str(tiny_folder), "--out", str(tmp_path / "run"), *DDIM_RUN,
                        "--dry-run")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"denoiser {denoiser(32, 8, 1).count_params():,} parameters" in result.stdout
    assert "Learning rates: denoiser 0.0002" in result.stdout
    assert not (tmp_path / "run").exists()
