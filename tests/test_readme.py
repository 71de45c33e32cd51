"""The README says what the code does: its options table, its layout, and every Python block runs as written."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import head_image, run_module, write_image

from mri_gan.cli.fit import parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def section(start: str, end: str) -> str:
    begin = README.index(start)
    return README[begin : README.index(end, begin + len(start))]


def test_every_fit_flag_is_in_the_options_table_and_every_row_is_a_flag():
    table = section("| option | meaning |", "\n\n")
    documented = set(re.findall(r"`(--[a-z0-9-]+)", "\n".join(line.split(" | ")[0] for line in table.splitlines())))
    flags = {flag for action in parser()._actions for flag in action.option_strings if flag.startswith("--")}
    flags -= {"--help", "--version"}  # every command has these two
    assert documented == flags, (sorted(flags - documented), sorted(documented - flags))


def test_every_choice_shown_in_the_table_is_the_parsers():
    table = section("| option | meaning |", "\n\n")
    choices = {action.option_strings[0]: action.choices for action in parser()._actions if action.choices}
    for flag, shown in re.findall(r"`(--[a-z0-9-]+) \{([^}]*)\}", table):
        if flag in choices and shown not in ("memory,none,PATH",):
            assert shown.split(",") == [str(choice) for choice in choices[flag]], flag


def test_the_layout_names_every_module_and_package_of_mri_gan():
    layout = section("## Layout", "tests/\n```")
    for path in sorted((ROOT / "mri_gan").iterdir()):
        if path.name.startswith("__") or path.suffix not in (".py", "") or path.name == "__pycache__":
            continue
        assert path.name in layout or f"{path.name}/" in layout, path.name


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, flags=re.S)


@pytest.fixture(scope="module")
def readme_workspace(tmp_path_factory) -> Path:
    """A folder where the README's relative paths exist: brain_tumor_dataset/, runs/NAME/, ~/Downloads."""
    root = tmp_path_factory.mktemp("readme")
    for i in range(12):
        write_image(root / "brain_tumor_dataset" / ("yes" if i % 2 else "no") / f"{i}.png", head_image(64, 64, seed=i))
        write_image(root / "home" / "Downloads" / "brain_tumor_dataset" / ("yes" if i % 2 else "no") / f"{i}.jpg",
                    head_image(64, 64, seed=i), fmt="JPEG")  # fmt: skip
    trained = run_module("mri_gan.fit", "--data", "brain_tumor_dataset", "--out", "runs/NAME", "--epochs", "1",
                         "--resolution", "32", "--width", "4", "--batch-size", "4", "--quality-every", "0",
                         cwd=root)  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    return root


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_every_python_block_of_the_readme_runs_as_written(index, readme_workspace):
    code = re.sub(r"epochs=\d+", "epochs=2", python_blocks()[index])  # only the training length is scaled down
    env = {**os.environ, "HOME": str(readme_workspace / "home"), "MRI_GAN_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-c", code], cwd=readme_workspace, env=env, capture_output=True,
                            text=True, timeout=600)  # fmt: skip
    assert result.returncode == 0, f"README block {index}:\n{code}\n{result.stderr[-3000:]}"
