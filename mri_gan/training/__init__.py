"""One training run: build, fit and resume (`run`), the dry run, what a checkpoint holds and the run's record."""
