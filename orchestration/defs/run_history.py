"""Run history on SQLite without a disk flush per event.

Dagster keeps each run's events in SQLite files under DAGSTER_HOME, and stores every event on a
connection of its own: open, commit, close. A build writes about a thousand such transactions, and with
SQLite's defaults each one waits for the disk twice (measured on these machines: 15 ms per event with
the rollback journal, 9 ms with write-ahead logging alone, whose last connection to close checkpoints
and flushes; 0.4 ms without flushing), which made the run history the largest fixed cost of a small
build. Run-history files are therefore opened in write-ahead-log mode with `synchronous` set by
RUN_HISTORY_SYNCHRONOUS (default OFF): a run that crashes or is killed loses nothing, but an operating
system crash or power cut during a run can damage the run history (the UI's list of runs; delete
DAGSTER_HOME/history to start it afresh). The warehouse's own data is in DuckDB and is not affected.
Set RUN_HISTORY_SYNCHRONOUS=NORMAL or FULL to flush at every checkpoint or every commit instead.
"""

import os
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

_installed = False


def _on_connect(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    mode = os.environ.get("RUN_HISTORY_SYNCHRONOUS", "OFF").upper()
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        if mode == "FULL":
            cursor.execute("PRAGMA synchronous=FULL")
        elif mode == "NORMAL":
            cursor.execute("PRAGMA synchronous=NORMAL")
        else:
            cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()
    except sqlite3.Error:
        pass  # another process holds the file in a mode that cannot change now: keep the defaults


def install() -> None:
    global _installed
    if not _installed:
        event.listen(Engine, "connect", _on_connect)
        _installed = True
