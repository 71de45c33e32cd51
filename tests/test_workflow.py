"""From a folder to a judged synthetic set: held-out images, latent tools, one --model, dry runs, FID, FRD."""

import json
import os
import re
import shlex
from pathlib import Path

import numpy as np
import pytest
from conftest import head_image, run_module, write_image
from PIL import Image
from test_cli_end_to_end import TINY_RUN

from mri_gan.metrics.frd import unavailable_reason as frd_unavailable_reason
from mri_gan.runs.layout import RunDirectory

OFFLINE = {**os.environ, "MRI_GAN_OFFLINE": "1"}
README = Path(__file__).resolve().parents[1] / "README.md"


def labelled_data(root: Path) -> Path:
    """20 yes and 10 no images, two of them byte-identical copies of others."""
    for i in range(30):
        write_image(root / ("yes" if i < 20 else "no") / f"{i}.png", head_image(48, 48, seed=i))
    (root / "yes" / "copy_of_3.png").write_bytes((root / "yes" / "3.png").read_bytes())
    (root / "no" / "copy_of_25.png").write_bytes((root / "no" / "25.png").read_bytes())
    return root


@pytest.fixture(scope="module")
def held_out_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("workflow")
    data = labelled_data(root / "data")
    run = root / "run"
    result = run_module("mri_gan.fit", "--data", str(data), "--out", str(run), *TINY_RUN, "--holdout", "0.3")
    assert result.returncode == 0, result.stderr
    return run, data


# Held-out real images


def test_holdout_keeps_whole_subjects_and_duplicates_on_one_side_per_class():
    from mri_gan.data.splits import split_by_subject_per_class

    subjects = [f"s{i // 4}" for i in range(40)] + [None] * 20  # 10 subjects of 4 slices, 20 loose images
    labels = [i % 2 for i in range(40)] + [0] * 15 + [1] * 5
    first, rest = split_by_subject_per_class(subjects, labels, 0.25, seed=1)
    assert not {subjects[i] for i in first if subjects[i]} & {subjects[i] for i in rest if subjects[i]}
    for label, total in ((0, 35), (1, 25)):
        taken = sum(labels[i] == label for i in first)
        assert abs(taken - 0.25 * total) <= 2, (label, taken)


def test_fit_holdout_writes_the_split_and_trains_without_it(held_out_run):
    run, data = held_out_run
    record = json.loads((run / "holdout.json").read_text())
    held = {Path(item["path"]).relative_to(data).as_posix() for item in record["images"]}
    assert abs(record["counts"]["yes"] - 0.3 * 21) <= 1.5 and abs(record["counts"]["no"] - 0.3 * 11) <= 1.5
    copies = {("yes/3.png", "yes/copy_of_3.png"), ("no/25.png", "no/copy_of_25.png")}
    assert all((a in held) == (b in held) for a, b in copies), "a file and its copy were split"
    summary = json.loads((run / "config.json").read_text())["data_summary"]
    assert summary.startswith(f"{32 - len(held)} images")


def test_a_resumed_run_keeps_its_split_and_refuses_another(held_out_run):
    run, _ = held_out_run
    before = (run / "holdout.json").read_text()
    changed = run_module("mri_gan.fit", "--out", str(run), "--epochs", "3", "--holdout", "0.5")
    assert changed.returncode == 2 and "trained with holdout 0.3" in " ".join(changed.stderr.split())
    resumed = run_module("mri_gan.fit", "--out", str(run), "--epochs", "3")
    assert resumed.returncode == 0, resumed.stderr
    assert (run / "holdout.json").read_text() == before


