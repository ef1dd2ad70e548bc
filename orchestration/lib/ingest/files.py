"""Finding input files under RAW_DIR and deciding, before any parsing, whether each can be read.

Nothing outside RAW_DIR is ever opened. Symbolic links are recorded and never followed, and every file
is opened through `open_inside`, one path component at a time with links refused, so a link swapped in
after the scan cannot lead a reader out of RAW_DIR either.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

PDF_SUFFIXES = {".pdf"}
TEXT_SUFFIXES = {".txt", ".md"}
READ_SUFFIXES = PDF_SUFFIXES | TEXT_SUFFIXES
_HEAD_BYTES = 1024


@dataclass(frozen=True)
class InputFile:
    source_file: str  # path relative to RAW_DIR, '/'-separated
    size_bytes: int | None
    sha256: str | None  # None when the bytes were not read
    media_kind: str | None  # pdf | text | None (not accepted)
    problem: str | None  # why the file cannot be loaded, in words a person can act on
    # the file, or the folder (its source_file), could not be read now (permissions, an I/O error): what
    # was read from it before still stands
    unreadable: bool = False


def open_inside(root: Path, source_file: str) -> BinaryIO:
    """Open RAW_DIR/source_file for reading without following a link at any level.

    Raises OSError for a link (ELOOP), a name that climbs out ('..'), or anything but a regular file.
    O_NONBLOCK keeps a pipe swapped in for a file from hanging the run."""
    parts = source_file.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise OSError(errno.EINVAL, "not a plain path inside RAW_DIR", source_file)
    directory = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=directory)
            os.close(directory)
            directory = inner
        descriptor = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=directory)
    finally:
        os.close(directory)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise OSError(errno.EINVAL, "not a regular file", source_file)
    return os.fdopen(descriptor, "rb")


def digest_and_head(handle: BinaryIO, chunk: int = 1 << 20) -> tuple[str, bytes]:
    """SHA-256 of everything left in handle, and its first bytes (for magic-number checks)."""
    digest = hashlib.sha256()
    head = b""
    while block := handle.read(chunk):
        if len(head) < _HEAD_BYTES:
            head += block[: _HEAD_BYTES - len(head)]
        digest.update(block)
    return digest.hexdigest(), head


def printable_name(source_file: str) -> str:
    """A file name safe to print on one line: control characters (a newline in a name) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in source_file)


# The pull step's own bookkeeping in RAW_DIR: its record of downloads, and partial downloads
# ('.<name>.part' beside the finished files). Neither is a report someone put there, so neither is listed.
PULL_STATE_DIR = ".pull"
PULL_PART_SUFFIX = ".part"


def _is_pull_bookkeeping(folder: Path, name: str, root: Path) -> bool:
    return (
        folder == root
        and name.startswith(".")
        and (name == PULL_STATE_DIR or name.endswith(PULL_PART_SUFFIX))
    )


def _walk(root: Path) -> Iterator[Path | OSError]:
    """Every entry under root that could be a report, in path order: files, and also links, hidden
    entries and folders named like reports (each reported as an entry, so the ledger can say why it is
    not read), and an OSError for each folder that could not be listed. Links and hidden folders are
    never walked into, so nothing outside root is opened. The pull step's bookkeeping is left out."""
    errors: list[OSError] = []
    for folder, dirnames, filenames in os.walk(root, followlinks=False, onerror=errors.append):
        yield from errors
        errors.clear()
        folder_path = Path(folder)
        for name in sorted(dirnames):
            entry = folder_path / name
            if _is_pull_bookkeeping(folder_path, name, root):
                dirnames.remove(name)
            elif entry.is_symlink() or name.startswith("."):
                dirnames.remove(name)  # reported instead of walked into
                yield entry
            elif Path(name).suffix.lower() in READ_SUFFIXES:
                yield entry  # reported, and its files still read
        dirnames.sort()
        for name in sorted(filenames):
            if not _is_pull_bookkeeping(folder_path, name, root):
                yield folder_path / name
    yield from errors


def _existing_root(raw_dir: Path) -> Path:
    root = raw_dir.resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"RAW_DIR {raw_dir} does not exist or is not a folder")
    return root


def discover(raw_dir: Path, *, max_file_mb: int) -> list[InputFile]:
    """Every entry under raw_dir that could be a report, sorted by relative path: files, and also links,
    hidden entries, folders named like reports and unreadable folders, each recorded with why it is not
    read, so that everything a person put in RAW_DIR shows up in the ledger."""
    root = _existing_root(raw_dir)
    found: list[InputFile] = []
    for entry in _walk(root):
        if isinstance(entry, OSError):
            name = _relative(Path(entry.filename), root)
            found.append(
                InputFile(
                    name,
                    None,
                    None,
                    None,
                    f"folder could not be read ({entry.strerror}): its files were not seen; those read "
                    "before stay published as they were last read",
                    unreadable=True,
                )
            )
        else:
            found.append(_inspect(entry, root, max_file_mb))
    return sorted(found, key=lambda f: f.source_file)


