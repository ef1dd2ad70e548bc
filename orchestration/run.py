"""`make run`: run the warehouse job over RAW_DIR, publish when every check passed, print a summary.

Runs in this process (no per-step subprocesses) and records the run in DAGSTER_HOME, so `make dev`
shows it in the UI. Exits 1 naming each failed check or step when anything failed; the published file
is then left exactly as it was.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time

from . import settings as settings_module


def _prepare_dagster_home() -> None:
    home = os.environ.get("DAGSTER_HOME") or str(settings_module.REPO_ROOT / ".dagster_home")
    os.environ["DAGSTER_HOME"] = home
    os.makedirs(home, exist_ok=True)
    config = settings_module.REPO_ROOT / "dagster.yaml"
    target = os.path.join(home, "dagster.yaml")
    if config.exists() and not os.path.exists(target):
        shutil.copyfile(config, target)


def _progress_to_terminal() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("  %(message)s"))
    for name in ("ofsted_warehouse.progress",):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        logger.propagate = False


class _SkippedChecksFilter(logging.Filter):
    """When nothing changed, dbt is skipped and Dagster warns that each dbt test emitted no result; that
    is the point of skipping, so the terminal is spared one line per test (the UI keeps them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "emitted no result in step" not in record.getMessage()


def main() -> int:
    _prepare_dagster_home()
    _progress_to_terminal()
    logging.getLogger("dagster._core.execution.plan.active").addFilter(_SkippedChecksFilter())
    os.environ["OFSTED_TERMINAL_PROGRESS"] = "1"
    settings = settings_module.load()
    started = time.monotonic()
    print(f"Ofsted warehouse: reading {settings.raw_dir}", flush=True)

    import dagster as dg

    from .definitions import defs
    from .defs.jobs import WAREHOUSE_JOB
    from .summary import print_summary

    instance = dg.DagsterInstance.get()
    # the same job the sensor and the schedule run, so the UI shows every run under one name
    result = defs.resolve_job_def(WAREHOUSE_JOB.name).execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
    return print_summary(result, settings, time.monotonic() - started)


if __name__ == "__main__":
    sys.exit(main())
