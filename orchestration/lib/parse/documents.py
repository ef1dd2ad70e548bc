"""Incremental parsing: each new or changed document's text is parsed into the `extracted` tables, and
the rows of every unchanged document stay as they are."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.lib.core.digests import files_digest
from orchestration.lib.core.schema import EXTRACTED_TABLES
from orchestration.lib.core.warehouse import insert_rows, registered, transaction, utc_now
from orchestration.lib.ingest.ledger import duplicate_of, record_outcomes
from orchestration.lib.parse.authorities import resolver_for
from orchestration.lib.parse.parsers import PARSER_SEEDS, PARSER_VERSION, NotAReport, NoText, parse_document
from orchestration.lib.parse.rows import report_rows

log = logging.getLogger("ofsted_warehouse")

LIB_DIR = Path(__file__).resolve().parent


@dataclass
class ParseSummary:
    loaded: int = 0
    quarantined: int = 0
    duplicate: int = 0
    held_back: int = 0
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
    digest.update(
        files_digest([p for p in LIB_DIR.rglob("*.py") if "__pycache__" not in p.parts], LIB_DIR).encode()
    )
    digest.update(hashlib.sha256(reference_csv.read_bytes()).digest())
    for seed in PARSER_SEEDS:  # the value lists the parsers read
        digest.update(hashlib.sha256(seed.read_bytes()).digest())
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
            """SELECT source_sha256, source_file, parse_key, extracted_at, status, status_reason
               FROM pipeline.parsed_contents"""
        ).fetchall()
    }
    with_rows = {
        row[0] for row in con.execute("SELECT DISTINCT source_sha256 FROM extracted.reports").fetchall()
    }

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
        if current and before is not None:
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
            reports, reason = _read_document(
                source_file, document and document[:3], pages_by_sha.get(sha256, [])
            )
            status = "loaded" if reports is not None else "quarantined"
            if reports is not None and all(report.report_type == "other" for report in reports):
                # a kind the warehouse does not read: never loaded, never checked
                status, reason, reports = (
                    "not_read",
                    not_read_reason(reports, pages_by_sha.get(sha256, [])),
                    None,
                )
            parsed[sha256] = _Parsed(source_file, key, document[3] if document else None, status, reason)
            for part_number, report in enumerate(reports or [], start=1):
                report_id = report_id_for(sha256, part_number)
                assert document is not None  # reports are read only from a document's extracted pages
                report_rows(rows, report, report_id, part_number, source_file, sha256, document[1], resolver)

    with transaction(con):
        _write_parsed(con, rows, set(kept), parsed)
        # a document parsed again is checked again: what held it back may be gone
        held_back = dict(con.execute("SELECT source_sha256, reasons FROM pipeline.held_back").fetchall())
        outcome: dict[
            str, tuple[str, str | None, str | None]
        ] = {}  # source_file -> (status, reason, report_id)
        for source_file, sha256 in ledger:
            first = canonical[sha256]
            result = kept.get(sha256) or parsed[sha256]
            status = "held_back" if result.status == "loaded" and sha256 in held_back else result.status
            if source_file != first:
                outcome[source_file] = duplicate_of(first, status)
            elif status == "loaded":
                outcome[source_file] = ("loaded", None, report_id_for(sha256, 1))
            elif status == "held_back":
                outcome[source_file] = ("held_back", held_back[sha256], None)
            else:
                outcome[source_file] = (result.status, result.reason, None)
        record_outcomes(con, outcome)
    summary = ParseSummary(parsed=len(parsed), kept=len(kept))
    statuses = Counter(status for status, _, _ in outcome.values())
    summary.loaded, summary.duplicate = statuses["loaded"], statuses["duplicate"]
    summary.held_back = statuses["held_back"]
    summary.quarantined = (
        statuses["quarantined"]
        + con.execute(
            "SELECT count(*) FROM audit.file_ledger WHERE is_present AND media_kind IS NULL"
        ).fetchall()[0][0]
    )
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


_TITLE_WORDS = re.compile(
    r"^(?:inspection|joint|area|review|report|evaluation|monitoring|focused|thematic|annual|outcome|"
    r"summary|survey|letter|assurance|children)\b",
    re.I,
)


def not_read_reason(reports: list, pages: list[str]) -> str:
    """Why a document of a kind the warehouse does not read is not loaded, with the kind it appears to
    be: the title its parser found, else the first line of its first page that reads like a title."""
    title = next((report.title for report in reports if getattr(report, "title", None)), None)
    if not title:
        lines = [" ".join(line.split()) for page in pages[:2] for line in page.splitlines()]
        lines = [line for line in lines if 8 <= len(line) <= 160]
        title = next((line for line in lines[:60] if _TITLE_WORDS.match(line)), None) or (
            lines[0] if lines else None
        )
    kind = f"it appears to be: {title.rstrip('.')}" if title else "its kind could not be told from its text"
    return (
        f"a document of a kind the warehouse does not read ({kind}); kept in the ledger, never in the "
        "marts, and never counted against the other documents"
    )


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
        for table in ("pipeline.parsed_contents", "pipeline.held_back"):
            con.execute(
                f"DELETE FROM {table} WHERE source_sha256 NOT IN (SELECT source_sha256 FROM kept_contents)"
            )
    for table in EXTRACTED_TABLES:
        insert_rows(con, f"extracted.{table}", rows[table])
    now = utc_now()
    insert_rows(
        con,
        "pipeline.parsed_contents",
        [
            {
                "source_sha256": sha256,
                "source_file": p.source_file,
                "parse_key": p.parse_key,
                "extracted_at": p.extracted_at,
                "status": p.status,
                "status_reason": p.reason,
                "parsed_at": now,
            }
            for sha256, p in parsed.items()
        ],
    )
