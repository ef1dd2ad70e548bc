"""Extraction bookkeeping: which contents need their text read, and the text kept per content in
raw.pages and raw.documents, written a batch at a time."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd

from orchestration.lib.core.warehouse import insert_rows, registered, transaction, utc_now
from orchestration.lib.extract.pool import (
    EXTRACTOR_VERSIONS,
    Extraction,
    ExtractionPool,
    Limits,
    settled_contents,
)


@dataclass
class ExtractSummary:
    extracted: int = 0
    failed: int = 0
    reused: int = 0
    pages: int = 0


def extract(
    con: duckdb.DuckDBPyConnection,
    pool: ExtractionPool,
    *,
    progress: Callable[[str], None] = lambda message: None,
) -> ExtractSummary:
    """Extract, with `pool`, the text of every present, readable content not yet extracted by the current
    extractor version for its kind, retrying those that failed only for a limit since raised or because
    the file changed under the run; then give every ledger row the time its content was extracted."""
    pending = pending_extractions(con, pool.limits)
    total_present = con.execute(
        """SELECT count(DISTINCT source_sha256) FROM audit.file_ledger
           WHERE is_present AND media_kind IS NOT NULL"""
    ).fetchall()[0][0]
    summary = ExtractSummary(reused=total_present - len(pending))
    if not pending:
        progress(f"extract: nothing new ({summary.reused} documents unchanged)")
        _sync_extracted_at(con)
        return summary
    progress(f"extract: {len(pending)} new or changed documents ({summary.reused} unchanged)")

    batch = _Batch(con, pool.limits)

    def record(extraction: Extraction) -> None:
        batch.add(extraction)
        summary.pages += len(extraction.pages)
        summary.failed += int(extraction.error is not None)
        summary.extracted += int(extraction.error is None)
        done = summary.failed + summary.extracted
        if done % 10 == 0 or done == len(pending):
            progress(f"extract: {done}/{len(pending)} documents, {summary.pages} pages")

    try:
        pool.extract_all(pending, on_done=record)
    finally:
        batch.flush()  # what was extracted is kept, also when the run stops on an error
    _sync_extracted_at(con)
    return summary


def pending_extractions(con: duckdb.DuckDBPyConnection, limits: Limits) -> list[tuple[str, str, str]]:
    """(source_file, sha256, media_kind) of each present content whose stored text is missing, was made
    by another version of the extractor for its kind, or failed in a way worth another try; one row per
    content, under its first name."""
    settled = settled_contents(con, limits)
    present = con.execute(
        """SELECT min(source_file), source_sha256, any_value(media_kind) FROM audit.file_ledger
           WHERE is_present AND media_kind IS NOT NULL AND source_sha256 IS NOT NULL
           GROUP BY source_sha256 ORDER BY 1"""
    ).fetchall()
    return [row for row in present if (row[1], row[2]) not in settled]


class _Batch:
    """Extracted documents written a few at a time, each batch in one transaction: a document's pages,
    its raw.documents row and its ledger time land together or not at all. One transaction per document
    cost 8 ms of this process's time, taken from the cores the extraction processes use; a batch waits at
    most a second or 25 documents, so a run stopped part-way loses at most that much extraction."""

    MAX_DOCUMENTS = 25
    MAX_SECONDS = 1.0

    def __init__(self, con: duckdb.DuckDBPyConnection, limits: Limits):
        self.con, self.limits = con, limits
        self.waiting: list[Extraction] = []
        self.since = time.monotonic()

    def add(self, extraction: Extraction) -> None:
        if not self.waiting:
            self.since = time.monotonic()
        self.waiting.append(extraction)
        if len(self.waiting) >= self.MAX_DOCUMENTS or time.monotonic() - self.since >= self.MAX_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.waiting:
            _record_extractions(self.con, self.waiting, self.limits)
            self.waiting = []


def _record_extractions(
    con: duckdb.DuckDBPyConnection, extractions: list[Extraction], limits: Limits
) -> None:
    """Documents' text, all or nothing: a run killed half-way leaves no document without its pages."""
    now = utc_now()
    shas = pd.DataFrame({"source_sha256": [e.sha256 for e in extractions]}, dtype=object)
    with transaction(con):
        with registered(con, "recorded_contents", shas):
            for table in ("raw.pages", "raw.documents"):
                con.execute(
                    f"""DELETE FROM {table}
                        WHERE source_sha256 IN (SELECT source_sha256 FROM recorded_contents)"""
                )
            con.execute(
                """UPDATE audit.file_ledger SET extracted_at = ?
                   WHERE source_sha256 IN (SELECT source_sha256 FROM recorded_contents)""",
                [now],
            )
        insert_rows(
            con,
            "raw.documents",
            [
                {
                    "source_sha256": e.sha256,
                    "media_kind": e.media_kind,
                    "page_count": e.page_count,
                    "extractor_version": EXTRACTOR_VERSIONS[e.media_kind],
                    "extracted_at": now,
                    "error": e.error,
                    "failure_kind": e.failure_kind,
                    "timeout_seconds": limits.timeout_seconds,
                    "memory_mb": limits.memory_mb,
                }
                for e in extractions
            ],
        )
        insert_rows(
            con,
            "raw.pages",
            [
                {"source_sha256": e.sha256, "page_number": number, "page_text": text}
                for e in extractions
                for number, text in enumerate(e.pages, start=1)
            ],
        )


def _sync_extracted_at(con: duckdb.DuckDBPyConnection) -> None:
    """A ledger row's extracted_at is its content's: a new name for text already extracted (a copy, or a
    file changed back to earlier bytes) gets the time that text was read, without reading it again."""
    con.execute(
        """UPDATE audit.file_ledger SET extracted_at = d.extracted_at
           FROM raw.documents d
           WHERE d.source_sha256 = file_ledger.source_sha256 AND file_ledger.is_present
             AND file_ledger.extracted_at IS DISTINCT FROM d.extracted_at"""
    )


def forget_failures(con: duckdb.DuckDBPyConnection) -> int:
    """Make the next run try every quarantined or held-back document again, whatever its failure was
    (`make run RETRY=1`): drop the stored failed extractions, and the parse and check results kept for
    those contents. These tables are caches keyed by content, so nothing is lost that the run does not
    make again. Returns how many contents will be tried again."""
    with transaction(con):
        contents = [
            sha256
            for (sha256,) in con.execute(
                """SELECT source_sha256 FROM raw.documents WHERE error IS NOT NULL
                   UNION
                   SELECT source_sha256 FROM audit.file_ledger
                   WHERE is_present AND status IN ('quarantined', 'held_back')
                         AND source_sha256 IS NOT NULL"""
            ).fetchall()
        ]
        frame = pd.DataFrame({"source_sha256": contents}, dtype=object)
        with registered(con, "retried_contents", frame):
            for table in ("raw.pages", "raw.documents"):
                con.execute(
                    f"""DELETE FROM {table}
                        WHERE source_sha256 IN (SELECT source_sha256 FROM retried_contents)
                          AND source_sha256 IN (SELECT source_sha256 FROM raw.documents
                                                WHERE error IS NOT NULL)"""
                )
            for table in ("pipeline.parsed_contents", "pipeline.held_back"):
                con.execute(
                    f"DELETE FROM {table} WHERE source_sha256 IN (SELECT source_sha256 FROM retried_contents)"
                )
        # a check's result is kept per table content; held-back documents are checked afresh
        con.execute("DELETE FROM pipeline.check_results")
    return len(contents)
