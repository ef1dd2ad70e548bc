"""The writer's DuckDB connection. Only the pipeline opens this file; readers get the published copy."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

from .schema import TABLES, column_names, create_statements


@contextlib.contextmanager
def connect(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        for statement in create_statements():
            con.execute(statement)
        _add_missing_columns(con)
        yield con
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
