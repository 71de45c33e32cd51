"""Command-line flags derived from the settings declared in `mri_gan.config`: each is declared once.

`fit` offers every declared setting that has a flag; `slices` the ones of scanner volumes.
"""

import argparse
import dataclasses

from mri_gan.config import SECTIONS, Option


def declared_flags(sections=SECTIONS, group: str | None = None) -> dict[str, tuple[str, str, Option, object]]:
    """Flag destination -> (section, key, its Option, the field's type), for the settings that have a flag (only
    those listed under the `--help` heading `group`, when given)."""
    flags = {}
    for section, settings in sections.items():
        for item in dataclasses.fields(settings):
            declared = item.metadata["option"]
            if declared.flag is not None and (group is None or declared.group == group):
                flags[declared.flag or item.name] = (section, item.name, declared, item.type)
    return flags


def add_flags(parser: argparse.ArgumentParser, flags: dict, grouped: bool = True, defaults: object = None) -> None:
    """Add `flags` (from `declared_flags`) to `parser`, under their `--help` headings when `grouped`.

    With `defaults` (a section instance) each flag gets its field's value there as its default;
    without, a flag not given is left out of the parsed namespace (the caller's parser
    suppresses defaults) so that only what the user typed overrides a configuration.
    """
    groups: dict[str, argparse._ArgumentGroup] = {}
    for dest, (_, key, declared, kind) in flags.items():
        target = parser
        if grouped and declared.group:
            target = groups.setdefault(declared.group, parser.add_argument_group(declared.group))
        details = _argument(declared, kind)
        if defaults is not None:
            value = getattr(defaults, key)
            details["default"] = tuple(value) if isinstance(value, list) else value
        target.add_argument(f"--{dest.replace('_', '-')}", dest=dest, **details)


def _argument(declared: Option, kind) -> dict:
    text = str(kind)
    details: dict = {"help": declared.help}
    if "bool" in text:
        details["action"] = argparse.BooleanOptionalAction if declared.negatable else "store_true"
        return details
    details["type"] = float if "float" in text else int if "int" in text else str
    if "list" in text:
        details["nargs"] = 2
    if declared.choices is not None:
        details["choices"] = declared.choices
    if declared.metavar is not None:
        details["metavar"] = declared.metavar
    return details
