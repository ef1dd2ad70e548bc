"""The head start of `make run`: PDFs begin extracting before the run has loaded, the extract step takes
over what matches the bytes the scan recorded, reads anything else itself, and a wrong guess never
changes what is stored."""

from __future__ import annotations

import subprocess
import sys

import pytest

from orchestration.lib import head_start, pipeline, warehouse
from orchestration.lib.extract import Limits, extract_many
from orchestration.lib.files import discover
from orchestration.settings import REFERENCE_AUTHORITIES_CSV
from tests.fixtures.pdf_render import render_text_report_to_pdf
from tests.support import REPO

SEED = REPO / "raw" / "003_115b63e9a6254de7.txt"
LIMITS = Limits(60, 512)


def _render(path, index, extra=""):
    text = SEED.read_text(encoding="utf-8")
    render_text_report_to_pdf(text + f"\nReference {index}{extra}\n", path, layout="ab"[index % 2])


def _jobs(root):
    return [(f.source_file, f.sha256, f.media_kind) for f in discover(root, max_file_mb=100) if f.media_kind]


@pytest.fixture
def raw(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    for index in range(4):
        _render(folder / f"letter-{index}.pdf", index)
    return folder


@pytest.fixture(autouse=True)
def no_head_start_left():
    yield
    head_start.end()


def _count_worker_starts(monkeypatch) -> list:
    started = []
    real_popen = subprocess.Popen

    def counting(command, **kwargs):
        if "orchestration.lib.extract_worker" in command:
            started.append(command)
        return real_popen(command, **kwargs)

    monkeypatch.setattr("orchestration.lib.extract.subprocess.Popen", counting)
    return started


def test_the_extract_step_takes_over_what_the_head_start_read(raw, monkeypatch):
    started = _count_worker_starts(monkeypatch)
    expected = head_start.expected_pdfs(raw, raw.parent / "missing.duckdb", LIMITS, max_file_mb=100)
    assert sorted(expected) == [f"letter-{i}.pdf" for i in range(4)]
    sizes = [(raw / name).stat().st_size for name in expected]
    assert sizes == sorted(sizes, reverse=True)  # largest first

    head_start.begin(raw, LIMITS, expected, workers=2)
    taken = head_start.take(raw, LIMITS)
    assert taken is not None and head_start.take(raw, LIMITS) is None  # handed over once
    jobs = _jobs(raw)
    results = extract_many(raw, jobs, LIMITS, workers=2, head_start=taken)
    assert 1 <= len(started) <= 2  # the takeover uses the head start's processes, no others
    plain = extract_many(raw, jobs, LIMITS, workers=2)
    assert [r.sha256 for r in results] == [job[1] for job in jobs]
    assert [r.pages for r in results] == [r.pages for r in plain]


def test_a_file_rewritten_after_the_head_start_is_read_again(raw):
    head_start.begin(raw, LIMITS, ["letter-0.pdf", "letter-1.pdf"], workers=1)
    taken = head_start.take(raw, LIMITS)
    next(iter(taken._futures.values())).result()  # the head start has read letter-0 as it was
    _render(raw / "letter-0.pdf", 0, extra=" rewritten")
    jobs = _jobs(raw)
    results = dict(zip([job[0] for job in jobs], extract_many(raw, jobs, LIMITS, workers=1, head_start=taken)))
    assert results["letter-0.pdf"].sha256 == {j[0]: j[1] for j in jobs}["letter-0.pdf"]
    assert "Reference 0 rewritten" in "\n".join(results["letter-0.pdf"].pages)


def test_a_head_start_for_another_folder_or_other_limits_is_not_taken(raw, tmp_path):
    head_start.begin(raw, LIMITS, ["letter-0.pdf"], workers=1)
    assert head_start.take(raw, Limits(60, 1024)) is None
    head_start.begin(raw, LIMITS, ["letter-0.pdf"], workers=1)
    assert head_start.take(tmp_path, LIMITS) is None


def test_only_what_the_ledger_has_not_settled_is_expected(raw, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    with warehouse.connect(db) as con:
        pipeline.scan(con, raw, max_file_mb=100)
        pipeline.extract(con, raw, timeout_seconds=60, memory_mb=512)
        pipeline.parse(con, REFERENCE_AUTHORITIES_CSV)
    assert head_start.expected_pdfs(raw, db, LIMITS, max_file_mb=100) == []

    _render(raw / "letter-1.pdf", 1, extra=" and a longer ending, so the size differs")
    _render(raw / "new.pdf", 9)
    (raw / ".hidden.pdf").write_bytes((raw / "new.pdf").read_bytes())
    (raw / "notes.txt").write_text("not a PDF", encoding="utf-8")
    assert sorted(head_start.expected_pdfs(raw, db, LIMITS, max_file_mb=100)) == ["letter-1.pdf", "new.pdf"]
    # a higher memory limit retries nothing that did not fail for memory
    assert sorted(head_start.expected_pdfs(raw, db, Limits(60, 2048), max_file_mb=100)) == ["letter-1.pdf", "new.pdf"]

    # while another run writes the warehouse, no guess is made
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(db) + ".lock"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert head_start.expected_pdfs(raw, db, LIMITS, max_file_mb=100) == []
    finally:
        holder.kill()
        holder.wait()


HOLD_LOCK = """
import fcntl, os, sys, time
descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(descriptor, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(60)
"""


def test_the_extract_step_stores_the_same_with_or_without_a_head_start(raw, tmp_path):
    stored = []
    for use_head_start in (True, False):
        db = tmp_path / f"warehouse-{use_head_start}.duckdb"
        if use_head_start:
            names = head_start.expected_pdfs(raw, db, LIMITS, max_file_mb=100)
            head_start.begin(raw.resolve(), LIMITS, names, workers=2)
        with warehouse.connect(db) as con:
            pipeline.scan(con, raw, max_file_mb=100)
            summary = pipeline.extract(con, raw, timeout_seconds=60, memory_mb=512)
            stored.append(con.execute(
                "SELECT source_sha256, page_number, page_text FROM raw.pages ORDER BY ALL"
            ).fetchall())
        assert summary.extracted == 4
        assert head_start.take(raw.resolve(), LIMITS) is None  # taken by the extract step
    assert stored[0] == stored[1] and len(stored[0]) >= 8
