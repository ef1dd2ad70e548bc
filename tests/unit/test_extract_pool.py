"""The pool of extraction processes: many PDFs go through a few long-lived processes, and a PDF that
runs out of time or memory costs its own document and one fresh process, never the documents after it."""

import subprocess

from orchestration.lib.extract import Limits, extract_many
from orchestration.lib.files import discover
from tests.fixtures import bad_files
from tests.fixtures.pdf_render import render_text_report_to_pdf
from tests.support import REPO

SEED = REPO / "raw" / "003_115b63e9a6254de7.txt"


def _jobs(root):
    return [(f.source_file, f.sha256, f.media_kind) for f in discover(root, max_file_mb=100) if f.media_kind]


def _count_worker_starts(monkeypatch) -> list:
    started = []
    real_popen = subprocess.Popen

    def counting(command, **kwargs):
        if "orchestration.lib.extract_worker" in command:
            started.append(command)
        return real_popen(command, **kwargs)

    monkeypatch.setattr("orchestration.lib.extract.subprocess.Popen", counting)
    return started


def _render_letters(root, count):
    text = SEED.read_text(encoding="utf-8")
    for index in range(count):
        # each copy different, so each is its own content
        render_text_report_to_pdf(text + f"\nReference {index}\n", root / f"letter-{index}.pdf", layout="ab"[index % 2])


def test_many_pdfs_are_extracted_by_fewer_processes_than_files(tmp_path, monkeypatch):
    _render_letters(tmp_path, 8)
    started = _count_worker_starts(monkeypatch)
    done = []
    results = extract_many(tmp_path, _jobs(tmp_path), Limits(60, 512), workers=2, on_done=done.append)
    assert [r.error for r in results] == [None] * 8
    assert all(r.page_count and r.page_count >= 2 for r in results)
    assert len({r.sha256 for r in results}) == 8 and len(done) == 8
    assert 1 <= len(started) <= 2


def test_a_slow_pdf_and_a_bomb_are_quarantined_and_the_rest_still_extract(tmp_path, monkeypatch):
    _render_letters(tmp_path, 4)
    bad_files.slow_pdf(tmp_path / "slow.pdf")  # about 25 s of work for pdfminer
    bad_files.decompression_bomb_pdf(tmp_path / "bomb.pdf", inflated_mb=512)
    started = _count_worker_starts(monkeypatch)
    jobs = _jobs(tmp_path)
    results = dict(zip([job[0] for job in jobs], extract_many(tmp_path, jobs, Limits(3, 200), workers=1)))
    assert results["slow.pdf"].failure_kind == "timeout"
    assert "took longer than 3 s (EXTRACT_TIMEOUT_SECONDS)" in results["slow.pdf"].error
    assert results["bomb.pdf"].failure_kind == "memory"
    assert "200 MB allowed (EXTRACT_MEMORY_MB)" in results["bomb.pdf"].error
    assert all(results[f"letter-{i}.pdf"].error is None for i in range(4))
    # one process to start with, and a fresh one after each that had to be stopped while PDFs remained
    # (largest first: the bomb, then the letters, then the small slow PDF), never one per file
    assert len(started) == 2
