"""The pool of extraction processes: many PDFs go through a few long-lived processes, and a PDF that
runs out of time or memory costs its own document and one fresh process, never the documents after it.
A process ended from outside, or starved by the machine, is not the document's fault: the document is
tried again in a fresh process. An interrupt ends every process at once.

The tests keep time themselves (tests/fixtures/clocks.py): a timeout is measured on the processor time of
the extraction processes, or passes when the test advances the clock, so a busy machine never decides
an outcome; a bound on the wall clock is only there to stop a test that hangs."""

import os
import signal
import subprocess
import threading
import time

import pytest

from orchestration.lib.extract import worker as extract_worker
from orchestration.lib.extract.pool import Limits, _worker_failure, extract_many, worth_retrying
from orchestration.lib.ingest.files import discover
from tests.fixtures import bad_files
from tests.fixtures.clocks import ManualClock, WorkerCpuClock, cpu_seconds, worker_processes
from tests.fixtures.pdf_render import render_text_report_to_pdf
from tests.support import REPO, extract_with

SEED = REPO / "raw" / "003_115b63e9a6254de7.txt"
# Seconds after which a wait is taken for a hang: never the measure of an outcome
HANG = 600


def _jobs(root):
    return [(f.source_file, f.sha256, f.media_kind) for f in discover(root, max_file_mb=100) if f.media_kind]


def _count_worker_starts(monkeypatch) -> list:
    started = []
    real_popen = subprocess.Popen

    def counting(command, **kwargs):
        if "orchestration.lib.extract.worker" in command:
            started.append(command)
        return real_popen(command, **kwargs)

    monkeypatch.setattr("orchestration.lib.extract.pool.subprocess.Popen", counting)
    return started


def _render_letters(root, count):
    text = SEED.read_text(encoding="utf-8")
    for index in range(count):
        # each copy different, so each is its own content
        render_text_report_to_pdf(
            text + f"\nReference {index}\n", root / f"letter-{index}.pdf", layout="ab"[index % 2]
        )


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
    results = dict(
        zip(
            [job[0] for job in jobs],
            extract_many(tmp_path, jobs, Limits(3, 200), workers=1, clock=WorkerCpuClock()),
        )
    )
    assert results["slow.pdf"].failure_kind == "timeout"
    assert "took longer than 3 s (EXTRACT_TIMEOUT_SECONDS)" in results["slow.pdf"].error
    assert results["bomb.pdf"].failure_kind == "memory"
    assert "200 MB allowed (EXTRACT_MEMORY_MB)" in results["bomb.pdf"].error
    assert all(results[f"letter-{i}.pdf"].error is None for i in range(4))
    # one process to start with, and a fresh one after each that had to be stopped while PDFs remained
    # (largest first: the bomb, then the letters, then the small slow PDF), never one per file
    assert len(started) == 2


def _worker_busy_with_a_document(seconds_of_cpu: float = 1.5, exclude: tuple[int, ...] = ()) -> int:
    """An extraction child (not among `exclude`) once it has spent more processor time than starting up
    costs: it is then in the middle of a document. Waits as long as the machine needs."""
    deadline = time.monotonic() + HANG
    while time.monotonic() < deadline:
        for pid in worker_processes():
            try:
                if pid not in exclude and cpu_seconds(pid) >= seconds_of_cpu:
                    return pid
            except OSError:
                pass
        time.sleep(0.05)
    raise AssertionError("no extraction process got busy")


def _extract_in_background(root, limits, workers=1, clock=None):
    outcome = {}
    clock = clock or WorkerCpuClock()

    def work():
        outcome["results"] = extract_many(root, _jobs(root), limits, workers=workers, clock=clock)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread, outcome


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_a_worker_ended_by_a_signal_mid_document_is_retried_in_a_fresh_process_and_the_document_loads(
    tmp_path, monkeypatch, stop
):
    bad_files.slow_pdf(tmp_path / "long.pdf", inflated_mb=2)  # a few seconds of pdfminer's work
    started = _count_worker_starts(monkeypatch)
    thread, outcome = _extract_in_background(tmp_path, Limits(120, 512))
    os.kill(_worker_busy_with_a_document(), stop)
    thread.join(HANG)
    [result] = outcome["results"]
    assert (result.error, result.failure_kind, result.page_count) == (None, None, 1)
    assert len(started) == 2  # the process that was ended, and a fresh one for the retry


