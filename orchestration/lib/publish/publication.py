"""Write, audit, publish: copy the checked `marts` and `audit` tables out of the writer's file into the
file readers open, and replace it atomically.

Readers never open the writer's file (DuckDB allows one writer and a reader blocks it). The copy is
written beside the published file and renamed over it, so an analyst holding the old file open keeps
reading the old version and the next open sees the new one whole. Storage version v1.0.0 keeps the file
readable by the older DuckDB releases bundled in BI drivers.

A publish killed part-way leaves only dot-files named after its process id beside the published file:
`.ofsted.duckdb.<pid>.tmp` (the copy being written), `.parquet.<pid>.tmp` (Parquet being written),
`.parquet.<pid>.ready` (Parquet complete) and `.parquet.<pid>.old` (the previous Parquet). The published
file itself is always the old one or the new one, whole. `recover_interrupted_publish` tidies up: once the
new file was renamed into place, the ready Parquet follows it; everything else is deleted. A publish that
fails with an error (a full disk, say) removes its own staging files before it gives up.

Each publication records the size, modification time and SHA-256 of the published file and of every
Parquet copy (`FileDigest`), so a later run can tell whether what readers open is still what was written
(`check_published`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.lib.core.sql import identifier, literal

PUBLISHED_SCHEMAS = ("marts", "audit")
STORAGE_VERSION = "v1.0.0"
_LEFTOVER = re.compile(r"\.(?P<base>.+)\.(?P<pid>\d+)\.(?P<stage>tmp|ready|old)(?:\.wal)?")


@dataclass(frozen=True)
class FileDigest:
    """What a published file was when it was written: size, modification time and content."""

    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> FileDigest:
        status = path.stat()
        return cls(status.st_size, status.st_mtime_ns, _sha256_of(path))


@dataclass
class PublishResult:
    path: Path
    parquet_dir: Path
    tables: dict[str, int]
    file: FileDigest | None = None
    parquet: dict[str, FileDigest] = field(default_factory=dict)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def parquet_digests(parquet_dir: Path) -> dict[str, FileDigest]:
    return {path.name: FileDigest.of(path) for path in sorted(parquet_dir.glob("*.parquet"))}


def parquet_digests_json(digests: dict[str, FileDigest]) -> str:
    return json.dumps({name: [d.size, d.mtime_ns, d.sha256] for name, d in digests.items()}, sort_keys=True)


def parquet_digests_from_json(text: str | None) -> dict[str, FileDigest] | None:
    if not text:
        return None
    return {name: FileDigest(*values) for name, values in json.loads(text).items()}


def check_published(
    published_path: Path, parquet_dir: Path, file: FileDigest, parquet: dict[str, FileDigest], *, full: bool
) -> str | None:
    """Why the published file or its Parquet copies are no longer what was published, in words; None
    when they are. Size and modification time are compared first; the content is hashed when they
    differ, and for every file when `full`."""
    problem = _changed(published_path, file, full)
    if problem:
        return f"the published file {published_path} {problem}"
    present = {path.name for path in parquet_dir.glob("*.parquet")} if parquet_dir.is_dir() else set()
    missing = sorted(set(parquet) - present)
    if missing:
        return f"the Parquet copy {parquet_dir / missing[0]} is missing" + (
            f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        )
    extra = sorted(present - set(parquet))
    if extra:
        return f"{parquet_dir / extra[0]} was not published with it"
    for name, digest in sorted(parquet.items()):
        problem = _changed(parquet_dir / name, digest, full)
        if problem:
            return f"the Parquet copy {parquet_dir / name} {problem}"
    return None


def _changed(path: Path, recorded: FileDigest, full: bool) -> str | None:
    try:
        status = path.stat()
    except FileNotFoundError:
        return "is missing"
    if status.st_size != recorded.size:
        return f"has changed since it was published ({status.st_size} bytes, {recorded.size} published)"
    if (full or status.st_mtime_ns != recorded.mtime_ns) and _sha256_of(path) != recorded.sha256:
        return "has changed since it was published (its bytes no longer match its SHA-256)"
    return None


@dataclass(frozen=True)
class _Staging:
    """Where one process writes before renaming into place."""

    published_path: Path
    parquet_dir: Path
    pid: int

    def database(self) -> Path:
        return self._beside(self.published_path, "tmp")

    def parquet(self, stage: str) -> Path:
        return self._beside(self.parquet_dir, stage)

    def _beside(self, path: Path, stage: str) -> Path:
        return path.with_name(f".{path.name}.{self.pid}.{stage}")


def publish(
    working_db: Path, published_path: Path, parquet_dir: Path, run_id: str | None = None
) -> PublishResult:
    """Copy the working warehouse's `marts` and `audit` into the published file and the marts into
    Parquet, then rename both into place. `run_id`: the audit.publications row of this publication, which
    the published copy's row completes with the Parquet copies' digests."""
    published_path.parent.mkdir(parents=True, exist_ok=True)
    recover_interrupted_publish(published_path, parquet_dir)
    staging = _Staging(published_path, parquet_dir, os.getpid())
    renamed = False
    try:
        tables, parquet = _write_staging(working_db, staging, run_id)
        os.replace(staging.database(), published_path)
        renamed = True
        _parquet_follows(staging)
    except BaseException:
        _remove_staging(staging, renamed)
        raise
    return PublishResult(published_path, parquet_dir, tables, FileDigest.of(published_path), parquet)


def _remove_staging(staging: _Staging, renamed: bool) -> None:
    """After a failed publish: the new file's Parquet still follows it when the file was renamed into
    place; every other staging file is removed, so a full disk is not left fuller."""
    if renamed and staging.parquet("ready").exists():
        try:
            _parquet_follows(staging)
        except OSError:
            pass  # the next run's `recover_interrupted_publish` finishes it
    for leftover in (staging.database(), Path(f"{staging.database()}.wal"), staging.parquet("tmp")):
        try:
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            pass  # the next run's `recover_interrupted_publish` removes it
    if not renamed:
        shutil.rmtree(staging.parquet("ready"), ignore_errors=True)


def _write_staging(working_db: Path, staging: _Staging, run_id: str | None) -> tuple[dict[str, int], dict]:
    """The new published file and its Parquet copies, complete, under their temporary names."""
    tables: dict[str, int] = {}
    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS working (READ_ONLY)", [str(working_db)])
        # created before the Parquet folder, so a ready Parquet folder proves this file was complete
        con.execute(f"ATTACH ? AS published (STORAGE_VERSION '{STORAGE_VERSION}')", [str(staging.database())])
        parquet_tmp = staging.parquet("tmp")
        parquet_tmp.mkdir()
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS published.{identifier(schema)}")
        for schema, table, comment in _published_tables(con):
            tables[f"{schema}.{table}"] = _copy_table(con, schema, table, comment)
            if schema == "marts":
                source = f"working.{identifier(schema)}.{identifier(table)}"
                parquet_file = str(parquet_tmp / f"{table}.parquet")
                # each copy names the publication it belongs to (parquet_kv_metadata: publication_run_id)
                stamp = f", KV_METADATA {{publication_run_id: {literal(run_id)}}}" if run_id else ""
                con.execute(f"COPY (SELECT * FROM {source}) TO ? (FORMAT parquet{stamp})", [parquet_file])
        parquet = parquet_digests(parquet_tmp)  # a folder's rename keeps its files' times
        if run_id is not None:
            _complete_publication_row(con, run_id, parquet)
        con.execute("DETACH published")
        con.execute("DETACH working")
    finally:
        con.close()
    os.replace(parquet_tmp, staging.parquet("ready"))
    return tables, parquet


def _complete_publication_row(
    con: duckdb.DuckDBPyConnection, run_id: str, parquet: dict[str, FileDigest]
) -> None:
    """The published copy's own row names its Parquet copies (its own digest cannot be inside it; the
    working warehouse's row holds that)."""
    columns = {
        name
        for (name,) in con.execute(
            """SELECT column_name FROM duckdb_columns()
               WHERE database_name = 'published' AND schema_name = 'audit' AND table_name = 'publications'"""
        ).fetchall()
    }
    if "parquet_files" in columns and "run_id" in columns:
        con.execute(
            "UPDATE published.audit.publications SET parquet_files = ? WHERE run_id = ?",
            [parquet_digests_json(parquet), run_id],
        )


