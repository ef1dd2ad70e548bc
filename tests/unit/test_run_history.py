"""The run history's SQLite files (orchestration/defs/run_history.py): Dagster's own files under
DAGSTER_HOME use write-ahead logging, every event is still written and read back, and SQLite files
elsewhere keep their defaults."""

import shutil
import sqlite3

import dagster as dg
from sqlalchemy import create_engine, text

from orchestration.defs import run_history
from tests.support import REPO, environment


@dg.asset
def tiny() -> int:
    return 1


def test_runs_are_recorded_in_write_ahead_log_mode_under_dagster_home(tmp_path):
    run_history.install()
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    with environment(DAGSTER_HOME=str(home)):
        with dg.DagsterInstance.get() as instance:
            results = [dg.materialize([tiny], instance=instance) for _ in range(3)]
            assert all(result.success for result in results)
            for result in results:
                events = instance.all_logs(result.run_id)
                assert any(e.dagster_event and e.dagster_event.is_step_success for e in events)
        databases = list(home.rglob("*.db"))
        assert databases
        for database in databases:
            mode = sqlite3.connect(database).execute("PRAGMA journal_mode").fetchone()[0]
            assert mode == "wal", database

        # an SQLite file of anyone else's, opened through SQLAlchemy in the same process, is left alone
        other = tmp_path / "other.db"
        engine = create_engine(f"sqlite:///{other}")
        with engine.connect() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.commit()
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "delete"
        engine.dispose()


def test_each_warehouse_keeps_its_own_run_history_beside_its_working_file(tmp_path):
    import os
    import subprocess
    import sys

    homes = []
    for name in ("first", "second"):
        env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
        env.update(DUCKDB_PATH=str(tmp_path / name / "warehouse.duckdb"), PYTHONPATH=str(REPO))
        printed = subprocess.run(
            [sys.executable, "-m", "orchestration.dagster_home"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert printed.stderr == ""  # `make dev` starts with nothing the user cannot act on
        homes.append(printed.stdout.strip())
    assert homes == [str(tmp_path / name / "warehouse.dagster") for name in ("first", "second")]
    for home in homes:
        assert (REPO / "dagster.yaml").read_bytes() == (tmp_path / home / "dagster.yaml").read_bytes()


def test_a_dagster_home_set_by_the_user_is_kept(tmp_path):
    from orchestration.dagster_home import prepare

    with environment(DAGSTER_HOME=str(tmp_path / "mine")):
        assert prepare(tmp_path / "w.duckdb") == tmp_path / "mine"
        assert (tmp_path / "mine" / "dagster.yaml").exists()
