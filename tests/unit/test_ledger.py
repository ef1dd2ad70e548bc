"""Scan, extract and parse over a folder of good and bad files, without Dagster: every file is accounted
for, bad ones are quarantined with a reason, unchanged content is not extracted twice, and nothing
outside RAW_DIR is read."""

import os
import shutil
import signal
import subprocess

import pytest

from orchestration.lib.core import warehouse
from orchestration.lib.ingest import ledger as file_ledger
from orchestration.lib.ingest.files import discover
from orchestration.lib.parse import documents as parsing
from orchestration.settings import REFERENCE_AUTHORITIES_CSV
from tests.fixtures import bad_files
from tests.fixtures.clocks import WorkerCpuClock
from tests.support import REPO, extract_with

SURREY = REPO / "raw" / "000_9f7ce6b861c02e06.txt"


def run_once(raw, db, *, max_file_mb=5, timeout_seconds=60, memory_mb=1024, summary=None, clock=None):
    with warehouse.connect(db) as con:
        file_ledger.scan(con, raw, max_file_mb=max_file_mb)
        extracted = extract_with(
            con, raw, timeout_seconds=timeout_seconds, memory_mb=memory_mb, clock=clock or WorkerCpuClock()
        )
        parsing.parse(con, REFERENCE_AUTHORITIES_CSV)
        if summary is not None:
            summary.append(extracted)
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


@pytest.fixture(scope="module")
def bad_ledger(tmp_path_factory):
    work = tmp_path_factory.mktemp("bad")
    raw = work / "raw"
    raw.mkdir()
    shutil.copy(SURREY, raw / SURREY.name)
    expected = bad_files.write_bad_files(raw, work / "secret.txt")
    return expected, run_once(raw, work / "w.duckdb", max_file_mb=1, memory_mb=256)


def test_every_bad_file_is_in_the_ledger_with_its_status_and_reason(bad_ledger):
    expected, ledger = bad_ledger
    assert set(ledger) == set(expected) | {SURREY.name}
    assert ledger[SURREY.name][:2] == ("loaded", None)
    for name, (status, words) in expected.items():
        assert ledger[name][0] == status, (name, ledger[name])
        assert words in (ledger[name][1] or ""), (name, ledger[name][1])


def test_reasons_read_as_instructions(bad_ledger):
    ledger = bad_ledger[1]
    assert ledger["scan.pdf"][1] == (
        "the PDF has no text layer (its pages are images, as in a scan): run OCR on it, for example with "
        "ocrmypdf, and put the result in RAW_DIR"
    )
    assert ledger["locked.pdf"][1] == (
        "the PDF is encrypted and needs a password: put a copy without a password in RAW_DIR"
    )
    assert ledger["bomb.pdf"][1].startswith(
        "text extraction needed more than the 256 MB allowed (EXTRACT_MEMORY_MB)"
    )
    assert ledger["huge.pdf"][1].startswith("larger than the 1 MB limit (MAX_FILE_MB), so not read")


