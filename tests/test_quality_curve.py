"""experiments/quality_curve.py: a curve carried further with --resume, and the arguments it refuses."""

import contextlib
import importlib.util
import io
import json
from pathlib import Path

import keras
import numpy as np
import pytest

SCRIPT = Path(__file__).parents[1] / "experiments" / "quality_curve.py"
TINY_RUN = ["--", "--resolution", "32", "--width", "8", "--batch-size", "4", "--augment", "ada", "--ada-kimg", "1",
            "--no-mirror", "--precision", "float32"]  # fmt: skip


def load_script():
    spec = importlib.util.spec_from_file_location("quality_curve", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_curve(script, folder: Path, out: Path, images: int, *extra: str, fit_flags=TINY_RUN) -> None:
    """Run the script's main as a user would, quietly; it must succeed."""
    with contextlib.redirect_stdout(io.StringIO()):
        assert script.main(["--data", str(folder), "--out", str(out), "--images", str(images), "--every", "12",
                            *extra, *fit_flags]) == 0  # fmt: skip


def generator_weights(path: Path) -> list[np.ndarray]:
    return keras.saving.load_model(path, compile=False).get_weights()


def test_resume_restores_the_training_state_and_appends_to_the_curve(tiny_folder, tmp_path):
    script = load_script()
    out = tmp_path / "curve"
    run_curve(script, tiny_folder, out, 12)
    first_curve = (out / "curve.csv").read_text()
    trained = generator_weights(out / "generator.keras")
    assert [row["images_seen"] for row in script.read_rows(out / "curve.csv")] == [12]
    assert np.isnan(script.read_rows(out / "curve.csv")[0]["apa_p"])  # no APA in this run
    assert json.loads((out / script.ARGUMENTS).read_text())["fit_flags"] == TINY_RUN[1:]

    # Nothing left to train: the curve stays as it was (a fresh start would train and measure again).
    run_curve(script, tiny_folder, out, 12, "--resume")
    assert (out / "curve.csv").read_text() == first_curve

    run_curve(script, tiny_folder, out, 24, "--resume")
    rows = script.read_rows(out / "curve.csv")
    assert [row["images_seen"] for row in rows] == [12, 24]
    assert (out / "curve.csv").read_text().splitlines()[:2] == first_curve.splitlines()
    assert rows[1]["minutes"] > rows[0]["minutes"]
    assert not all(np.array_equal(a, b) for a, b in zip(trained, generator_weights(out / "generator.keras"),
                                                        strict=True))  # fmt: skip


def test_the_curve_records_both_augmentation_probabilities_with_apa(tiny_folder, tmp_path):
    script = load_script()
    out = tmp_path / "curve"
    run_curve(script, tiny_folder, out, 12, fit_flags=[*TINY_RUN, "--augment", "ada,apa"])
    (row,) = script.read_rows(out / "curve.csv")
    assert 0 <= row["ada_p"] <= 1 and 0 <= row["apa_p"] <= 1
    assert row["ada_p"] == pytest.approx(row["apa_p"])  # one overfitting signal drives both


def usage_error(script, folder: Path, out: Path, images: int, *extra: str, fit_flags=TINY_RUN) -> str:
    """The message of the usage error the script stops with (exit status 2)."""
    printed = io.StringIO()
    with contextlib.redirect_stderr(printed), pytest.raises(SystemExit) as stopped:
        script.main(["--data", str(folder), "--out", str(out), "--images", str(images), "--every", "12", *extra,
                     *fit_flags])  # fmt: skip
    assert stopped.value.code == 2
    return " ".join(printed.getvalue().split())


def test_refuses_to_overwrite_a_curve_or_to_continue_it_otherwise(tiny_folder, tmp_path):
    script = load_script()
    out = tmp_path / "curve"
    assert "holds no curve to continue" in usage_error(script, tiny_folder, out, 12, "--resume")

    out.mkdir()
    (out / "curve.csv").write_text("images_seen\n12\n")
    assert "already holds a curve" in usage_error(script, tiny_folder, out, 24)

    (out / "checkpoints").mkdir()
    (out / "checkpoints" / "checkpoint").write_text("")
    (out / script.ARGUMENTS).write_text(json.dumps({"data": str(tiny_folder), "config": None, "every": 12,
                                                    "fit_flags": TINY_RUN[1:]}))  # fmt: skip
    message = usage_error(script, tiny_folder, out, 24, "--resume", fit_flags=[*TINY_RUN, "--lr", "1e-3"])
    assert "was started with other arguments" in message and "'1e-3'" in message
    assert (out / "curve.csv").read_text() == "images_seen\n12\n"
