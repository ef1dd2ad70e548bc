"""Dagster definitions, one folder per concern. Importing this package also sets up the run history
storage (run_history.py) for every process that runs the assets: `make run`, tests and the UI's runs."""

from . import run_history

run_history.install()
