"""Which documents a check holds back, and which failures withhold the whole publication.

A failed expectation whose failing rows belong to a few documents is about those documents: each is held
back (kept out of the marts, with the checks and the values that failed them) and everything else is
published. A failure that cannot be tied to documents (the table as a whole, an expectation that could not
be evaluated), or that would hold back more than `max_share` of the documents (and more than
ALWAYS_HELD_BACK), is systemic: it withholds the publication, as a broken parser or suite should. An
expectation of severity `warning` never holds anything back; it is reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from orchestration.lib.core.warehouse import insert_rows, registered, transaction
from orchestration.lib.parse.documents import report_id_for
from orchestration.lib.quality.validation import CheckOutcome, Finding

MAX_VALUES_SHOWN = 3
# However small the folder, this many documents failing one check are held back rather than taken for a
# broken parser: in a folder of ten, one bad report must not stop the other nine.
ALWAYS_HELD_BACK = 2


@dataclass
class Decision:
    held_back: dict[str, list[str]] = field(default_factory=dict)  # report_id -> why, one line per check
    systemic: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # per table: the report ids it held back, its systemic failures and its warnings
    by_table: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def decide(outcomes: list[CheckOutcome], documents: int, max_share: float) -> Decision:
    decision = Decision()
    limit = max(ALWAYS_HELD_BACK, max_share * documents)
    for outcome in outcomes:
        table = decision.by_table.setdefault(outcome.table, {"held_back": [], "systemic": [], "warnings": []})
        if outcome.evaluated == 0:  # the suite itself could not run
            table["systemic"].append(outcome.description)
            continue
        for finding in outcome.findings:
            if finding.severity == "warning":
                table["warnings"].append(finding.description)
            elif not finding.traceable:
                table["systemic"].append(finding.description)
            elif len(finding.documents) > limit:
                table["systemic"].append(
                    f"{finding.description} — it would hold back {len(finding.documents)} of {documents} "
                    f"documents, more than MAX_HELD_BACK_SHARE ({max_share:.0%}): a fault of the parser or "
                    "the suite rather than of the documents"
                )
            else:
                for report_id, values in finding.documents.items():
                    decision.held_back.setdefault(report_id, []).append(_reason(finding, values))
                    if report_id not in table["held_back"]:
                        table["held_back"].append(report_id)
        decision.systemic += table["systemic"]
        decision.warnings += table["warnings"]
    return decision


def _reason(finding: Finding, values: list) -> str:
    shown = ", ".join(repr(value) for value in values[:MAX_VALUES_SHOWN])
    more = f" and {len(values) - MAX_VALUES_SHOWN} more" if len(values) > MAX_VALUES_SHOWN else ""
    # the first sentence of the suite's reason for the expectation says what the value should have been
    why = f" ({finding.why.split('. ')[0].rstrip('.')})" if finding.why else ""
    return f"{finding.expectation} on {finding.column} failed with {shown}{more}{why}"


def documents_checked(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(DISTINCT source_sha256) FROM extracted.reports").fetchall()[0][0]


def apply(con: duckdb.DuckDBPyConnection, decision: Decision, now: dt.datetime) -> list[tuple[str, str]]:
    """Record the held-back documents (pipeline.held_back, and the ledger's status and reason of the file
    each was loaded from), release those no longer held back, and return (source_file, reasons) of every
    document held back now."""
    reports = pd.DataFrame(
        {
            "report_id": list(decision.held_back),
            "reasons": ["; ".join(r) for r in decision.held_back.values()],
        },
        dtype=object,
    )
    with transaction(con), registered(con, "held_reports", reports):
        held = con.execute(
            """SELECT r.source_sha256, string_agg(h.reasons, '; ' ORDER BY r.report_id)
               FROM held_reports h JOIN extracted.reports r ON r.report_id = h.report_id::VARCHAR
               GROUP BY r.source_sha256"""
        ).fetchall()
        con.execute("DELETE FROM pipeline.held_back")
        insert_rows(
            con,
            "pipeline.held_back",
            [{"source_sha256": sha256, "reasons": reasons, "held_at": now} for sha256, reasons in held],
        )
        con.execute(
            """UPDATE audit.file_ledger SET status = 'held_back', status_reason = h.reasons, report_id = NULL
               FROM pipeline.held_back h
               WHERE file_ledger.source_sha256 = h.source_sha256 AND file_ledger.is_present
                 AND file_ledger.status IN ('loaded', 'held_back')
                 AND file_ledger.status_reason IS DISTINCT FROM h.reasons"""
        )
        released = [
            sha256
            for (sha256,) in con.execute(
                """SELECT DISTINCT source_sha256 FROM audit.file_ledger WHERE status = 'held_back'
                   AND source_sha256 NOT IN (SELECT source_sha256 FROM pipeline.held_back)"""
            ).fetchall()
        ]
        frame = pd.DataFrame(
            {"source_sha256": released, "report_id": [report_id_for(sha256, 1) for sha256 in released]},
            dtype=object,
        )
        with registered(con, "released_contents", frame):
            con.execute(
                """UPDATE audit.file_ledger SET status = 'loaded', status_reason = NULL,
                       report_id = r.report_id::VARCHAR
                   FROM released_contents r
                   WHERE file_ledger.status = 'held_back'
                     AND file_ledger.source_sha256 = r.source_sha256::VARCHAR"""
            )
        return con.execute(
            """SELECT source_file, status_reason FROM audit.file_ledger
               WHERE status = 'held_back' AND is_present ORDER BY source_file"""
        ).fetchall()