def _published_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str | None]]:
    return con.execute(
        """SELECT schema_name, table_name, comment FROM duckdb_tables()
           WHERE database_name = 'working' AND schema_name IN ?
           ORDER BY schema_name, table_name""",
        [list(PUBLISHED_SCHEMAS)],
    ).fetchall()


def _copy_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, comment: str | None) -> int:
    source = f"working.{identifier(schema)}.{identifier(table)}"
    target = f"published.{identifier(schema)}.{identifier(table)}"
    con.execute(f"CREATE TABLE {target} AS SELECT * FROM {source}")
    if comment:
        con.execute(f"COMMENT ON TABLE {target} IS {literal(comment)}")
    for column, column_comment in con.execute(
        """SELECT column_name, comment FROM duckdb_columns()
           WHERE database_name = 'working' AND schema_name = ? AND table_name = ?
             AND comment IS NOT NULL AND comment <> ''""",
        [schema, table],
    ).fetchall():
        con.execute(f"COMMENT ON COLUMN {target}.{identifier(column)} IS {literal(column_comment)}")
    return con.execute(f"SELECT count(*) FROM {target}").fetchall()[0][0]


def _parquet_follows(staging: _Staging) -> None:
    """Put the ready Parquet folder in place of the old one. Two renames: a kill between them leaves
    no Parquet folder until `recover_interrupted_publish` (the next run) finishes the job."""
    old = staging.parquet("old")
    if staging.parquet_dir.exists():
        os.replace(staging.parquet_dir, old)
    os.replace(staging.parquet("ready"), staging.parquet_dir)
    shutil.rmtree(old, ignore_errors=True)


