"""The writer's DuckDB connection. Only the pipeline opens this file; readers get the published copy.

A working file that cannot be opened, or whose blocks fail DuckDB's checksums, is set aside (renamed with
the time, never deleted) and a fresh one is started with what the published file's `audit` schema knows:
the ledger's history and the publications. The run then rebuilds everything else from RAW_DIR.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import pandas as pd

from orchestration.lib.core.schema import TABLES, column_names, create_statements
from orchestration.lib.core.sql import identifier

WRITER_LOCK_WAIT_SECONDS = 3600


def utc_now() -> dt.datetime:
    """Timestamps are stored as naive UTC, DuckDB's TIMESTAMP."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


# path of the lock file -> (descriptor, depth): the lock is re-entrant within a process, because flock
# treats a second open of the same file by the same process as a competitor.
_held: dict[str, tuple[int, int]] = {}
_held_guard = threading.Lock()


@contextlib.contextmanager
def writer_lock(
    path: Path,
    *,
    wait_seconds: float = WRITER_LOCK_WAIT_SECONDS,
    on_wait: Callable[[str], None] = lambda message: None,
) -> Iterator[None]:
    """Hold the one-writer lock of the warehouse file at `path`.

    DuckDB refuses a second process that opens the file while another holds it. Dagster's run queue keeps
    the UI's, the sensor's and the schedule's runs apart, but `make run`, a test or a second UI started
    elsewhere bypass that queue; they all take this lock around every step that opens the file, so a
    second writer waits for the first instead of failing. The operating system frees it when a process
    dies, so a killed run never leaves it held.
    """
    lock_file = str(path) + ".lock"
    with _held_guard:
        descriptor, depth = _held.get(lock_file, (None, 0))
        if descriptor is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
            _acquire(descriptor, lock_file, wait_seconds, on_wait)
        _held[lock_file] = (descriptor, depth + 1)
    try:
        yield
    finally:
        with _held_guard:
            descriptor, depth = _held[lock_file]
            if depth == 1:
                del _held[lock_file]
                os.close(descriptor)  # closing the descriptor releases the lock
            else:
                _held[lock_file] = (descriptor, depth - 1)


def _acquire(descriptor: int, lock_file: str, wait_seconds: float, on_wait: Callable[[str], None]) -> None:
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(descriptor)
                raise TimeoutError(
                    f"another run kept the warehouse busy for {wait_seconds:g} s ({lock_file}); "
                    "try again later"
                ) from None
            if not told:
                on_wait(f"waiting for another run to finish writing the warehouse ({lock_file})")
                told = True
            time.sleep(0.5)


