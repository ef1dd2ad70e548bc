"""The RAW_DIR sensor, evaluated with build_sensor_context: one run request however many files arrived,
nothing while nothing changed or while a file is still being written, and a cursor that moves on."""

from __future__ import annotations

import os
import time

import dagster as dg
import pytest

from orchestration.definitions import defs
from orchestration.defs.ingest.sensors import SETTLE_SECONDS, daily_schedule, raw_dir_sensor
from tests.support import environment


def settled(path):
    """Date a file back beyond the settling delay, as if it had been copied a while ago."""
    past = time.time() - SETTLE_SECONDS - 60
    os.utime(path, (past, past))
    return path


def add(folder, name, text="report"):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return settled(path)


def tick(instance, cursor):
    """One evaluation of the sensor; returns (run requests, skip reason, cursor after)."""
    from orchestration import settings
    from orchestration.defs.resources import WarehouseResource

    # the settings as the test's environment has them, handed to the sensor as its resource
    warehouse = WarehouseResource.from_settings(settings.load())
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"warehouse": warehouse})
    result = raw_dir_sensor(context)
    requests = [result] if isinstance(result, dg.RunRequest) else []
    skip = result if isinstance(result, dg.SkipReason) else None
    return requests, skip, context.cursor


@pytest.fixture
def raw(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    with environment(RAW_DIR=str(folder)):
        yield folder


@pytest.fixture(scope="module")
def instance():
    with dg.instance_for_test() as test_instance:
        yield test_instance


def test_files_arriving_together_make_one_run_request(raw, instance):
    for number in range(5):
        add(raw, f"report_{number}.pdf")
    add(raw, "2019/nested.txt")
    requests, skip, cursor = tick(instance, None)
    assert skip is None and len(requests) == 1
    assert requests[0].tags["ofsted/files_in_raw_dir"] == "6"
    assert cursor is not None

    requests, skip, unchanged_cursor = tick(instance, cursor)
    assert requests == [] and "no file added" in skip.skip_message
    assert unchanged_cursor == cursor


def test_every_change_moves_the_cursor_and_gets_its_own_run_key(raw, instance):
    add(raw, "a.pdf")
    first, _, cursor_1 = tick(instance, None)
    add(raw, "b.pdf")
    second, _, cursor_2 = tick(instance, cursor_1)
    (raw / "b.pdf").unlink()  # back to the listing of the first request: still a change to act on
    third, _, cursor_3 = tick(instance, cursor_2)
    assert len({cursor_1, cursor_2, cursor_3}) == 3
    keys = [requests[0].run_key for requests in (first, second, third)]
    assert len(set(keys)) == 3


def test_a_file_still_being_written_waits_for_the_next_look(raw, instance):
    add(raw, "a.pdf")
    _, _, cursor = tick(instance, None)
    (raw / "b.pdf").write_bytes(b"%PDF-1.4 half")  # modified just now
    requests, skip, after = tick(instance, cursor)
    assert requests == [] and "settle" in skip.skip_message
    assert after == cursor
    settled(raw / "b.pdf")
    requests, _, after = tick(instance, cursor)
    assert len(requests) == 1 and after != cursor


def test_the_pull_steps_partial_downloads_and_record_are_not_a_change(raw, instance):
    add(raw, "a.pdf")
    _, _, cursor = tick(instance, None)
    add(raw, ".a-download.pdf.part")
    add(raw, ".pull/downloads.json", "{}")
    requests, skip, _ = tick(instance, cursor)
    assert requests == [] and skip is not None


def test_a_hidden_file_put_in_raw_dir_is_a_change_once_but_rewriting_it_is_not(raw, instance):
    # the ledger records a hidden file by its name (quarantined, never read), so its arrival is a change
    add(raw, "a.pdf")
    _, _, cursor = tick(instance, None)
    add(raw, ".DS_Store", "one")
    requests, _, cursor = tick(instance, cursor)
    assert len(requests) == 1
    add(raw, ".DS_Store", "rewritten by the Finder")
    (raw / ".DS_Store").touch()  # just now: a hidden file's time does not hold back a run either
    requests, skip, _ = tick(instance, cursor)
    assert requests == [] and "no file added" in skip.skip_message


def test_a_missing_raw_dir_is_a_skip_not_an_error(tmp_path, instance):
    with environment(RAW_DIR=str(tmp_path / "nowhere")):
        requests, skip, cursor = tick(instance, None)
    assert requests == [] and "does not exist" in skip.skip_message and cursor is None


def test_sensor_runs_by_default_and_the_daily_schedule_is_off():
    assert raw_dir_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert raw_dir_sensor.minimum_interval_seconds >= 30
    assert daily_schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    # the schedule pulls from Ofsted's site; the files it adds start a warehouse run through the sensor
    assert raw_dir_sensor.job_name == "warehouse" and daily_schedule.job_name == "pull"
    assert defs.resolve_sensor_def("raw_dir_sensor") and defs.resolve_schedule_def("daily_pull")


def _published_with(path, files):
    """A published file whose ledger holds `files` (name -> size) as present, published once."""
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA audit")
    con.execute("CREATE TABLE audit.file_ledger (source_file VARCHAR, size_bytes BIGINT, is_present BOOLEAN)")
    con.execute("CREATE TABLE audit.publications (published_at TIMESTAMP)")
    con.execute("INSERT INTO audit.publications VALUES ('2026-12-01 09:30:00')")
    for name, size in files.items():
        con.execute("INSERT INTO audit.file_ledger VALUES (?, ?, true)", [name, size])
    con.close()


def test_the_first_look_runs_nothing_when_the_publication_already_holds_raw_dir(raw, instance, tmp_path):
    add(raw, "a.txt", "report a")
    add(raw, "sub/b.txt", "report b")
    published = tmp_path / "published" / "ofsted.duckdb"
    _published_with(published, {"a.txt": 8, "sub/b.txt": 8, "gone.txt": 5})
    with environment(PUBLISHED_DUCKDB_PATH=str(published)):
        # the publication lists a file RAW_DIR no longer holds: a run is needed
        requests, _, _ = tick(instance, None)
        assert len(requests) == 1
        published.unlink()
        _published_with(published, {"a.txt": 8, "sub/b.txt": 8})
        requests, skip, cursor = tick(instance, None)
        assert requests == [] and "already holds every file" in skip.skip_message and cursor
        # from then on it follows RAW_DIR as usual
        add(raw, "c.txt", "report c")
        requests, _, _ = tick(instance, cursor)
        assert len(requests) == 1