def test_unusual_entries_are_recorded_without_stopping_the_scan(raw, tmp_path):
    os.mkfifo(raw / "pipe.pdf")
    with open(os.path.join(os.fsencode(raw), b"caf\xe9.txt"), "wb") as handle:
        handle.write(SURREY.read_bytes())
    os.symlink("loop b.pdf", raw / "loop a.pdf")
    os.symlink("loop a.pdf", raw / "loop b.pdf")
    os.symlink("gone.pdf", raw / "dangling.pdf")
    (raw / "outside folder").symlink_to(tmp_path, target_is_directory=True)
    (raw / ".git").mkdir()
    (raw / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (raw / "blank.txt").write_text(" \n\n \t\n", encoding="utf-8")
    bad_files.permissions_only_pdf(raw / "copy-protected.pdf", ["Minutes of the parish council"])

    ledger = run_once(raw, tmp_path / "w.duckdb")

    reasons = {name: (status, reason) for name, (status, reason, _) in ledger.items()}
    assert reasons["surrey.txt"] == ("loaded", None)
    assert reasons["pipe.pdf"] == ("quarantined", "not a regular file (device, socket or pipe)")
    assert reasons["caf\\xe9.txt"][1].startswith("the file name is not valid UTF-8")
    assert "does not exist" in reasons["loop a.pdf"][1] and "does not exist" in reasons["dangling.pdf"][1]
    assert "outside RAW_DIR" in reasons["outside folder"][1]
    assert "hidden" in reasons[".git"][1] and ".git/HEAD" not in ledger
    assert reasons["blank.txt"] == ("quarantined", "the file holds no text: put the report's text in it")
    # encrypted only against copying: read like any PDF, and judged on its text
    assert reasons["copy-protected.pdf"][0] == "quarantined"
    assert reasons["copy-protected.pdf"][1].startswith("not an Ofsted report")


def test_a_pdf_over_the_time_limit_is_quarantined_and_retried_only_once_the_limit_is_raised(raw, tmp_path):
    bad_files.slow_pdf(raw / "slow.pdf")  # about 25 s of work for pdfminer
    db = tmp_path / "w.duckdb"
    summaries = []
    first = run_once(raw, db, timeout_seconds=2, summary=summaries)
    assert first["slow.pdf"][0] == "quarantined"
    assert first["slow.pdf"][1].startswith("text extraction took longer than 2 s (EXTRACT_TIMEOUT_SECONDS)")
    assert first["surrey.txt"][0] == "loaded"
    run_once(raw, db, timeout_seconds=2, summary=summaries)
    run_once(raw, db, timeout_seconds=3, summary=summaries)
    attempts = [summary.extracted + summary.failed for summary in summaries]
    assert attempts == [2, 0, 1]


def test_a_decompression_bomb_is_stopped_by_the_memory_cap_and_retried_once_it_is_raised(raw, tmp_path):
    bad_files.decompression_bomb_pdf(raw / "bomb.pdf", inflated_mb=512)
    assert (raw / "bomb.pdf").stat().st_size < 1024 * 1024
    db = tmp_path / "w.duckdb"
    summaries = []
    first = run_once(raw, db, memory_mb=200, summary=summaries)
    assert first["bomb.pdf"][0] == "quarantined"
    assert "200 MB allowed (EXTRACT_MEMORY_MB)" in first["bomb.pdf"][1]
    run_once(raw, db, memory_mb=200, summary=summaries)
    run_once(raw, db, memory_mb=256, summary=summaries)
    assert [summary.extracted + summary.failed for summary in summaries] == [2, 0, 1]


def test_a_memory_cap_too_small_to_start_names_the_setting_and_is_retried_when_raised(raw, tmp_path):
    bad_files.not_a_report_pdf(raw / "recipe.pdf")
    db = tmp_path / "w.duckdb"
    starved = run_once(raw, db, memory_mb=20)
    assert starved["recipe.pdf"][0] == "quarantined"
    assert "could not start within 20 MB (EXTRACT_MEMORY_MB" in starved["recipe.pdf"][1]
    assert run_once(raw, db, memory_mb=1024)["recipe.pdf"][1].startswith("not an Ofsted report")


def test_a_file_swapped_for_a_link_after_the_scan_is_not_followed(raw, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SURREY.read_bytes())
    (raw / "late.txt").write_bytes(SURREY.read_bytes() + b"\n")
    db = tmp_path / "w.duckdb"
    with warehouse.connect(db) as con:
        file_ledger.scan(con, raw, max_file_mb=5)
        (raw / "late.txt").unlink()
        os.symlink(secret, raw / "late.txt")
        extract_with(con, raw, timeout_seconds=60, memory_mb=1024)
        pages = con.execute(
            "SELECT count(*) FROM raw.pages p JOIN raw.documents d USING (source_sha256) "
            "WHERE d.error IS NOT NULL"
        ).fetchall()[0][0]
        reason = con.execute(
            "SELECT error FROM raw.documents d JOIN audit.file_ledger l USING (source_sha256) "
            "WHERE l.source_file = 'late.txt'"
        ).fetchall()[0][0]
    assert pages == 0
    assert reason.startswith("could not be opened")
    ledger = run_once(raw, db)
    assert "outside RAW_DIR" in ledger["late.txt"][1]


def test_a_file_changed_after_the_scan_is_not_extracted_under_the_old_hash(raw, tmp_path):
    bad_files.not_a_report_pdf(raw / "recipe.pdf")
    db = tmp_path / "w.duckdb"
    with warehouse.connect(db) as con:
        file_ledger.scan(con, raw, max_file_mb=5)
        bad_files.image_only_pdf(raw / "recipe.pdf")
        extract_with(con, raw, timeout_seconds=60, memory_mb=1024)
        parsing.parse(con, REFERENCE_AUTHORITIES_CSV)
        reason = con.execute(
            "SELECT status_reason FROM audit.file_ledger WHERE source_file = 'recipe.pdf'"
        ).fetchall()[0][0]
    assert reason == "the file changed while the run was reading it: run again"
    assert "no text layer" in run_once(raw, db)["recipe.pdf"][1]


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


def test_a_duplicate_of_a_quarantined_file_says_so(raw, tmp_path):
    (raw / "a.txt").write_text("Minutes of the parish council.\n", encoding="utf-8")
    (raw / "b.txt").write_text("Minutes of the parish council.\n", encoding="utf-8")
    ledger = run_once(raw, tmp_path / "w.duckdb")
    assert ledger["b.txt"][:2] == (
        "duplicate",
        "same content as a.txt, which is quarantined (see its reason)",
    )


def test_a_child_process_that_cannot_start_costs_one_file_until_the_next_run(raw, tmp_path, monkeypatch):
    bad_files.not_a_report_pdf(raw / "recipe.pdf")

    def no_process(*args, **kwargs):
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr("orchestration.lib.extract.pool.subprocess.Popen", no_process)
    db = tmp_path / "w.duckdb"
    first = run_once(raw, db)
    assert first["surrey.txt"][0] == "loaded"
    assert first["recipe.pdf"][:2] == (
        "quarantined",
        "extraction failed (OSError: [Errno 12] Cannot allocate memory): run again",
    )
    monkeypatch.undo()
    assert run_once(raw, db)["recipe.pdf"][1].startswith("not an Ofsted report")


@pytest.mark.parametrize(
    ("returncode", "kind", "words"),
    [
        # a signal the warehouse did not send is not the document's fault: tried again, never settled
        (-signal.SIGKILL, "transient", "tried again"),
        (-signal.SIGSEGV, "transient", "tried again"),
        (-signal.SIGABRT, "transient", "tried again"),
        (-signal.SIGXCPU, "timeout", "EXTRACT_TIMEOUT_SECONDS"),
    ],
)
def test_a_child_killed_by_a_signal_gets_a_reason_naming_the_cause(
    tmp_path, monkeypatch, returncode, kind, words
):
    from orchestration.lib.extract import pool as extract

    real_popen = subprocess.Popen

    def dies_by_signal(command, **kwargs):
        # the worker process, replaced by one that dies of the signal before it answers
        return real_popen([command[0], "-c", f"import os; os.kill(os.getpid(), {-returncode})"], **kwargs)

    monkeypatch.setattr("orchestration.lib.extract.pool.subprocess.Popen", dies_by_signal)
    pdf = bad_files.not_a_report_pdf(tmp_path / "recipe.pdf")
    with open(pdf, "rb") as handle:
        result = extract.extract_pdf(handle.fileno(), "sha", extract.Limits(30, 512))
    assert result.failure_kind == kind and words in result.error


def test_the_pull_steps_own_files_are_not_in_the_ledger_but_other_hidden_entries_are(raw, tmp_path):
    (raw / ".pull").mkdir()
    (raw / ".pull" / "downloads.json").write_text("{}", encoding="utf-8")
    (raw / ".2023-05-02_surrey_50212345.pdf.part").write_bytes(b"%PDF-1.7 half a download")
    (raw / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (raw / "2019").mkdir()
    (raw / "2019" / ".pull").mkdir()  # only RAW_DIR's own .pull belongs to the pull step

    ledger = run_once(raw, tmp_path / "w.duckdb")

    assert set(ledger) == {"surrey.txt", ".DS_Store", "2019/.pull"}
    assert ledger[".DS_Store"][0] == "quarantined" and "hidden" in ledger[".DS_Store"][1]


def test_records_exactly_tells_whether_a_scan_would_find_anything_new(raw, tmp_path):
    db = tmp_path / "w.duckdb"
    (raw / "notes.csv").write_text("not a report\n", encoding="utf-8")  # quarantined by the scan itself
    run_once(raw, db)

    def exact() -> bool:
        with warehouse.connect(db) as con:
            return file_ledger.records_exactly(con, discover(raw, max_file_mb=5))

    assert exact()
    original = (raw / "surrey.txt").read_bytes()
    (raw / "surrey.txt").write_bytes(original + b"\nA line added later.\n")
    assert not exact()  # changed content
    (raw / "surrey.txt").write_bytes(original)
    assert exact()
    shutil.copy(SURREY, raw / "another.txt")
    assert not exact()  # a new file
    with warehouse.connect(db) as con:
        file_ledger.scan(con, raw, max_file_mb=5)
    assert not exact()  # scanned, but not yet settled by a run
    run_once(raw, db)
    assert exact()
    (raw / "another.txt").unlink()
    assert not exact()  # a file gone


# Unreadable is not removed: permissions are real, so as root the folder is listed by an unprivileged user
_UNPRIVILEGED = 65534  # nobody
# loaded as root (the interpreter lives in root's home), then run as the unprivileged user
_DISCOVER = (
    "import json, os, sys, dataclasses; from pathlib import Path; "
    "from orchestration.lib.ingest.files import discover; "
    f"os.setgroups([]); os.setgid({_UNPRIVILEGED}); os.setuid({_UNPRIVILEGED}); "
    "print(json.dumps([dataclasses.asdict(f) for f in discover(Path(sys.argv[1]), max_file_mb=5)]))"
)


def _discover_as_a_user(raw):
    """What `discover` finds under raw, run as a user the permissions apply to (root reads anything)."""
    import json
    import sys

    from orchestration.lib.ingest.files import InputFile

    if os.geteuid() != 0:
        return discover(raw, max_file_mb=5)
    found = subprocess.run(
        [sys.executable, "-c", _DISCOVER, str(raw)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    return [InputFile(**item) for item in json.loads(found.stdout)]


@pytest.fixture
def shared_raw():
    """A RAW_DIR an unprivileged user can walk (pytest's own folders are private to root)."""
    import tempfile

    folder = tempfile.mkdtemp(prefix="h6-unreadable-")
    os.chmod(folder, 0o755)
    raw = os.path.join(folder, "raw")
    os.mkdir(raw)
    os.chmod(raw, 0o755)
    try:
        from pathlib import Path

        yield Path(raw)
    finally:
        for directory, dirnames, filenames in os.walk(folder):
            for name in dirnames + filenames:
                os.chmod(os.path.join(directory, name), 0o755)
        shutil.rmtree(folder)


def _ledger_and_reports(con):
    ledger = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT source_file, status, status_reason, report_id, is_present FROM audit.file_ledger"
        ).fetchall()
    }
    reports = {r for (r,) in con.execute("SELECT report_id FROM extracted.reports").fetchall()}
    return ledger, reports


@pytest.mark.parametrize("what", ["folder", "file"])
def test_a_folder_or_file_that_cannot_be_read_is_unreadable_and_keeps_what_was_read(
    shared_raw, tmp_path, what
):
    (shared_raw / "region").mkdir()
    os.chmod(shared_raw / "region", 0o755)
    shutil.copy(SURREY, shared_raw / "region" / "surrey.txt")
    os.chmod(shared_raw / "region" / "surrey.txt", 0o644)
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        file_ledger.scan(con, shared_raw, max_file_mb=5, files=_discover_as_a_user(shared_raw))
        extract_with(con, shared_raw)
        parsing.parse(con, REFERENCE_AUTHORITIES_CSV)
        before, reports_before = _ledger_and_reports(con)
        assert before["region/surrey.txt"][0] == "loaded"

        os.chmod(shared_raw / "region" if what == "folder" else shared_raw / "region" / "surrey.txt", 0)
        summary = file_ledger.scan(con, shared_raw, max_file_mb=5, files=_discover_as_a_user(shared_raw))
        parsing.parse(con, REFERENCE_AUTHORITIES_CSV)
        during, reports_during = _ledger_and_reports(con)
        status, reason, report_id, present = during["region/surrey.txt"]
        assert (status, report_id, present) == ("unreadable", before["region/surrey.txt"][2], True)
        assert "stays published" in reason and "permissions" in reason
        assert summary.removed == 0 and summary.unreadable >= 1
        assert reports_during == reports_before  # its rows stay for the marts
        if what == "folder":
            assert during["region"][0] == "unreadable" and "could not be read" in during["region"][1]
        # unchanged while it stays unreadable: nothing for a run to do
        files = _discover_as_a_user(shared_raw)
        assert file_ledger.records_exactly(con, files)

        os.chmod(shared_raw / "region" if what == "folder" else shared_raw / "region" / "surrey.txt", 0o755)
        file_ledger.scan(con, shared_raw, max_file_mb=5, files=_discover_as_a_user(shared_raw))
        parsing.parse(con, REFERENCE_AUTHORITIES_CSV)
        after, _ = _ledger_and_reports(con)
        assert after["region/surrey.txt"][:3] == before["region/surrey.txt"][:3]
        if what == "folder":
            assert after["region"][0] == "removed" and "now readable" in after["region"][1]


def test_an_unreadable_file_that_is_later_deleted_is_removed(shared_raw, tmp_path):
    shutil.copy(SURREY, shared_raw / "surrey.txt")
    os.chmod(shared_raw / "surrey.txt", 0)
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        file_ledger.scan(con, shared_raw, max_file_mb=5, files=_discover_as_a_user(shared_raw))
        (shared_raw / "surrey.txt").unlink()
        file_ledger.scan(con, shared_raw, max_file_mb=5, files=_discover_as_a_user(shared_raw))
        ledger, _ = _ledger_and_reports(con)
    assert ledger["surrey.txt"][0] == "removed" and ledger["surrey.txt"][3] is False


OTHER_KINDS = {
    "annual report.txt": "Ofsted\nThe Annual Report of His Majesty's Chief Inspector 2023\n\nEducation, "
    "children's services and skills.\n\n© Crown copyright 2023\n",
    "survey.txt": "Ofsted\n\nEvaluation of the new inspection arrangements: a survey of providers\n\n"
    "What we found.\n\n© Crown copyright 2021\n",
    "consultation.txt": "Ofsted\nChanges to how we inspect, a consultation\n\nWe would like your views.\n",
}


def test_documents_of_kinds_the_warehouse_does_not_read_are_not_read_and_never_checked(raw, tmp_path):
    from orchestration.lib.quality.hold_back import documents_checked

    for name, text in OTHER_KINDS.items():
        (raw / name).write_text(text, encoding="utf-8")
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        file_ledger.scan(con, raw, max_file_mb=5)
        extract_with(con, raw)
        parsing.parse(con, REFERENCE_AUTHORITIES_CSV)
        ledger = {
            name: (status, reason, report_id)
            for name, status, reason, report_id in con.execute(
                "SELECT source_file, status, status_reason, report_id FROM audit.file_ledger"
            ).fetchall()
        }
        types = con.execute("SELECT DISTINCT report_type FROM extracted.reports").fetchall()
        checked = documents_checked(con)
    assert ledger["surrey.txt"][0] == "loaded"
    for name in OTHER_KINDS:
        status, reason, report_id = ledger[name]
        assert (status, report_id) == ("not_read", None), (name, reason)
        assert "a document of a kind the warehouse does not read" in reason
    assert (
        "it appears to be: The Annual Report of His Majesty's Chief Inspector 2023"
        in (ledger["annual report.txt"][1])
    )
    assert "it appears to be: Evaluation of the new inspection arrangements" in ledger["survey.txt"][1]
    # nothing of theirs reaches the tables the checks read, so they can never make a failure systemic
    assert len(types) == 1 and types[0][0] != "other" and checked == 1
