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
