"""The three steps that turn RAW_DIR into the `extracted` tables, as plain functions on a connection:

1. `scan`: every file under RAW_DIR gets its ledger row (hash, size, whether it can be read);
2. `extract`: text of each new or changed content, once per hash (incremental by content);
3. `parse`: each new or changed document is parsed into the `extracted` tables (the rows of unchanged
   ones stay), and the ledger records what each file became: loaded, quarantined (with the reason) or
   duplicate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from . import head_start as head_starts
from .authorities import resolver_for
from .extract import EXTRACTOR_VERSIONS, Extraction, Limits, extract_many, settled_contents
from .files import discover
from .fingerprint import files_digest
from .parsers import PARSER_VERSION, NotAReport, NoText, parse_document
from .parsers.grades import CITATION_ORDER, distinct_grades
from .parsers.model import ParsedReport
from .schema import EXTRACTED_TABLES
from .warehouse import insert_rows, registered, transaction, utc_now

log = logging.getLogger("ofsted_warehouse")

LIB_DIR = Path(__file__).resolve().parent


@dataclass
class ScanSummary:
    seen: int = 0
    new: int = 0
    changed: int = 0
    removed: int = 0
    unreadable: int = 0


def scan(con: duckdb.DuckDBPyConnection, raw_dir: Path, *, max_file_mb: int, now: dt.datetime | None = None) -> ScanSummary:
    now = now or utc_now()
    files = discover(raw_dir, max_file_mb=max_file_mb)
    with transaction(con):
        return _record_scan(con, files, now)


def _record_scan(con, files, now: dt.datetime) -> ScanSummary:
    """The ledger after a scan, in a few set-wise statements (one per file would cost a second per
    thousand files): new files get their row; a known file takes its hash, size and kind, and loses its
    outcome and extraction time when its bytes changed; an unreadable file is quarantined with the
    reason; a file that is gone is marked removed, its row kept."""
    scanned = pd.DataFrame({
        "source_file": [item.source_file for item in files],
        "source_sha256": [item.sha256 for item in files],
        "size_bytes": [item.size_bytes for item in files],
        "media_kind": [item.media_kind for item in files],
        "problem": [item.problem for item in files],
    }, dtype=object)
    with registered(con, "scanned_files", scanned):
        con.execute(
            """CREATE OR REPLACE TEMP TABLE scan_now AS
               SELECT s.source_file::VARCHAR AS source_file, s.source_sha256::VARCHAR AS source_sha256,
                      s.size_bytes::BIGINT AS size_bytes, s.media_kind::VARCHAR AS media_kind,
                      s.problem::VARCHAR AS problem, l.source_file IS NULL AS is_new,
                      l.source_file IS NOT NULL AND l.source_sha256 IS DISTINCT FROM s.source_sha256::VARCHAR AS changed
               FROM scanned_files s LEFT JOIN audit.file_ledger l ON l.source_file = s.source_file::VARCHAR"""
        )
    new, changed, unreadable = con.execute(
        "SELECT count(*) FILTER (is_new), count(*) FILTER (changed), count(*) FILTER (problem IS NOT NULL) FROM scan_now"
    ).fetchall()[0]
    con.execute(
        """UPDATE audit.file_ledger SET source_sha256 = n.source_sha256, size_bytes = n.size_bytes,
               media_kind = n.media_kind, last_seen_at = ?, is_present = TRUE,
               status = CASE WHEN n.problem IS NOT NULL THEN 'quarantined' WHEN n.changed THEN NULL ELSE status END,
               status_reason = CASE WHEN n.problem IS NOT NULL THEN n.problem WHEN n.changed THEN NULL ELSE status_reason END,
               report_id = CASE WHEN n.problem IS NOT NULL THEN NULL ELSE report_id END,
               extracted_at = CASE WHEN n.changed THEN NULL ELSE extracted_at END
           FROM scan_now n WHERE n.source_file = file_ledger.source_file AND NOT n.is_new""",
        [now],
    )
    con.execute(
        """INSERT INTO audit.file_ledger (source_file, source_sha256, size_bytes, media_kind, status,
                                          status_reason, first_seen_at, last_seen_at, is_present)
           SELECT source_file, source_sha256, size_bytes, media_kind,
                  CASE WHEN problem IS NOT NULL THEN 'quarantined' END, problem, ?, ?, TRUE
           FROM scan_now WHERE is_new ORDER BY source_file""",
        [now, now],
    )
    removed = con.execute(
        """UPDATE audit.file_ledger SET is_present = FALSE, status = 'removed', report_id = NULL,
               status_reason = 'no longer in RAW_DIR (last seen ' || strftime(last_seen_at, '%Y-%m-%d %H:%M') || ' UTC); its reports left the marts'
           WHERE is_present AND source_file NOT IN (SELECT source_file FROM scan_now) RETURNING 1"""
    ).fetchall()
    con.execute("DROP TABLE scan_now")
    return ScanSummary(seen=len(files), new=new, changed=changed, removed=len(removed), unreadable=unreadable)


@dataclass
class ExtractSummary:
    extracted: int = 0
    failed: int = 0
    reused: int = 0
    pages: int = 0


def extract(
    con: duckdb.DuckDBPyConnection,
    raw_dir: Path,
    *,
    timeout_seconds: float,
    memory_mb: int,
    workers: int | None = None,
    progress: Callable[[str], None] = lambda message: None,
    warm_up: Callable[[], None] | None = None,
    on_drain: Callable[[], None] | None = None,
) -> ExtractSummary:
    """Extract the text of every present, readable content not yet extracted by the current extractor
    version for its kind, retrying those that failed only for a limit since raised or because the file
    changed under the run; then give every ledger row the time its content was extracted.

    warm_up, when PDFs are to be extracted, runs in a thread of this process meanwhile: the steps after
    extraction can load what they need (imports) while this process mostly waits on its workers.
    on_drain runs once every document has been handed to a worker and one worker is idle
    (`extract_many`)."""
    limits = Limits(timeout_seconds, memory_mb)
    root = raw_dir.resolve()
    head_start = head_starts.take(root, limits)
    pending = _pending_extractions(con, limits)
    total_present = con.execute(
        "SELECT count(DISTINCT source_sha256) FROM audit.file_ledger WHERE is_present AND media_kind IS NOT NULL"
    ).fetchall()[0][0]
    summary = ExtractSummary(reused=total_present - len(pending))
    if not pending:
        if head_start is not None:
            head_start.close()
        progress(f"extract: nothing new ({summary.reused} documents unchanged)")
        _sync_extracted_at(con)
        return summary
    progress(f"extract: {len(pending)} new or changed documents ({summary.reused} unchanged)")

    batch = _Batch(con, limits)

    def record(extraction: Extraction) -> None:
        batch.add(extraction)
        summary.pages += len(extraction.pages)
        summary.failed += int(extraction.error is not None)
        summary.extracted += int(extraction.error is None)
        done = summary.failed + summary.extracted
        if done % 10 == 0 or done == len(pending):
            progress(f"extract: {done}/{len(pending)} documents, {summary.pages} pages")

    warming = None
    if warm_up is not None and any(kind == "pdf" for _, _, kind in pending):
        warming = threading.Thread(target=warm_up, name="warm-up", daemon=True)
        warming.start()
    try:
        extract_many(root, pending, limits, workers=workers, on_done=record, on_drain=on_drain, head_start=head_start)
    finally:
        batch.flush()  # what was extracted is kept, also when the run stops on an error
        if warming is not None:
            warming.join()
    _sync_extracted_at(con)
    return summary


def _pending_extractions(con: duckdb.DuckDBPyConnection, limits: Limits) -> list[tuple[str, str, str]]:
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


def _record_extractions(con: duckdb.DuckDBPyConnection, extractions: list[Extraction], limits: Limits) -> None:
    """Documents' text, all or nothing: a run killed half-way leaves no document without its pages."""
    now = utc_now()
    shas = pd.DataFrame({"source_sha256": [e.sha256 for e in extractions]}, dtype=object)
    with transaction(con):
        with registered(con, "recorded_contents", shas):
            for table in ("raw.pages", "raw.documents"):
                con.execute(f"DELETE FROM {table} WHERE source_sha256 IN (SELECT source_sha256 FROM recorded_contents)")
            con.execute(
                """UPDATE audit.file_ledger SET extracted_at = ?
                   WHERE source_sha256 IN (SELECT source_sha256 FROM recorded_contents)""",
                [now],
            )
        insert_rows(con, "raw.documents", [{
            "source_sha256": e.sha256, "media_kind": e.media_kind, "page_count": e.page_count,
            "extractor_version": EXTRACTOR_VERSIONS[e.media_kind], "extracted_at": now, "error": e.error,
            "failure_kind": e.failure_kind, "timeout_seconds": limits.timeout_seconds, "memory_mb": limits.memory_mb,
        } for e in extractions])
        insert_rows(con, "raw.pages", [
            {"source_sha256": e.sha256, "page_number": number, "page_text": text}
            for e in extractions for number, text in enumerate(e.pages, start=1)
        ])


