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
from mri_gan.errors import DataError
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
    record = read_run_record(run)
    if "config" not in record:
        raise DataError(f"{run.config} holds no settings (no 'config'); restore it from a backup, or give a new --out.")
    return RunConfig.from_dict(record["config"], str(run.config))


def read_run_record(run: RunDirectory) -> dict:
    """The whole record of a run (empty when the run has none); a damaged one is one error naming it."""
    if not run.config.is_file():
        return {}
    try:
        record = json.loads(run.config.read_text())
    except ValueError as error:
        raise DataError(
            f"{run.config} is damaged (not valid JSON: {error}). Restore it from a backup, or give a "
            "new --out; the run's exported generator still works with generate."
        ) from None
    if not isinstance(record, dict) or not isinstance(record.get("config", {}), dict):
        raise DataError(f"{run.config} is damaged (not a run record). Restore it from a backup, or give a new --out.")
    return record
