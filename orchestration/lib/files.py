"""Finding input files under RAW_DIR and deciding, before any parsing, whether each can be read."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

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


def discover(raw_dir: Path, *, max_file_mb: int) -> list[InputFile]:
    """Every file under raw_dir, sorted by relative path. Symbolic links are never followed: a link is
    recorded with the reason it was not read, so nothing outside raw_dir is ever opened."""
    root = raw_dir.resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"RAW_DIR {raw_dir} does not exist or is not a folder")
    found: list[InputFile] = []
    for folder, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        folder_path = Path(folder)
        # links to folders are listed in dirnames; record them instead of walking into them
        for name in list(dirnames):
            if (folder_path / name).is_symlink():
                dirnames.remove(name)
                filenames.append(name)
            elif name.startswith("."):
                dirnames.remove(name)
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            found.append(_inspect(folder_path / name, root, max_file_mb))
    return sorted(found, key=lambda f: f.source_file)


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
