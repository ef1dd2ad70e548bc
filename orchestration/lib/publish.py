"""Write, audit, publish: copy the checked `marts` and `audit` tables out of the writer's file into the
file readers open, and replace it atomically.

Readers never open the writer's file (DuckDB allows one writer and a reader blocks it). The copy is
written beside the published file and renamed over it, so an analyst holding the old file open keeps
reading the old version and the next open sees the new one whole. Storage version v1.0.0 keeps the file
readable by the older DuckDB releases bundled in BI drivers.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS = ("marts", "audit")
STORAGE_VERSION = "v1.0.0"


@dataclass
class PublishResult:
    path: Path
    parquet_dir: Path
    tables: dict[str, int]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def publish(working_db: Path, published_path: Path, parquet_dir: Path) -> PublishResult:
    published_path.parent.mkdir(parents=True, exist_ok=True)
    staging_file = published_path.with_name(f".{published_path.name}.{os.getpid()}.tmp")
    staging_parquet = parquet_dir.with_name(f".{parquet_dir.name}.{os.getpid()}.tmp")
    for leftover in (staging_file, Path(str(staging_file) + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(staging_parquet, ignore_errors=True)
    staging_parquet.mkdir(parents=True)

    tables: dict[str, int] = {}
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {_literal(str(working_db))} AS working (READ_ONLY)")
        listing = con.execute(
            """SELECT schema_name, table_name, comment FROM duckdb_tables()
               WHERE database_name = 'working' AND schema_name IN ?
               ORDER BY schema_name, table_name""",
            [list(PUBLISHED_SCHEMAS)],
        ).fetchall()
        con.execute(f"ATTACH {_literal(str(staging_file))} AS published (STORAGE_VERSION '{STORAGE_VERSION}')")
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS published.{schema}")
        for schema, table, comment in listing:
            source = f"working.{_quote(schema)}.{_quote(table)}"
            target = f"published.{_quote(schema)}.{_quote(table)}"
            con.execute(f"CREATE TABLE {target} AS SELECT * FROM {source}")
            if comment:
                con.execute(f"COMMENT ON TABLE {target} IS {_literal(comment)}")
            for column, column_comment in con.execute(
                """SELECT column_name, comment FROM duckdb_columns()
                   WHERE database_name = 'working' AND schema_name = ? AND table_name = ?
                     AND comment IS NOT NULL AND comment <> ''""",
                [schema, table],
            ).fetchall():
                con.execute(f"COMMENT ON COLUMN {target}.{_quote(column)} IS {_literal(column_comment)}")
            tables[f"{schema}.{table}"] = con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0]
            if schema == "marts":
                parquet_file = staging_parquet / f"{table}.parquet"
                con.execute(f"COPY (SELECT * FROM {source}) TO {_literal(str(parquet_file))} (FORMAT parquet)")
        con.execute("DETACH published")
        con.execute("DETACH working")
    finally:
        con.close()

    os.replace(staging_file, published_path)
    old_parquet = parquet_dir.with_name(f".{parquet_dir.name}.{os.getpid()}.old")
    if parquet_dir.exists():
        os.replace(parquet_dir, old_parquet)
    os.replace(staging_parquet, parquet_dir)
    shutil.rmtree(old_parquet, ignore_errors=True)
    return PublishResult(published_path, parquet_dir, tables)


def open_published(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection for readers: read-only, no access to local files or the network, settings locked."""
    con = duckdb.connect(
        str(path),
        read_only=True,
        config={"enable_external_access": False, "lock_configuration": True},
    )
    return con
