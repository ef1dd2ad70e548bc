"""What a publication changes for readers, decided before it is written: which reports it adds and
removes against the publication standing (audit.report_changes), whether it would empty the warehouse by
accident, and which publication rows stand for publications that never reached readers.

A run that would remove more than half of the reports readers have now (MAX_REMOVED_SHARE) is not
published: an empty or unmounted RAW_DIR, MAX_FILE_MB=0 or RAW_DIR pointing at the wrong folder all look
like that, and a real withdrawal of most reports is rare enough to be asked for by name (ALLOW_SHRINK=1).

The history of publications (audit.publications) lists only publications renamed into place. The row of
a publication is written before its copy (the published file names the state it holds), so a publish
killed while staging leaves a row in the working warehouse that no reader ever saw; it has no digest of
the published file. `forget_unpublished` removes such rows, and their report changes, before the next
publication copies the table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.lib.core.warehouse import insert_rows
from orchestration.lib.publish.publication import attach_published, published_or_none

# A publication may remove at most this share of the reports published now, unless ALLOW_SHRINK is set.
MAX_REMOVED_SHARE = 0.5
_REPORT_COLUMNS = "report_id, local_authority_id, report_type, source_file"


@dataclass(frozen=True)
class ReportRef:
    report_id: str
    local_authority_id: str | None
    report_type: str | None
    source_file: str | None


@dataclass
class Changes:
    """The reports a publication adds and removes, against the one standing (none: everything is new)."""

    published_before: int
    published_after: int
    added: list[ReportRef] = field(default_factory=list)
    removed: list[ReportRef] = field(default_factory=list)

    def shrink_problem(self, allow_shrink: bool) -> str | None:
        """Why this publication must not replace the standing one, or None."""
        if allow_shrink or not self.published_before:
            return None
        if len(self.removed) <= MAX_REMOVED_SHARE * self.published_before:
            return None
        return (
            f"not published: it would remove {len(self.removed)} of the {self.published_before} published "
            f"reports (more than {MAX_REMOVED_SHARE:.0%}), leaving {self.published_after}; the standing "
            "publication is kept. Check that RAW_DIR is the folder of reports (and is mounted) and that "
            "MAX_FILE_MB is not too small; to publish the smaller warehouse all the same, run again with "
            "ALLOW_SHRINK=1"
        )


def _refs(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, ReportRef]:
    columns = {
        name
        for (name,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = 'marts' AND table_name = 'dim_reports'"
        ).fetchall()
    }
    if "report_id" not in columns:
        return {}
    selected = ", ".join(c if c in columns else f"NULL AS {c}" for c in _REPORT_COLUMNS.split(", "))
    return {row[0]: ReportRef(*row) for row in con.execute(f"SELECT {selected} FROM {table}").fetchall()}


def published_reports(published_path: Path) -> dict[str, ReportRef] | None:
    """The reports readers have now, by id; None when there is no published file to compare with."""
    con = published_or_none(published_path)
    if con is None:
        return None
    try:
        return _refs(con, "marts.dim_reports")
    except duckdb.Error:
        return None
    finally:
        con.close()


def changes_against(con: duckdb.DuckDBPyConnection, published_path: Path) -> Changes:
    """`con`: the working warehouse, whose marts are about to be published."""
    new = _refs(con, "marts.dim_reports")
    old = published_reports(published_path) or {}
    return Changes(
        published_before=len(old),
        published_after=len(new),
        added=[new[report_id] for report_id in sorted(new.keys() - old.keys())],
        removed=[old[report_id] for report_id in sorted(old.keys() - new.keys())],
    )


def record_changes(
    con: duckdb.DuckDBPyConnection, changes: Changes, run_id: str, published_at: dt.datetime
) -> None:
    """audit.report_changes of this publication, in the working warehouse, before it is copied."""
    insert_rows(
        con,
        "audit.report_changes",
        [
            {
                "published_at": published_at,
                "run_id": run_id,
                "report_id": ref.report_id,
                "change": change,
                "local_authority_id": ref.local_authority_id,
                "report_type": ref.report_type,
                "source_file": ref.source_file,
            }
            for change, refs in (("added", changes.added), ("removed", changes.removed))
            for ref in refs
        ],
    )


def published_run_ids(published_path: Path) -> set[str]:
    """The run ids of the publications the published file lists (empty without a readable file)."""
    if not published_path.is_file():
        return set()
    try:
        con = attach_published(published_path)
    except duckdb.Error:
        return set()
    try:
        return {
            run_id
            for (run_id,) in con.execute("SELECT run_id FROM audit.publications").fetchall()
            if run_id is not None
        }
    except duckdb.Error:
        return set()
    finally:
        con.close()


def forget_unpublished(con: duckdb.DuckDBPyConnection, published_path: Path) -> list[str]:
    """Remove from the working warehouse the publication rows (and their report changes) of publishes
    that never renamed their file into place: no digest of a published file was recorded, and the
    published file does not list them. Returns their run ids."""
    listed = published_run_ids(published_path)
    phantoms = [
        run_id
        for (run_id,) in con.execute(
            "SELECT DISTINCT run_id FROM audit.publications WHERE file_sha256 IS NULL"
        ).fetchall()
        if run_id is not None and run_id not in listed
    ]
    if phantoms:
        con.execute("DELETE FROM audit.publications WHERE run_id IN ?", [phantoms])
        con.execute("DELETE FROM audit.report_changes WHERE run_id IN ?", [phantoms])
    return phantoms


def changes_of(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple]:
    """(change, local authority name or id, report type, source file) of one publication, as the
    summary lists them. `con`: the published file."""
    has_names = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' "
        "AND table_name = 'dim_local_authorities'"
    ).fetchall()[0][0]
    name = "coalesce(a.local_authority_name, c.local_authority_id, 'authority not known')"
    join = "LEFT JOIN marts.dim_local_authorities a USING (local_authority_id)" if has_names else ""
    if not has_names:
        name = "coalesce(c.local_authority_id, 'authority not known')"
    return con.execute(
        f"""SELECT c.change, {name}, coalesce(c.report_type, 'unknown type'), c.source_file
            FROM audit.report_changes c {join}
            WHERE c.run_id = ? ORDER BY c.change, 2, 3, 4""",
        [run_id],
    ).fetchall()
