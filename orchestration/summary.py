"""The short report that ends `make run`: files, marts, checks, where the published file and its HTML
report are."""

from __future__ import annotations

import duckdb

from .lib.files import printable_name
from .lib.publish import PUBLISHED_SCHEMAS  # noqa: F401  (documents what is published)
from .lib.report import report_is_current
from .lib.sql import identifier
from .lib.warehouse import writer_lock
from .settings import Settings


def _check_outcomes(results: list) -> tuple[list, list]:
    passed, failed = [], []
    for result in results:
        for evaluation in result.get_asset_check_evaluations():
            (passed if evaluation.passed else failed).append(evaluation)
    return passed, failed


def unchanged_since(result) -> str | None:
    """When the run found nothing to rebuild: the time of the publication that still stands."""
    for event in result.all_events:
        if event.event_type_value != "ASSET_OBSERVATION":
            continue
        observation = event.event_specific_data.asset_observation
        if observation.asset_key.path == ["published", "warehouse"] and "unchanged" in observation.metadata:
            return observation.metadata["published_at"].value
    return None


def report_error(results: list) -> str | None:
    """Why the HTML report was not rebuilt after this run's publication, if it was not."""
    for result in results:
        for event in result.all_events:
            if event.event_type_value != "ASSET_OBSERVATION":
                continue
            observation = event.event_specific_data.asset_observation
            if observation.asset_key.path == ["published", "report"] and "error" in observation.metadata:
                return observation.metadata["error"].value
    return None


def _print_report(results: list, settings: Settings) -> None:
    page = settings.report_dir / "index.html"
    error = report_error(results)
    if error:
        print(f"  report:    NOT rebuilt ({error}); the published warehouse is not affected: `make report`")
    elif report_is_current(settings.report_dir, settings.published_duckdb_path):
        print(f"  report:    {page}")
    else:
        print(f"  report:    none for this publication yet: `make report` builds {page}")


def _print_files_and_marts(con: duckdb.DuckDBPyConnection) -> None:
    counts = dict(
        con.execute("SELECT status, count(*) FROM audit.file_ledger WHERE is_present GROUP BY status").fetchall()
    )
    print(
        f"  files: {sum(counts.values())} seen, {counts.get('loaded', 0)} loaded, "
        f"{counts.get('quarantined', 0)} quarantined, {counts.get('duplicate', 0)} duplicate"
    )
    for name, reason in con.execute(
        """SELECT source_file, status_reason FROM audit.file_ledger
           WHERE is_present AND status = 'quarantined' ORDER BY 1"""
    ).fetchall():
        print(f"    quarantined {printable_name(name)}: {printable_name(reason or '')}")
    marts = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY table_name"
    ).fetchall()
    if marts:
        print("  marts (rows):")
        for (table,) in marts:
            rows = con.execute(f"SELECT count(*) FROM marts.{identifier(table)}").fetchall()[0][0]
            print(f"    {table:<24} {rows}")


def _print_warehouse(settings: Settings) -> None:
    # a run started by the UI or the sensor may be writing; wait for it rather than fail to open
    with writer_lock(settings.duckdb_path):
        try:
            con = duckdb.connect(str(settings.duckdb_path), read_only=True)
        except duckdb.Error as error:
            print(f"  could not open the working warehouse: {error}")
            return
        try:
            _print_files_and_marts(con)
        finally:
            con.close()


def print_summary(results: list, settings: Settings, seconds: float) -> int:
    """`results`: the runs `make run` made, in order (ingest, then build and publish when it ran)."""
    passed, failed = _check_outcomes(results)
    failed_steps = [event.step_key for result in results for event in result.get_step_failure_events()]
    ok = all(result.success for result in results) and not failed and not failed_steps

    print("\nSummary", flush=True)
    _print_warehouse(settings)
    print(f"  checks: {len(passed)} passed, {len(failed)} failed")
    for evaluation in failed:
        description = evaluation.description or ""
        print(f"    FAILED {evaluation.check_name} on {evaluation.asset_key.to_user_string()}: {description}")
    for step in failed_steps:
        print(f"    FAILED step {step}")
    standing = unchanged_since(results[-1]) if ok else None
    if standing:
        print(f"  unchanged: nothing changed since the publication of {standing} UTC; dbt and publishing skipped")
    if ok:
        print(f"  published: {settings.published_duckdb_path}{' (as it was)' if standing else ''}")
        print(f"  parquet:   {settings.parquet_dir}")
        _print_report(results, settings)
    else:
        print(f"  not published: {settings.published_duckdb_path} was left as it was")
    print(f"  took {seconds:.1f} s; open the UI with `make dev` (http://127.0.0.1:3000)")
    return 0 if ok else 1
