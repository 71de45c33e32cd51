"""config.json, the record of a run: the resolved configuration, versions, the command and each (re)start.

The one module that reads and writes its layout.
"""

import dataclasses
import json
import platform
import sys
from datetime import UTC, datetime
from importlib import metadata

from mri_gan.config import RunConfig
from mri_gan.runs.atomic import write_text_atomically
from mri_gan.runs.layout import RunDirectory
from mri_gan.runtime.hardware import read_cpu
from mri_gan.runtime.precision import PrecisionChoice


def write_run_record(
    run: RunDirectory, config: RunConfig, data_summary: str, initial_epoch: int, precision: PrecisionChoice
) -> None:
    """config.json: the resolved configuration, the seed, package versions and each start of the run.

    Each start records the precision it trained in and why, since `auto` may choose
    differently on the machine that resumes the run.
    """
    starts = read_run_record(run).get("starts", [])
    starts.append({
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "from_epoch": initial_epoch,
        "precision": dataclasses.asdict(precision),
        "cpu": read_cpu().describe(),
    })  # fmt: skip
    record = {
        "config": config.to_dict(),
        "seed": config.train.seed,
        "data_summary": data_summary,
        "versions": {
            "python": platform.python_version(),
            **{name: _version(name) for name in ("mri_gan", "tensorflow", "keras", "numpy", "pillow", "nilearn")},
        },
        "precision": dataclasses.asdict(precision),
        "command": sys.argv,
        "starts": starts,
    }
    write_text_atomically(run.config, json.dumps(record, indent=2))


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def load_run_config(run: RunDirectory) -> RunConfig:
    """The configuration a run directory was trained with."""
    return RunConfig.from_dict(read_run_record(run)["config"], str(run.config))


def read_run_record(run: RunDirectory) -> dict:
    """The whole record of a run (empty when the run has none)."""
    return json.loads(run.config.read_text()) if run.config.is_file() else {}
