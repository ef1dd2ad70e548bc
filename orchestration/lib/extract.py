"""Text of a document, page by page. PDFs are read in a child process with a memory cap and a timeout,
so a hostile or broken PDF costs one quarantined file instead of the run; several run at once."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pdfminer

# A content is extracted again when the version of the extractor for its kind changes, and only then:
# upgrading pdfminer.six (or changing how its output is cleaned, the suffix) re-reads every PDF and no
# text file. Bump the suffix when pdf_text.py or read_text_file changes what they return.
EXTRACTOR_VERSIONS = {
    "pdf": f"pdfminer-{pdfminer.__version__}.1",
    "text": "utf8.1",
}


@dataclass
class Extraction:
    sha256: str
    media_kind: str
    pages: list[str]
    page_count: int | None
    error: str | None  # why it failed, in words a person can act on


def read_text_file(path: Path, sha256: str) -> Extraction:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return Extraction(
            sha256, "text", [], None,
            f"text is not UTF-8 (byte {error.start}): save the file as UTF-8 and put it back",
        )
    return Extraction(sha256, "text", [text], None, None)


def _limit_memory(megabytes: int) -> Callable[[], None]:
    def apply() -> None:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def extract_pdf(path: Path, sha256: str, *, timeout_seconds: float, memory_mb: int) -> Extraction:
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "orchestration.lib.extract_worker", str(path)],
            capture_output=True,
            timeout=timeout_seconds,
            preexec_fn=_limit_memory(memory_mb),
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
    except subprocess.TimeoutExpired:
        return Extraction(
            sha256, "pdf", [], None,
            f"text extraction took longer than {timeout_seconds:g} s (EXTRACT_TIMEOUT_SECONDS) and was stopped",
        )
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        last = message[-1] if message else f"exit code {completed.returncode}"
        if "MemoryError" in last or completed.returncode in (-9, 137):
            last = f"ran out of the {memory_mb} MB memory allowed (EXTRACT_MEMORY_MB); it may be a decompression bomb"
        return Extraction(sha256, "pdf", [], None, f"PDF could not be read: {last}")
    payload = json.loads(completed.stdout)
    return Extraction(sha256, "pdf", payload["pages"], len(payload["pages"]), None)


def extract_many(
    jobs: Iterable[tuple[Path, str, str]],
    *,
    timeout_seconds: float,
    memory_mb: int,
    workers: int | None = None,
    on_done: Callable[[Extraction], None] | None = None,
) -> list[Extraction]:
    """Extract (path, sha256, media_kind) jobs, PDFs in parallel child processes."""
    jobs = list(jobs)
    workers = workers or os.cpu_count() or 1
    results: list[Extraction] = []

    def run(job: tuple[Path, str, str]) -> Extraction:
        path, sha256, kind = job
        if kind == "text":
            return read_text_file(path, sha256)
        return extract_pdf(path, sha256, timeout_seconds=timeout_seconds, memory_mb=memory_mb)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for extraction in pool.map(run, jobs):
            results.append(extraction)
            if on_done:
                on_done(extraction)
    return results
