"""Content digests: of files, of the warehouse's own code and dbt project, and of a table's rows.

Generic and cheap to import; the run decision (publish/fingerprint.py), parsing and the checks use them to
tell whether their inputs changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import duckdb

from orchestration.lib.core.sql import identifier

REPO_ROOT = Path(__file__).resolve().parents[3]
CODE_DIR = REPO_ROOT / "orchestration"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT_INPUTS = (
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "macros",
    "seeds",
    "tests",
    "snapshots",
    "analyses",
)


def sha256_of(parts: Iterable[str]) -> str:
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