def test_a_worker_ended_twice_leaves_a_transient_failure_that_later_runs_retry(tmp_path):
    bad_files.slow_pdf(tmp_path / "long.pdf", inflated_mb=2)
    thread, outcome = _extract_in_background(tmp_path, Limits(120, 512))
    first = _worker_busy_with_a_document()
    os.kill(first, signal.SIGTERM)
    deadline = time.monotonic() + HANG
    while (pids := [pid for pid in worker_processes() if pid != first]) == [] and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(pids[0], signal.SIGTERM)
    thread.join(HANG)
    [result] = outcome["results"]
    assert result.failure_kind == "transient"
    assert "ended by SIGTERM, not by the document" in result.error
    assert worth_retrying(result.failure_kind, 120, 512, Limits(120, 512))


def test_a_worker_paused_by_the_machine_past_the_timeout_is_not_charged_to_the_document(tmp_path):
    bad_files.slow_pdf(tmp_path / "long.pdf", inflated_mb=1)
    clock = ManualClock()
    thread, outcome = _extract_in_background(tmp_path, Limits(600, 512), clock=clock)
    paused = _worker_busy_with_a_document(0.8)
    os.kill(paused, signal.SIGSTOP)  # as a starved or suspended machine would
    clock.advance(601)  # its timeout passes while it is paused
    thread.join(HANG)
    assert not thread.is_alive()
    [result] = outcome["results"]
    # the first try timed out with little processor time (transient) and the fresh process finished it
    assert (result.error, result.failure_kind) == (None, None)
    assert paused not in worker_processes()


@pytest.mark.parametrize(
    ("returncode", "kind"),
    [
        (-signal.SIGTERM, "transient"),
        (-signal.SIGKILL, "transient"),
        (-signal.SIGINT, "transient"),
        (1, "transient"),
        (0, "transient"),
        (-signal.SIGXCPU, "timeout"),
        (extract_worker.EXIT_OUT_OF_MEMORY, "memory"),
        (extract_worker.EXIT_UNREADABLE, None),
    ],
)
def test_only_the_documents_own_fault_is_final(returncode, kind):
    failure = _worker_failure("0" * 64, Limits(60, 512), returncode, "Traceback...\nSomeError: boom\n")
    assert failure.failure_kind == kind
    assert worth_retrying(failure.failure_kind, 60, 512, Limits(60, 512)) == (kind == "transient")


def test_an_interrupt_ends_the_documents_being_read_and_their_processes_at_once(tmp_path):
    for index in range(2):
        bad_files.slow_pdf(tmp_path / f"slow-{index}.pdf", inflated_mb=8 + index)  # about 25 s each
    (tmp_path / "quick.txt").write_text("A letter.", encoding="utf-8")
    paused: list[int] = []

    def interrupt(extraction):
        if extraction.media_kind == "text":
            # both PDFs under way, then paused: waiting for their documents would never end
            while len(paused) < 2:
                pid = _worker_busy_with_a_document(0.3, exclude=tuple(paused))
                os.kill(pid, signal.SIGSTOP)
                paused.append(pid)
            raise KeyboardInterrupt

    outcome = {}

    def work():
        try:
            extract_many(tmp_path, _jobs(tmp_path), Limits(600, 512), workers=3, on_done=interrupt)
        except KeyboardInterrupt:
            outcome["interrupted"] = True

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(HANG)  # a bound for a hang only: a pool that waited for its documents would never return
    assert not thread.is_alive() and outcome == {"interrupted": True}
    assert worker_processes() == []


def test_retry_reads_every_quarantined_document_again_and_nothing_else(tmp_path):
    from orchestration.lib.core import warehouse
    from orchestration.lib.extract import store as extracting
    from orchestration.lib.ingest import ledger

    raw = tmp_path / "raw"
    raw.mkdir()
    bad_files.password_protected_pdf(raw / "locked.pdf")  # the document's own fault: final
    (raw / "letter.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        ledger.scan(con, raw, max_file_mb=100)
        first = extract_with(con, raw)
        assert (first.extracted, first.failed) == (1, 1)
        con.execute("UPDATE audit.file_ledger SET status = 'quarantined' WHERE source_file = 'locked.pdf'")
        assert extracting.pending_extractions(con, Limits(60, 1024)) == []  # a plain run leaves it be

        assert extracting.forget_failures(con) == 1
        again = extract_with(con, raw)
        assert (again.extracted, again.failed, again.reused) == (0, 1, 1)  # read again; the text kept