def _sync_extracted_at(con: duckdb.DuckDBPyConnection) -> None:
    """A ledger row's extracted_at is its content's: a new name for text already extracted (a copy, or a
    file changed back to earlier bytes) gets the time that text was read, without reading it again."""
    con.execute(
        """UPDATE audit.file_ledger SET extracted_at = d.extracted_at
           FROM raw.documents d
           WHERE d.source_sha256 = file_ledger.source_sha256 AND file_ledger.is_present
             AND file_ledger.extracted_at IS DISTINCT FROM d.extracted_at"""
    )


@dataclass
class ParseSummary:
    loaded: int = 0
    quarantined: int = 0
    duplicate: int = 0
    parsed: int = 0  # documents parsed by this run
    kept: int = 0  # documents whose rows from an earlier run still hold
    reports_by_type: Counter = field(default_factory=Counter)
    rows: dict[str, int] = field(default_factory=dict)


def report_id_for(sha256: str, part_number: int) -> str:
    return sha256[:16] if part_number == 1 else f"{sha256[:16]}-{part_number}"


def parse_key(reference_csv: Path) -> str:
    """What a content's parsed rows depend on besides its text: the parser version, the warehouse's
    library code (parsers, text and date handling, the row shapes below) and the reference list that
    resolves authority names. A change to any of them parses every document again."""
    digest = hashlib.sha256(f"{PARSER_VERSION}\0".encode())
    digest.update(files_digest([p for p in LIB_DIR.rglob("*.py") if "__pycache__" not in p.parts], LIB_DIR).encode())
    digest.update(hashlib.sha256(reference_csv.read_bytes()).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class _Parsed:
    source_file: str
    parse_key: str
    extracted_at: dt.datetime | None
    status: str
    reason: str | None


def parse(con: duckdb.DuckDBPyConnection, reference_csv: Path) -> ParseSummary:
    """Bring the `extracted` tables and the ledger's outcomes up to date with the present files.

    Only contents that are new, changed name, have new text or a new parse key are parsed; the rows of
    every other content stay as they are, so adding one report to a large warehouse parses one report.
    Rows of contents no longer present (or about to be parsed again) are deleted first."""
    key = parse_key(reference_csv)
    ledger = con.execute(
        """SELECT source_file, source_sha256 FROM audit.file_ledger
           WHERE is_present AND media_kind IS NOT NULL AND source_sha256 IS NOT NULL
           ORDER BY first_seen_at, source_file"""
    ).fetchall()
    documents = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT source_sha256, media_kind, page_count, error, extracted_at FROM raw.documents"
        ).fetchall()
    }
    earlier = {
        row[0]: _Parsed(*row[1:])
        for row in con.execute(
            "SELECT source_sha256, source_file, parse_key, extracted_at, status, status_reason FROM pipeline.parsed_contents"
        ).fetchall()
    }
    with_rows = {row[0] for row in con.execute("SELECT DISTINCT source_sha256 FROM extracted.reports").fetchall()}

    canonical: dict[str, str] = {}  # the first-seen name of each content is the one loaded
    kept: dict[str, _Parsed] = {}
    to_parse: list[tuple[str, str]] = []
    for source_file, sha256 in ledger:
        if sha256 in canonical:
            continue
        canonical[sha256] = source_file
        before = earlier.get(sha256)
        document = documents.get(sha256)
        current = before is not None and (
            before.source_file == source_file
            and before.parse_key == key
            and before.extracted_at == (document[3] if document else None)
            and (before.status == "loaded") == (sha256 in with_rows)
        )
        if current:
            kept[sha256] = before
        else:
            to_parse.append((source_file, sha256))

    rows: dict[str, list[dict]] = defaultdict(list)
    parsed: dict[str, _Parsed] = {}
    if to_parse:
        resolver = resolver_for(reference_csv)
        pages_by_sha = _pages_of(con, [sha256 for _, sha256 in to_parse])
        for source_file, sha256 in to_parse:
            document = documents.get(sha256)
            reports, reason = _read_document(source_file, document and document[:3], pages_by_sha.get(sha256, []))
            parsed[sha256] = _Parsed(
                source_file, key, document[3] if document else None,
                "loaded" if reports is not None else "quarantined", reason,
            )
            for part_number, report in enumerate(reports or [], start=1):
                report_id = report_id_for(sha256, part_number)
                _report_rows(rows, report, report_id, part_number, source_file, sha256, document[1], resolver)

    outcome: dict[str, tuple[str, str | None, str | None]] = {}  # source_file -> (status, reason, report_id)
    for source_file, sha256 in ledger:
        first = canonical[sha256]
        result = kept.get(sha256) or parsed[sha256]
        if source_file != first:
            outcome[source_file] = _duplicate_of(first, result.status)
        elif result.status == "loaded":
            outcome[source_file] = ("loaded", None, report_id_for(sha256, 1))
        else:
            outcome[source_file] = ("quarantined", result.reason, None)

    with transaction(con):
        _write_parsed(con, rows, set(kept), parsed)
        _record_outcomes(con, outcome)
    summary = ParseSummary(parsed=len(parsed), kept=len(kept))
    statuses = Counter(status for status, _, _ in outcome.values())
    summary.loaded, summary.duplicate = statuses["loaded"], statuses["duplicate"]
    summary.quarantined = statuses["quarantined"] + con.execute(
        "SELECT count(*) FROM audit.file_ledger WHERE is_present AND media_kind IS NULL"
    ).fetchall()[0][0]
    summary.reports_by_type.update(
        dict(con.execute("SELECT report_type, count(*) FROM extracted.reports GROUP BY 1").fetchall())
    )
    for table in EXTRACTED_TABLES:
        summary.rows[table] = con.execute(f"SELECT count(*) FROM extracted.{table}").fetchall()[0][0]
    return summary


