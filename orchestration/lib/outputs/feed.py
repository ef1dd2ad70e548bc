"""What each publication added, for people who follow the warehouse rather than query it: an Atom feed,
`ofsted.atom` beside the published file, and the rows of the workbook's "What's new" sheet.

The changes are those `audit.report_changes` records (written at publish time by comparing with the
publication before: published_at, run_id, report_id, change 'added' | 'removed'), joined to the marts for
each report's council, kind, date, headline outcome and link: the council timeline
(`marts.fct_council_events`) where the published file has it, else the report's own inspection or visit.

The feed holds one entry per report added by the latest publication (the latest in `audit.publications`
that recorded changes; without that table, the latest in `audit.report_changes`). Entry ids are stable
(`urn:ofsted-warehouse:report:<report_id>`), so a feed reader, or a Teams or Slack channel following the
feed, shows each new report once. A published file without `audit.report_changes` gives a feed with no
entries whose subtitle says why, rather than no feed.

The XML is written by feedgen (well-kept, writes valid Atom 1.0 with lxml) under a temporary name beside
the target and renamed over it.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
from feedgen.feed import FeedGenerator

from orchestration.lib.core.vocabulary import SEEDS_DIR, seed_rows
from orchestration.lib.outputs.documents import document_href, documents_dir_for
from orchestration.lib.outputs.workbook_queries import columns_of
from orchestration.lib.publish.publication import attach_published

FEED_ID = "urn:ofsted-warehouse:feed"
ENTRY_ID = "urn:ofsted-warehouse:report:{}"


@dataclass
class Change:
    published_at: dt.datetime | None
    run_id: str | None
    report_id: str
    change: str
    council: str | None
    council_id: str | None
    kind: str | None
    report_date: dt.date | None
    outcome: str | None
    source_url: str | None
    source_file: str | None

    def link(self, prefix: str = "", available: set[str] | None = None) -> str | None:
        return document_href(self.source_url, self.source_file, prefix=prefix, available=available)


@dataclass
class FeedResult:
    path: Path
    entries: int
    note: str | None  # why the feed is empty, when it is for want of a table


def feed_path_for(published_path: Path) -> Path:
    """The feed is named after the published file and sits beside it: ofsted.duckdb, ofsted.atom."""
    return published_path.with_suffix(".atom")


def read_changes(con: duckdb.DuckDBPyConnection) -> list[Change] | None:
    """Every recorded change, newest publication first; None when the file predates the record of changes
    (no audit.report_changes) or the council timeline it names each report by."""
    needed = {("audit", "report_changes"), ("marts", "dim_reports"), ("marts", "fct_council_events")}
    if not all(columns_of(con, schema, table) for schema, table in needed):
        return None
    rows = con.execute(
        """SELECT c.published_at, c.run_id, c.report_id, c.change, a.local_authority_name,
                  d.local_authority_id, coalesce(e.event_kind_label, d.report_type),
                  coalesce(e.report_date, d.report_date), e.headline_outcome, d.source_url, d.source_file
           FROM audit.report_changes AS c
           LEFT JOIN marts.dim_reports AS d ON d.report_id = c.report_id
           LEFT JOIN (SELECT * FROM marts.fct_council_events
                      QUALIFY row_number() OVER (PARTITION BY report_id ORDER BY event_id) = 1) AS e
             ON e.report_id = c.report_id
           LEFT JOIN marts.dim_local_authorities AS a ON a.local_authority_id = d.local_authority_id
           ORDER BY c.published_at DESC, c.change, 5, c.report_id"""
    ).fetchall()
    changes = [Change(*row) for row in rows]
    # a report type with no council event is named as the event kinds' seed names it
    labels = {row["event_kind"]: row["event_kind_label"] for row in seed_rows(SEEDS_DIR / "event_kinds.csv")}
    for change in changes:
        change.kind = labels.get(change.kind or "", change.kind)
    return changes


def latest_additions(
    con: duckdb.DuckDBPyConnection, changes: list[Change]
) -> tuple[dt.datetime | None, list[Change]]:
    """The latest publication's time and the reports it added (matched by its run, else by its time)."""
    latest, run_id = None, None
    if {"published_at", "run_id"} <= columns_of(con, "audit", "publications"):
        rows = con.execute(
            "SELECT published_at, run_id FROM audit.publications ORDER BY published_at DESC LIMIT 1"
        ).fetchall()
        if rows:
            latest, run_id = rows[0]
    if latest is None and changes:
        latest = max((c.published_at for c in changes if c.published_at), default=None)
    added = [
        c
        for c in changes
        if c.change == "added" and ((run_id is not None and c.run_id == run_id) or c.published_at == latest)
    ]
    return latest, added


def _utc(value: dt.datetime | None) -> dt.datetime:
    value = value or dt.datetime.now(dt.timezone.utc)
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def render_feed(
    latest: dt.datetime | None,
    added: list[Change],
    note: str | None,
    available: set[str] | None = None,
    workbook_name: str = "ofsted.xlsx",
) -> bytes:
    feed = FeedGenerator()
    feed.id(FEED_ID)
    feed.title("Ofsted children's services inspections: reports added")
    feed.author({"name": "Ofsted inspections warehouse"})
    feed.link(
        href=workbook_name,
        rel="related",
        type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    feed.subtitle(
        note
        or f"{len(added)} report{'s' if len(added) != 1 else ''} added by the publication of "
        f"{_utc(latest):%Y-%m-%d %H:%M} UTC."
    )
    feed.updated(_utc(latest))
    feed.language("en")
    for change in reversed(added):  # feedgen puts the last added first
        entry = feed.add_entry()
        entry.id(ENTRY_ID.format(change.report_id))
        council = change.council or change.council_id or "Council not identified"
        kind = change.kind or "Report"
        entry.title(f"{council}: {kind}" + (f", {change.report_date:%Y-%m-%d}" if change.report_date else ""))
        entry.updated(_utc(change.published_at))
        entry.published(_utc(change.published_at))
        entry.summary(
            f"{kind} of {council}"
            + (f" ({change.council_id})" if change.council_id else "")
            + (f", dated {change.report_date:%Y-%m-%d}" if change.report_date else "")
            + f". Headline outcome: {change.outcome or 'not recorded'}."
        )
        href = change.link(available=available)
        if href:
            entry.link(href=href, rel="alternate")
    return feed.atom_str(pretty=True)


def write_feed(
    con: duckdb.DuckDBPyConnection, feed_path: Path, available: set[str] | None = None
) -> FeedResult:
    """Write the Atom feed of the published file open on `con` to `feed_path`."""
    changes = read_changes(con)
    note = None
    added: list[Change] = []
    latest: dt.datetime | None = None
    if changes is None:
        note = "This publication records no changes (audit.report_changes is not in the published file)."
        pass
    else:
        latest, added = latest_additions(con, changes)
    text = render_feed(latest, added, note, available, feed_path.with_suffix(".xlsx").name)
    feed_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = feed_path.with_name(f".{feed_path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(text)
        os.replace(temporary, feed_path)
    finally:
        temporary.unlink(missing_ok=True)
    return FeedResult(feed_path, len(added), note)


def build_feed(published_path: Path, feed_path: Path | None = None) -> FeedResult:
    """Write the feed of the published file at `published_path` (to `ofsted.atom` beside it by default),
    linking hand-added documents to their copies in the documents folder where they are there."""
    feed_path = feed_path or feed_path_for(published_path)
    folder = documents_dir_for(published_path)
    available = (
        {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        if folder.is_dir()
        else set()
    )
    con = attach_published(published_path)
    try:
        return write_feed(con, feed_path, available)
    finally:
        con.close()
