"""The short report that ends `make run`: what the published file holds, what was held back and why,
which checks failed or warned, and where the published file and its HTML report are.

Whether the run published is read from the published file itself (its latest audit.publications row),
never inferred from which steps finished, and the row counts printed are the published file's.
"""

from __future__ import annotations

import duckdb

from .lib.files import printable_name
from .lib.publish import open_published
from .lib.reconciliation import reconciliation_summary
from .lib.report import report_is_current
from .lib.sql import identifier
from .lib.warehouse import writer_lock
from .settings import Settings

MAX_LISTED = 40


def unchanged_since(result) -> str | None:
    """When the run found nothing to rebuild: the time of the publication that still stands."""
    for event in result.all_events:
        if event.event_type_value != "ASSET_OBSERVATION":
            continue
        observation = event.event_specific_data.asset_observation
        if observation.asset_key.path == ["published", "warehouse"] and "unchanged" in observation.metadata:
            return observation.metadata["published_at"].value
    return None


def report_error(result) -> str | None:
    """Why the HTML report was not rebuilt after this run's publication, if it was not."""
    for event in result.all_events:
        if event.event_type_value != "ASSET_OBSERVATION":
            continue
        observation = event.event_specific_data.asset_observation
        if observation.asset_key.path == ["published", "report"] and "error" in observation.metadata:
            return observation.metadata["error"].value
    return None


def _check_outcomes(result) -> tuple[int, list, list]:
    passed, warned, failed = 0, [], []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            passed += 1
        elif evaluation.severity.value == "WARN":
            warned.append(evaluation)
        else:
            failed.append(evaluation)
    return passed, warned, failed


def _step_failures(result) -> list[str]:
    lines = []
    for event in result.get_step_failure_events():
        error = event.event_specific_data.error if event.event_specific_data else None
        cause = error
        while cause is not None and cause.cause is not None:
            cause = cause.cause
        message = (cause.message if cause is not None else "").strip().splitlines()
        lines.append(f"{event.step_key}: {message[-1] if message else 'no message'}")
    return lines


def _ledger(settings: Settings) -> tuple[dict[str, int], list[tuple[str, str, str]]]:
    """Status counts of the present files, and (status, file, reason) of each not loaded, from the
    working warehouse, waiting for a run started elsewhere that holds it."""
    with writer_lock(settings.duckdb_path):
        con = duckdb.connect(str(settings.duckdb_path), read_only=True)
        try:
            counts = dict(con.execute(
                "SELECT status, count(*) FROM audit.file_ledger WHERE is_present GROUP BY status"
            ).fetchall())
            problems = con.execute(
                """SELECT status, source_file, coalesce(status_reason, '') FROM audit.file_ledger
                   WHERE is_present AND status IN ('quarantined', 'held_back') ORDER BY status, source_file"""
            ).fetchall()
        finally:
            con.close()
    return counts, problems


def _published_state(settings: Settings) -> tuple[str | None, str | None, dict[str, int], str | None]:
    """(run id, time) of the publication the published file holds, its marts' row counts, and how far
    they agree with Ofsted's statistics."""
    if not settings.published_duckdb_path.is_file():
        return None, None, {}, None
    con = open_published(settings.published_duckdb_path)
    try:
        latest = con.execute(
            "SELECT run_id, published_at FROM audit.publications ORDER BY published_at DESC LIMIT 1"
        ).fetchall()
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY table_name"
        ).fetchall()]
        rows = {t: con.execute(f"SELECT count(*) FROM marts.{identifier(t)}").fetchall()[0][0] for t in tables}
        reconciliation = reconciliation_summary(con)
    finally:
        con.close()
    if not latest:
        return None, None, rows, reconciliation
    return latest[0][0], f"{latest[0][1]:%Y-%m-%d %H:%M:%S}", rows, reconciliation


def print_summary(result, settings: Settings, seconds: float) -> int:
    """`result`: the run `make run` made (None when it was interrupted before it could finish)."""
    print("\nSummary", flush=True)
    counts: dict[str, int] = {}
    try:
        counts, problems = _ledger(settings)
    except duckdb.Error as error:
        problems = []
        print(f"  could not read the working warehouse: {error}")
    if counts:
        print(
            f"  files: {sum(counts.values())} seen, {counts.get('loaded', 0)} loaded, "
            f"{counts.get('held_back', 0)} held back, {counts.get('quarantined', 0)} quarantined, "
            f"{counts.get('duplicate', 0)} duplicate"
        )
    for status, name, reason in problems[:MAX_LISTED]:
        print(f"    {status.replace('_', ' ')} {printable_name(name)}: {printable_name(reason)}")
    if len(problems) > MAX_LISTED:
        print(f"    ... and {len(problems) - MAX_LISTED} more: see audit.file_ledger")

    standing = None
    if result is not None:
        passed, warned, failed = _check_outcomes(result)
        print(f"  checks: {passed} passed, {len(warned)} warnings, {len(failed)} failed")
        for evaluation in failed:
            print(f"    FAILED {evaluation.check_name} on {evaluation.asset_key.to_user_string()}: "
                  f"{evaluation.description or ''}")
        for evaluation in warned:
            print(f"    warning {evaluation.check_name} on {evaluation.asset_key.to_user_string()}: "
                  f"{(evaluation.description or '')[:300]}")
        for line in _step_failures(result):
            print(f"    FAILED step {line}")
        standing = unchanged_since(result)

    try:
        run_id, published_at, rows, reconciliation = _published_state(settings)
    except duckdb.Error as error:
        run_id, published_at, rows, reconciliation = None, None, {}, None
        print(f"  the published file cannot be read ({error}): the next `make run` publishes it again")
    published_now = result is not None and run_id == result.run_id
    ok = published_now or (standing is not None and run_id is not None)
    if ok:
        reports = rows.get("dim_reports", 0)
        held = counts.get("held_back", 0)
        print(f"  published {reports} reports; {held} held back" + (", see audit.file_ledger" if held else ""))
        if standing:
            print(f"  unchanged: nothing changed since the publication of {standing} UTC; dbt and publishing skipped")
        if reconciliation:
            print(f"  {reconciliation}")
        print("  marts (rows):")
        for table, count in rows.items():
            print(f"    {table:<28} {count}")
        print(f"  published: {settings.published_duckdb_path}{' (as it was)' if standing else ''}")
        print(f"  parquet:   {settings.parquet_dir}")
        _print_report(result, settings)
    elif run_id is not None:
        print(f"  not published by this run: {settings.published_duckdb_path} still holds the publication "
              f"of {published_at} UTC")
    else:
        print(f"  not published: there is no publication at {settings.published_duckdb_path} yet")
    print(f"  took {seconds:.1f} s; open the UI with `make dev` (http://127.0.0.1:3000)")
    return 0 if ok else 1


def _print_report(result, settings: Settings) -> None:
    page = settings.report_dir / "index.html"
    error = report_error(result) if result is not None else None
    if error:
        print(f"  report:    NOT rebuilt ({error}); the published warehouse is not affected: `make report`")
    elif report_is_current(settings.report_dir, settings.published_duckdb_path):
        print(f"  report:    {page}")
    else:
        print(f"  report:    none for this publication yet: `make report` builds {page}")
