"""Digests that tell a run whether its work was already done.

The warehouse fingerprint covers everything the published file is made from: the content of every
`extracted` table, the file ledger (without `last_seen_at`, which moves on every scan), the dbt project
and the warehouse's own code. A publication records it in `audit.publications`, inside the file it
writes, so a later run whose fingerprint equals the one in the published file knows that building the
marts again would publish the same thing, and skips dbt and publishing.

`standing_before_run` takes the same decision before any run is started, for `make run` over a folder
with nothing new: then no run is needed at all.

Only if the published file and its Parquet copies are still what that publication wrote: the working
warehouse's audit.publications row holds their sizes, modification times and SHA-256 digests. Sizes and
times are compared on every run; the contents are hashed when they differ, on every run while the
published files total less than FULL_CHECK_BYTES (a quarter of a second of hashing), and otherwise once
every FULL_CHECK_INTERVAL. A copy that does not match is published again from the working warehouse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.lib.core.digests import code_digest, dbt_digest, sha256_of, table_digest
from orchestration.lib.core.schema import EXTRACTED_TABLES, column_names
from orchestration.lib.core.warehouse import damage, writer_lock
from orchestration.lib.extract.pool import Limits
from orchestration.lib.extract.store import pending_extractions
from orchestration.lib.ingest import ledger
from orchestration.lib.ingest.files import discover
from orchestration.lib.publish.publication import (
    FileDigest,
    check_published,
    parquet_digests_from_json,
    published_or_none,
)

LEDGER_COLUMNS_IGNORED = {"last_seen_at"}
FULL_CHECK_BYTES = 256 * 1024 * 1024
FULL_CHECK_INTERVAL = dt.timedelta(days=1)


def warehouse_fingerprint(con: duckdb.DuckDBPyConnection, *, max_held_back_share: float) -> str:
    """`max_held_back_share`: MAX_HELD_BACK_SHARE, which decides what is held back, so a new value is
    reason enough for a run."""
    ledger_columns = [c for c in column_names("audit.file_ledger") if c not in LEDGER_COLUMNS_IGNORED]
    parts = [f"extracted.{t}={table_digest(con, f'extracted.{t}')}" for t in EXTRACTED_TABLES]
    parts.append(f"audit.file_ledger={table_digest(con, 'audit.file_ledger', ledger_columns)}")
    parts.append(f"dbt={dbt_digest()}")
    parts.append(f"code={code_digest()}")
    parts.append(f"max_held_back_share={max_held_back_share!r}")
    return sha256_of(parts)


@dataclass(frozen=True)
class Publication:
    published_at: dt.datetime
    warehouse_fingerprint: str
    run_id: str | None = None


def latest_publication(published_path: Path) -> Publication | None:
    """The publication recorded in the published file itself; None when there is no file, it predates
    fingerprints, or it cannot be opened (then publishing again is the safe answer). Read through
    `attach_published`, so a replaced file is never seen through DuckDB's cache."""
    con = published_or_none(published_path)
    if con is None:
        return None
    try:
        cursor = con.execute("SELECT * FROM audit.publications ORDER BY published_at DESC LIMIT 1")
        rows = cursor.fetchall()
        names = [column[0] for column in cursor.description]
    except duckdb.Error:
        return None
    finally:
        con.close()
    if not rows or "warehouse_fingerprint" not in names:
        return None
    row = dict(zip(names, rows[0]))
    return Publication(row["published_at"], row["warehouse_fingerprint"], row.get("run_id"))


def standing_publication(
    con: duckdb.DuckDBPyConnection,
    published_path: Path,
    parquet_dir: Path,
    on_notice: Callable[[str], None] = lambda message: None,
    *,
    max_held_back_share: float,
) -> Publication | None:
    """The publication that already holds what building the marts now would publish, if any: its
    fingerprint is this warehouse's, and the published file and its Parquet copies are still what it
    wrote. Then the build and the publication are skipped. When the files are not, `on_notice` hears why
    and None is returned: they are built and published again."""
    published = latest_publication(published_path)
    if published is None or published.warehouse_fingerprint != warehouse_fingerprint(
        con, max_held_back_share=max_held_back_share
    ):
        return None
    problem = publication_problem(con, published, published_path, parquet_dir)
    if problem is not None:
        on_notice(f"publish: {problem}: it is published again from the working warehouse")
        return None
    return published


def standing_before_run(
    duckdb_path: Path,
    raw_dir: Path,
    published_path: Path,
    parquet_dir: Path,
    *,
    max_file_mb: int,
    limits: Limits,
    max_held_back_share: float,
) -> Publication | None:
    """The publication that already holds what a run would publish now, decided without starting one:
    RAW_DIR holds exactly the files the working warehouse's ledger records, with the same contents and
    outcomes; no document waits for its text or another try; the working file reads back whole; and
    `standing_publication` holds (the fingerprint is the published one and the published files are what
    it wrote). The files' time of last sighting is then brought up to date. None whenever any of that
    fails or cannot be told, a damaged file or one being written included: then a run goes ahead and
    does, and says, what is needed."""
    if not duckdb_path.is_file() or not raw_dir.is_dir():
        return None
    files = discover(raw_dir, max_file_mb=max_file_mb)
    try:
        with writer_lock(duckdb_path, wait_seconds=0):
            if damage(duckdb_path, wait_seconds=0) is not None:
                return None
            con = duckdb.connect(str(duckdb_path))
            try:
                if not ledger.records_exactly(con, files) or pending_extractions(con, limits):
                    return None
                standing = standing_publication(
                    con, published_path, parquet_dir, max_held_back_share=max_held_back_share
                )
                if standing is not None:
                    ledger.mark_seen(con)
                return standing
            finally:
                con.close()
    except (duckdb.Error, OSError, TimeoutError):
        return None


def publication_problem(
    con: duckdb.DuckDBPyConnection, publication: Publication, published_path: Path, parquet_dir: Path
) -> str | None:
    """Why the published file and its Parquet copies are not what `publication` wrote, or None. `con`:
    the working warehouse, whose row of the publication holds the digests."""
    rows = con.execute(
        """SELECT file_size, file_mtime_ns, file_sha256, parquet_files, verified_at FROM audit.publications
           WHERE run_id IS NOT DISTINCT FROM ? AND warehouse_fingerprint = ?
           ORDER BY published_at DESC LIMIT 1""",
        [publication.run_id, publication.warehouse_fingerprint],
    ).fetchall()
    if not rows or rows[0][2] is None or rows[0][3] is None:
        return (
            f"the working warehouse holds no digest of the publication in {published_path}, "
            "so it cannot be verified"
        )
    size, mtime_ns, sha256, parquet_json, verified_at = rows[0]
    parquet = parquet_digests_from_json(parquet_json) or {}
    total = size + sum(digest.size for digest in parquet.values())
    full = (
        total < FULL_CHECK_BYTES
        or verified_at is None
        or utc_now_naive() - verified_at >= FULL_CHECK_INTERVAL
    )
    problem = check_published(
        published_path, parquet_dir, FileDigest(size, mtime_ns, sha256), parquet, full=full
    )
    if problem is None and full:
        con.execute(
            """UPDATE audit.publications SET verified_at = ?
               WHERE run_id IS NOT DISTINCT FROM ? AND file_sha256 = ?""",
            [utc_now_naive(), publication.run_id, sha256],
        )
    return problem


def utc_now_naive() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
