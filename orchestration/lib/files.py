"""Finding input files under RAW_DIR and deciding, before any parsing, whether each can be read."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

PDF_SUFFIXES = {".pdf"}
TEXT_SUFFIXES = {".txt", ".md"}


@dataclass(frozen=True)
class InputFile:
    source_file: str  # path relative to RAW_DIR, '/'-separated
    path: Path
    size_bytes: int | None
    sha256: str | None  # None when the bytes could not be read
    media_kind: str | None  # pdf | text | None (not accepted)
    problem: str | None  # why the file cannot be loaded, in words a person can act on


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _walk(root: Path) -> Iterator[Path]:
    """Every entry under root that the warehouse reads, in path order. Hidden files and folders are
    skipped (the pull step keeps its partial downloads and state there); links are listed, never
    followed, so nothing outside root is opened."""
    for folder, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        folder_path = Path(folder)
        # links to folders are listed in dirnames; report them as entries instead of walking into them
        for name in list(dirnames):
            if (folder_path / name).is_symlink():
                dirnames.remove(name)
                filenames.append(name)
            elif name.startswith("."):
                dirnames.remove(name)
        for name in sorted(filenames):
            if not name.startswith("."):
                yield folder_path / name


def _existing_root(raw_dir: Path) -> Path:
    root = raw_dir.resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"RAW_DIR {raw_dir} does not exist or is not a folder")
    return root


def discover(raw_dir: Path, *, max_file_mb: int) -> list[InputFile]:
    """Every file under raw_dir, sorted by relative path. A symbolic link is recorded with the reason it
    was not read."""
    root = _existing_root(raw_dir)
    found = [_inspect(path, root, max_file_mb) for path in _walk(root)]
    return sorted(found, key=lambda f: f.source_file)


@dataclass(frozen=True)
class Listing:
    """What RAW_DIR looks like from the outside, without reading any file: enough to notice a change."""

    digest: str  # of every (path, size, mtime); changes when a file is added, removed or rewritten
    file_count: int
    newest_mtime: float | None  # seconds since the epoch; None for an empty folder


def listing(raw_dir: Path) -> Listing:
    root = _existing_root(raw_dir)
    digest = hashlib.sha256()
    count, newest = 0, None
    for path in _walk(root):
        stat = path.lstat()
        digest.update(f"{_relative(path, root)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        count += 1
        newest = stat.st_mtime if newest is None else max(newest, stat.st_mtime)
    return Listing(digest.hexdigest(), count, newest)


def _inspect(path: Path, root: Path, max_file_mb: int) -> InputFile:
    source_file = _relative(path, root)
    if path.is_symlink():
        target = os.readlink(path)
        inside = (path.parent / target).resolve().is_relative_to(root) if target else False
        where = "inside" if inside else "outside"
        return InputFile(
            source_file, path, None, None, None,
            f"symbolic link to {where} RAW_DIR ({target}); links are not followed: copy the file itself into RAW_DIR",
        )
    if not path.is_file():
        return InputFile(source_file, path, None, None, None, "not a regular file (device, socket or pipe)")
    size = path.stat().st_size
    try:
        digest = sha256_of(path)
    except OSError as error:
        return InputFile(source_file, path, size, None, None, f"could not be read: {error.strerror}")
    suffix = path.suffix.lower()
    if size == 0:
        return InputFile(source_file, path, size, digest, None, "empty file (0 bytes): download it again")
    if size > max_file_mb * 1024 * 1024:
        return InputFile(
            source_file, path, size, digest, None,
            f"larger than the {max_file_mb} MB limit (MAX_FILE_MB): raise the limit if the file is genuine",
        )
    if suffix in PDF_SUFFIXES:
        with open(path, "rb") as handle:
            head = handle.read(1024)
        if b"%PDF-" not in head:
            kind = "an HTML page" if b"<html" in head.lower() or b"<!doctype" in head.lower() else "not a PDF"
            return InputFile(
                source_file, path, size, digest, None,
                f"named .pdf but is {kind} (no %PDF- header): download the report again",
            )
        return InputFile(source_file, path, size, digest, "pdf", None)
    if suffix in TEXT_SUFFIXES:
        return InputFile(source_file, path, size, digest, "text", None)
    return InputFile(
        source_file, path, size, digest, None,
        f"unsupported file type '{suffix or '(none)'}': only .pdf, .txt and .md reports are read",
    )
