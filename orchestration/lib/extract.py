"""Text of a document, page by page. PDFs are read by a pool of long-lived child processes (one per
core by default), each with a memory cap and, per document, a timeout: a hostile or broken PDF costs one
quarantined file and one fresh process instead of the run, and Python's start-up and pdfminer's import
are paid once per process, not once per file.

Every file is opened with `files.open_inside` and its bytes are checked against the hash the scan
recorded, so what is extracted is exactly the content the ledger names, and never a file outside RAW_DIR.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Iterable

import pdfminer

from . import extract_worker
from .files import digest_and_head, open_inside

# A content is extracted again when the version of the extractor for its kind changes, and only then:
# upgrading pdfminer.six (or changing how its output is cleaned, the suffix) re-reads every PDF and no
# text file. Bump the suffix when pdf_text.py, extract_worker.py or read_text change what they return.
EXTRACTOR_VERSIONS = {
    "pdf": f"pdfminer-{pdfminer.__version__}.3",
    "text": "utf8.1",
}
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # where the child finds this same `orchestration`


@dataclass(frozen=True)
class Limits:
    timeout_seconds: float
    memory_mb: int


@dataclass
class Extraction:
    sha256: str
    media_kind: str
    pages: list[str]
    page_count: int | None
    error: str | None  # why it failed, in words a person can act on
    # timeout | memory: retried once the limit is raised; changed: retried on the next run
    failure_kind: str | None = None


def _failed(sha256: str, media_kind: str, error: str, failure_kind: str | None = None) -> Extraction:
    return Extraction(sha256, media_kind, [], None, error, failure_kind)


def extract_document(
    root: Path, source_file: str, sha256: str, media_kind: str, limits: Limits, worker: PdfWorker | None = None
) -> Extraction:
    """Text of RAW_DIR/source_file, provided its bytes still hash to sha256. PDFs go to `worker` (a
    worker of their own when None)."""
    try:
        handle = open_inside(root, source_file)
    except OSError as error:
        return _failed(sha256, media_kind, f"could not be opened ({error.strerror or error}): run again", "changed")
    with handle:
        if media_kind == "text":
            return read_text(handle.read(), sha256)
        if digest_and_head(handle)[0] != sha256:
            return _failed(sha256, media_kind, "the file changed while the run was reading it: run again", "changed")
        handle.seek(0)
        if worker is None:
            return extract_pdf(handle.fileno(), sha256, limits)
        extraction = worker.extract(handle.fileno(), sha256)
        if extraction.failure_kind == "memory" and worker.documents > 1:
            # A process that had read other documents first may have been near its cap already: the
            # document is charged only for what it needs in a fresh process.
            handle.seek(0)
            worker.close()
            extraction = worker.extract(handle.fileno(), sha256)
        return extraction


def read_text(data: bytes, sha256: str) -> Extraction:
    if hashlib.sha256(data).hexdigest() != sha256:
        return _failed(sha256, "text", "the file changed while the run was reading it: run again", "changed")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return _failed(
            sha256, "text", f"text is not UTF-8 (byte {error.start}): save the file as UTF-8 and put it back"
        )
    return Extraction(sha256, "text", [text], None, None)


class PdfWorker:
    """One long-lived extraction process (`extract_worker`) and the socket the PDFs go to it through.

    The process is started on first use and after any document that ended it (timeout, memory, crash),
    so a hostile PDF costs its own document and one process start, never the documents after it."""

    def __init__(self, limits: Limits, *, max_documents: int = 200):
        self.limits = limits
        self.max_documents = max_documents  # a fresh process now and then: a long run's heap stays small
        self.documents = 0  # extracted by the current process
        self.started = 0  # processes started, over this worker's life
        self._process: subprocess.Popen | None = None
        self._channel: socket.socket | None = None
        self._stderr = None

    def _start(self) -> None:
        # The CPU cap only matters once the parent is gone; it never fires before the parent's timeout.
        cpu_seconds = math.ceil(self.limits.timeout_seconds) + 1
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        stderr = tempfile.TemporaryFile()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "orchestration.lib.extract_worker", str(child_end.fileno()),
                 str(self.limits.memory_mb), str(cpu_seconds)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                pass_fds=(child_end.fileno(),), cwd=_PACKAGE_ROOT,
                env={**os.environ, "PYTHONHASHSEED": "0"},
            )
        except BaseException:
            parent_end.close()
            stderr.close()
            raise
        finally:
            child_end.close()
        self._channel, self._stderr = parent_end, stderr
        self.documents = 0
        self.started += 1

    def extract(self, descriptor: int, sha256: str) -> Extraction:
        """Text of the PDF open at descriptor, or why it could not be read."""
        if self._process is None or self.documents >= self.max_documents:
            self.close()
            self._start()
        self.documents += 1
        deadline = time.monotonic() + self.limits.timeout_seconds
        try:
            socket.send_fds(self._channel, [b"pdf"], [descriptor])
            reply = self._receive(deadline)
        except TimeoutError:
            self._kill()
            return _timed_out(sha256, self.limits)
        except (ConnectionError, OSError):
            reply = None
        if reply is None:  # the process ended in the middle of this document
            return self._ended(sha256, deadline)
        if "error" in reply:
            return _failed(sha256, "pdf", reply["error"])
        return Extraction(sha256, "pdf", reply["pages"], len(reply["pages"]), None)

    def _receive(self, deadline: float) -> dict | None:
        header = self._read(4, deadline)
        if header is None:
            return None
        body = self._read(struct.unpack(">I", header)[0], deadline)
        return None if body is None else json.loads(body)

    def _read(self, size: int, deadline: float) -> bytes | None:
        chunks, remaining = [], size
        while remaining:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self._channel.settimeout(left)
            chunk = self._channel.recv(min(remaining, 1 << 20))  # TimeoutError when the time is up
            if not chunk:
                return None
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _ended(self, sha256: str, deadline: float) -> Extraction:
        process = self._process
        try:
            returncode = process.wait(max(deadline - time.monotonic(), 5))
        except subprocess.TimeoutExpired:
            self._kill()
            return _timed_out(sha256, self.limits)
        self._stderr.seek(0)
        stderr = self._stderr.read().decode("utf-8", "replace")
        self._discard()
        return _worker_failure(sha256, self.limits, returncode, stderr)

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
        self._discard()

    def _discard(self) -> None:
        for resource_ in (self._channel, self._stderr):
            if resource_ is not None:
                resource_.close()
        self._process = self._channel = self._stderr = None

    def close(self) -> None:
        """Tell the process it is done and wait for it; kill it if it does not go."""
        if self._process is None:
            return
        try:
            self._channel.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._discard()


def extract_pdf(descriptor: int, sha256: str, limits: Limits) -> Extraction:
    """One PDF in a worker of its own."""
    worker = PdfWorker(limits)
    try:
        return worker.extract(descriptor, sha256)
    finally:
        worker.close()


def _timed_out(sha256: str, limits: Limits) -> Extraction:
    return _failed(
        sha256, "pdf",
        f"text extraction took longer than {limits.timeout_seconds:g} s (EXTRACT_TIMEOUT_SECONDS) and was stopped: "
        "if the PDF is genuine, raise EXTRACT_TIMEOUT_SECONDS and run again",
        "timeout",
    )


def _out_of_memory(sha256: str, limits: Limits) -> Extraction:
    return _failed(
        sha256, "pdf",
        f"text extraction needed more than the {limits.memory_mb} MB allowed (EXTRACT_MEMORY_MB) and was stopped, "
        "as a decompression bomb would be: if the PDF is genuine, raise EXTRACT_MEMORY_MB and run again",
        "memory",
    )


def _worker_failure(sha256: str, limits: Limits, returncode: int, stderr: str) -> Extraction:
    lines = stderr.strip().splitlines()
    last = lines[-1] if lines else ""
    if returncode == extract_worker.EXIT_UNREADABLE:
        return _failed(sha256, "pdf", last)
    if returncode == -signal.SIGXCPU:
        return _timed_out(sha256, limits)
    # A C extension that cannot allocate aborts or segfaults rather than raising MemoryError.
    if returncode in (extract_worker.EXIT_OUT_OF_MEMORY, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT):
        return _out_of_memory(sha256, limits)
    if returncode == extract_worker.EXIT_CANNOT_START:
        return _failed(
            sha256, "pdf",
            f"the extraction process could not start within {limits.memory_mb} MB (EXTRACT_MEMORY_MB; {last}): "
            "raise EXTRACT_MEMORY_MB (default 1024) and run again",
            "memory",
        )
    return _failed(sha256, "pdf", f"the extraction process failed (exit code {returncode}): {last or 'no message'}")


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def extract_many(
    root: Path,
    jobs: Iterable[tuple[str, str, str]],
    limits: Limits,
    *,
    workers: int | None = None,
    on_done: Callable[[Extraction], None] | None = None,
    on_drain: Callable[[], None] | None = None,
) -> list[Extraction]:
    """Extract (source_file, sha256, media_kind) jobs under root: PDFs by `workers` long-lived child
    processes (default one per core), largest file first so that no long document is left for the end.
    on_done runs in the calling thread as each document finishes; the list returned is in job order.
    on_drain runs once, in a worker thread, as soon as every job has been taken and a worker has nothing
    left to do: from then on a core is free while the last documents finish."""
    jobs = list(jobs)
    workers = max(1, workers or default_workers())
    by_thread = threading.local()
    started: list[PdfWorker] = []
    lock = threading.Lock()

    def worker_of_this_thread() -> PdfWorker:
        worker = getattr(by_thread, "worker", None)
        if worker is None:
            worker = by_thread.worker = PdfWorker(limits)
            with lock:
                started.append(worker)
        return worker

    taken = [0]
    drained = [on_drain is None]

    def run(job: tuple[str, str, str]) -> Extraction:
        source_file, sha256, media_kind = job
        with lock:
            taken[0] += 1
        try:
            worker = worker_of_this_thread() if media_kind == "pdf" else None
            return extract_document(root, source_file, sha256, media_kind, limits, worker)
        except Exception as error:  # e.g. no process could be started: this file waits for the next run
            return _failed(sha256, media_kind, f"extraction failed ({type(error).__name__}: {error}): run again", "changed")
        finally:
            _drain_once()

    def _drain_once() -> None:
        with lock:
            if drained[0] or taken[0] < len(jobs):
                return
            drained[0] = True
        try:
            on_drain()
        except Exception:  # noqa: BLE001  a head start only: what it prepares is done later anyway
            pass

    order = sorted(range(len(jobs)), key=lambda index: -_size_of(root, jobs[index][0]))
    results: list[Extraction | None] = [None] * len(jobs)
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(run, jobs[index]): index for index in order}
            for future in as_completed(futures):
                extraction = results[futures[future]] = future.result()
                if on_done:
                    on_done(extraction)
    finally:
        for worker in started:
            worker.close()
    return results


def _size_of(root: Path, source_file: str) -> int:
    try:
        return (root / source_file).stat().st_size
    except OSError:
        return 0
