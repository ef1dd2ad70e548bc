"""What the pull keeps under RAW_DIR/.pull/, and the one writer of `audit.source_catalogue`.

- `catalogue.json`: one row per publication link ever seen, with what became of it;
- `pages.json`: each page's ETag and Last-Modified, and what was read from it;
- `parts/`: downloads in progress;
- `lock`: held by the pull working on this RAW_DIR (the operating system frees it when the process ends),
  with the pid and start time of that pull written in it, so a second pull can say who holds it.

Statuses of a catalogue row:
- `downloaded`: the file is in RAW_DIR at `source_file` (a file the user deleted is downloaded again);
- `not_read`: a kind of publication the warehouse does not read (`document_kind` says which it appears
  to be); recorded, never downloaded;
- `dead`: the address answers 404/410 or a page saying the report is not found (a provider page that
  answers 404 is a dead row without a file id); asked again after DEAD_RECHECK_DAYS;
- `refused`: the warehouse will not take it: over MAX_FILE_MB, a link or redirect off Ofsted's site, a
  redirect loop; asked again by every pull (the settings may have changed);
- `failed`: may be transient (a timeout, a request abandoned at PULL_TIMEOUT_SECONDS, a "temporarily
  unavailable" page, a cut connection): tried again by the next pull.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from orchestration.lib.core.vocabulary import value_list
from orchestration.lib.ingest.files import PULL_STATE_DIR

CATALOGUE_FILE = "catalogue.json"
PAGES_FILE = "pages.json"
PARTS_FOLDER = "parts"
LOCK_FILE = "lock"
STATUSES = tuple(value_list("catalogue_statuses"))  # dbt_project/seeds/vocabulary/catalogue_statuses.csv
DEAD_RECHECK_DAYS = 28
CATALOGUE_TABLE = "audit.source_catalogue"


class PullBusy(Exception):
    """Another pull holds the lock of this RAW_DIR."""


class PullWriteError(Exception):
    """RAW_DIR (or its .pull/) cannot be written: the pull stops with this one-line message."""


def write_failure(path: Path, error: OSError) -> PullWriteError:
    why = error.strerror or str(error)
    hint = {
        errno.EROFS: "RAW_DIR is on a read-only file system",
        errno.EACCES: "this user may not write there",
        errno.EPERM: "this user may not write there",
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.ENOTDIR: "a file stands where a folder should be",
        errno.EEXIST: "a file stands where a folder should be",
    }.get(error.errno or 0, "check RAW_DIR")
    return PullWriteError(
        f"cannot write {path}: {why} ({hint}); nothing more was downloaded. Make RAW_DIR writable or set "
        "RAW_DIR to a folder this user can write, then run `make pull` again"
    )


def state_dir(raw_dir: Path) -> Path:
    return raw_dir / PULL_STATE_DIR


def load_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        return {}  # an unreadable record is rebuilt by the crawl: it costs requests, never files


def save_json(path: Path, data: dict) -> None:
    """Write `data` whole or not at all: a scratch file of its own, then one rename."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
        ) as scratch:
            json.dump(data, scratch, indent=1, sort_keys=True)
        os.replace(scratch.name, path)
    except OSError as error:
        with contextlib.suppress(NameError, OSError):
            os.unlink(scratch.name)
        raise write_failure(path, error) from None


@contextlib.contextmanager
def pull_lock(raw_dir: Path) -> Iterator[None]:
    """Hold the lock of the pull on `raw_dir`, or raise PullBusy naming the pull that holds it."""
    folder = state_dir(raw_dir)
    lock_path = folder / LOCK_FILE
    try:
        raw_dir.mkdir(parents=True, exist_ok=True)
        folder.mkdir(exist_ok=True)
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise write_failure(lock_path, error) from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 200, 0).decode("utf-8", "replace").strip() or "another process"
            raise PullBusy(
                f"another pull is already working on {raw_dir} ({holder}); this one did nothing. Let it "
                "finish (or stop it), then run `make pull` again"
            ) from None
        started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        with contextlib.suppress(OSError):
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, f"pid {os.getpid()}, started {started}".encode(), 0)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _migrate(row: dict) -> dict:
    """Rows written before the statuses were split: `skipped` was both a 404 and a kind not read."""
    if row.get("status") == "skipped":
        row = row | {"status": "not_read" if row.get("file_id") else "dead"}
    return row