def recover_interrupted_publish(published_path: Path, parquet_dir: Path) -> list[str]:
    """Finish or undo what publishes killed part-way left beside the published file; return the names of
    what was tidied. Leftovers of a process still running are not touched."""
    folder = published_path.parent
    if not folder.is_dir():
        return []
    tidied = []
    for pid in sorted(_dead_publishers(folder, {published_path.name, parquet_dir.name})):
        staging = _Staging(published_path, parquet_dir, pid)
        if staging.parquet("ready").exists() and not staging.database().exists():
            _parquet_follows(staging)  # the new file was renamed into place; its Parquet follows
            tidied.append(staging.parquet("ready").name)
        leftovers = [staging.database(), Path(f"{staging.database()}.wal")]
        leftovers += [staging.parquet(stage) for stage in ("tmp", "ready", "old")]
        for leftover in leftovers:
            if leftover.exists():
                shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
                tidied.append(leftover.name)
    return tidied


def _dead_publishers(folder: Path, bases: set[str]) -> set[int]:
    pids = set()
    for entry in folder.iterdir():
        match = _LEFTOVER.fullmatch(entry.name)
        if match and match["base"] in bases and not writer_running(int(match["pid"])):
            pids.add(int(match["pid"]))
    return pids


def writer_running(pid: int) -> bool:
    """Whether the process that left a staging file (named with its pid) is still writing it. This
    process is starting a write of its own, so its own leftovers are from an earlier failure."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def table_checksums(
    con: duckdb.DuckDBPyConnection, schema: str = "marts", database: str | None = None
) -> dict[str, str]:
    """MD5 of each table's column names and types and of its rows as text, in sorted order: equal
    checksums mean equal tables, whatever order the rows were written in."""
    catalog = database or con.execute("SELECT current_database()").fetchall()[0][0]
    checksums = {}
    for (table,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? ORDER BY 1",
        [catalog, schema],
    ).fetchall():
        qualified = f"{identifier(catalog)}.{identifier(schema)}.{identifier(table)}"
        columns = con.execute(
            """SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_index)
               FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? AND table_name = ?""",
            [catalog, schema, table],
        ).fetchall()[0][0]
        checksums[table] = con.execute(
            f"""SELECT md5(? || chr(10) || coalesce(string_agg(row_text, chr(10) ORDER BY row_text), ''))
                FROM (SELECT CAST(t AS VARCHAR) AS row_text FROM {qualified} AS t)""",
            [columns],
        ).fetchall()[0][0]
    return checksums


def open_published(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection for readers: read-only, no access to local files or the network, settings locked."""
    return duckdb.connect(
        str(path),
        read_only=True,
        config={"enable_external_access": False, "lock_configuration": True},
    )


def published_or_none(published_path: Path) -> duckdb.DuckDBPyConnection | None:
    """`attach_published`, or None when there is no published file or it cannot be opened: for the checks
    that then take the safe answer (publish again, draw again)."""
    if not published_path.is_file():
        return None
    try:
        return attach_published(published_path)
    except duckdb.Error:
        return None


def attach_published(published_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only, locked-down connection whose default catalog is the published file, opened anew.

    The file is attached to a fresh in-memory database rather than opened with `duckdb.connect(path)`:
    DuckDB hands a process that already holds a connection to a path (a reader in the UI's process, a
    test) that same cached database again, which after a publish is the replaced file. Attached this
    way, the file is opened anew each time, and closed with the connection."""
    if not published_path.is_file():
        raise FileNotFoundError(f"no published warehouse at {published_path}: run `make run` first")
    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS published (READ_ONLY)", [str(published_path)])
        con.execute("USE published")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con
