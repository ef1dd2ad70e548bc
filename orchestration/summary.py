"""The short report that ends `make run`: files, marts, checks, where the published file is."""

from __future__ import annotations

import duckdb

from .lib.files import printable_name
from .lib.sql import identifier
from .settings import Settings


def _check_outcomes(result) -> tuple[list, list]:
    passed, failed = [], []
    for evaluation in result.get_asset_check_evaluations():
        (passed if evaluation.passed else failed).append(evaluation)
    return passed, failed


def print_summary(result, settings: Settings, seconds: float) -> int:
    passed, failed = _check_outcomes(result)
    failed_steps = [event.step_key for event in result.get_step_failure_events()]
    ok = result.success and not failed and not failed_steps

    print("\nSummary", flush=True)
    try:
        con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    except duckdb.Error as error:
        print(f"  could not open the working warehouse: {error}")
        con = None
    if con is not None:
        try:
            counts = dict(
                con.execute(
                    "SELECT status, count(*) FROM audit.file_ledger WHERE is_present GROUP BY status"
                ).fetchall()
            )
            seen = sum(counts.values())
            print(
                f"  files: {seen} seen, {counts.get('loaded', 0)} loaded, {counts.get('quarantined', 0)} quarantined, "
                f"{counts.get('duplicate', 0)} duplicate"
            )
            for name, reason in con.execute(
                "SELECT source_file, status_reason FROM audit.file_ledger WHERE is_present AND status = 'quarantined' ORDER BY 1"
            ).fetchall():
                print(f"    quarantined {printable_name(name)}: {reason}")
            marts = con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY table_name"
            ).fetchall()
            if marts:
                print("  marts (rows):")
                for (table,) in marts:
                    rows = con.execute(f"SELECT count(*) FROM marts.{identifier(table)}").fetchall()[0][0]
                    print(f"    {table:<24} {rows}")
        finally:
            con.close()
    print(f"  checks: {len(passed)} passed, {len(failed)} failed")
    for evaluation in failed:
        description = evaluation.description or ""
        print(f"    FAILED {evaluation.check_name} on {evaluation.asset_key.to_user_string()}: {description}")
    for step in failed_steps:
        print(f"    FAILED step {step}")
    if ok:
        print(f"  published: {settings.published_duckdb_path}")
        print(f"  parquet:   {settings.parquet_dir}")
    else:
        print(f"  not published: {settings.published_duckdb_path} was left as it was")
    print(f"  took {seconds:.1f} s; open the UI with `make dev` (http://127.0.0.1:3000)")
    return 0 if ok else 1
