"""Scan, extract and parse over a folder of good and bad files, without Dagster: every file is accounted
for, bad ones are quarantined with a reason, and unchanged content is not extracted twice."""

import os
import shutil

import pytest

from orchestration.lib import pipeline, warehouse
from orchestration.settings import REFERENCE_AUTHORITIES_CSV
from tests.support import REPO

SURREY = REPO / "raw" / "000_9f7ce6b861c02e06.txt"


def run_once(raw, db):
    with warehouse.connect(db) as con:
        pipeline.scan(con, raw, max_file_mb=5)
        pipeline.extract(con, raw, timeout_seconds=60, memory_mb=1024)
        pipeline.parse(con, REFERENCE_AUTHORITIES_CSV)
        return {
            row[0]: row[1:]
            for row in con.execute(
                "SELECT source_file, status, status_reason, extracted_at FROM audit.file_ledger"
            ).fetchall()
        }


@pytest.fixture
def raw(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    shutil.copy(SURREY, folder / "surrey.txt")
    return folder


def test_first_seen_name_of_a_content_is_loaded_later_copies_are_duplicates(raw, tmp_path):
    db = tmp_path / "w.duckdb"
    run_once(raw, db)
    (raw / "a copy.txt").write_bytes(SURREY.read_bytes())
    ledger = run_once(raw, db)
    assert ledger["surrey.txt"][0] == "loaded"
    assert ledger["a copy.txt"][:2] == ("duplicate", "same content as surrey.txt, which is loaded")


def test_bad_files_are_quarantined_and_good_ones_load(raw, tmp_path):
    (raw / "empty.pdf").write_bytes(b"")
    (raw / "error page.pdf").write_bytes(b"<!DOCTYPE html><html><body>Not found</body></html>")
    (raw / "notes.docx").write_bytes(b"PK\x03\x04 not a report")
    (raw / "latin1.txt").write_bytes("Caf\xe9 report".encode("latin-1"))
    (raw / "minutes.txt").write_text("Minutes of the parish council.\nApologies were received.\n")
    (raw / "truncated.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")
    (raw / "surrey_copy.txt").write_bytes(SURREY.read_bytes())
    (raw / "folder.pdf").mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("Ofsted secret")
    os.symlink(outside, raw / "link.txt")

    ledger = run_once(raw, tmp_path / "w.duckdb")
    status = {name: row[0] for name, row in ledger.items()}
    assert status == {
        "surrey.txt": "loaded",
        "surrey_copy.txt": "duplicate",
        "empty.pdf": "quarantined",
        "error page.pdf": "quarantined",
        "notes.docx": "quarantined",
        "latin1.txt": "quarantined",
        "minutes.txt": "quarantined",
        "truncated.pdf": "quarantined",
        "link.txt": "quarantined",
    }
    reasons = {name: row[1] for name, row in ledger.items()}
    assert "empty" in reasons["empty.pdf"]
    assert "HTML" in reasons["error page.pdf"]
    assert "unsupported" in reasons["notes.docx"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "not an Ofsted report" in reasons["minutes.txt"]
    assert "PDF could not be read" in reasons["truncated.pdf"]
    assert "outside RAW_DIR" in reasons["link.txt"]
    assert reasons["surrey_copy.txt"].startswith("same content as surrey.txt")


def test_unchanged_files_keep_extracted_at_and_removed_files_leave(raw, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copy(REPO / "raw" / "003_115b63e9a6254de7.txt", raw / "visit.txt")
    first = run_once(raw, db)
    second = run_once(raw, db)
    assert second["surrey.txt"][2] == first["surrey.txt"][2]
    (raw / "visit.txt").unlink()
    third = run_once(raw, db)
    assert third["visit.txt"][0] == "removed"
    assert third["surrey.txt"][2] == first["surrey.txt"][2]
    with warehouse.connect(db) as con:
        types = con.execute("SELECT report_type FROM extracted.reports").fetchall()
    assert types == [("child_protection_inspection",)]
