"""The writer's connection after a killed run: it waits for a process still holding the file; a damaged
working file is set aside and started afresh with the published file's audit history."""

import os
import subprocess
import sys

import duckdb
import pytest

from orchestration.lib.core import warehouse

HOLD = "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(3)"


def test_the_writer_waits_for_a_process_still_holding_the_file(tmp_path):
    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == b"held\n"
        with pytest.raises(duckdb.IOException, match="lock"), warehouse.connect(db, wait_seconds=0):
            pass
        with warehouse.connect(db, wait_seconds=60) as con:
            assert con.execute("SELECT count(*) FROM audit.file_ledger").fetchall() == [(0,)]
    finally:
        holder.kill()
        holder.wait()


def _working_with_history(path):
    with warehouse.connect(path) as con:
        con.execute(
            """INSERT INTO audit.file_ledger (source_file, source_sha256, status, first_seen_at, is_present)
               VALUES ('a.txt', 'aa', 'loaded', TIMESTAMP '2020-01-02 03:04:05', TRUE)"""
        )
        con.execute("INSERT INTO audit.publications (run_id, warehouse_fingerprint) VALUES ('run-1', 'f1')")
        con.execute("INSERT INTO raw.pages SELECT 'aa', range, repeat('text ', 200) FROM range(5000)")
    return path


def _published_audit(working, published):
    con = duckdb.connect(str(published))
    try:
        con.execute("ATTACH ? AS w (READ_ONLY)", [str(working)])
        con.execute("CREATE SCHEMA audit")
        for table in ("file_ledger", "publications", "source_catalogue"):
            con.execute(f"CREATE TABLE audit.{table} AS SELECT * FROM w.audit.{table}")
    finally:
        con.close()


@pytest.mark.parametrize("fault", ["truncated", "overwritten", "not a database"])
def test_a_damaged_working_file_is_set_aside_and_restarted_with_the_published_history(tmp_path, fault):
    db = _working_with_history(tmp_path / "w.duckdb")
    published = tmp_path / "published.duckdb"
    _published_audit(db, published)
    size = db.stat().st_size
    if fault == "truncated":
        os.truncate(db, size // 2)
    elif fault == "overwritten":
        with open(db, "r+b") as handle:
            handle.seek(size // 2)
            handle.write(os.urandom(65536))
    else:
        db.write_bytes(b"<html>not a database</html>" * 100)

    said = warehouse.recover_damaged(db, published)
    assert said and "is damaged" in said and "rebuilt from RAW_DIR" in said
    [aside] = list(tmp_path.glob("w.duckdb.damaged-*"))
    assert aside.name in said and aside.stat().st_size > 0  # kept, not deleted
    assert warehouse.damage(db) is None
    with warehouse.connect(db) as con:
        assert con.execute(
            "SELECT source_file, first_seen_at::VARCHAR FROM audit.file_ledger"
        ).fetchall() == [("a.txt", "2020-01-02 03:04:05")]
        assert con.execute("SELECT run_id FROM audit.publications").fetchall() == [("run-1",)]
        assert con.execute("SELECT count(*) FROM raw.pages").fetchall() == [(0,)]
    assert warehouse.recover_damaged(db, published) is None  # a sound file is left as it is


def test_a_working_file_that_cannot_be_opened_at_all_is_restarted_by_connect(tmp_path):
    db = tmp_path / "w.duckdb"
    db.write_bytes(b"\0" * 8192)
    heard = []
    with warehouse.connect(db, on_wait=heard.append) as con:
        assert con.execute("SELECT count(*) FROM audit.file_ledger").fetchall() == [(0,)]
    assert len(heard) == 1 and "set aside" in heard[0] and "no history" in heard[0]


def test_a_busy_file_is_not_mistaken_for_a_damaged_one(tmp_path):
    db = _working_with_history(tmp_path / "w.duckdb")
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == b"held\n"
        with pytest.raises(duckdb.IOException, match="lock"):
            warehouse.damage(db, wait_seconds=0)
    finally:
        holder.kill()
        holder.wait()
    assert warehouse.damage(db) is None
    assert not list(tmp_path.glob("*.damaged-*"))


def test_the_summary_names_a_full_disk_or_the_process_holding_the_warehouse(tmp_path):
    from orchestration.summary import describe_error

    try:
        try:
            raise OSError(28, "No space left on device")
        except OSError as full:
            raise RuntimeError("publishing failed") from full
    except RuntimeError as error:
        assert describe_error(error).startswith("the disk is full (No space left on device)")

    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == b"held\n"
        with pytest.raises(duckdb.IOException) as busy:
            duckdb.connect(str(db))
    finally:
        holder.kill()
        holder.wait()
    assert describe_error(busy.value).startswith(f"the working warehouse is held by process {holder.pid} (")
