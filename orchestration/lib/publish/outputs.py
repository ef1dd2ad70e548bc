"""The outputs drawn from a publication (the workbook, the HTML report, the Atom feed) and which
publication each was drawn from.

Each output, once renamed into place, gets a stamp beside it, `.<name>.publication.json`: the run id of
the publication it was drawn from and the SHA-256 of what was written (of every file, for a folder such
as report/). `output_state` compares the stamp with the publication standing in the published file and
with the output's bytes, so a workbook left from the previous publication by a run killed after the
rename, or an output edited or replaced since, is found and drawn again (`refresh`). The Parquet copies
are written with the published file itself; its audit.publications row records their digests and
`check_published` compares them (lib/publish/publication.py).

A writer killed part-way leaves `.<name>.<pid>.tmp` (or `.old`) beside its output; `remove_leftovers`
deletes those of processes no longer running.

For a writer:

    with stamping(published_path, output_path):
        write_the_output(...)          # renamed into place inside the block
    output_state(published_path, output_path).current   # True
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.lib.publish.publication import published_or_none, writer_running

STAMP_SUFFIX = ".publication.json"
_LEFTOVER = re.compile(r"\.(?P<base>.+)\.(?P<pid>\d+)\.(?P<stage>tmp|old)")


@dataclass(frozen=True)
class OutputState:
    """Which publication an output was drawn from, and whether that is the one standing."""

    path: Path
    made_from: str | None  # the publication's run id, as recorded when the output was written
    standing: str | None  # the run id of the publication the published file holds now
    problem: str | None  # why the output is not current, in words; None when it is

    @property
    def current(self) -> bool:
        return self.problem is None


def stamp_path(output: Path) -> Path:
    return output.with_name(f".{output.name}{STAMP_SUFFIX}")


def standing_publication_id(published_path: Path) -> str | None:
    """The run id (else the time) of the latest publication the published file lists; None without
    one."""
    con = published_or_none(published_path)
    if con is None:
        return None
    try:
        rows = con.execute(
            "SELECT run_id, published_at FROM audit.publications ORDER BY published_at DESC LIMIT 1"
        ).fetchall()
    except duckdb.Error:
        return None
    finally:
        con.close()
    if not rows:
        return None
    run_id, published_at = rows[0]
    return run_id or f"{published_at:%Y-%m-%d %H:%M:%S}"


def content_digest(output: Path) -> str | None:
    """SHA-256 of a file, or of every file under a folder with its relative name (hidden files, the
    stamps and leftovers among them, left out); None when there is nothing there."""
    if output.is_file():
        return _file_sha256(output)
    if not output.is_dir():
        return None
    digest = hashlib.sha256()
    for path in sorted(output.rglob("*")):
        relative = path.relative_to(output)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            digest.update(f"{relative.as_posix()}\0{_file_sha256(path)}\n".encode())
    return digest.hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def record_output(published_path: Path, output: Path, made_from: str | None = None) -> None:
    """Stamp `output` as drawn from the publication `made_from` (default: the one standing now). Call
    it after the output is renamed into place; a kill before the stamp leaves the older stamp, and the
    output is drawn again."""
    made_from = made_from or standing_publication_id(published_path)
    stamp = {"made_from": made_from, "sha256": content_digest(output)}
    target = stamp_path(output)
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(stamp, sort_keys=True), encoding="utf-8")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


@contextlib.contextmanager
def stamping(published_path: Path, output: Path) -> Iterator[None]:
    """Around the writing of `output`: the publication standing when writing began is the one
    recorded (a publication that replaced it meanwhile makes the output stale, never wrongly current);
    nothing is recorded when the block fails."""
    made_from = standing_publication_id(published_path)
    yield
    record_output(published_path, output, made_from)


def made_from(output: Path) -> str | None:
    """The run id of the publication `output` was drawn from, as its stamp records it (a Parquet copy
    records it in its own key-value metadata, `publication_run_id`)."""
    if output.suffix == ".parquet" and output.is_file():
        con = duckdb.connect()
        try:
            rows = con.execute(
                "SELECT value::VARCHAR FROM parquet_kv_metadata(?) WHERE key::VARCHAR = 'publication_run_id'",
                [str(output)],
            ).fetchall()
        except duckdb.Error:
            return None
        finally:
            con.close()
        return rows[0][0] if rows else None
    return _read_stamp(output).get("made_from")


def _read_stamp(output: Path) -> dict:
    try:
        stamp = json.loads(stamp_path(output).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stamp if isinstance(stamp, dict) else {}


def output_state(published_path: Path, output: Path) -> OutputState:
    """Whether `output` was drawn from the publication standing in `published_path` and is still what
    was written then."""
    standing = standing_publication_id(published_path)
    stamp = _read_stamp(output)
    recorded = stamp.get("made_from")
    if standing is None:
        problem = f"there is no publication at {published_path} to draw it from"
    elif not output.exists():
        problem = f"{output} is missing"
    elif not stamp:
        problem = f"{output} records no publication it was drawn from"
    elif recorded != standing:
        problem = f"{output} was drawn from publication {recorded}, not the standing {standing}"
    elif stamp.get("sha256") != content_digest(output):
        problem = f"{output} has changed since it was written"
    else:
        problem = None
    return OutputState(output, recorded, standing, problem)


@dataclass(frozen=True)
class Output:
    """One output of a publication: its name in messages, where it is, and how to draw it again."""

    name: str
    path: Path
    write: Callable[[], object]
    remedy: str  # the make target that draws it again, for messages


def refresh(published_path: Path, outputs: list[Output], say: Callable[[str], None]) -> list[str]:
    """Draw again every output that is not current; return the problems of those that could not be."""
    removed = remove_leftovers(published_path.parent, frozenset({published_path.name, "parquet"}))
    if removed:
        say(f"outputs: removed {', '.join(removed)}, left by a writer that was stopped")
    failures = []
    for output in outputs:
        state = output_state(published_path, output.path)
        if state.current or state.standing is None:
            continue
        try:
            with stamping(published_path, output.path):
                output.write()
        except Exception as error:  # noqa: BLE001  (one output failing never stops the others)
            failures.append(f"{output.name} not drawn again: {type(error).__name__}: {error}")
            say(f"{output.name}: NOT drawn again ({type(error).__name__}: {error}): `{output.remedy}`")
            continue
        say(f"{output.name}: drawn again for the standing publication ({state.problem})")
    return failures


def remove_leftovers(folder: Path, keep: frozenset[str] = frozenset()) -> list[str]:
    """Delete `.<name>.<pid>.tmp` and `.<name>.<pid>.old` files and folders of writers no longer
    running, in `folder` and the folders under it (the report's pages), and return their names. The
    published file's own staging (names in `keep`) is left to `recover_interrupted_publish`, which
    finishes rather than deletes it."""
    if not folder.is_dir():
        return []
    removed = []
    for directory, dirnames, filenames in os.walk(folder):
        for name in [*filenames, *dirnames]:
            match = _LEFTOVER.fullmatch(name)
            if not match or match["base"] in keep or writer_running(int(match["pid"])):
                continue
            leftover = Path(directory) / name
            try:
                shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
            except FileNotFoundError:
                continue
            removed.append(leftover.relative_to(folder).as_posix())
        dirnames[:] = [d for d in dirnames if not _LEFTOVER.fullmatch(d)]
    return sorted(removed)
