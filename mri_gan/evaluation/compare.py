"""Two reports side by side (`evaluate --compare A B`): per measure, which is better and whether the difference
lies beyond both 95% intervals, the table a user needs to pick a recipe, a seed or a model.

Reports are comparable only when they measured against the same real images at the same
resolution: the real set is identified by a hash of its pixels, so two runs that held out
different slices are refused rather than ranked on different ground.
"""

import json
from pathlib import Path

from mri_gan.errors import ConfigError, DataNotFoundError
from mri_gan.metrics.intervals import disjoint
from mri_gan.metrics.registry import HIGHER, NEAR_ONE, compared_values


def load_report(path) -> dict:
    """A report.json (or the folder holding one); a missing or unreadable file is one clear error."""
    path = Path(path)
    path = path / "report.json" if path.is_dir() else path
    if not path.is_file():
        raise DataNotFoundError(f"--compare {path} does not exist. Give two report.json files written by evaluate.")
    try:
        return json.loads(path.read_text())
    except ValueError as error:
        raise ConfigError(f"--compare {path} is not a readable report ({error}); run evaluate again.") from None


def compare_reports(first: dict, second: dict) -> list[dict]:
    """One row per measure both reports have: the two values, which is better, and whether the difference lies
    beyond both intervals (`clear`); refused when the reports measured other real images or resolutions."""
    for key, what in (("real_set", "real images"), ("resolution", "resolution")):
        if first.get(key) != second.get(key):
            raise ConfigError(
                f"the two reports used different {what} ({_describe(first.get(key))} and {_describe(second.get(key))}),"
                " so their measures cannot be ranked. Evaluate both against the same --real folder."
            )
    rows = []
    for name, measure in compared_values():
        values = [_find(report.get(name, {}), measure.value) for report in (first, second)]
        intervals = [_find(report.get(name, {}), measure.interval) for report in (first, second)]
        if None in values:
            continue
        distance = [abs(value - 1) if measure.better == NEAR_ONE else value for value in values]
        sign = -1 if measure.better == HIGHER else 1
        better = None if distance[0] == distance[1] else ("A" if sign * distance[0] < sign * distance[1] else "B")
        clear = None not in intervals and disjoint(*intervals)
        rows.append({"measure": measure.label, "A": values[0], "B": values[1], "better": better, "clear": clear,
                     "intervals": intervals, "direction": measure.better})  # fmt: skip
    return rows


def format_comparison(rows: list[dict], names: tuple[str, str]) -> str:
    """The comparison as a table for the terminal, naming the better report and whether the difference is clear."""
    lines = [f"A: {names[0]}", f"B: {names[1]}", ""]
    width = max(len(row["measure"]) for row in rows) if rows else 0
    for row in rows:
        verdict = ("same" if row["better"] is None else
                   f"{row['better']} better, beyond both intervals" if row["clear"] else
                   f"{row['better']} better, within the intervals (not a clear difference)")  # fmt: skip
        values = f"A {_value(row['A'], row['intervals'][0])}  B {_value(row['B'], row['intervals'][1])}"
        lines.append(f"{row['measure']:<{width}}  {values}  ({row['direction']} is better): {verdict}")
    return "\n".join(lines)


def _value(value: float, interval: dict | None) -> str:
    return f"{value:.3f}" + (f" [{interval['low']:.3f}, {interval['high']:.3f}]" if interval else "")


def _find(report: dict, keys: tuple[str, ...]):
    for key in keys:
        if not isinstance(report, dict) or key not in report:
            return None
        report = report[key]
    return report


def _describe(value) -> str:
    return json.dumps(value) if value is not None else "not recorded"
