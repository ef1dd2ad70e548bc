"""Digests that tell a run whether its work was already done.

The warehouse fingerprint covers everything the published file is made from: the content of every
`extracted` table, the file ledger (without `last_seen_at`, which moves on every scan), the dbt project
and the warehouse's own code. A publication records it in `audit.publications`, inside the file it
writes, so a later run whose fingerprint equals the one in the published file knows that building the
marts again would publish the same thing, and skips dbt and publishing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .publish import attach_published
from .schema import EXTRACTED_TABLES, column_names
from .sql import identifier

REPO_ROOT = Path(__file__).resolve().parents[2]
CODE_DIR = REPO_ROOT / "orchestration"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT_INPUTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests", "snapshots", "analyses")
LEDGER_COLUMNS_IGNORED = {"last_seen_at"}


def _sha256(parts: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def files_digest(paths: Iterable[Path], root: Path) -> str:
    """Digest of the names (relative to root) and bytes of files, in name order."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.relative_to(root).as_posix()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _files_under(root: Path, entries: Iterable[str], pattern: str = "*") -> list[Path]:
    found: list[Path] = []
    for entry in entries:
        path = root / entry
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found += [p for p in path.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts]
    return found


def code_digest() -> str:
    """The warehouse's Python code: a change to any of it builds the marts again."""
    return files_digest(_files_under(CODE_DIR, ["."], "*.py"), CODE_DIR)


def dbt_digest(project_dir: Path = DBT_PROJECT_DIR) -> str:
    return files_digest(_files_under(project_dir, DBT_INPUTS), project_dir)


def table_digest(con: duckdb.DuckDBPyConnection, table: str, columns: list[str] | None = None) -> str:
    """Order-independent digest of a table's rows: their count and the sum of each row's hash."""
    selected = ", ".join(identifier(c) for c in columns) if columns else "*"
    qualified = ".".join(identifier(part) for part in table.split("."))
    count, total = con.execute(
        f"SELECT count(*), coalesce(sum(hash(r)::HUGEINT), 0) FROM (SELECT {selected} FROM {qualified}) AS r"
    ).fetchall()[0]
    return f"{count}:{total}"


def warehouse_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    ledger_columns = [c for c in column_names("audit.file_ledger") if c not in LEDGER_COLUMNS_IGNORED]
    parts = [f"extracted.{t}={table_digest(con, f'extracted.{t}')}" for t in EXTRACTED_TABLES]
    parts.append(f"audit.file_ledger={table_digest(con, 'audit.file_ledger', ledger_columns)}")
    parts.append(f"dbt={dbt_digest()}")
    parts.append(f"code={code_digest()}")
    return _sha256(parts)


@dataclass(frozen=True)
class Publication:
    published_at: dt.datetime
    warehouse_fingerprint: str


def latest_publication(published_path: Path) -> Publication | None:
    """The publication recorded in the published file itself; None when there is no file, it predates
    fingerprints, or it cannot be opened (then publishing again is the safe answer). Read through
    `attach_published`, so a replaced file is never seen through DuckDB's cache."""
    if not published_path.is_file():
        return None
    try:
        con = attach_published(published_path)
    except duckdb.Error:
        return None
    try:
        rows = con.execute(
            """SELECT published_at, warehouse_fingerprint FROM audit.publications
               ORDER BY published_at DESC LIMIT 1"""
        ).fetchall()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return Publication(*rows[0]) if rows else None


def standing_publication(
    con: duckdb.DuckDBPyConnection, published_path: Path, parquet_dir: Path
) -> Publication | None:
    """The publication that already holds what building the marts now would publish, if any: its
    fingerprint is this warehouse's, and the published file and its Parquet copies are in place. Then
    the build and the publication are skipped."""
    published = latest_publication(published_path)
    if published is None or published.warehouse_fingerprint != warehouse_fingerprint(con):
        return None
    return published if parquet_dir.is_dir() else None
