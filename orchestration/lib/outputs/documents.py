"""Links from the workbook, the HTML report and the Atom feed to the documents they cite, that still open once
the published folder is copied to another machine, e-mailed as a zip or put on a shared drive.

A document is linked to its address on Ofsted's site when the warehouse knows it
(`marts.dim_reports.source_url`: downloaded by `make pull`, or found in Ofsted's listing). A document the
warehouse knows only as a file (hand-added to RAW_DIR) is hard-linked (copied where a hard link cannot be
made, as across file systems) into a `documents/` folder beside the published file, keeping its path under
RAW_DIR, and linked RELATIVE to the page or workbook that cites it: `documents/<path>` from the workbook,
`../documents/<path>` from `report/index.html`. Never an absolute `file:///` path of the build machine.

The folder holds exactly the documents the current publication needs: a file no longer cited is removed.
Each file is placed under a temporary name and renamed, so a reader never opens half a copy.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import duckdb

DOCUMENTS_DIR = "documents"


def documents_dir_for(published_path: Path) -> Path:
    """`documents/` beside the published file (beside `ofsted.duckdb`, `ofsted.xlsx` and `report/`)."""
    return published_path.parent / DOCUMENTS_DIR


def _safe_relative(source_file: str) -> PurePosixPath | None:
    """A RAW_DIR-relative path that stays inside the documents folder; None for anything else."""
    path = PurePosixPath(source_file.replace("\\", "/"))
    if path.is_absolute() or not path.parts or any(part in ("..", "") for part in path.parts):
        return None
    return path


def document_href(
    source_url: str | None,
    source_file: str | None,
    page: int | None = None,
    *,
    prefix: str = "",
    available: set[str] | None = None,
) -> str | None:
    """Where a document opens: its Ofsted address, else `prefix + documents/<source_file>` when the file is
    in the published documents folder (`available`: the RAW_DIR-relative paths placed there; None trusts
    that it is). `#page=N` (which PDF viewers honour) when the document is a PDF and the page is known."""
    if source_url:
        base = source_url
    elif source_file and _safe_relative(source_file) is not None:
        if available is not None and source_file not in available:
            return None
        base = prefix + DOCUMENTS_DIR + "/" + quote(str(_safe_relative(source_file)))
    else:
        return None
    is_pdf = (source_file or source_url or "").lower().split("?")[0].endswith(".pdf")
    return f"{base}#page={page}" if page and is_pdf else base


def _same_file(a: Path, b: Path) -> bool:
    try:
        first, second = a.stat(), b.stat()
    except OSError:
        return False
    same_inode = (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)
    return same_inode or (first.st_size == second.st_size and first.st_mtime_ns <= second.st_mtime_ns)


def _place(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        try:
            os.link(source, temporary)
        except OSError:  # another file system, or one without hard links
            shutil.copy2(source, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def cited_files(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The RAW_DIR-relative files the outputs of the published file (`con`) link to through the documents
    folder: every loaded report without an Ofsted address, and every held-back document. The workbook and
    the report ask the same question, so whichever writes the folder last leaves the same files in it."""
    files: set[str] = set()
    columns = {
        row[0]
        for row in con.execute(
            """SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database()
               AND table_schema = 'marts' AND table_name = 'dim_reports'"""
        ).fetchall()
    }
    if "source_file" in columns:
        without_url = "source_url IS NULL" if "source_url" in columns else "true"
        files |= {
            row[0]
            for row in con.execute(
                f"SELECT source_file FROM marts.dim_reports WHERE source_file IS NOT NULL AND {without_url}"
            ).fetchall()
        }
    ledger = con.execute(
        """SELECT count(*) FROM information_schema.tables WHERE table_catalog = current_database()
           AND table_schema = 'audit' AND table_name = 'file_ledger'"""
    ).fetchall()[0][0]
    if ledger:
        files |= {
            row[0]
            for row in con.execute(
                """SELECT source_file FROM audit.file_ledger
                   WHERE status = 'held_back' AND source_file IS NOT NULL"""
            ).fetchall()
        }
    return files


def publish_documents(published_path: Path, raw_dir: Path | None, source_files: set[str]) -> set[str]:
    """Place each of `source_files` (RAW_DIR-relative) that is in `raw_dir` into the documents folder beside
    `published_path`, remove the files no longer wanted, and return the paths that are there to link to.
    Without `raw_dir`, what is already in the folder stays and is returned."""
    folder = documents_dir_for(published_path)
    available: set[str] = set()
    for source_file in sorted(source_files):
        relative = _safe_relative(source_file)
        if relative is None:
            continue
        target = folder / relative
        source = raw_dir / relative if raw_dir is not None else None
        if source is not None and source.is_file():
            if not _same_file(source, target):
                _place(source, target)
            available.add(source_file)
        elif target.is_file():
            available.add(source_file)
    if folder.is_dir():
        for path in sorted(folder.rglob("*"), reverse=True):
            name = path.relative_to(folder).as_posix()
            if path.is_file() and name not in available and not path.name.startswith("."):
                path.unlink(missing_ok=True)
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return available
