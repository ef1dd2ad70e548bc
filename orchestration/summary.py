"""The short report that ends `make run`: what the published file holds, what was held back and why,
which checks failed or warned, and where the published file and its HTML report are.

Whether the run published is read from the published file itself (its latest audit.publications row),
never inferred from which steps finished, and the row counts printed are the published file's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import duckdb

from orchestration.lib.core.sql import identifier
from orchestration.lib.core.warehouse import writer_lock
from orchestration.lib.ingest.files import printable_name
from orchestration.lib.outputs.reconciliation import reconciliation_summary
from orchestration.lib.publish.changes import changes_of
from orchestration.lib.publish.outputs import output_state
from orchestration.lib.publish.publication import open_published

from .settings import Settings

MAX_LISTED = 40
LEDGER_WAIT_SECONDS = 10  # the summary never waits long: it is also printed when a run is stopped


def _publication_note(result, marker: str, field: str):
    """`field` of the publication step's observation marked `marker`, or None when it made none."""
    for event in result.all_events:
        if event.event_type_value != "ASSET_OBSERVATION":
            continue
        observation = event.event_specific_data.asset_observation
        if observation.asset_key.path == ["published", "warehouse"] and marker in observation.metadata:
            return observation.metadata[field].value
    return None


def unchanged_since(result) -> str | None:
    """When the run found nothing to rebuild: the time of the publication that still stands."""
    return _publication_note(result, "unchanged", "published_at")


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
        lines.append(f"{event.step_key}: {describe_error_info(error)}")
    return lines


# Causes a person can act on, recognised in any error of a chain: (words in the error, what to say)
_CAUSES = [
    (
        re.compile(r"No space left on device", re.I),
        lambda m: "the disk is full (No space left on device): free some space and run again",
    ),
    (
        re.compile(r"Conflicting lock is held in (?P<program>\S+)(?: \(PID (?P<pid>\d+)\))?", re.I),
        lambda m: (
            f"the working warehouse is held by process {m['pid'] or '?'} ({m['program']}): end it or "
            "wait for it, and run again"
        ),
    ),
    (re.compile(r"another run kept the warehouse busy[^\n]*", re.I), lambda m: m[0]),
    (re.compile(r"dbt could not open the working warehouse[^\n]*", re.I), lambda m: m[0]),
]


def _explained(messages: list[str]) -> str | None:
    for pattern, say in _CAUSES:
        for message in messages:
            found = pattern.search(message)
            if found:
                return say(found)
    return None


def describe_error(error: BaseException) -> str:
    """An exception in one line a person can act on: a known cause anywhere in its chain, else its own
    words."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        chain.append(link)
        link = link.__cause__ or link.__context__
    explained = _explained([f"{type(e).__name__}: {e}" for e in chain])
    if explained:
        return explained
    last = chain[-1]
    words = " ".join(str(last).split())
    return f"{type(last).__name__}: {words}"[:400] if words else type(last).__name__


def describe_error_info(error) -> str:
    """The same for a step's error as Dagster records it (a SerializableErrorInfo chain)."""
    chain, seen = [], set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        chain.append(error)
        error = error.cause or error.context
    if not chain:
        return "no message"
    if any(e.cls_name in ("KeyboardInterrupt", "DagsterExecutionInterruptedError") for e in chain):
        return "interrupted (Ctrl-C or SIGTERM)"
    explained = _explained([e.message + "".join(e.stack or []) for e in chain])
    if explained:
        return explained
    deepest = [e for e in chain if e.message.strip()]
    message = (deepest[-1].message if deepest else "").strip().splitlines()
    return message[-1] if message else "no message"


def publication_refused(result) -> str | None:
    """Why this run's publication was refused (it would have removed most of the published reports)."""
    return _publication_note(result, "refused", "refused")


def republished_because(result) -> str | None:
    """Why this run published the same state again, when it did: the published file did not match."""
    for event in result.all_events:
        if event.event_type_value != "ASSET_MATERIALIZATION":
            continue
        materialization = event.event_specific_data.materialization
        if (
            materialization.asset_key.path == ["published", "warehouse"]
            and "republished_because" in materialization.metadata
        ):
            return materialization.metadata["republished_because"].value
    return None


