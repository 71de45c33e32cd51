"""Every command is an installed script with --version, and its usage names it as the user typed it."""

import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

COMMANDS = {
    "fit": "mri_gan.cli.fit",
    "generate": "mri_gan.cli.generate",
    "evaluate": "mri_gan.cli.evaluate",
    "detect": "mri_gan.cli.detect",
    "slices": "mri_gan.cli.slices",
    "phantom": "mri_gan.cli.phantom",
    "utility": "mri_gan.cli.utility",
}


def test_every_command_is_an_installed_script():
    scripts = {point.name: point.value for point in metadata.entry_points(group="console_scripts")
               if point.name.startswith("mri-gan-")}  # fmt: skip
    assert scripts == {f"mri-gan-{name}": f"{module}:main" for name, module in COMMANDS.items()}
    for name in scripts:
        assert shutil.which(name, path=str(Path(sys.executable).parent)), f"{name} is not installed (pip install -e .)"


def test_usage_and_version_name_the_command_as_typed():
    script = shutil.which("mri-gan-detect", path=str(Path(sys.executable).parent))
    installed = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=120)
    assert installed.returncode == 0 and installed.stdout.startswith("mri-gan-detect (mri_gan "), installed.stdout
    wrong = subprocess.run([script, "--no-such-flag"], capture_output=True, text=True, timeout=120)
    assert wrong.returncode == 2 and wrong.stderr.startswith("usage: mri-gan-detect"), wrong.stderr
    module = subprocess.run([sys.executable, "-m", "mri_gan.evaluate", "--version"], capture_output=True, text=True,
                            timeout=120)  # fmt: skip
    assert module.stdout.startswith("python -m mri_gan.evaluate (mri_gan "), module.stdout
