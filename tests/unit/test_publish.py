"""Publishing under faults, without Dagster: a publish killed with SIGKILL at each step leaves the
published file whole (old or new, never a mix or a torn file), and the next run tidies up after it; a
publish that fails removes its staging files; the digests recorded at publication find a published file
or Parquet copy damaged afterwards."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.publish.publication import publish, recover_interrupted_publish, table_checksums
from tests.support import REPO

# Where the killed child stops: inside the copy, or just before the n-th rename of a publish
# (1 Parquet made ready, 2 the new file over the old, 3 old Parquet aside, 4 new Parquet in place).
KILL_POINTS = ["copying", "rename 1", "rename 2", "rename 3", "rename 4"]

_KILLED_PUBLISH = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from orchestration.lib.publish import publication as module

    working, published, point = sys.argv[1:4]
    die = lambda: os.kill(os.getpid(), signal.SIGKILL)
    if point == "copying":
        copy = module._copy_table
        module._copy_table = lambda *args: (copy(*args), die())
    else:
        target, calls, replace = int(point.split()[1]), [], os.replace
        def counting_replace(*args):
            calls.append(args)
            if len(calls) == target:
                die()
            replace(*args)
        os.replace = counting_replace
    module.publish(Path(working), Path(published), Path(published).parent / "parquet")
    """
)


def make_working(path: Path, version: str) -> Path:
    con = duckdb.connect(str(path))
    try:
        for schema in ("marts", "audit"):
            con.execute(f"CREATE SCHEMA {schema}")
        con.execute(
            "CREATE TABLE marts.dim_reports AS SELECT ? AS version, range AS n FROM range(1000)", [version]
        )
        con.execute("CREATE TABLE marts.fct_visits AS SELECT ? AS version", [version])
        con.execute("CREATE TABLE audit.file_ledger AS SELECT ? AS version", [version])
    finally:
        con.close()
    return path


def version_in(published: Path) -> str:
    con = duckdb.connect(str(published), read_only=True)
    try:
        return con.execute("SELECT DISTINCT version FROM marts.dim_reports").fetchall()[0][0]
    finally:
        con.close()


def parquet_version(parquet_dir: Path) -> set[str]:
    con = duckdb.connect()
    try:
        return {
            con.execute("SELECT DISTINCT version FROM read_parquet(?)", [str(path)]).fetchall()[0][0]
            for path in parquet_dir.glob("*.parquet")
        }
    finally:
        con.close()


@pytest.fixture
def published(tmp_path) -> Path:
    path = tmp_path / "published" / "ofsted.duckdb"
    publish(make_working(tmp_path / "old.duckdb", "old"), path, path.parent / "parquet")
    return path


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_publish_killed_at_any_step_leaves_a_whole_file_and_the_next_run_tidies_up(
    published, tmp_path, point
):
    before = published.read_bytes()
    new = make_working(tmp_path / "new.duckdb", "new")
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_PUBLISH, str(new), str(published), point],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr.decode()

    renamed = point in ("rename 3", "rename 4")  # the new file had been renamed into place
    assert version_in(published) == ("new" if renamed else "old")
    if not renamed:
        assert published.read_bytes() == before

    leftovers = recover_interrupted_publish(published, published.parent / "parquet")
    assert leftovers, "a killed publish leaves temporary files"
    assert sorted(p.name for p in published.parent.iterdir()) == ["ofsted.duckdb", "parquet"]
    assert parquet_version(published.parent / "parquet") == {version_in(published)}

    publish(new, published, published.parent / "parquet")
    assert version_in(published) == "new" and parquet_version(published.parent / "parquet") == {"new"}


def test_leftovers_of_a_publish_still_running_are_left_alone(published):
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        busy = published.with_name(f".ofsted.duckdb.{running.pid}.tmp")
        busy.write_bytes(b"being written")
        assert recover_interrupted_publish(published, published.parent / "parquet") == []
        assert busy.exists()
    finally:
        running.kill()
        running.wait()


def test_checksums_ignore_row_order_and_see_any_change(tmp_path):
    con = duckdb.connect()
    try:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.a AS SELECT * FROM (VALUES (1, 'x'), (2, NULL)) t(n, s)")
        con.execute("CREATE TABLE marts.b AS SELECT * FROM (VALUES (2, NULL), (1, 'x')) t(n, s)")
        con.execute("CREATE TABLE marts.c AS SELECT * FROM (VALUES (1, 'x'), (2, '')) t(n, s)")
        con.execute("CREATE TABLE marts.d AS SELECT * FROM (VALUES (1, 'x'), (2, NULL)) t(n, other)")
        sums = table_checksums(con, "marts")
    finally:
        con.close()
    assert sums["a"] == sums["b"]
    assert len({sums["a"], sums["c"], sums["d"]}) == 3


