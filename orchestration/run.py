"""`make run`: build the warehouse over RAW_DIR, publish when every check passed, print a summary.

Runs the `ingest` job (pull, scan, extract, parse, Great Expectations checks) and then, only when the
extracted tables changed and passed, `build_and_publish` (dbt, publishing): together the same assets as
the `warehouse` job the sensor runs. A rerun over unchanged input thus costs one small run and never
loads dbt. Both run in this process and are recorded in DAGSTER_HOME, so `make dev` shows them. Exits 1
naming each failed check or step when anything failed; the published file is then left as it was.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
import time

from . import settings as settings_module
from .lib import head_start
from .lib.extract import Limits


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


def main() -> int:
    # a file name or reason the terminal cannot encode is printed escaped rather than ending the run
    sys.stdout.reconfigure(errors="backslashreplace")
    sys.stderr.reconfigure(errors="backslashreplace")
    _prepare_dagster_home()
    _progress_to_terminal()
    os.environ["OFSTED_TERMINAL_PROGRESS"] = "1"
    settings = settings_module.load()
    started = time.monotonic()
    print(f"Ofsted warehouse: reading {settings.raw_dir}", flush=True)
    _begin_extracting(settings)

    import dagster as dg

    from .defs.ingest.assets import INGEST_ASSETS
    from .defs.jobs import BUILD_JOB, INGEST_JOB
    from .summary import print_summary, unchanged_since

    instance = dg.DagsterInstance.get()
    ingest = dg.Definitions(assets=INGEST_ASSETS, jobs=[INGEST_JOB], executor=dg.in_process_executor)
    try:
        results = [_execute(ingest, INGEST_JOB.name, instance)]
    finally:
        head_start.end()  # what the extract step did not take (it stopped early, or wanted none)
    if results[0].success and unchanged_since(results[0]) is None:
        from .definitions import defs  # loads dbt's manifest: only when there is something to build

        results.append(_execute(defs, BUILD_JOB.name, instance))
    elif results[0].success:
        _refresh_stale_report(settings)
    return print_summary(results, settings, time.monotonic() - started)


def _begin_extracting(settings) -> None:
    """New PDFs start extracting now, while Dagster and the asset graph load (about 2 s on one core);
    the extract step takes them over (lib/head_start.py)."""
    limits = Limits(settings.extract_timeout_seconds, settings.extract_memory_mb)
    try:
        expected = head_start.expected_pdfs(
            settings.raw_dir, settings.duckdb_path, limits, max_file_mb=settings.max_file_mb
        )
    except OSError:  # RAW_DIR missing: the scan says so
        return
    if expected:
        head_start.begin(settings.raw_dir.resolve(), limits, expected, workers=settings.extract_workers)
        print(f"  extract: starting on {len(expected)} PDFs while the pipeline loads", flush=True)


def _refresh_stale_report(settings) -> None:
    """Nothing to publish, but the publication standing has no report yet (it predates the report, or
    drawing it failed last time): draw it now from the published file."""
    from .lib.report import build_report, report_is_current

    if report_is_current(settings.report_dir, settings.published_duckdb_path):
        return
    try:
        result = build_report(settings.published_duckdb_path, settings.report_dir)
    except Exception as error:  # noqa: BLE001  (the summary says the report is missing)
        print(f"  report not rebuilt: {type(error).__name__}: {error}", flush=True)
        return
    print(f"  report: drawn again for the standing publication: {result.path}", flush=True)


def _execute(definitions, job_name: str, instance):
    return definitions.resolve_job_def(job_name).execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )


def _exit_now(code: int) -> None:
    """Leave without tearing the interpreter down: freeing the modules of Dagster, dbt and Great
    Expectations object by object takes over a second after the summary. Everything the run wrote is
    closed by then; the exit handlers (logging, temporary files) still run first."""
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit_now(main())
