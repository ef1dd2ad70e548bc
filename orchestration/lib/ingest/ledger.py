"""The file ledger (audit.file_ledger): one row per file ever seen under RAW_DIR, with what became of it.

`scan` records every present file's hash, size and kind; `record_outcomes` records what each became once
parsed and checked (loaded, quarantined, duplicate, held back, not read), with the reason in words a person
can act on. A file or folder that cannot be read now (permissions) is `unreadable`: what was read from it
before stays published, and it is never taken for removed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.lib.core.warehouse import registered, transaction, utc_now
from orchestration.lib.ingest.files import InputFile, discover


@dataclass
class ScanSummary:
    seen: int = 0
    new: int = 0
    changed: int = 0
    removed: int = 0
    unreadable: int = 0


def scan(
    con: duckdb.DuckDBPyConnection,
    raw_dir: Path,
    *,
    max_file_mb: int,
    now: dt.datetime | None = None,
    files: list[InputFile] | None = None,
) -> ScanSummary:
    """Record what is under raw_dir now; `files`: what `discover` found there, when already known."""
    now = now or utc_now()
    files = discover(raw_dir, max_file_mb=max_file_mb) if files is None else files
    with transaction(con):
        return _record_scan(con, files, now)


# What an unreadable file's reason adds when it was read before
_KEPT_AS_READ = """CASE WHEN file_ledger.report_id IS NOT NULL
                        THEN '; what was read from it on '
                             || strftime(file_ledger.last_seen_at, '%Y-%m-%d %H:%M') || ' UTC stays published'
                        ELSE '' END"""


def _record_scan(con, files, now: dt.datetime) -> ScanSummary:
    """The ledger after a scan, in a few set-wise statements (one per file would cost a second per
    thousand files): new files get their row; a known file takes its hash, size and kind, and loses its
    outcome and extraction time when its bytes changed; a file that cannot be read as a report is
    quarantined with the reason; one that cannot be read now (or is in a folder that cannot be listed)
    is unreadable and keeps what was read from it before; a file that is gone is marked removed, its
    row kept."""
    scanned = pd.DataFrame(
        {
            "source_file": [item.source_file for item in files],
            "source_sha256": [item.sha256 for item in files],
            "size_bytes": [item.size_bytes for item in files],
            "media_kind": [item.media_kind for item in files],
            "problem": [item.problem for item in files],
            "unreadable": [item.unreadable for item in files],
        },
        dtype=object,
    )
    with registered(con, "scanned_files", scanned):
        con.execute(
            """CREATE OR REPLACE TEMP TABLE scan_now AS
               SELECT s.source_file::VARCHAR AS source_file, s.source_sha256::VARCHAR AS source_sha256,
                      s.size_bytes::BIGINT AS size_bytes, s.media_kind::VARCHAR AS media_kind,
                      s.problem::VARCHAR AS problem, s.unreadable::BOOLEAN AS unreadable,
                      l.source_file IS NULL AS is_new,
                      l.source_file IS NOT NULL AND NOT s.unreadable::BOOLEAN
                          AND l.source_sha256 IS DISTINCT FROM s.source_sha256::VARCHAR AS changed
               FROM scanned_files s LEFT JOIN audit.file_ledger l ON l.source_file = s.source_file::VARCHAR"""
        )
    new, changed, unreadable = con.execute(
        """SELECT count(*) FILTER (is_new), count(*) FILTER (changed), count(*) FILTER (problem IS NOT NULL)
           FROM scan_now"""
    ).fetchall()[0]
    # A file that cannot be read now keeps what was read from it before (content hash, report id), so
    # its reports stay published as they were last read; so do the files of a folder that cannot be
    # listed. Neither is taken for removed.
    con.execute(
        f"""UPDATE audit.file_ledger SET status = 'unreadable', is_present = TRUE,
               status_reason = n.problem || {_KEPT_AS_READ}
           FROM scan_now n WHERE n.source_file = file_ledger.source_file AND NOT n.is_new AND n.unreadable"""
    )
    hidden = con.execute(
        f"""UPDATE audit.file_ledger SET status = 'unreadable',
               status_reason = 'in the folder ' || n.source_file || ', which could not be read: check its '
                               || 'permissions' || {_KEPT_AS_READ}
           FROM scan_now n
           WHERE n.unreadable AND file_ledger.is_present
             AND starts_with(file_ledger.source_file, n.source_file || '/')
             AND file_ledger.source_file NOT IN (SELECT source_file FROM scan_now)
           RETURNING 1"""
    ).fetchall()
    unreadable += len(hidden)
    con.execute(
        """UPDATE audit.file_ledger SET source_sha256 = n.source_sha256, size_bytes = n.size_bytes,
               media_kind = n.media_kind, last_seen_at = ?, is_present = TRUE,
               status = CASE WHEN n.problem IS NOT NULL THEN 'quarantined'
                             WHEN n.changed OR status = 'unreadable' THEN NULL ELSE status END,
               status_reason = CASE WHEN n.problem IS NOT NULL THEN n.problem
                                    WHEN n.changed OR status = 'unreadable' THEN NULL ELSE status_reason END,
               report_id = CASE WHEN n.problem IS NOT NULL THEN NULL ELSE report_id END,
               extracted_at = CASE WHEN n.changed THEN NULL ELSE extracted_at END
           FROM scan_now n
           WHERE n.source_file = file_ledger.source_file AND NOT n.is_new AND NOT n.unreadable""",
        [now],
    )
    con.execute(
        """INSERT INTO audit.file_ledger (source_file, source_sha256, size_bytes, media_kind, status,
                                          status_reason, first_seen_at, last_seen_at, is_present)
           SELECT source_file, source_sha256, size_bytes, media_kind,
                  CASE WHEN unreadable THEN 'unreadable' WHEN problem IS NOT NULL THEN 'quarantined' END,
                  problem, ?, ?, TRUE
           FROM scan_now WHERE is_new ORDER BY source_file""",
        [now, now],
    )
    removed = con.execute(
        """UPDATE audit.file_ledger SET is_present = FALSE, status = 'removed', report_id = NULL,
               status_reason = CASE
                   WHEN status = 'unreadable' AND source_sha256 IS NULL
                   THEN 'could not be read when last seen (' || strftime(last_seen_at, '%Y-%m-%d %H:%M')
                        || ' UTC); now readable, or no longer in RAW_DIR'
                   ELSE 'no longer in RAW_DIR (last seen ' || strftime(last_seen_at, '%Y-%m-%d %H:%M')
                        || ' UTC); its reports left the marts' END
           WHERE is_present AND source_file NOT IN (SELECT source_file FROM scan_now)
             AND NOT EXISTS (
                 SELECT 1 FROM scan_now n
                 WHERE n.unreadable AND starts_with(file_ledger.source_file, n.source_file || '/'))
           RETURNING 1"""
    ).fetchall()
    con.execute("DROP TABLE scan_now")
    return ScanSummary(seen=len(files), new=new, changed=changed, removed=len(removed), unreadable=unreadable)


def records_exactly(con: duckdb.DuckDBPyConnection, files: list[InputFile]) -> bool:
    """True when a scan of `files` would change nothing in the ledger but the time each was last seen:
    every file is recorded as present with the same content, size and kind (an unreadable one with the
    same reason), every file recorded as present is among them, and every one has its outcome."""
    recorded = {
        name: rest
        for name, *rest in con.execute(
            """SELECT source_file, source_sha256, size_bytes, media_kind, status, status_reason
               FROM audit.file_ledger WHERE is_present"""
        ).fetchall()
    }
    folders = [item.source_file + "/" for item in files if item.unreadable]
    unlisted = {name for name in recorded.keys() if name.startswith(tuple(folders))} if folders else set()
    if recorded.keys() - unlisted != {item.source_file for item in files}:
        return False
    if any(recorded[name][3] != "unreadable" for name in unlisted - {item.source_file for item in files}):
        return False
    for item in files:
        sha256, size, kind, status, reason = recorded[item.source_file]
        if status is None:
            return False  # scanned by a run that stopped before it was settled
        if item.unreadable:
            if status != "unreadable" or not (reason or "").startswith(item.problem or ""):
                return False
        elif item.problem is not None:
            if (status, reason) != ("quarantined", item.problem):
                return False
        elif (sha256, size, kind) != (item.sha256, item.size_bytes, item.media_kind):
            return False
    return True


def mark_seen(con: duckdb.DuckDBPyConnection, now: dt.datetime | None = None) -> None:
    """Every present file was seen again now (a scan that found nothing else to record)."""
    con.execute("UPDATE audit.file_ledger SET last_seen_at = ? WHERE is_present", [now or utc_now()])


def duplicate_of(canonical: str, canonical_status: str) -> tuple[str, str, None]:
    if canonical_status == "loaded":
        return ("duplicate", f"same content as {canonical}, which is loaded", None)
    return ("duplicate", f"same content as {canonical}, which is {canonical_status} (see its reason)", None)


def record_outcomes(con, outcome: dict[str, tuple[str, str | None, str | None]]) -> None:
    """Each present file's status, reason and report id, written only where they changed."""
    if not outcome:
        return
    names = list(outcome)
    frame = pd.DataFrame(
        {
            "source_file": names,
            "status": [outcome[n][0] for n in names],
            "status_reason": [outcome[n][1] for n in names],
            "report_id": [outcome[n][2] for n in names],
        },
        dtype=object,
    )
    with registered(con, "parse_outcomes", frame):
        # a file unreadable now keeps its status and reason; its report id is that of what was last read
        con.execute(
            """UPDATE audit.file_ledger
               SET status = o.status::VARCHAR, status_reason = o.status_reason::VARCHAR,
                   report_id = o.report_id::VARCHAR
               FROM parse_outcomes o
               WHERE file_ledger.source_file = o.source_file
                 AND file_ledger.status IS DISTINCT FROM 'unreadable'
                 AND (file_ledger.status IS DISTINCT FROM o.status::VARCHAR
                      OR file_ledger.status_reason IS DISTINCT FROM o.status_reason::VARCHAR
                      OR file_ledger.report_id IS DISTINCT FROM o.report_id::VARCHAR)"""
        )
        con.execute(
            """UPDATE audit.file_ledger SET report_id = CASE WHEN o.status = 'loaded' THEN o.report_id END
               FROM parse_outcomes o
               WHERE file_ledger.source_file = o.source_file AND file_ledger.status = 'unreadable'
                 AND file_ledger.report_id IS DISTINCT FROM
                     (CASE WHEN o.status = 'loaded' THEN o.report_id END)"""
        )
