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
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import pdfminer

from orchestration.lib.extract import worker as extract_worker
from orchestration.lib.ingest.files import digest_and_head, open_inside

# A content is extracted again when the version of the extractor for its kind changes, and only then:
# upgrading pdfminer.six (or changing how its output is cleaned, the suffix) re-reads every PDF and no
# text file. Bump the suffix when pdf_text.py, pdf_layout.py, extract_worker.py or read_text change what
# they return.
EXTRACTOR_VERSIONS = {
    "pdf": f"pdfminer-{pdfminer.__version__}.4",
    "text": "utf8.1",
}
_PACKAGE_ROOT = Path(__file__).resolve().parents[3]  # where the child finds this same `orchestration`


@dataclass(frozen=True)
class Limits:
    timeout_seconds: float
    memory_mb: int
    # how the worker reads a PDF's layout: pdf_layout.py's mirror of pdfminer, or pdfminer's own code path
    # (the same text either way, so it is no part of what decides whether a document is read again)
    pdf_layout_mirror: bool = True


@dataclass
class Extraction:
    sha256: str
    media_kind: str
    pages: list[str]
    page_count: int | None
    error: str | None  # why it failed, in words a person can act on
    # None: the document's own fault (its bytes cannot be read), final until the document changes;
    # timeout | memory: retried once the limit is raised; changed | transient (not the document's fault:
    # its process was ended from outside, the machine starved it, an unknown error): retried by the next run
    failure_kind: str | None = None


def _failed(sha256: str, media_kind: str, error: str, failure_kind: str | None = None) -> Extraction:
    return Extraction(sha256, media_kind, [], None, error, failure_kind)


def extract_document(
    root: Path,
    source_file: str,
    sha256: str,
    media_kind: str,
    limits: Limits,
    worker: PdfWorker | None = None,
) -> Extraction:
    """Text of RAW_DIR/source_file, provided its bytes still hash to sha256 (or, when sha256 is None,
    of whatever bytes it holds, under their hash). PDFs go to `worker` (a worker of their own when None)."""
    try:
        handle = open_inside(root, source_file)
    except OSError as error:
        return _failed(
            sha256, media_kind, f"could not be opened ({error.strerror or error}): run again", "changed"
        )
    with handle:
        if media_kind == "text":
            return read_text(handle.read(), sha256)
        digest = digest_and_head(handle)[0]
        if sha256 is not None and digest != sha256:
            return _failed(
                sha256, media_kind, "the file changed while the run was reading it: run again", "changed"
            )
        sha256 = digest
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


def read_text(data: bytes, sha256: str | None) -> Extraction:
    if sha256 is None:
        sha256 = hashlib.sha256(data).hexdigest()
    elif hashlib.sha256(data).hexdigest() != sha256:
        return _failed(sha256, "text", "the file changed while the run was reading it: run again", "changed")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return _failed(
            sha256, "text", f"text is not UTF-8 (byte {error.start}): save the file as UTF-8 and put it back"
        )
    return Extraction(sha256, "text", [text], None, None)


_POLL_SECONDS = 1.0


