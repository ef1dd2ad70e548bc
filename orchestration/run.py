"""`make run`: build the warehouse over RAW_DIR, publish what passed its checks, print a summary.

When nothing changed since the standing publication (the same files in RAW_DIR, nothing to retry, the
published files intact) no run is started: the summary says what stands. Otherwise it runs the
`warehouse` job of the one code location (orchestration/definitions.py), the job the UI, the
sensor and the schedule run, in this process with resources pinned to this run's settings, and records
the run in DAGSTER_HOME so `make dev` shows it. Exits 0 when the published file holds this run's
warehouse (or still holds the same one), whatever documents were held back; 1 when nothing could be
published.
"""

from __future__ import annotations

import contextlib
import gc
import io
import logging
import os
import signal
import sys
import time
import uuid
from pathlib import Path

from . import settings as settings_module


def _prepare_dagster_home(settings) -> None:
    """The run history of this warehouse (orchestration/dagster_home.py: DAGSTER_HOME, else beside
    DUCKDB_PATH)."""
    from .dagster_home import prepare

    prepare(settings.duckdb_path)


def _progress_to_terminal() -> None:
    handler = logging.StreamHandler(sys.__stdout__)
    handler.setFormatter(logging.Formatter("  %(message)s"))
    logger = logging.getLogger("ofsted_warehouse.progress")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    logger.propagate = False


def main() -> int:
    # a file name or reason the terminal cannot encode is printed escaped rather than ending the run
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    # SIGTERM stops the run as Ctrl-C does: its processes are ended and the summary is printed (Dagster
    # treats SIGTERM as SIGINT while a step runs; this covers the moments before and after)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    started = time.monotonic()
    settings = settings_module.load_or_exit()
    run_id = str(uuid.uuid4())
    result, standing, notices, interrupted = None, None, [], False
    try:
        _prepare_dagster_home(settings)
        _progress_to_terminal()
        print(f"Ofsted warehouse: reading {settings.raw_dir}", flush=True)
        standing = _standing_before_run(settings)
        if standing is not None:
            print(f"  scan: nothing new since the publication of {standing} UTC: no run needed", flush=True)
        else:
            result = _execute(settings, run_id)
            interrupted = _was_interrupted(result)
        if not interrupted:
            _refresh_stale_outputs(settings)
    except KeyboardInterrupt:
        interrupted = True
    except Exception as error:  # noqa: BLE001  (the summary names it; the run's last words stay true)
        from .summary import describe_error

        notices.append(f"the run stopped: {describe_error(error)}")
    # the summary is the run's last word: a second Ctrl-C does not cut it short
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if interrupted:
        print("\n  interrupted: the next `make run` picks up where this one stopped", flush=True)
    from .summary import print_summary

    return print_summary(
        result, settings, time.monotonic() - started, run_id=run_id, notices=notices, standing=standing
    )


def _standing_before_run(settings) -> str | None:
    """The time of the publication that already holds what a run would publish now (nothing new in
    RAW_DIR, nothing to retry, the published files intact; lib/fingerprint.standing_before_run), when
    there is one: then no run is started, and Dagster is not even loaded. RETRY=1 always runs."""
    if settings.retry_failed:
        return None
    from .lib.extract.pool import Limits
    from .lib.publish.fingerprint import standing_before_run

    publication = standing_before_run(
        settings.duckdb_path,
        settings.raw_dir,
        settings.published_duckdb_path,
        settings.parquet_dir,
        max_file_mb=settings.max_file_mb,
        limits=Limits(settings.extract_timeout_seconds, settings.extract_memory_mb),
        max_held_back_share=settings.max_held_back_share,
    )
    return None if publication is None else f"{publication.published_at:%Y-%m-%d %H:%M:%S}"


def _execute(settings, run_id: str):
    import dagster as dg

    from .definitions import defs
    from .defs.jobs import WAREHOUSE_JOB
    from .defs.resources import resources_for

    # what the steps print (dbt's own log, for one) goes to a file; the terminal gets the progress lines
    step_output = Path(os.environ["DAGSTER_HOME"]) / "logs" / "make-run.log"
    step_output.parent.mkdir(parents=True, exist_ok=True)
    with dg.DagsterInstance.get() as instance, open(step_output, "w", encoding="utf-8") as log:
        with contextlib.redirect_stdout(log):
            return defs.resolve_job_def(WAREHOUSE_JOB.name).execute_in_process(
                instance=instance,
                resources=resources_for(settings),
                raise_on_error=False,
                run_id=run_id,
                tags={"warehouse": str(settings.duckdb_path)},
                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            )


def _was_interrupted(result) -> bool:
    """Dagster catches an interrupt that arrives while a step runs and ends the run as failed."""
    for event in result.all_events:
        if event.event_type_value in ("RUN_FAILURE", "RUN_CANCELED", "STEP_FAILURE"):
            error = getattr(event.event_specific_data, "error", None)
            while error is not None:
                if error.cls_name in ("KeyboardInterrupt", "DagsterExecutionInterruptedError"):
                    return True
                error = error.cause or error.context
    return False


def _refresh_stale_outputs(settings) -> None:
    """Every output drawn from the publication (workbook, report, feed) that is missing, was drawn from
    another publication or changed since is drawn again from the published file, whatever the run did
    (defs/publish/standing.py lists them; lib/publish/outputs.py compares them)."""
    from .defs.publish.standing import published_outputs
    from .lib.publish.outputs import refresh

    refresh(
        settings.published_duckdb_path,
        published_outputs(settings),
        lambda message: print(f"  {message}", flush=True),
    )


if __name__ == "__main__":
    status = main()
    # Exiting, the interpreter first sweeps every object Dagster, dbt and Great Expectations made for
    # cycles (0.3 s of each run); tearing down the modules right after frees them all the same.
    gc.disable()
    sys.exit(status)