@dataclass(frozen=True)
class Listing:
    """What RAW_DIR looks like from the outside, without reading any file: enough to notice a change."""

    digest: str  # of every entry discover() records; changes when one is added, removed or rewritten
    file_count: int
    newest_mtime: float | None  # seconds since the epoch; None for an empty folder


def listing(raw_dir: Path) -> Listing:
    """The same entries discover() records. A hidden entry counts by its name only: the ledger records
    that it is there, never its contents, so rewriting one (a .DS_Store) is not a change."""
    root = _existing_root(raw_dir)
    digest = hashlib.sha256()
    count, newest = 0, None
    for entry in _walk(root):
        if isinstance(entry, OSError):
            digest.update(f"{entry.filename}\0unreadable\n".encode("utf-8", "surrogateescape"))
            continue
        name = _relative(entry, root).encode("utf-8", "surrogateescape")
        count += 1
        if entry.name.startswith("."):
            digest.update(name + b"\0hidden\n")
            continue
        try:
            info = entry.lstat()
        except OSError:
            digest.update(name + b"\0gone\n")
            continue
        digest.update(name + f"\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
        newest = info.st_mtime if newest is None else max(newest, info.st_mtime)
    return Listing(digest.hexdigest(), count, newest)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _rejected(
    source_file: str, problem: str, size: int | None = None, sha256: str | None = None
) -> InputFile:
    return InputFile(source_file, size, sha256, None, problem)


def _inspect(path: Path, root: Path, max_file_mb: int) -> InputFile:
    source_file = _relative(path, root)
    try:
        source_file.encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(source_file).decode("utf-8", "backslashreplace")
        return _rejected(shown, "the file name is not valid UTF-8 (shown with \\x escapes): rename the file")
    try:
        info = os.lstat(path)
    except OSError as error:
        return _unreadable(source_file, error)
    if stat.S_ISLNK(info.st_mode):
        return _rejected(source_file, _link_problem(path, root))
    if path.name.startswith("."):
        return _rejected(
            source_file, "hidden (its name starts with '.'): not read; rename it if it is a report"
        )
    if stat.S_ISDIR(info.st_mode):
        return _rejected(
            source_file,
            f"a folder, not a file, although its name ends in {path.suffix}: "
            "the files inside it are read on their own",
        )
    if not stat.S_ISREG(info.st_mode):
        return _rejected(source_file, "not a regular file (device, socket or pipe)")
    return _inspect_regular(source_file, root, info.st_size, max_file_mb)


def _inspect_regular(source_file: str, root: Path, size: int, max_file_mb: int) -> InputFile:
    if size > max_file_mb * 1024 * 1024:
        return _rejected(
            source_file,
            f"larger than the {max_file_mb} MB limit (MAX_FILE_MB), so not read: "
            "raise the limit if the file is genuine",
            size,
        )
    try:
        with open_inside(root, source_file) as handle:
            digest, head = digest_and_head(handle)
    except OSError as error:
        if error.errno in _UNREADABLE_ERRORS:
            return _unreadable(source_file, error, size)
        return _rejected(source_file, f"could not be read: {error.strerror or error}", size)
    if size == 0:
        return _rejected(source_file, "empty file (0 bytes): download it again", size, digest)
    suffix = Path(source_file).suffix.lower()
    if suffix in PDF_SUFFIXES:
        if b"%PDF-" not in head:
            lowered = head.lower()
            kind = "an HTML page" if b"<html" in lowered or b"<!doctype" in lowered else "not a PDF"
            return _rejected(
                source_file,
                f"named .pdf but is {kind} (no %PDF- header): download the report again",
                size,
                digest,
            )
        return InputFile(source_file, size, digest, "pdf", None)
    if suffix in TEXT_SUFFIXES:
        return InputFile(source_file, size, digest, "text", None)
    return _rejected(
        source_file,
        f"unsupported file type '{suffix or '(none)'}': only .pdf, .txt and .md reports are read",
        size,
        digest,
    )


# Why a file or folder that is there cannot be read now: a matter of permissions or of the disk, not of
# the file's content
_UNREADABLE_ERRORS = {errno.EACCES, errno.EPERM, errno.EIO}


def _unreadable(source_file: str, error: OSError, size: int | None = None) -> InputFile:
    return InputFile(
        source_file,
        size,
        None,
        None,
        f"could not be read ({error.strerror or error}): check its permissions",
        unreadable=True,
    )


def _link_problem(path: Path, root: Path) -> str:
    target = os.readlink(path)
    resolved = Path(os.path.realpath(path))  # never raises, even for a loop of links
    if resolved.is_relative_to(root) and resolved.exists():
        inside = _relative(resolved, root)
        return (
            f"symbolic link to {inside} inside RAW_DIR; links are never followed, "
            f"and {inside} is read under its own name"
        )
    where = "outside RAW_DIR" if not resolved.is_relative_to(root) else "which does not exist"
    return f"symbolic link to {target}, {where}; links are never followed: put the report itself in RAW_DIR"