def _ledger(settings: Settings) -> tuple[dict[str, int], list[tuple[str, str, str]]]:
    """Status counts of the present files, and (status, file, reason) of each not loaded, from the
    working warehouse, waiting a little for a run started elsewhere that holds it."""
    with writer_lock(settings.duckdb_path, wait_seconds=LEDGER_WAIT_SECONDS):
        con = duckdb.connect(str(settings.duckdb_path), read_only=True)
        try:
            counts = dict(
                con.execute(
                    "SELECT status, count(*) FROM audit.file_ledger WHERE is_present GROUP BY status"
                ).fetchall()
            )
            problems = con.execute(
                """SELECT status, source_file, coalesce(status_reason, '') FROM audit.file_ledger
                   WHERE is_present AND status IN ('quarantined', 'held_back', 'unreadable')
                   ORDER BY status, source_file"""
            ).fetchall()
        finally:
            con.close()
    return counts, problems


def _published_state(settings: Settings) -> tuple[str | None, str | None, dict[str, int], str | None, list]:
    """(run id, time) of the publication the published file holds, its marts' row counts, how far
    they agree with Ofsted's statistics, and the reports it added and removed."""
    if not settings.published_duckdb_path.is_file():
        return None, None, {}, None, []
    con = open_published(settings.published_duckdb_path)
    try:
        latest = con.execute(
            "SELECT run_id, published_at FROM audit.publications ORDER BY published_at DESC LIMIT 1"
        ).fetchall()
        tables = [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY table_name"
            ).fetchall()
        ]
        rows = {
            t: con.execute(f"SELECT count(*) FROM marts.{identifier(t)}").fetchall()[0][0] for t in tables
        }
        reconciliation = reconciliation_summary(con)
        changes = _changes(con, latest[0][0]) if latest else []
    finally:
        con.close()
    if not latest:
        return None, None, rows, reconciliation, []
    return latest[0][0], f"{latest[0][1]:%Y-%m-%d %H:%M:%S}", rows, reconciliation, changes


def _changes(con: duckdb.DuckDBPyConnection, run_id: str) -> list:
    try:
        return changes_of(con, run_id)
    except duckdb.Error:  # a publication made before audit.report_changes existed
        return []


def _print_changes(changes: list) -> None:
    added = [c for c in changes if c[0] == "added"]
    removed = [c for c in changes if c[0] == "removed"]
    if not changes:
        print("  what's new: no report added or removed")
        return
    print(f"  what's new: {len(added)} reports added, {len(removed)} removed (audit.report_changes)")
    for change, authority, report_type, source_file in changes[:MAX_LISTED]:
        shown = printable_name(source_file or "")
        print(f"    {change} {printable_name(authority)}: {report_type.replace('_', ' ')} ({shown})")
    if len(changes) > MAX_LISTED:
        print(f"    ... and {len(changes) - MAX_LISTED} more: see audit.report_changes")