def test_the_standing_publication_is_read_from_the_new_file_even_while_this_process_holds_the_old(tmp_path):
    from orchestration.lib.publish.fingerprint import latest_publication

    def working(version: str) -> Path:
        path = make_working(tmp_path / f"{version}.duckdb", version)
        con = duckdb.connect(str(path))
        con.execute(
            """CREATE TABLE audit.publications AS
               SELECT now()::TIMESTAMP AS published_at, ? AS warehouse_fingerprint""",
            [version],
        )
        con.close()
        return path

    path = tmp_path / "published" / "ofsted.duckdb"
    assert latest_publication(path) is None  # no published file: publish
    publish(working("first"), path, path.parent / "parquet")
    reader = duckdb.connect(str(path), read_only=True)  # as an analyst's session in this process would
    try:
        publish(working("second"), path, path.parent / "parquet")
        assert latest_publication(path).warehouse_fingerprint == "second"
    finally:
        reader.close()


def _digests(published: Path):
    from orchestration.lib.publish.publication import FileDigest, parquet_digests

    return FileDigest.of(published), parquet_digests(published.parent / "parquet")


def test_a_published_file_and_its_parquet_copies_check_out_as_published(published):
    from orchestration.lib.publish.publication import check_published

    file, parquet = _digests(published)
    assert set(parquet) == {"dim_reports.parquet", "fct_visits.parquet"}
    assert check_published(published, published.parent / "parquet", file, parquet, full=True) is None