def test_evaluate_uses_the_held_out_images_by_default(held_out_run, tmp_path):
    run, _ = held_out_run
    result = run_module("mri_gan.evaluate", "--model", str(run), "--num", "12", env=OFFLINE, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = run / "evaluation" / "generator"  # without --out: inside the run, one folder per generator
    report = json.loads((out / "report.json").read_text())
    assert not (tmp_path / "evaluation").exists()
    held = len(json.loads((run / "holdout.json").read_text())["images"])
    assert report["counts"]["real"] == held and report["counts"]["train"] == 32 - held
    assert "held out by" in report["inputs"]["real"] and f"Real images: the {held} images" in result.stderr


def test_evaluate_without_real_images_to_use_says_how_to_get_them(tiny_folder, tmp_path):
    run = tmp_path / "run"
    assert run_module("mri_gan.fit", "--data", str(tiny_folder), "--out", str(run), *TINY_RUN).returncode == 0
    result = run_module("mri_gan.evaluate", "--model", str(run), "--num", "4", "--out", str(tmp_path / "e"))
    message = " ".join(result.stderr.split())
    assert result.returncode == 2 and "Give --real" in message and "--holdout 0.15" in message


# One --model everywhere


def test_every_command_takes_every_form_of_model(held_out_run, tmp_path):
    from mri_gan.runs.model_source import Sampler, discriminator_source, model_source

    run, data = held_out_run
    forms = [run, run / "generator", run / "best_generator", run / "keras" / "generator.keras"]
    for model in forms:  # what each command resolves --model to
        source = model_source(model)
        assert source.run == RunDirectory(run) and Sampler(source).resolution == 32, model
        assert discriminator_source(model) == run / "keras" / "discriminator.keras", model
    made = run_module("mri_gan.generate", "--model", str(forms[3]), "--num", "2", "--out", str(tmp_path / "g"),
                      "--quiet")  # fmt: skip
    assert made.returncode == 0 and len(list((tmp_path / "g").glob("*.png"))) == 2, made.stderr
    evaluated = run_module("mri_gan.evaluate", "--model", str(forms[2]), "--real", str(data), "--num", "4",
                           "--out", str(tmp_path / "e"), env=OFFLINE)  # fmt: skip
    assert evaluated.returncode == 0, evaluated.stderr
    detected = run_module("mri_gan.detect", "--model", str(forms[1]), "--data", str(data / "no"),
                          "--out", str(tmp_path / "s.csv"))  # fmt: skip
    assert detected.returncode == 0, detected.stderr


def test_a_run_its_export_and_its_keras_file_make_the_same_images(held_out_run):
    from mri_gan.runs.model_source import Sampler, model_source
    from mri_gan.sampling.latents import latent_vectors

    run, _ = held_out_run
    z = latent_vectors(3, 4, 8).numpy()
    from_run, from_export, from_keras = (Sampler(model_source(path)).images(z) for path in
                                         (run, run / "generator", run / "keras" / "generator.keras"))  # fmt: skip
    np.testing.assert_array_equal(from_run, from_export)
    assert np.abs(from_keras.astype(int) - from_export.astype(int)).max() <= 1


def test_detect_keeps_its_old_flag_and_phantom_its_old_name(held_out_run, tmp_path):
    run, data = held_out_run
    old = run_module("mri_gan.detect", "--model", str(run), "--images", str(data / "no"), "--out", str(tmp_path / "a"))
    assert old.returncode == 0 and "Scored 11 images" in old.stdout, old.stderr
    made = run_module("mri_gan.data.phantom", "--out", str(tmp_path / "p"), "--num", "2", "--resolution", "40")
    assert made.returncode == 0 and Image.open(next((tmp_path / "p").rglob("*.png"))).size == (40, 40)


def test_phantom_where_prints_the_built_in_folder(tmp_path):
    from mri_gan.data.phantom import MANIFEST, VERSION

    folder = tmp_path / f"phantom-v{VERSION}-n1000-seed0"
    folder.mkdir()
    (folder / MANIFEST).write_text("{}")
    result = run_module("mri_gan.data.phantom", "--where", env={**os.environ, "MRI_GAN_CACHE": str(tmp_path)})
    assert result.returncode == 0 and result.stdout.strip() == str(folder)


def test_model_that_is_none_of_the_kinds_is_one_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    for model, expected in ((tmp_path / "missing", "does not exist"), (tmp_path / "notes.txt", "not a .keras file"),
                            (tmp_path, "holds no exported generator")):  # fmt: skip
        result = run_module("mri_gan.generate", "--model", str(model), "--num", "1", "--out", str(tmp_path / "o"))
        message = " ".join(result.stderr.split())
        assert result.returncode == 2 and expected in message and "Traceback" not in message


# Latent tools


def test_truncation_pulls_latents_toward_the_mean_and_is_recorded(held_out_run, tmp_path):
    from mri_gan.runs.model_source import Sampler, model_source
    from mri_gan.sampling.latents import latent_vectors

    run, _ = held_out_run
    result = run_module("mri_gan.generate", "--model", str(run), "--num", "2", "--out", str(tmp_path / "t"),
                        "--truncation", "0.5", "--grid", "--quiet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    sampler = Sampler(model_source(run))
    expected = sampler.images(0.5 * latent_vectors(0, 2, sampler.latent_dim).numpy())
    written = np.stack([np.asarray(Image.open(tmp_path / "t" / f"generated_00000{i}.png")) for i in range(2)])
    np.testing.assert_array_equal(written, expected[..., 0])
    record = json.loads((tmp_path / "t" / "generation.json").read_text())
    assert (record["truncation"], record["seed"], record["num"], record["model"]) == (0.5, 0, 2, str(run))
    assert (tmp_path / "t" / "grid.png").is_file()
    for bad in ("0", "1.5"):
        refused = run_module("mri_gan.generate", "--model", str(run), "--num", "1", "--out", str(tmp_path / bad),
                             "--truncation", bad)  # fmt: skip
        assert refused.returncode == 2 and "--truncation must be in (0, 1]" in " ".join(refused.stderr.split())


def test_the_grid_title_names_the_seed_and_the_truncation(held_out_run, tmp_path, monkeypatch):
    from mri_gan.runs.model_source import Sampler, model_source
    from mri_gan.sampling import files as synthesis

    titles = []
    monkeypatch.setattr(synthesis, "save_figure", lambda figure, path: titles.append(figure.axes[0].get_title()))
    synthesis.write_grid(Sampler(model_source(held_out_run[0])), tmp_path, seed=7, truncation=0.7, label=None)
    assert "seed 7, truncation 0.7" in titles[0]


def test_slerp_keeps_the_endpoints_and_the_norm_of_the_prior():
    from mri_gan.sampling.walks import slerp

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=100), rng.normal(size=100)
    path = slerp(a, b, np.linspace(0, 1, 9))
    np.testing.assert_allclose(path[0], a, atol=1e-5)
    np.testing.assert_allclose(path[-1], b, atol=1e-5)
    middle_linear = np.linalg.norm((a + b) / 2)
    assert np.linalg.norm(path[4]) > middle_linear * 1.2  # linear interpolation shrinks toward the centre
    np.testing.assert_allclose(slerp(a, a, np.array([0.5]))[0], a, atol=1e-5)  # parallel: no division by zero


def test_interpolate_writes_a_strip_and_a_looping_gif(held_out_run, tmp_path):
    run, _ = held_out_run
    result = run_module("mri_gan.generate", "--model", str(run), "--interpolate", "3", "--walk-steps", "5",
                        "--out", str(tmp_path / "w"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    strip = Image.open(tmp_path / "w" / "interpolation.png")
    assert strip.size == (5 * 32 + 4 * 2, 3 * 32 + 2 * 2)
    gif = Image.open(tmp_path / "w" / "interpolation.gif")
    assert gif.n_frames == 5 + 3 and gif.info["loop"] == 0
    assert not list((tmp_path / "w").glob("generated_*.png"))


# Dry run


def test_dry_run_reports_the_run_and_writes_nothing(tiny_folder, tmp_path):
    from mri_gan.config import RunConfig
    from mri_gan.gan.build import build_gan

    out = tmp_path / "run"
    result = run_module("mri_gan.fit", "--data", str(tiny_folder), "--out", str(out), *TINY_RUN, "--holdout", "0.25",
                        "--dry-run")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert not out.exists()
    config = RunConfig()
    config.model.width, config.model.latent_dim = 4, 8
    gan = build_gan(config)
    counts = [int(n.replace(",", "")) for n in re.findall(r"generator ([\d,]+) parameters, discriminator ([\d,]+)",
                                                            result.stdout)[0]]  # fmt: skip
    assert counts == [gan.generator.count_params(), gan.discriminator.count_params()]
    assert "Held out for evaluation: 4 images" in result.stdout  # 2 of the 6 in each class
    # Without --config the recipe's mirrored copies are on: the 8 training images and their mirror images.
    assert "Images per epoch: 16 (4 steps of 4)" in result.stdout and "s per step" in result.stdout
    assert "for 2 epochs (32 images)" in result.stdout
    assert "Learning rates: discriminator 0.0002, generator 0.0002" in result.stdout


def test_the_dry_run_says_when_the_learning_rates_start_to_fall():
    from mri_gan.config import TrainConfig
    from mri_gan.training.dry_run import learning_rate_plan

    train = TrainConfig(lr=2e-4, g_lr=1e-4, lr_decay=0.5)
    expected = ("Learning rates: discriminator 0.0002, generator 0.0001 in epochs 1-51, then falling linearly to 2% "
                "of that in epoch 100 (--lr-decay 0.5)")  # fmt: skip
    assert learning_rate_plan(train, 100) == expected
    assert (
        learning_rate_plan(TrainConfig(lr=3e-4), 100)
        == "Learning rates: discriminator 0.0003, generator 0.0003, constant"
    )


# Measures comparable with papers


def test_inception_input_is_resized_as_clean_fid_does():
    from mri_gan.metrics.inception import clean_resize

    pixels = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 1)).astype(np.uint8)
    resized = clean_resize(pixels.astype(np.float32), size=299)
    for image, ours in zip(pixels, resized, strict=True):
        pil = Image.fromarray(image[..., 0].astype(np.float32), mode="F").resize((299, 299), Image.BICUBIC)
        np.testing.assert_allclose(ours[..., 0], np.clip(np.asarray(pil), 0, 255), atol=1e-4)
    assert resized.min() >= 0 and resized.max() <= 255


def test_frd_is_reported_unavailable_with_the_command_that_installs_it(monkeypatch):
    import importlib.util

    from mri_gan.evaluation import evaluate_images
    from mri_gan.metrics import frd

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(frd.importlib.util, "find_spec",
                        lambda name, *args: None if name == "radiomics" else real_find_spec(name, *args))  # fmt: skip
    images = np.random.default_rng(0).integers(0, 256, (8, 32, 32, 1)).astype(np.uint8)
    report = evaluate_images(images, images[::-1], images, measures=("frd",))
    assert report["frd"]["available"] is False and "--no-build-isolation pyradiomics" in report["frd"]["reason"]


@pytest.mark.skipif(frd_unavailable_reason() is not None, reason="frd-score and pyradiomics are not installed")
def test_frd_ranks_a_near_copy_closer_than_another_kind_of_image():
    from mri_gan.metrics.frd import frechet_radiomics_distance

    heads = np.stack([head_image(64, 64, seed=i) for i in range(12)])[..., np.newaxis].astype(np.uint8)
    noisy = np.clip(heads.astype(int) + np.random.default_rng(1).integers(-3, 4, heads.shape), 0, 255).astype(np.uint8)
    stripes = np.tile((np.arange(64) % 8 < 4).astype(np.uint8) * 200, (12, 64, 1))[..., np.newaxis]
    stripes = np.clip(stripes.astype(int) + np.random.default_rng(2).integers(0, 30, stripes.shape), 0, 255)
    assert frechet_radiomics_distance(heads, noisy) < frechet_radiomics_distance(heads, stripes.astype(np.uint8))


# The README's quick start, as pasted (scaled down)


def test_the_readme_quick_start_runs_from_fit_to_evaluate(tmp_path):
    text = README.read_text()
    block = re.search(r"## Quick start.*?```bash\n(.*?)```", text, re.S)
    assert block, "README has no quick start block"
    commands = [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands[0].startswith("python -m mri_gan.fit --holdout")
    data = labelled_data(tmp_path / "data")
    scaled = {"mri_gan.fit": ["--data", str(data), *TINY_RUN], "mri_gan.generate": ["--quiet"],
              "mri_gan.evaluate": ["--num", "12"]}  # fmt: skip
    for command in commands:
        words = shlex.split(command)
        assert words[:2] == ["python", "-m"], command
        module, args = words[2], words[3:]
        if "--num" in args:
            args[args.index("--num") + 1] = "12"
        result = run_module(module, *args, *scaled.get(module, []), cwd=tmp_path, env=OFFLINE)
        assert result.returncode == 0, f"{command}\n{result.stderr}"
    assert (tmp_path / "runs" / "first" / "evaluation" / "report.json").is_file()
