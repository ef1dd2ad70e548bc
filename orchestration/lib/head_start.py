"""A head start for extraction: `make run` begins extracting the PDFs it expects to need before it has
loaded Dagster and the asset graph (about two seconds of imports and planning on one core), and the
extract step takes those extractions over when it runs.

What to begin with is a guess made without reading any file: the PDFs under RAW_DIR that the ledger
does not know at their current size, or whose content has no settled text (`extract.settled_contents`).
The extract step still decides what is extracted. It takes over a head-start document only when the
bytes that were read hash to the content the scan recorded, reads any other file itself, and cancels
what it does not want, so a wrong guess can cost work but never changes what is stored.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Future
from pathlib import Path

from .extract import ExtractionPool, Limits, settled_contents
from .files import pdf_candidates


class HeadStart:
    """PDFs being extracted by a pool of workers before the extract step asks for them."""

    def __init__(self, pool: ExtractionPool, source_files: Iterable[str]):
        self.pool = pool
        # sha256 None: the Extraction names the bytes actually read, for the extract step to compare
        self._futures = {name: pool.submit(name, None, "pdf") for name in source_files}

    def __len__(self) -> int:
        return len(self._futures)

    def claim(self, source_file: str) -> Future | None:
        """The Future of source_file's Extraction, if the head start has one (once)."""
        return self._futures.pop(source_file, None)

    def drop_unclaimed(self) -> None:
        for future in self._futures.values():
            self.pool.cancel(future)
        self._futures.clear()

    def close(self) -> None:
        self.drop_unclaimed()
        self.pool.close()


_current: HeadStart | None = None
_lock = threading.Lock()


def begin(root: Path, limits: Limits, source_files: list[str], *, workers: int | None = None) -> HeadStart:
    """Start extracting source_files (PDFs under root), in that order, for `take` to hand over."""
    global _current
    started = HeadStart(ExtractionPool(root, limits, workers), source_files)
    with _lock:
        previous, _current = _current, started
    if previous is not None:
        previous.close()
    return started


def take(root: Path, limits: Limits) -> HeadStart | None:
    """The head start begun for this folder with these limits, once; one begun otherwise is ended."""
    global _current
    with _lock:
        head_start, _current = _current, None
    if head_start is not None and (head_start.pool.root != root or head_start.pool.limits != limits):
        head_start.close()
        return None
    return head_start


def end() -> None:
    """End a head start nobody took (the run stopped before extracting)."""
    global _current
    with _lock:
        head_start, _current = _current, None
    if head_start is not None:
        head_start.close()


def expected_pdfs(raw_dir: Path, duckdb_path: Path, limits: Limits, *, max_file_mb: int) -> list[str]:
    """The PDFs under raw_dir a run's extract step will probably want, largest first, without reading
    any of them. Empty when the warehouse file is busy (another run is writing) or cannot be read."""
    candidates = sorted(pdf_candidates(raw_dir, max_file_mb=max_file_mb), key=lambda found: -found[1])
    if not duckdb_path.exists():
        return [name for name, _ in candidates]
    # imported only here: with pandas (through .warehouse) they take a quarter of a second, which a first
    # build would otherwise spend before its first PDF
    import duckdb

    from .warehouse import writer_lock

    try:
        with writer_lock(duckdb_path, wait_seconds=0), duckdb.connect(str(duckdb_path), read_only=True) as con:
            settled = settled_contents(con, limits)
            known = {
                name: (sha256, size)
                for name, sha256, size in con.execute(
                    "SELECT source_file, source_sha256, size_bytes FROM audit.file_ledger WHERE is_present"
                ).fetchall()
            }
    except Exception:  # noqa: BLE001  busy, or older than this code: the extract step decides on its own
        return []
    return [
        name for name, size in candidates
        if name not in known or known[name][1] != size or (known[name][0], "pdf") not in settled
    ]
