"""Run history on SQLite without a disk flush per event.

Dagster keeps each run's events in SQLite files under DAGSTER_HOME and commits every event on its own. With
SQLite's defaults each commit waits for the disk twice (measured on these machines: 15 ms per event with
the rollback journal, 9 ms with write-ahead logging alone, 0.4 ms without flushing), which made the run
history the largest fixed cost of a run. Dagster's own SQLite files, and only those (files under
DAGSTER_HOME), are therefore opened in write-ahead-log mode with `synchronous` set by
RUN_HISTORY_SYNCHRONOUS (default OFF): a run that crashes or is killed loses nothing, but an operating
system crash or power cut during a run can damage the run history (the UI's list of runs; delete
DAGSTER_HOME/history to start it afresh). The warehouse's own data is in DuckDB and is not affected.
Set RUN_HISTORY_SYNCHRONOUS=NORMAL or FULL to flush at every checkpoint or every commit instead.

The pragma is set through SQLAlchemy's public `connect` event, on which Dagster's SQLite storage opens
its files.

Each warehouse has a run history of its own, so the UI of one never shows the runs of another: unless
DAGSTER_HOME is set, it is the folder `<name>.dagster` beside the working warehouse DUCKDB_PATH
(data/warehouse.dagster for the default data/warehouse.duckdb); orchestration/dagster_home.py decides
it, and `python -m orchestration.dagster_home` prepares it and prints its path for `make dev`.
"""

import os
import sqlite3
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

_installed = False
_SYNCHRONOUS = {mode: f"PRAGMA synchronous={mode}" for mode in ("OFF", "NORMAL", "FULL")}


def _under_dagster_home(connection: sqlite3.Connection) -> bool:
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return False
    root = Path(home).resolve()
    for _, name, filename in connection.execute("PRAGMA database_list").fetchall():
        if name == "main" and filename:
            return root in Path(filename).resolve().parents
    return False


def _on_connect(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection) or not _under_dagster_home(dbapi_connection):
        return
    mode = os.environ.get("RUN_HISTORY_SYNCHRONOUS", "OFF").upper()
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(_SYNCHRONOUS.get(mode, _SYNCHRONOUS["OFF"]))
        cursor.close()
    except sqlite3.Error:
        pass  # another process holds the file in a mode that cannot change now: keep the defaults


def install() -> None:
    global _installed
    if not _installed:
        event.listen(Engine, "connect", _on_connect)
        _installed = True