class PdfWorker:
    """One long-lived extraction process (`extract_worker`) and the socket the PDFs go to it through.

    The process is started on first use and after any document that ended it (timeout, memory, crash),
    so a hostile PDF costs its own document and one process start, never the documents after it."""

    def __init__(
        self, limits: Limits, *, max_documents: int = 200, clock: Callable[[], float] = time.monotonic
    ):
        self.limits = limits
        # what the timeout is measured on: the machine's monotonic clock; a test gives a clock of its own
        self.clock = clock
        self.max_documents = max_documents  # a fresh process now and then: a long run's heap stays small
        self.documents = 0  # extracted by the current process
        self.started = 0  # processes started, over this worker's life
        self._process: subprocess.Popen | None = None
        self._channel: socket.socket | None = None
        self._stderr: IO[bytes] | None = None
        # `halt` may come from another thread (the run is being stopped): it and `_start` take turns
        self._halted = False
        self._guard = threading.Lock()

    def _start(self) -> None:
        # The CPU cap only matters once the parent is gone; it never fires before the parent's timeout.
        cpu_seconds = math.ceil(self.limits.timeout_seconds) + 1
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        stderr = tempfile.TemporaryFile()
        try:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "orchestration.lib.extract.worker",
                    str(child_end.fileno()),
                    str(self.limits.memory_mb),
                    str(cpu_seconds),
                    "1" if self.limits.pdf_layout_mirror else "0",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                pass_fds=(child_end.fileno(),),
                cwd=_PACKAGE_ROOT,
                env={**os.environ, "PYTHONHASHSEED": "0"},
            )
        except BaseException:
            parent_end.close()
            stderr.close()
            raise
        finally:
            child_end.close()
        self._process, self._channel, self._stderr = process, parent_end, stderr
        self.documents = 0
        self.started += 1

    def extract(self, descriptor: int, sha256: str) -> Extraction:
        """Text of the PDF open at descriptor, or why it could not be read."""
        if self._process is None or self.documents >= self.max_documents:
            self.close()
            with self._guard:
                if self._halted:
                    return _failed(
                        sha256, "pdf", "the run was stopped before this document was read", "transient"
                    )
                self._start()
        assert self._process is not None and self._channel is not None  # started just above, or before
        self.documents += 1
        deadline = self.clock() + self.limits.timeout_seconds
        cpu_before = _cpu_seconds(self._process.pid)
        try:
            socket.send_fds(self._channel, [b"pdf"], [descriptor])
            reply = self._receive(deadline)
        except TimeoutError:
            cpu_used = _cpu_seconds(self._process.pid)
            self._kill()
            if (
                cpu_before is not None
                and cpu_used is not None
                and cpu_used - cpu_before < self.limits.timeout_seconds / 2
            ):
                return _starved(sha256, self.limits, cpu_used - cpu_before)
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
        assert self._channel is not None  # only while a document is being read
        chunks, remaining = [], size
        while remaining:
            left = deadline - self.clock()
            if left <= 0:
                raise TimeoutError
            # woken at least every _POLL_SECONDS to look at the clock again
            self._channel.settimeout(min(left, _POLL_SECONDS))
            try:
                chunk = self._channel.recv(min(remaining, 1 << 20))
            except TimeoutError:
                continue
            if not chunk:
                return None
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _ended(self, sha256: str, deadline: float) -> Extraction:
        process = self._process
        assert process is not None and self._stderr is not None  # the process reading the document
        try:
            returncode = process.wait(max(deadline - self.clock(), 5))
        except subprocess.TimeoutExpired:
            self._kill()
            return _timed_out(sha256, self.limits)
        self._stderr.seek(0)
        stderr = self._stderr.read().decode("utf-8", "replace")
        self._discard()
        return _worker_failure(sha256, self.limits, returncode, stderr)

    def halt(self) -> None:
        """End the process now, from any thread, and start no other: the run is being stopped. The
        thread using this worker sees its document end and returns at once."""
        with self._guard:
            self._halted = True
            process = self._process
            if process is not None and process.poll() is None:
                process.kill()
        if process is not None:
            try:
                process.wait(2)  # reaped here too: the run may end before the thread using it does
            except subprocess.TimeoutExpired:
                pass

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
        assert self._channel is not None  # started together with the process
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
        sha256,
        "pdf",
        f"text extraction took longer than {limits.timeout_seconds:g} s (EXTRACT_TIMEOUT_SECONDS) "
        "and was stopped: "
        "if the PDF is genuine, raise EXTRACT_TIMEOUT_SECONDS and run again",
        "timeout",
    )


def _out_of_memory(sha256: str, limits: Limits) -> Extraction:
    return _failed(
        sha256,
        "pdf",
        f"text extraction needed more than the {limits.memory_mb} MB allowed (EXTRACT_MEMORY_MB) "
        "and was stopped, "
        "as a decompression bomb would be: if the PDF is genuine, raise EXTRACT_MEMORY_MB and run again",
        "memory",
    )


def _starved(sha256: str, limits: Limits, cpu_seconds: float) -> Extraction:
    return _failed(
        sha256,
        "pdf",
        f"text extraction was stopped after {limits.timeout_seconds:g} s (EXTRACT_TIMEOUT_SECONDS) "
        f"having had only {cpu_seconds:.1f} s of processor time: "
        "the machine was too busy (or the process was paused), not the "
        "document too slow; it is tried again",
        "transient",
    )


def _worker_failure(sha256: str, limits: Limits, returncode: int, stderr: str) -> Extraction:
    """Why the process reading a document ended without answering. Only what the document's bytes caused
    is charged to the document; anything else is transient and tried again."""
    lines = stderr.strip().splitlines()
    last = lines[-1] if lines else ""
    if returncode == extract_worker.EXIT_UNREADABLE:
        return _failed(sha256, "pdf", last)
    if returncode == -signal.SIGXCPU:  # the CPU cap of the document itself, not a busy machine
        return _timed_out(sha256, limits)
    if returncode == extract_worker.EXIT_OUT_OF_MEMORY:
        return _out_of_memory(sha256, limits)
    if returncode == extract_worker.EXIT_CANNOT_START:
        return _failed(
            sha256,
            "pdf",
            f"the extraction process could not start within {limits.memory_mb} MB "
            f"(EXTRACT_MEMORY_MB; {last}): "
            "raise EXTRACT_MEMORY_MB (default 1024) and run again",
            "memory",
        )
    if returncode < 0:
        # Ended by a signal this warehouse did not send (an operator, the system's OOM killer, a crash):
        # nothing proves it was the document, so it is tried again in a fresh process, and by the next run
        # if that fails too. (A document that runs out of memory under its cap raises MemoryError.)
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return _failed(
            sha256,
            "pdf",
            f"the extraction process was ended by {name}, not by the document: it is tried again",
            "transient",
        )
    return _failed(
        sha256,
        "pdf",
        f"the extraction process ended unexpectedly (exit code {returncode}: {last or 'no message'}), "
        "not because of the document: it is tried again",
        "transient",
    )