def print_summary(
    result,
    settings: Settings,
    seconds: float,
    *,
    run_id: str | None = None,
    notices: Sequence[str] = (),
    standing: str | None = None,
) -> int:
    """`result`: the run `make run` made (None when it made none, or stopped before Dagster could run
    it); `run_id`: its id, which decides whether the published file holds this run's publication;
    `notices`: what happened before the job (a working warehouse set aside and rebuilt, an error);
    `standing`: the time of the publication that already held everything, when no run was needed."""
    run_id = run_id or (result.run_id if result is not None else None)
    print("\nSummary", flush=True)
    for notice in notices:
        print(f"  {notice}")
    counts: dict[str, int] = {}
    problems: list = []
    ledger_read = False
    if settings.duckdb_path.exists():
        try:
            counts, problems = _ledger(settings)
            ledger_read = True
        except (duckdb.Error, TimeoutError) as error:
            print(
                f"  the working warehouse could not be read ({describe_error(error)}); the next `make run` "
                "checks it and rebuilds it if it is damaged"
            )
    if ledger_read and not counts and result is not None:
        print(f"  files: none seen in RAW_DIR ({settings.raw_dir})")
    if counts:
        print(
            f"  files: {sum(counts.values())} seen, {counts.get('loaded', 0)} loaded, "
            f"{counts.get('held_back', 0)} held back, {counts.get('quarantined', 0)} quarantined, "
            f"{counts.get('duplicate', 0)} duplicate"
            + (f", {counts['unreadable']} unreadable" if counts.get("unreadable") else "")
            + (
                f", {counts['not_read']} of kinds the warehouse does not read (status not_read)"
                if counts.get("not_read")
                else ""
            )
        )
    for status, name, reason in problems[:MAX_LISTED]:
        print(f"    {status.replace('_', ' ')} {printable_name(name)}: {printable_name(reason)}")
    if len(problems) > MAX_LISTED:
        print(f"    ... and {len(problems) - MAX_LISTED} more: see audit.file_ledger")

    again = None
    if result is None and standing is not None:
        print(
            f"  checks: none run again: their results for the publication of {standing} UTC stand "
            "(the UI shows each)"
        )
    if result is not None:
        passed, warned, failed = _check_outcomes(result)
        print(f"  checks: {passed} passed, {len(warned)} warnings, {len(failed)} failed")
        for evaluation in failed:
            print(
                f"    FAILED {evaluation.check_name} on {evaluation.asset_key.to_user_string()}: "
                f"{evaluation.description or ''}"
            )
        for evaluation in warned:
            print(
                f"    warning {evaluation.check_name} on {evaluation.asset_key.to_user_string()}: "
                f"{(evaluation.description or '')[:300]}"
            )
        for line in _step_failures(result):
            print(f"    FAILED step {line}")
        standing = unchanged_since(result)
        again = republished_because(result)
        refused = publication_refused(result)
        if refused:
            print(f"  {refused}")

    try:
        published_run, published_at, rows, reconciliation, changes = _published_state(settings)
    except duckdb.Error as error:
        published_run, published_at, rows, reconciliation, changes = None, None, {}, None, []
        print(
            f"  the published file cannot be read ({describe_error(error)}): "
            "the next `make run` publishes it again"
        )
    published_now = run_id is not None and published_run == run_id
    ok = published_now or (standing is not None and published_run is not None)
    if ok:
        reports = rows.get("dim_reports", 0)
        held = counts.get("held_back", 0)
        print(
            f"  published {reports} reports; {held} held back" + (", see audit.file_ledger" if held else "")
        )
        if again:
            print(f"  republished: {again}")
        if published_now and not again:
            _print_changes(changes)
        if standing:
            skipped = "dbt and publishing skipped" if result is not None else "no run was needed"
            print(f"  unchanged: nothing changed since the publication of {standing} UTC; {skipped}")
        if reconciliation:
            print(f"  {reconciliation}")
        print("  marts (rows):")
        for table, count in rows.items():
            print(f"    {table:<28} {count}")
        print(f"  published: {settings.published_duckdb_path}{' (as it was)' if standing else ''}")
        print(f"  parquet:   {settings.parquet_dir}")
        _print_outputs(settings)
    elif published_run is not None:
        print(
            f"  not published by this run: {settings.published_duckdb_path} still holds the publication "
            f"of {published_at} UTC"
        )
    else:
        print(f"  not published: there is no publication at {settings.published_duckdb_path} yet")
    ui = f"http://127.0.0.1:{settings.dagster_port}"
    print(f"  took {seconds:.1f} s; open the UI with `make dev` ({ui})", flush=True)
    return 0 if ok else 1


def _print_outputs(settings: Settings) -> None:
    """Each output drawn from the publication, and whether it was drawn from the one standing."""
    from .defs.publish.standing import published_outputs

    for output in published_outputs(settings):
        state = output_state(settings.published_duckdb_path, output.path)
        shown = output.path / "index.html" if output.path.is_dir() else output.path
        label = f"{output.name}:".ljust(10)
        if state.current:
            print(f"  {label} {shown}")
        else:
            print(
                f"  {label} NOT current ({state.problem}); the published warehouse is not affected: "
                f"`{output.remedy}`"
            )
