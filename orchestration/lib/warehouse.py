"""The writer's DuckDB connection. Only the pipeline opens this file; readers get the published copy."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

from .schema import TABLES, column_names, create_statements


@contextlib.contextmanager
def connect(path: Path, *, wait_seconds: float = 120) -> Iterator[duckdb.DuckDBPyConnection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open_when_free(path, wait_seconds)
    try:
        for statement in create_statements():
            con.execute(statement)
        _add_missing_columns(con)
        yield con
    finally:
        con.close()


def _open_when_free(path: Path, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    """Open the writer's file, waiting while another process holds it: after a run is killed, a dbt
    process it started can outlive it for a few seconds, and the next run should wait, not fail."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


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
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
                [schema, name],
            ).fetchall()
        }
        for column, dtype in columns:
            if column not in present:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {dtype}")


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    columns = column_names(table)
    return pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns)


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    """Append rows through a registered DataFrame: values never become SQL text."""
    if not rows:
        return
    data = frame(table, rows)
    con.register("incoming_rows", data)
    try:
        columns = ", ".join(column_names(table))
        casts = ", ".join(f"CAST({name} AS {dtype})" for name, dtype in TABLES[table])
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {casts} FROM incoming_rows")
    finally:
        con.unregister("incoming_rows")


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    con.execute(f"DELETE FROM {table}")
    insert_rows(con, table, rows)


def read_table(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    return con.execute(f"SELECT * FROM {table}").df()