def _pages_of(con: duckdb.DuckDBPyConnection, shas: list[str]) -> dict[str, list[str]]:
    with registered(con, "wanted_contents", pd.DataFrame({"source_sha256": shas})):
        found = con.execute(
            """SELECT p.source_sha256, p.page_text FROM raw.pages p
               JOIN wanted_contents w USING (source_sha256) ORDER BY p.source_sha256, p.page_number"""
        ).fetchall()
    pages: dict[str, list[str]] = defaultdict(list)
    for sha256, text in found:
        pages[sha256].append(text or "")
    return pages


def _duplicate_of(canonical: str, canonical_status: str) -> tuple[str, str, None]:
    if canonical_status == "loaded":
        return ("duplicate", f"same content as {canonical}, which is loaded", None)
    return ("duplicate", f"same content as {canonical}, which is {canonical_status} (see its reason)", None)


def _read_document(source_file: str, document: tuple | None, pages: list[str]):
    """(reports, None) for a document that parses, or (None, why it is quarantined)."""
    if document is None:
        return None, "text not extracted yet: run the pipeline again"
    media_kind, _, error = document
    if error:
        return None, error
    try:
        return parse_document(pages, paged=media_kind == "pdf"), None
    except NoText as reason:
        return None, str(reason)
    except NotAReport as reason:
        return None, f"not an Ofsted report: {reason}"
    except Exception as error:  # a parser bug must cost one file, not the run
        log.warning("parser failed on %s: %s", source_file, traceback.format_exc())
        return None, f"the parser failed ({type(error).__name__}: {error}); please report this file"


