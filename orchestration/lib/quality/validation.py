"""Great Expectations checks of the `extracted` tables, remembered by content.

A table is validated again only when its rows, its suite or the warehouse's code changed since it was
last validated; otherwise the earlier result, pass or fail, is reported again. A rerun over unchanged
input therefore neither imports Great Expectations (about 3.5 s) nor validates anything.
Each result names the files behind the failing rows, not only their report ids.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from importlib.metadata import version

import duckdb

from orchestration.lib.core.digests import code_digest, table_digest
from orchestration.lib.core.sql import identifier
from orchestration.lib.core.warehouse import insert_rows, utc_now
from orchestration.lib.quality.expectations import FailedExpectation, suite_path_for, validate_table


@dataclass(frozen=True)
class Finding:
    """One failed expectation: what failed, how severe, and the documents (report ids) whose rows failed
    it with the values that did; no documents when the failure is about the table as a whole."""

    description: str
    expectation: str
    column: str
    severity: str  # critical | warning, as the suite declares it
    why: str | None = None
    documents: dict[str, list] = field(default_factory=dict)
    traceable: bool = True  # False: it could not be tied to rows (not evaluated, a table-wide property)


@dataclass(frozen=True)
class CheckOutcome:
    table: str
    passed: bool
    description: str
    suite: str
    evaluated: int
    rows: int
    failures: list[str] = field(default_factory=list)
    failing_files: list[str] = field(default_factory=list)
    checked_at: str = ""  # ISO time of the validation this outcome comes from
    reused: bool = False  # True when the table was unchanged and the earlier result is reported
    findings: list[Finding] = field(default_factory=list)

    @classmethod
    def from_json(cls, text: str) -> "CheckOutcome":
        data = json.loads(text)
        data["findings"] = [Finding(**finding) for finding in data.get("findings", [])]
        return cls(**data)


def cache_key(con: duckdb.DuckDBPyConnection, table: str, code: str) -> str:
    from orchestration.lib.core.vocabulary import digest as vocabulary_digest

    suite = hashlib.sha256(suite_path_for(table).read_bytes()).hexdigest()
    # the suites' value sets are read from the vocabulary seeds when they run, so those count as the suite
    parts = [
        table,
        table_digest(con, f"extracted.{table}"),
        suite,
        vocabulary_digest(),
        code,
        version("great_expectations"),
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def check_table(
    con: duckdb.DuckDBPyConnection, table: str, *, run_id: str | None = None, code: str | None = None
) -> CheckOutcome:
    """Validate extracted.<table> with its suite, or report the result of an identical earlier validation."""
    key = cache_key(con, table, code or code_digest())
    earlier = con.execute(
        """SELECT outcome FROM pipeline.check_results WHERE table_name = ? AND cache_key = ?
           ORDER BY checked_at DESC LIMIT 1""",
        [table, key],
    ).fetchall()
    if earlier:
        return replace(CheckOutcome.from_json(earlier[0][0]), reused=True)
    outcome = validate(con, table)
    if outcome.evaluated:  # a suite that could not run is tried again next time, never remembered
        insert_rows(
            con,
            "pipeline.check_results",
            [
                {
                    "table_name": table,
                    "cache_key": key,
                    "passed": outcome.passed,
                    "outcome": json.dumps(asdict(outcome)),
                    "run_id": run_id,
                    "checked_at": utc_now(),
                }
            ],
        )
    return outcome


def validate(con: duckdb.DuckDBPyConnection, table: str) -> CheckOutcome:
    frame = con.execute(f"SELECT * FROM extracted.{identifier(table)}").df()
    now = utc_now().isoformat(timespec="seconds")
    try:
        result = validate_table(frame, suite_path_for(table))
    except Exception as error:  # a broken suite must fail its check, not pass silently
        return CheckOutcome(
            table,
            False,
            f"the suite could not run: {type(error).__name__}: {error}",
            suite=suite_path_for(table).stem,
            evaluated=0,
            rows=len(frame),
            checked_at=now,
        )
    files = _files_by_report(con)
    failures = [failure.describe(files) for failure in result.failed]
    findings = [_finding(failure) for failure in result.failed]
    failing_files = sorted({files[k] for f in result.failed for k in f.failing_keys if k in files})
    return CheckOutcome(
        table,
        result.success,
        "; ".join(failures)[:2000] if failures else f"{result.evaluated} expectations passed",
        suite=result.suite_name,
        evaluated=result.evaluated,
        rows=len(frame),
        failures=failures,
        failing_files=failing_files,
        checked_at=now,
        findings=findings,
    )


def _finding(failure: FailedExpectation) -> Finding:
    column = ", ".join(failure.column) if isinstance(failure.column, list) else (failure.column or "")
    traceable = failure.error is None and bool(failure.values_by_key) and failure.key_columns == ["report_id"]
    return Finding(
        description=failure.describe(),
        expectation=failure.expectation,
        column=f"{failure.table}.{column}" if column else failure.table,
        severity=failure.severity,
        why=failure.why,
        documents={str(key): values for key, values in failure.values_by_key.items()} if traceable else {},
        traceable=traceable,
    )


def _files_by_report(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT report_id, source_file FROM extracted.reports").fetchall())