@contextlib.contextmanager
def connect(
    path: Path,
    *,
    wait_seconds: float = 120,
    on_wait: Callable[[str], None] = lambda message: None,
    published_path: Path | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The writer's connection, under the one-writer lock, with every table the warehouse needs. A file
    that cannot be opened at all is set aside and started afresh (`on_wait` hears it), with the audit
    history of `published_path` when given."""
    with writer_lock(path, on_wait=on_wait):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = _open_when_free(path, wait_seconds, on_wait)
        except duckdb.Error as error:
            if not is_damage(error):
                raise
            on_wait(set_aside_and_restart(path, published_path, _one_line(error)))
            con = _open_when_free(path, wait_seconds, on_wait)
        try:
            for statement in create_statements():
                con.execute(statement)
            _add_missing_columns(con)
            yield con
        finally:
            con.close()


def _open_when_free(
    path: Path, wait_seconds: float, on_wait: Callable[[str], None]
) -> duckdb.DuckDBPyConnection:
    """Open the writer's file, waiting while another process holds it: after a run is killed, a dbt
    process it started can outlive it for a few seconds (it does not hold the writer lock), and the next
    run should wait, not fail."""
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise
            if not told:
                on_wait(f"waiting for a leftover process to let go of the warehouse file {path}")
                told = True
            time.sleep(0.5)


def is_damage(error: duckdb.Error) -> bool:
    """An error that says the file itself is broken, rather than busy (another process's lock), out of
    room, not permitted, or interrupted."""
    if isinstance(error, duckdb.InterruptException):
        return False
    words = str(error).lower()
    signs = ("could not set lock", "conflicting lock", "no space left", "permission denied", "out of memory")
    return not any(sign in words for sign in (*signs, "interrupted"))


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300]


def damage(
    path: Path, *, wait_seconds: float = 120, on_wait: Callable[[str], None] = lambda m: None
) -> str | None:
    """Why the working file at `path` cannot be used, or None when it opens and every table reads back
    whole (reading every row makes DuckDB verify the checksum of every block)."""
    if not path.exists():
        return None
    try:
        con = _open_when_free(path, wait_seconds, on_wait)
    except duckdb.Error as error:
        if not is_damage(error):
            raise
        return _one_line(error)
    try:
        for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary"
        ).fetchall():
            qualified = f"{identifier(schema)}.{identifier(table)}"
            con.execute(f"SELECT count(*), sum(hash(t)::HUGEINT) FROM {qualified} AS t").fetchall()
    except duckdb.Error as error:
        if not is_damage(error):
            raise
        return _one_line(error)
    finally:
        try:
            con.close()
        except duckdb.Error:
            pass
    return None


def recover_damaged(
    path: Path, published_path: Path | None, on_wait: Callable[[str], None] = lambda message: None
) -> str | None:
    """Check the working file (`damage`); when it is damaged, set it aside and start afresh. Returns what
    was done, in one line, or None when the file was fine."""
    with writer_lock(path, on_wait=on_wait):
        problem = damage(path, on_wait=on_wait)
        if problem is None:
            return None
        return set_aside_and_restart(path, published_path, problem)


def set_aside_and_restart(path: Path, published_path: Path | None, problem: str) -> str:
    """Rename the damaged working file (and its WAL) out of the way, with the time, and start a fresh one
    carrying over the published file's audit history. Call with the writer lock held."""
    aside = path.with_name(f"{path.name}.damaged-{utc_now():%Y%m%dT%H%M%SZ}")
    os.replace(path, aside)
    wal = Path(f"{path}.wal")
    if wal.exists():
        os.replace(wal, Path(f"{aside}.wal"))
    carried = _carry_over_audit(path, published_path)
    return (
        f"the working warehouse {path} is damaged ({problem}); it was set aside as {aside.name} and is "
        f"rebuilt from RAW_DIR{carried}"
    )


def _carry_over_audit(path: Path, published_path: Path | None) -> str:
    """A fresh working file with the published file's audit tables (the ledger's history, the
    publications, the source catalogue); says what was carried over."""
    con = duckdb.connect(str(path))
    try:
        for statement in create_statements():
            con.execute(statement)
        if published_path is None or not published_path.is_file():
            return ", with no history (there is no published file to take it from)"
        try:
            con.execute("ATTACH ? AS published_copy (READ_ONLY)", [str(published_path)])
        except duckdb.Error as error:
            return f", with no history (the published file cannot be read either: {_one_line(error)})"
        carried = []
        try:
            for table in (name for name in TABLES if name.startswith("audit.")):
                schema, name = table.split(".")
                present = {
                    column
                    for (column,) in con.execute(
                        """SELECT column_name FROM duckdb_columns()
                           WHERE database_name = 'published_copy' AND schema_name = ? AND table_name = ?""",
                        [schema, name],
                    ).fetchall()
                }
                columns = ", ".join(identifier(c) for c in column_names(table) if c in present)
                if not columns:
                    continue
                with transaction(con):
                    con.execute(
                        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM published_copy.{table}"
                    )
                carried.append(table)
        except duckdb.Error as error:
            return f", with the history it could read ({', '.join(carried) or 'none'}; {_one_line(error)})"
        finally:
            con.execute("DETACH published_copy")
        return f", keeping the history of the published file ({', '.join(carried)})"
    finally:
        con.close()


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All or nothing, also for a process killed half-way: DuckDB replays only committed work."""
    con.execute("BEGIN")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _add_missing_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Tables made by an older version of the warehouse gain the columns added since."""
    for table, columns in TABLES.items():
        schema, name = table.split(".")
        present = {
            row[0]
            for row in con.execute(
                """SELECT column_name FROM information_schema.columns
                   WHERE table_schema = ? AND table_name = ?""",
                [schema, name],
            ).fetchall()
        }
        for column, dtype in columns:
            if column not in present:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {dtype}")


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    columns = column_names(table)
    return pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns)


@contextlib.contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, data: pd.DataFrame) -> Iterator[None]:
    """`data` readable in SQL as the view `name` for the block: values never become SQL text."""
    con.register(name, data)
    try:
        yield
    finally:
        con.unregister(name)


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    """Append rows through a registered DataFrame."""
    if not rows:
        return
    columns = ", ".join(column_names(table))
    casts = ", ".join(f"CAST({name} AS {dtype})" for name, dtype in TABLES[table])
    with registered(con, "incoming_rows", frame(table, rows)):
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {casts} FROM incoming_rows")


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    con.execute(f"DELETE FROM {table}")
    insert_rows(con, table, rows)


def read_table(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    return con.execute(f"SELECT * FROM {table}").df()
