"""Runs that follow RAW_DIR: a sensor that starts one run when the folder changed, and a daily schedule.

The sensor never reads a report. It lists RAW_DIR (names, sizes, modification times) and compares a
digest of that listing with its cursor, so however many files arrive between two looks, they make one
run: a run costs seconds of fixed overhead, so one per file would be the slow way. A file modified in
the last few seconds is taken to be still arriving, and the sensor waits for the next look.

Its first look (no cursor yet, as when `make dev` starts for the first time) asks for no run when the
published warehouse already holds exactly the files RAW_DIR holds (names and sizes in its
audit.file_ledger): starting the UI after `make run` changes nothing, so it runs nothing.
"""

import json
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.lib.ingest.files import listing
from orchestration.lib.publish.publication import open_published

from ..jobs import WAREHOUSE_JOB
from ..pull.assets import PULL_JOB
from ..resources import WarehouseResource

SENSOR_INTERVAL_SECONDS = 30
SETTLE_SECONDS = 10.0


@dataclass(frozen=True)
class Cursor:
    """The listing digest the last run was requested for, and how many runs were requested so far."""

    digest: str | None = None
    requests: int = 0

    @classmethod
    def parse(cls, text: str | None) -> "Cursor":
        return cls(**json.loads(text)) if text else cls()

    def dump(self) -> str:
        return json.dumps({"digest": self.digest, "requests": self.requests})


def published_holds(raw_dir: Path, published: Path) -> str | None:
    """The time of the publication in `published` when its ledger's present files are RAW_DIR's files,
    by name and size; None otherwise, or when it cannot be read."""
    if not published.is_file():
        return None
    try:
        con = open_published(published)
    except duckdb.Error:
        return None
    try:
        recorded = set(
            con.execute("SELECT source_file, size_bytes FROM audit.file_ledger WHERE is_present").fetchall()
        )
        latest = con.execute("SELECT max(published_at) FROM audit.publications").fetchall()[0][0]
    except duckdb.Error:
        return None
    finally:
        con.close()
    root = raw_dir.resolve()
    present = {
        (path.relative_to(root).as_posix(), path.stat().st_size)
        for path in root.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts)
    }
    visible = {(name, size) for name, size in recorded if not any(p.startswith(".") for p in name.split("/"))}
    return f"{latest:%Y-%m-%d %H:%M:%S}" if latest is not None and visible == present else None


def evaluate(
    raw_dir: Path,
    cursor_text: str | None,
    *,
    now: float,
    settle_seconds: float = SETTLE_SECONDS,
    published: Path | None = None,
) -> tuple[dg.RunRequest | dg.SkipReason, str | None]:
    """What the sensor does for one look at raw_dir: a run request or the reason for none, and the new
    cursor (None: keep the old one)."""
    if not raw_dir.is_dir():
        return dg.SkipReason(f"RAW_DIR {raw_dir} does not exist"), None
    cursor = Cursor.parse(cursor_text)
    seen = listing(raw_dir)
    if seen.digest == cursor.digest:
        return dg.SkipReason(
            f"no file added, changed or removed in {raw_dir} since the last run request"
        ), None
    if cursor.digest is None and published is not None:
        published_at = published_holds(raw_dir, published)
        if published_at is not None:
            return (
                dg.SkipReason(f"the publication of {published_at} UTC already holds every file in {raw_dir}"),
                Cursor(seen.digest, cursor.requests).dump(),
            )
    if seen.newest_mtime is not None and now - seen.newest_mtime < settle_seconds:
        return dg.SkipReason(
            f"a file in {raw_dir} changed less than {settle_seconds:g} s ago; waiting for it to settle"
        ), None
    advanced = Cursor(seen.digest, cursor.requests + 1)
    request = dg.RunRequest(
        # unique per change: a folder that returns to an earlier state is still a change to act on
        run_key=f"raw-dir-{advanced.requests}-{seen.digest[:12]}",
        tags={"ofsted/trigger": "raw_dir_sensor", "ofsted/files_in_raw_dir": str(seen.file_count)},
    )
    return request, advanced.dump()


@dg.sensor(
    name="raw_dir_sensor",
    job=WAREHOUSE_JOB,
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts one run of the whole warehouse when files are added to, changed in or removed from "
    "RAW_DIR; files arriving together are handled by that one run.",
)
def raw_dir_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    decision, cursor = evaluate(
        settings.raw_dir, context.cursor, now=time.time(), published=settings.published_duckdb_path
    )
    if cursor is not None:
        context.update_cursor(cursor)
    return decision


daily_schedule = dg.ScheduleDefinition(
    name="daily_pull",
    job=PULL_JOB,
    cron_schedule="0 6 * * *",
    execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Every morning at 06:00 UK time: crawl Ofsted's reports site for new reports (`make pull`). "
    "The files it adds to RAW_DIR start a warehouse run through the sensor. Off by default.",
)