def load_catalogue(raw_dir: Path) -> dict[str, dict]:
    return {key: _migrate(row) for key, row in load_json(state_dir(raw_dir) / CATALOGUE_FILE).items()}


def catalogue_rows(raw_dir: Path) -> list[dict]:
    """The rows of `audit.source_catalogue` as the crawls left them in RAW_DIR/.pull, typed for DuckDB."""
    rows = []
    for row in load_catalogue(raw_dir).values():
        rows.append(
            {
                **row,
                "publication_date": dt.date.fromisoformat(row["publication_date"])
                if row.get("publication_date")
                else None,
                "first_seen_at": _timestamp(row.get("first_seen_at")),
                "last_seen_at": _timestamp(row.get("last_seen_at")),
            }
        )
    return sorted(rows, key=lambda r: (r.get("ofsted_urn") or "", r.get("url") or ""))


def _timestamp(value: str | None) -> dt.datetime | None:
    # naive UTC, as the warehouse stores timestamps
    return dt.datetime.fromisoformat(value).replace(tzinfo=None) if value else None


def write_catalogue(con, raw_dir: Path) -> list[dict]:
    """Replace `audit.source_catalogue` with the pull's record in `raw_dir` (the only code that writes
    that table), then compare each downloaded document's authority with its listing's. Returns the rows
    whose authorities disagree (see `record_document_authorities`)."""
    from orchestration.lib.core.warehouse import replace_rows

    replace_rows(con, CATALOGUE_TABLE, catalogue_rows(raw_dir))
    return record_document_authorities(con)


def record_document_authorities(con) -> list[dict]:
    """Fill `document_authority_id` from the authority the parsed document names (extracted.reports,
    by content hash) and say, in `status_reason`, where it differs from the authority of the listing the
    link was on (`local_authority_id`). Returns those rows, to be warned about. Call it again after the
    documents are parsed: a document downloaded by this pull is parsed after the scan."""
    con.execute(
        f"""
        UPDATE {CATALOGUE_TABLE} AS c
        SET document_authority_id = r.local_authority_id
        FROM (
            SELECT source_sha256, min(local_authority_id) AS local_authority_id
            FROM extracted.reports
            WHERE local_authority_id IS NOT NULL
            GROUP BY source_sha256
        ) AS r
        WHERE c.source_sha256 = r.source_sha256 AND c.status = 'downloaded'
        """
    )
    disagreeing = con.execute(
        f"""
        SELECT ofsted_urn, listed_authority_name, local_authority_id, document_authority_id, url,
            source_file
        FROM {CATALOGUE_TABLE}
        WHERE status = 'downloaded' AND local_authority_id IS NOT NULL
            AND document_authority_id IS NOT NULL AND document_authority_id <> local_authority_id
        ORDER BY source_file
        """
    ).fetchall()
    con.execute(
        f"""
        UPDATE {CATALOGUE_TABLE}
        SET status_reason = 'the document names authority ' || document_authority_id
            || ', but it is listed on the page of ' || local_authority_id
            || coalesce(' (' || listed_authority_name || ')', '')
        WHERE status = 'downloaded' AND local_authority_id IS NOT NULL
            AND document_authority_id IS NOT NULL AND document_authority_id <> local_authority_id
        """
    )
    names = ("ofsted_urn", "listed_authority_name", "local_authority_id", "document_authority_id", "url")
    return [dict(zip(names + ("source_file",), row)) for row in disagreeing]


def authority_warning(row: dict) -> str:
    return (
        f"{row['source_file']} is listed on the page of {row['local_authority_id']} "
        f"({row.get('listed_authority_name') or 'URN ' + str(row['ofsted_urn'])}) but names "
        f"{row['document_authority_id']}: it is loaded as the authority it names"
    )