def _write_parsed(con, rows: dict[str, list[dict]], kept: set[str], parsed: dict[str, _Parsed]) -> None:
    """Delete the rows of every content not kept (gone, or parsed again just now), append the new ones,
    and remember what each parsed content became."""
    with registered(con, "kept_contents", pd.DataFrame({"source_sha256": sorted(kept)}, dtype=object)):
        stale_reports = """SELECT report_id FROM extracted.reports
                           WHERE source_sha256 NOT IN (SELECT source_sha256 FROM kept_contents)"""
        for table in EXTRACTED_TABLES:
            if table != "reports":
                con.execute(f"DELETE FROM extracted.{table} WHERE report_id IN ({stale_reports})")
        con.execute(f"DELETE FROM extracted.reports WHERE report_id IN ({stale_reports})")
        con.execute(
            "DELETE FROM pipeline.parsed_contents WHERE source_sha256 NOT IN (SELECT source_sha256 FROM kept_contents)"
        )
    for table in EXTRACTED_TABLES:
        insert_rows(con, f"extracted.{table}", rows[table])
    now = utc_now()
    insert_rows(con, "pipeline.parsed_contents", [
        {"source_sha256": sha256, "source_file": p.source_file, "parse_key": p.parse_key,
         "extracted_at": p.extracted_at, "status": p.status, "status_reason": p.reason, "parsed_at": now}
        for sha256, p in parsed.items()
    ])


