"""Run history on SQLite without a disk flush per event.

Dagster keeps each run's events in SQLite files under DAGSTER_HOME and commits every event on its own
connection: a build writes about a thousand transactions, and with SQLite's defaults (rollback journal,
`synchronous=FULL`) each one waits for the disk to flush. On a busy disk that was half of a small
build's time. Write-ahead logging with `synchronous=NORMAL` makes a commit an append to the log, flushed
at checkpoints: the files stay consistent after a crash or power loss, which may only lose the last
events of a run's history. The warehouse's own data is in DuckDB and is not affected.
"""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

_installed = False


def _on_connect(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
    except sqlite3.Error:
        pass  # another process holds the file in a mode that cannot change now: keep the defaults


def install() -> None:
    global _installed
    if not _installed:
        event.listen(Engine, "connect", _on_connect)
        _installed = True
