"""Grids, plots and sheets are for watching a run: failing to write one is a warning, not the end of training.

A full disk or an unwritable folder must not abort `fit` before the epoch's checkpoint and
export; the warning says what was not written and why, and the next attempt tries again.
"""

import functools
import logging

logger = logging.getLogger(__name__)


def warn_on_failure(what: str):
    """Decorate a method that writes `what`: if it raises, log a warning and return None instead."""

    def decorate(method):
        @functools.wraps(method)
        def tolerant(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except Exception as error:  # any failure to draw or write is survivable here
                logger.warning("Could not write %s (%s: %s); training goes on.", what, type(error).__name__, error)
                return None

        return tolerant

    return decorate
