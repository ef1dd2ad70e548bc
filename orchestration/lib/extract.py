"""Text of a document, page by page. PDFs are read in a child process with a memory cap and a timeout,
so a hostile or broken PDF costs one quarantined file instead of the run; several run at once.

Every file is opened with `files.open_inside` and its bytes are checked against the hash the scan
recorded, so what is extracted is exactly the content the ledger names, and never a file outside RAW_DIR.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

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


def extract_document(root: Path, source_file: str, sha256: str, media_kind: str, limits: Limits) -> Extraction:
    """Text of RAW_DIR/source_file, provided its bytes still hash to sha256."""
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
        return extract_pdf(handle.fileno(), sha256, limits)


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


def extract_pdf(descriptor: int, sha256: str, limits: Limits) -> Extraction:
    # The CPU cap only matters once the parent is gone; it never fires before the parent's timeout.
    cpu_seconds = math.ceil(limits.timeout_seconds) + 1
    command = [
        sys.executable, "-m", "orchestration.lib.extract_worker", str(descriptor), str(limits.memory_mb),
        str(cpu_seconds),
    ]
    try:
        completed = subprocess.run(
            command,
            capture_output=True,
            timeout=limits.timeout_seconds,
            pass_fds=(descriptor,),
            cwd=_PACKAGE_ROOT,
            check=False,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
    except subprocess.TimeoutExpired:
        return _timed_out(sha256, limits)
    if completed.returncode == 0:
        pages = json.loads(completed.stdout)["pages"]
        return Extraction(sha256, "pdf", pages, len(pages), None)
    return _worker_failure(sha256, limits, completed.returncode, completed.stderr.decode("utf-8", "replace"))


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


def extract_many(
    root: Path,
    jobs: Iterable[tuple[str, str, str]],
    limits: Limits,
    *,
    workers: int | None = None,
    on_done: Callable[[Extraction], None] | None = None,
) -> list[Extraction]:
    """Extract (source_file, sha256, media_kind) jobs under root, PDFs in parallel child processes.
    on_done runs in the calling thread, in job order."""
    jobs = list(jobs)
    workers = workers or os.cpu_count() or 1
    results: list[Extraction] = []

    def run(job: tuple[str, str, str]) -> Extraction:
        source_file, sha256, media_kind = job
        try:
            return extract_document(root, source_file, sha256, media_kind, limits)
        except Exception as error:  # e.g. no process could be started: this file waits for the next run
            return _failed(sha256, media_kind, f"extraction failed ({type(error).__name__}: {error}): run again", "changed")

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for extraction in pool.map(run, jobs):
            results.append(extraction)
            if on_done:
                on_done(extraction)
    return results