def test_bytes_overwritten_in_the_middle_of_the_published_file_are_found_even_with_its_time_put_back(
    published,
):
    from orchestration.lib.publish.publication import check_published

    file, parquet = _digests(published)
    status = published.stat()
    with open(published, "r+b") as handle:
        handle.seek(status.st_size // 2)
        handle.write(bytes(range(256)) * 256)  # 64 KiB
    os.utime(published, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert published.stat().st_size == file.size
    # size and time agree, so only hashing finds it: the full check does, the cheap one cannot
    assert check_published(published, published.parent / "parquet", file, parquet, full=False) is None
    problem = check_published(published, published.parent / "parquet", file, parquet, full=True)
    assert "no longer match its SHA-256" in problem
    os.utime(published)  # a change that moves the time is found by the cheap check too
    assert "no longer match" in check_published(
        published, published.parent / "parquet", file, parquet, full=False
    )


@pytest.mark.parametrize("damage", ["deleted", "truncated", "added"])
def test_a_deleted_truncated_or_extra_parquet_copy_is_found(published, damage):
    from orchestration.lib.publish.publication import check_published

    file, parquet = _digests(published)
    copy = published.parent / "parquet" / "dim_reports.parquet"
    if damage == "deleted":
        copy.unlink()
    elif damage == "truncated":
        os.truncate(copy, copy.stat().st_size // 2)
    else:
        (published.parent / "parquet" / "stray.parquet").write_bytes(b"PAR1")
    problem = check_published(published, published.parent / "parquet", file, parquet, full=False)
    assert problem and ("dim_reports.parquet" in problem or "stray.parquet" in problem), problem


def test_a_publish_that_fails_for_want_of_space_removes_its_staging_files(published, tmp_path, monkeypatch):
    from orchestration.lib.publish import publication as module

    before = published.read_bytes()

    def disk_full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(module, "_parquet_follows", disk_full)
    monkeypatch.setattr(
        module.os,
        "replace",
        lambda *args: disk_full() if "ofsted.duckdb" in str(args[1]) else os.rename(*args),
    )
    with pytest.raises(OSError, match="No space left"):
        publish(make_working(tmp_path / "new.duckdb", "new"), published, published.parent / "parquet")
    assert published.read_bytes() == before
    assert sorted(p.name for p in published.parent.iterdir()) == ["ofsted.duckdb", "parquet"]


def test_the_publication_row_of_the_published_copy_names_its_parquet_copies(tmp_path):
    from orchestration.lib.publish.publication import parquet_digests, parquet_digests_from_json

    working = make_working(tmp_path / "w.duckdb", "v")
    con = duckdb.connect(str(working))
    con.execute("CREATE TABLE audit.publications (run_id VARCHAR, parquet_files VARCHAR)")
    con.execute("INSERT INTO audit.publications VALUES ('run-1', NULL)")
    con.close()
    path = tmp_path / "published" / "ofsted.duckdb"
    result = publish(working, path, path.parent / "parquet", run_id="run-1")
    reader = duckdb.connect(str(path), read_only=True)
    try:
        [(recorded,)] = reader.execute("SELECT parquet_files FROM audit.publications").fetchall()
    finally:
        reader.close()
    assert parquet_digests_from_json(recorded) == result.parquet == parquet_digests(path.parent / "parquet")
    assert result.file.sha256 and result.file.size == path.stat().st_size


# What a publication changes: report changes, the guard against emptying the warehouse, phantoms


def _working_with_reports(path: Path, report_ids: list[str]) -> Path:
    """A working warehouse with the real audit tables and a dim_reports of `report_ids`."""
    from orchestration.lib.core import warehouse

    with warehouse.connect(path) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("DROP TABLE IF EXISTS marts.dim_reports")
        con.execute(
            """CREATE TABLE marts.dim_reports AS
               SELECT unnest(?::VARCHAR[]) AS report_id, 'E10000030' AS local_authority_id,
                      'ilacs_inspection' AS report_type, 'x.pdf' AS source_file""",
            [report_ids],
        )
    return path


def _publish_with_row(working: Path, published: Path, run_id: str, *, allow_shrink: bool = False):
    """What the publish step does, without Dagster: forget phantoms, compare, record, copy, digest."""
    from orchestration.lib.core import warehouse
    from orchestration.lib.core.warehouse import insert_rows, utc_now
    from orchestration.lib.publish.changes import changes_against, forget_unpublished, record_changes

    with warehouse.connect(working) as con:
        forget_unpublished(con, published)
        changes = changes_against(con, published)
        refused = changes.shrink_problem(allow_shrink)
        if refused:
            return changes, refused
        now = utc_now()
        record_changes(con, changes, run_id, now)
        insert_rows(con, "audit.publications", [{"published_at": now, "run_id": run_id}])
    result = publish(working, published, published.parent / "parquet", run_id)
    with warehouse.connect(working) as con:
        con.execute(
            "UPDATE audit.publications SET file_sha256 = ? WHERE run_id = ?", [result.file.sha256, run_id]
        )
    return changes, None


def _published_rows(published: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(published), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_each_publication_records_the_reports_it_added_and_removed(tmp_path):
    published = tmp_path / "published" / "ofsted.duckdb"
    working = _working_with_reports(tmp_path / "w.duckdb", ["a", "b", "c"])
    _publish_with_row(working, published, "run-1")
    _working_with_reports(working, ["a", "b", "d"])
    changes, refused = _publish_with_row(working, published, "run-2")
    assert refused is None and [r.report_id for r in changes.added] == ["d"]
    rows = _published_rows(
        published, "SELECT run_id, report_id, change FROM audit.report_changes ORDER BY run_id, report_id"
    )
    assert rows == [
        ("run-1", "a", "added"),
        ("run-1", "b", "added"),
        ("run-1", "c", "added"),
        ("run-2", "c", "removed"),
        ("run-2", "d", "added"),
    ]


@pytest.mark.parametrize(("after", "refused"), [([], True), (["a"], True), (["a", "b"], False)])
def test_a_publication_that_would_remove_more_than_half_the_reports_is_refused_unless_allowed(
    tmp_path, after, refused
):
    published = tmp_path / "published" / "ofsted.duckdb"
    working = _working_with_reports(tmp_path / "w.duckdb", ["a", "b", "c", "d"])
    _publish_with_row(working, published, "run-1")
    before = published.read_bytes()
    _working_with_reports(working, after)
    _, problem = _publish_with_row(working, published, "run-2")
    assert (problem is not None) == refused
    if refused:
        assert "ALLOW_SHRINK=1" in problem and f"remove {4 - len(after)} of the 4" in problem
        assert published.read_bytes() == before  # the standing publication is kept
        _, problem = _publish_with_row(working, published, "run-3", allow_shrink=True)
        assert problem is None
        assert _published_rows(published, "SELECT count(*) FROM marts.dim_reports") == [(len(after),)]


_KILLED_WHILE_STAGING = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from orchestration.lib.core import warehouse
    from orchestration.lib.core.warehouse import insert_rows, utc_now
    from orchestration.lib.publish import publication as module

    working, published = Path(sys.argv[1]), Path(sys.argv[2])
    with warehouse.connect(working) as con:
        insert_rows(con, "audit.publications", [{"published_at": utc_now(), "run_id": "killed"}])
    copy = module._copy_table
    module._copy_table = lambda *args: (copy(*args), os.kill(os.getpid(), signal.SIGKILL))
    module.publish(working, published, published.parent / "parquet", "killed")
    """
)


def test_a_publish_killed_while_staging_leaves_no_phantom_in_the_history(tmp_path):
    published = tmp_path / "published" / "ofsted.duckdb"
    working = _working_with_reports(tmp_path / "w.duckdb", ["a", "b"])
    _publish_with_row(working, published, "run-1")
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_WHILE_STAGING, str(working), str(published)],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr.decode()
    _publish_with_row(working, published, "run-2")
    history = _published_rows(published, "SELECT run_id FROM audit.publications ORDER BY published_at")
    assert history == [("run-1",), ("run-2",)]
    con = duckdb.connect(str(working), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM audit.publications WHERE run_id = 'killed'").fetchall() == [
            (0,)
        ]
    finally:
        con.close()


def test_a_publication_renamed_into_place_before_its_digest_was_recorded_stays_in_the_history(tmp_path):
    from orchestration.lib.core import warehouse
    from orchestration.lib.core.warehouse import insert_rows, utc_now
    from orchestration.lib.publish.changes import forget_unpublished

    published = tmp_path / "published" / "ofsted.duckdb"
    working = _working_with_reports(tmp_path / "w.duckdb", ["a"])
    with warehouse.connect(working) as con:
        insert_rows(con, "audit.publications", [{"published_at": utc_now(), "run_id": "renamed"}])
    publish(working, published, published.parent / "parquet", "renamed")  # killed before its digest
    with warehouse.connect(working) as con:
        assert forget_unpublished(con, published) == []