def _record_outcomes(con, outcome: dict[str, tuple[str, str | None, str | None]]) -> None:
    """Each present file's status, reason and report id, written only where they changed."""
    if not outcome:
        return
    names = list(outcome)
    frame = pd.DataFrame({
        "source_file": names,
        "status": [outcome[n][0] for n in names],
        "status_reason": [outcome[n][1] for n in names],
        "report_id": [outcome[n][2] for n in names],
    }, dtype=object)
    with registered(con, "parse_outcomes", frame):
        con.execute(
            """UPDATE audit.file_ledger
               SET status = o.status::VARCHAR, status_reason = o.status_reason::VARCHAR,
                   report_id = o.report_id::VARCHAR
               FROM parse_outcomes o
               WHERE file_ledger.source_file = o.source_file
                 AND (file_ledger.status IS DISTINCT FROM o.status::VARCHAR
                      OR file_ledger.status_reason IS DISTINCT FROM o.status_reason::VARCHAR
                      OR file_ledger.report_id IS DISTINCT FROM o.report_id::VARCHAR)"""
        )


def _report_rows(rows, report: ParsedReport, report_id, part_number, source_file, sha256, page_count, resolver):
    authority_id = resolver.resolve_or_placeholder(report.local_authority_as_written)
    start = min((w[0] for w in report.windows), default=None)
    end = max((w[1] for w in report.windows), default=None)
    rows["reports"].append({
        "report_id": report_id, "source_file": source_file, "source_sha256": sha256,
        "part_number": part_number, "report_type": report.report_type, "parser_version": PARSER_VERSION,
        "title": report.title, "local_authority_as_written": report.local_authority_as_written,
        "local_authority_id": authority_id, "page_count": page_count,
        "publication_date": report.publication_date, "inspection_kind": report.inspection_kind,
        "inspection_start_date": start if report.visit is None else None,
        "inspection_end_date": end if report.visit is None else None,
        "lead_inspector": "; ".join(report.lead_inspectors) or None,
        "inspectors": "; ".join(report.inspectors) or None,
    })
    for number, (window_start, window_end) in enumerate(report.windows, start=1):
        rows["date_windows"].append({
            "report_id": report_id, "window_number": number, "start_date": window_start, "end_date": window_end,
        })
    for statement in report.statements:
        rows["judgement_statements"].append({
            "report_id": report_id, "judgement_area": statement.area, "statement_kind": statement.kind,
            "grade": statement.grade, "page_number": statement.page, "evidence": statement.evidence,
        })
    grades = report.grades()
    for area, statements in report.statements_by_area().items():
        primary = min(statements, key=lambda s: CITATION_ORDER.get(s.kind, 9))
        rows["judgements"].append({
            "report_id": report_id, "judgement_area": area,
            # disagreeing statements leave the grade unset: a check names the report, nothing is picked
            "grade": grades[area],
            "statement_count": len(statements),
            "distinct_grade_count": distinct_grades([s.grade for s in statements]),
            "grades_stated": "; ".join(s.grade for s in statements),
            "page_number": primary.page, "evidence": primary.evidence,
        })
    for number, recommendation in enumerate(report.recommendations, start=1):
        rows["recommendations"].append({
            "report_id": report_id, "recommendation_number": number, "timescale": recommendation.timescale,
            "addressed_to": recommendation.addressed_to, "is_priority": recommendation.is_priority,
            "recommendation_text": recommendation.text, "page_number": recommendation.page,
            "evidence": recommendation.evidence,
        })
    if report.visit is not None:
        visit = report.visit
        rows["visits"].append({
            "report_id": report_id, "visit_type": visit.visit_type, "letter_date": visit.letter_date,
            "visit_start_date": start, "visit_end_date": end, "visit_number": visit.visit_number,
            "lead_inspector": "; ".join(report.lead_inspectors) or None,
            "inspectors": "; ".join(report.inspectors) or None,
            "addressee": visit.addressee, "addressee_role": visit.addressee_role,
            "previous_inspection_year": visit.previous_inspection_year,
            "progress_summary": visit.progress_summary,
        })
        for number, (text, page) in enumerate(visit.focus_areas, start=1):
            rows["visit_focus_areas"].append({
                "report_id": report_id, "area_number": number, "area_text": text, "page_number": page,
            })
    for item in report.evidence:
        rows["evidence"].append({
            "report_id": report_id, "field_name": item.field_name, "field_value": item.field_value,
            "page_number": item.page, "evidence": item.text[:2000],
        })
