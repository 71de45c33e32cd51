"""`HistoryLog`: the run's `history.csv`, one row per epoch and one column per logged value."""

import csv
from pathlib import Path

import keras


class HistoryLog(keras.callbacks.CSVLogger):
    """Keras's CSVLogger without its empty `val_*` columns, keeping an existing file's columns on resume.

    CSVLogger adds a `val_` twin of every column when the first epoch logs no validation
    values, in case later ones do; a GAN's `fit` never validates, so those columns stay
    `NA` and only widen the file. A resumed run appends under the header already written.
    """

    def __init__(self, path: str | Path):
        super().__init__(str(path), append=True)

    def on_epoch_end(self, epoch, logs=None):
        if self.keys is None:
            self.keys = self._written_columns() or sorted(logs or {})
        super().on_epoch_end(epoch, logs)

    def _written_columns(self) -> list[str]:
        """The columns of the file's header after `epoch`, or [] when there is no header yet."""
        path = Path(self.filename)
        if not path.is_file():
            return []
        with path.open(newline="") as handle:
            header = next(csv.reader(handle), [])
        return header[1:]