def _cpu_seconds(pid: int) -> float | None:
    """Processor time a child has used so far, from /proc (None where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def settled_contents(con, limits: Limits) -> set[tuple[str, str]]:
    """(sha256, media_kind) of each content whose stored text needs no new extraction: made by the
    current extractor version for its kind, and not a failure worth another try (`worth_retrying`)."""
    return {
        (sha256, kind)
        for sha256, kind, version, failure_kind, timeout, memory in con.execute(
            """SELECT source_sha256, media_kind, extractor_version, failure_kind, timeout_seconds, memory_mb
               FROM raw.documents"""
        ).fetchall()
        if version == EXTRACTOR_VERSIONS.get(kind)
        and not worth_retrying(failure_kind, timeout, memory, limits)
    }


def worth_retrying(
    failure_kind: str | None, timeout: float | None, memory: int | None, limits: Limits
) -> bool:
    """A failure for a limit is retried only once that limit is raised (the same limit would fail the
    same way, and a bomb must not cost every run); a file that changed under the run, on the next run."""
    if failure_kind == "timeout":
        return timeout is None or timeout < limits.timeout_seconds
    if failure_kind == "memory":
        return memory is None or memory < limits.memory_mb
    return failure_kind in ("changed", "transient")


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class ExtractionPool:
    """`workers` threads, each driving one `PdfWorker` (started on its first PDF), that extract the jobs
    given to `extract_all`, largest file first so that no long document is left for the end."""

    def __init__(
        self,
        root: Path,
        limits: Limits,
        workers: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.root, self.limits, self.clock = root, limits, clock
        self.workers = max(1, workers or default_workers())
        self._by_thread = threading.local()
        self._started: list[PdfWorker] = []
        self._lock = threading.Lock()
        self._halted = False

    def extract_all(
        self, jobs: Iterable[tuple[str, str, str]], on_done: Callable[[Extraction], None] | None = None
    ) -> list[Extraction]:
        """Extract (source_file, sha256, media_kind) jobs. on_done runs in the calling thread as each
        document finishes; the list returned is in job order. A document whose process was ended from
        outside is tried once more in a fresh process before its failure is recorded."""
        jobs = list(jobs)
        results: list[Extraction | None] = [None] * len(jobs)
        executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="extract")
        finished_normally = False
        try:
            order = sorted(range(len(jobs)), key=lambda index: -_size_of(self.root, jobs[index][0]))
            futures = {executor.submit(self._run, *jobs[index]): (index, 1) for index in order}
            waiting = set(futures)
            while waiting:
                finished, waiting = wait(waiting, return_when=FIRST_COMPLETED)
                for future in finished:
                    index, attempt = futures.pop(future)
                    extraction = future.result()
                    if extraction.failure_kind == "transient" and attempt == 1:
                        again = executor.submit(self._run, *jobs[index])
                        futures[again] = (index, 2)
                        waiting.add(again)
                        continue
                    results[index] = extraction
                    if on_done:
                        on_done(extraction)
            finished_normally = True
        finally:
            if not finished_normally:
                # Stopped (an interrupt, an error recording a result): the documents being read are
                # dropped with their processes rather than finished first, and none is started.
                self.halt()
            executor.shutdown(wait=True, cancel_futures=True)
        return cast(list[Extraction], results)  # every job has its result once the loop has finished

    def _run(self, source_file: str, sha256: str, media_kind: str) -> Extraction:
        try:
            worker = self._worker_of_this_thread() if media_kind == "pdf" else None
            return extract_document(self.root, source_file, sha256, media_kind, self.limits, worker)
        # e.g. no process could be started: the file waits for the next run
        except Exception as error:  # noqa: BLE001
            return _failed(
                sha256,
                media_kind,
                f"extraction failed ({type(error).__name__}: {error}): run again",
                "transient",
            )

    def _worker_of_this_thread(self) -> PdfWorker:
        worker = getattr(self._by_thread, "worker", None)
        if worker is None:
            worker = self._by_thread.worker = PdfWorker(self.limits, clock=self.clock)
            with self._lock:
                self._started.append(worker)
                if self._halted:
                    worker.halt()
        return worker

    def halt(self) -> None:
        """End every worker process now, from any thread, and start no other."""
        with self._lock:
            self._halted = True
            started = list(self._started)
        for worker in started:
            worker.halt()

    def close(self) -> None:
        """End every worker process."""
        with self._lock:
            started, self._started = self._started, []
        for worker in started:
            worker.close()


def extract_many(
    root: Path,
    jobs: Iterable[tuple[str, str, str]],
    limits: Limits,
    *,
    workers: int | None = None,
    on_done: Callable[[Extraction], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[Extraction]:
    """`ExtractionPool.extract_all` with a pool of its own, closed at the end."""
    pool = ExtractionPool(root, limits, workers, clock=clock)
    try:
        return pool.extract_all(jobs, on_done)
    finally:
        pool.close()


def _size_of(root: Path, source_file: str) -> int:
    try:
        return (root / source_file).stat().st_size
    except OSError:
        return 0
