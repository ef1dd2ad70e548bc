"""The writer's connection after a killed run: it waits for a process still holding the file."""

import subprocess
import sys

import duckdb
import pytest

from orchestration.lib import warehouse

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
