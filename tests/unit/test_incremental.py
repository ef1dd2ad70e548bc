"""Incremental by content, through the ledger and without Dagster: an unchanged folder extracts nothing,
a new or changed file is extracted alone, a removed file leaves, and a new extractor or parser version
redoes what it affects. audit.file_ledger.extracted_at is the witness throughout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest

from orchestration.lib.core import schema, warehouse
from orchestration.lib.extract import pool as extract
from orchestration.lib.extract import store as extracting
from orchestration.lib.ingest import ledger
from orchestration.lib.parse import documents as parsing
from orchestration.lib.parse import rows as report_rows
from orchestration.lib.publish import fingerprint
from orchestration.lib.quality import validation as checks
from orchestration.settings import REFERENCE_AUTHORITIES_CSV
from tests.support import REPO, extract_with

SEEDS = sorted((REPO / "raw").glob("*.txt"))


def run_once(raw, db):
    """Scan, extract and parse; returns the extract summary and source_file -> ledger row."""
    with warehouse.connect(db) as con:
        ledger.scan(con, raw, max_file_mb=5)
        extracted = extract_with(con, raw, timeout_seconds=60, memory_mb=1024)
        parsing.parse(con, REFERENCE_AUTHORITIES_CSV)
        rows = con.execute(
            "SELECT source_file, status, status_reason, extracted_at FROM audit.file_ledger"
        ).fetchall()
    return extracted, {name: {"status": s, "reason": r, "extracted_at": at} for name, s, r, at in rows}


def extracted_at(ledger):
    return {name: row["extracted_at"] for name, row in ledger.items()}


@pytest.fixture
def raw(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    for seed in SEEDS[:3]:
        shutil.copy(seed, folder / seed.name)
    return folder


def test_a_rerun_over_an_unchanged_folder_extracts_nothing(raw, tmp_path):
    db = tmp_path / "w.duckdb"
    first, before = run_once(raw, db)
    again, after = run_once(raw, db)
    assert first.extracted == 3
    assert (again.extracted, again.failed, again.reused) == (0, 0, 3)
    assert extracted_at(after) == extracted_at(before)
    assert all(row["status"] == "loaded" for row in after.values())


def test_a_new_or_changed_file_is_extracted_alone(raw, tmp_path):
    db = tmp_path / "w.duckdb"
    _, before = run_once(raw, db)
    shutil.copy(SEEDS[3], raw / SEEDS[3].name)
    added, after_add = run_once(raw, db)
    assert added.extracted == 1
    assert after_add[SEEDS[3].name]["extracted_at"] > max(extracted_at(before).values())
    assert {n: after_add[n]["extracted_at"] for n in before} == extracted_at(before)

    changed = raw / SEEDS[0].name
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\nAnnex added after publication.\n", encoding="utf-8"
    )
    redone, after_change = run_once(raw, db)
    assert redone.extracted == 1
    assert after_change[SEEDS[0].name]["extracted_at"] > after_add[SEEDS[0].name]["extracted_at"]
    unchanged = [n for n in after_add if n != SEEDS[0].name]
    assert {n: after_change[n]["extracted_at"] for n in unchanged} == {
        n: after_add[n]["extracted_at"] for n in unchanged
    }


def test_a_copy_of_known_content_takes_its_extraction_time_without_reading_it(raw, tmp_path):
    db = tmp_path / "w.duckdb"
    _, before = run_once(raw, db)
    shutil.copy(raw / SEEDS[1].name, raw / "copy.txt")
    again, after = run_once(raw, db)
    assert again.extracted == 0
    assert after["copy.txt"]["status"] == "duplicate"
    assert after["copy.txt"]["extracted_at"] == before[SEEDS[1].name]["extracted_at"]


def test_a_removed_file_leaves_and_its_ledger_row_says_so(raw, tmp_path):
    db = tmp_path / "w.duckdb"
    run_once(raw, db)
    (raw / SEEDS[2].name).unlink()
    again, after = run_once(raw, db)
    assert again.extracted == 0
    assert after[SEEDS[2].name]["status"] == "removed"
    assert "no longer in RAW_DIR" in after[SEEDS[2].name]["reason"]
    with warehouse.connect(db) as con:
        files = {r[0] for r in con.execute("SELECT source_file FROM extracted.reports").fetchall()}
        present = con.execute(
            "SELECT is_present FROM audit.file_ledger WHERE source_file = ?", [SEEDS[2].name]
        ).fetchall()
    assert files == {SEEDS[0].name, SEEDS[1].name}
    assert present == [(False,)]


def test_a_new_pdf_extractor_version_re_extracts_pdfs_only(raw, tmp_path, monkeypatch):
    from tests.fixtures.pdf_render import render_text_report_to_pdf

    render_text_report_to_pdf(SEEDS[3].read_text(encoding="utf-8"), raw / "visit.pdf")
    db = tmp_path / "w.duckdb"
    _, before = run_once(raw, db)
    monkeypatch.setitem(extract.EXTRACTOR_VERSIONS, "pdf", extract.EXTRACTOR_VERSIONS["pdf"] + "-next")
    again, after = run_once(raw, db)
    assert again.extracted == 1
    assert after["visit.pdf"]["extracted_at"] > before["visit.pdf"]["extracted_at"]
    texts = [n for n in before if n.endswith(".txt")]
    assert {n: after[n]["extracted_at"] for n in texts} == {n: before[n]["extracted_at"] for n in texts}
    assert after["visit.pdf"]["status"] == "loaded"


def test_a_new_parser_version_re_parses_without_re_extracting(raw, tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    _, before = run_once(raw, db)
    with warehouse.connect(db) as con:
        old_fingerprint = fingerprint.warehouse_fingerprint(con, max_held_back_share=0.05)
    monkeypatch.setattr(parsing, "PARSER_VERSION", "next")
    monkeypatch.setattr(report_rows, "PARSER_VERSION", "next")
    again, after = run_once(raw, db)
    assert again.extracted == 0
    assert extracted_at(after) == extracted_at(before)
    with warehouse.connect(db) as con:
        versions = {r[0] for r in con.execute("SELECT parser_version FROM extracted.reports").fetchall()}
        # what the marts are built from changed, so the next run builds and publishes them again
        assert fingerprint.warehouse_fingerprint(con, max_held_back_share=0.05) != old_fingerprint
    assert versions == {"next"}


def parse_again(raw, db, reference=REFERENCE_AUTHORITIES_CSV):
    """Scan, extract and parse; returns the parse summary."""
    with warehouse.connect(db) as con:
        ledger.scan(con, raw, max_file_mb=5)
        extract_with(con, raw, timeout_seconds=60, memory_mb=1024)
        return parsing.parse(con, reference)


def extracted_rows(db) -> dict[str, list[tuple]]:
    with warehouse.connect(db) as con:
        return {
            table: sorted(con.execute(f"SELECT * FROM extracted.{table}").fetchall(), key=repr)
            for table in schema.EXTRACTED_TABLES
        }


def test_only_new_or_renamed_contents_are_parsed_and_the_rows_equal_a_parse_from_scratch(raw, tmp_path):
    db = tmp_path / "w.duckdb"
    first = parse_again(raw, db)
    assert (first.parsed, first.kept, first.loaded) == (3, 0, 3)
    again = parse_again(raw, db)
    assert (again.parsed, again.kept, again.loaded) == (0, 3, 3)

    shutil.copy(SEEDS[3], raw / SEEDS[3].name)
    added = parse_again(raw, db)
    assert (added.parsed, added.kept, added.loaded) == (1, 3, 4)

    # the first-seen name of a content is the one loaded: when it goes, its copy is loaded in its place
    shutil.copy(raw / SEEDS[0].name, raw / "copy.txt")
    assert parse_again(raw, db).duplicate == 1
    (raw / SEEDS[0].name).unlink()
    renamed = parse_again(raw, db)
    assert (renamed.parsed, renamed.kept, renamed.loaded, renamed.duplicate) == (1, 3, 4, 0)
    (raw / SEEDS[1].name).unlink()
    removed = parse_again(raw, db)
    assert (removed.parsed, removed.kept, removed.loaded) == (0, 3, 3)

    kept_rows = extracted_rows(db)
    with warehouse.connect(db) as con:
        con.execute("DELETE FROM pipeline.parsed_contents")  # forget every earlier parse
    scratch = parse_again(raw, db)
    assert (scratch.parsed, scratch.kept) == (3, 0)
    assert extracted_rows(db) == kept_rows
    files = {row[1] for row in kept_rows["reports"]}
    assert files == {"copy.txt", SEEDS[2].name, SEEDS[3].name}
    assert scratch.rows == {table: len(rows) for table, rows in kept_rows.items()}


def test_a_new_reference_list_re_parses_every_document(raw, tmp_path):
    db = tmp_path / "w.duckdb"
    parse_again(raw, db)
    reference = tmp_path / "authorities.csv"
    reference.write_text(REFERENCE_AUTHORITIES_CSV.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    again = parse_again(raw, db, reference)
    assert (again.parsed, again.kept) == (3, 0)


def test_re_extracted_text_is_parsed_again(raw, tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    parse_again(raw, db)
    monkeypatch.setitem(extract.EXTRACTOR_VERSIONS, "text", extract.EXTRACTOR_VERSIONS["text"] + "-next")
    again = parse_again(raw, db)
    assert (again.parsed, again.kept, again.loaded) == (3, 0, 3)


def test_the_warehouse_fingerprint_follows_content_not_scan_times(raw, tmp_path):
    db = tmp_path / "w.duckdb"
    run_once(raw, db)
    with warehouse.connect(db) as con:
        first = fingerprint.warehouse_fingerprint(con, max_held_back_share=0.05)
    time.sleep(0.01)
    run_once(raw, db)  # moves last_seen_at on
    with warehouse.connect(db) as con:
        assert fingerprint.warehouse_fingerprint(con, max_held_back_share=0.05) == first
    shutil.copy(SEEDS[3], raw / SEEDS[3].name)
    run_once(raw, db)
    with warehouse.connect(db) as con:
        assert fingerprint.warehouse_fingerprint(con, max_held_back_share=0.05) != first


def test_an_unchanged_table_keeps_its_check_result_and_a_changed_one_is_validated(raw, tmp_path):
    db = tmp_path / "w.duckdb"
    run_once(raw, db)
    with warehouse.connect(db) as con:
        first = checks.check_table(con, "reports", run_id="one")
        again = checks.check_table(con, "reports", run_id="two")
        con.execute(
            "UPDATE extracted.reports SET local_authority_id = NULL WHERE source_file = ?", [SEEDS[0].name]
        )
        changed = checks.check_table(con, "reports", run_id="three")
    assert first.passed and not first.reused
    assert again.passed and again.reused and again.checked_at == first.checked_at
    assert not changed.passed and not changed.reused
    # the result names the file behind the failing row, not only its report id
    assert changed.failing_files == [SEEDS[0].name]
    assert SEEDS[0].name in changed.description


def test_a_second_writer_waits_for_the_first(tmp_path):
    db = tmp_path / "w.duckdb"
    script = (
        "import sys; from pathlib import Path; from orchestration.lib.core.warehouse import writer_lock\n"
        "try:\n"
        f"    with writer_lock(Path({str(db)!r}), wait_seconds=0.5): pass\n"
        "except TimeoutError: sys.exit(7)\n"
    )
    other_writer = [sys.executable, "-c", script]
    with warehouse.writer_lock(db), warehouse.writer_lock(db):  # re-entrant within a process
        blocked = subprocess.run(other_writer, cwd=REPO, check=False, timeout=60)
    free = subprocess.run(other_writer, cwd=REPO, check=False, timeout=60)
    assert blocked.returncode == 7
    assert free.returncode == 0


def test_extracted_documents_are_written_a_batch_at_a_time_each_with_its_pages(tmp_path, monkeypatch):
    monkeypatch.setattr(extracting._Batch, "MAX_SECONDS", 3600.0)

    def document(i):
        return extract.Extraction(
            f"{i:064x}", "pdf", [f"page {n} of {i}" for n in range(1, 4)], 3, None, None
        )

    def stored(con):
        return con.execute(
            """SELECT count(DISTINCT d.source_sha256), count(p.page_number)
               FROM raw.documents d JOIN raw.pages p USING (source_sha256)"""
        ).fetchall()[0]

    with warehouse.connect(tmp_path / "w.duckdb") as con:
        batch = extracting._Batch(con, extract.Limits(60, 1024))
        for i in range(extracting._Batch.MAX_DOCUMENTS - 1):
            batch.add(document(i))
        assert stored(con) == (0, 0)
        batch.add(document(99))
        assert stored(con) == (extracting._Batch.MAX_DOCUMENTS, 3 * extracting._Batch.MAX_DOCUMENTS)
        batch.add(document(99))  # the same content read again replaces its earlier text
        batch.flush()
        assert stored(con) == (extracting._Batch.MAX_DOCUMENTS, 3 * extracting._Batch.MAX_DOCUMENTS)


def test_a_new_max_held_back_share_is_reason_enough_for_a_run(raw, tmp_path):
    """MAX_HELD_BACK_SHARE decides what is held back, so the fingerprint a run compares with the
    publication's changes with it."""
    db = tmp_path / "w.duckdb"
    run_once(raw, db)
    with warehouse.connect(db) as con:
        usual = fingerprint.warehouse_fingerprint(con, max_held_back_share=0.05)
        assert fingerprint.warehouse_fingerprint(con, max_held_back_share=0.05) == usual
        assert fingerprint.warehouse_fingerprint(con, max_held_back_share=0.5) != usual
