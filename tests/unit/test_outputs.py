"""Outputs drawn from a publication follow it: each records the publication it was drawn from, an output
left from an earlier publication (a run killed after the rename of the published file), edited since or
missing is found and drawn again, and the leftovers of a writer killed part-way are removed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.publish.outputs import (
    Output,
    made_from,
    output_state,
    record_output,
    refresh,
    remove_leftovers,
    stamping,
)
from orchestration.lib.publish.publication import publish


def _publish(tmp_path: Path, run_id: str) -> Path:
    working = tmp_path / f"{run_id}.duckdb"
    con = duckdb.connect(str(working))
    try:
        con.execute("CREATE SCHEMA marts; CREATE SCHEMA audit")
        con.execute("CREATE TABLE marts.dim_reports AS SELECT ? AS run", [run_id])
        con.execute(
            "CREATE TABLE audit.publications AS SELECT now()::TIMESTAMP AS published_at, ? AS run_id",
            [run_id],
        )
    finally:
        con.close()
    published = tmp_path / "published" / "ofsted.duckdb"
    publish(working, published, published.parent / "parquet", run_id)
    return published


def _writer(published: Path, target: Path, written: list):
    def write():
        con = duckdb.connect(str(published), read_only=True)
        try:
            [(run,)] = con.execute("SELECT run FROM marts.dim_reports").fetchall()
        finally:
            con.close()
        target.write_text(f"drawn from {run}", encoding="utf-8")
        written.append(run)

    return write


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_an_output_left_from_the_previous_publication_is_found_and_drawn_again(tmp_path):
    published = _publish(tmp_path, "run-1")
    workbook = published.with_suffix(".xlsx")
    written: list = []
    output = Output("workbook", workbook, _writer(published, workbook, written), "make export")
    with stamping(published, workbook):
        output.write()
    assert output_state(published, workbook).current and made_from(workbook) == "run-1"

    # the next publication is renamed into place, and the run is killed while it saves the workbook
    _publish(tmp_path, "run-2")
    leftover = workbook.with_name(f".ofsted.xlsx.{_dead_pid()}.tmp")
    leftover.write_bytes(b"half a workbook")
    state = output_state(published, workbook)
    assert not state.current and (state.made_from, state.standing) == ("run-1", "run-2")
    assert "drawn from publication run-1, not the standing run-2" in state.problem

    said: list[str] = []
    assert refresh(published, [output], said.append) == []
    assert written == ["run-1", "run-2"] and workbook.read_text() == "drawn from run-2"
    assert output_state(published, workbook).current and made_from(workbook) == "run-2"
    assert not leftover.exists() and any(leftover.name in line for line in said)
    # current now: a second look draws nothing again
    refresh(published, [output], said.append)
    assert written == ["run-1", "run-2"]


@pytest.mark.parametrize("fault", ["edited", "deleted", "stamp deleted"])
def test_an_output_edited_deleted_or_unstamped_is_not_current(tmp_path, fault):
    published = _publish(tmp_path, "run-1")
    report = published.parent / "report"
    (report / "authorities").mkdir(parents=True)
    (report / "index.html").write_text("<p>index</p>")
    (report / "authorities" / "surrey.html").write_text("<p>Surrey</p>")
    record_output(published, report)
    assert output_state(published, report).current
    if fault == "edited":
        (report / "authorities" / "surrey.html").write_text("<p>changed</p>")
    elif fault == "deleted":
        (report / "index.html").unlink()
        (report / "authorities" / "surrey.html").unlink()
        (report / "authorities").rmdir()
        report.rmdir()
    else:
        (published.parent / ".report.publication.json").unlink()
    assert not output_state(published, report).current


def test_leftovers_of_a_running_writer_and_the_publish_staging_are_left_alone(tmp_path):
    published = _publish(tmp_path, "run-1")
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        busy = published.with_name(f".ofsted.xlsx.{running.pid}.tmp")
        busy.write_bytes(b"being written")
        staging = published.with_name(f".ofsted.duckdb.{_dead_pid()}.tmp")
        staging.write_bytes(b"left to recover_interrupted_publish")
        dead_page = published.parent / "report" / f".index.html.{_dead_pid()}.tmp"
        dead_page.parent.mkdir()
        dead_page.write_text("half a page")
        assert remove_leftovers(published.parent, frozenset({"ofsted.duckdb", "parquet"})) == [
            f"report/{dead_page.name}"
        ]
        assert busy.exists() and staging.exists()
    finally:
        running.kill()
        running.wait()


def test_a_writer_that_fails_records_nothing(tmp_path):
    published = _publish(tmp_path, "run-1")
    target = published.with_suffix(".atom")
    with pytest.raises(RuntimeError), stamping(published, target):
        target.write_text("half a feed")
        raise RuntimeError("disk full")
    assert made_from(target) is None and not output_state(published, target).current


def test_each_parquet_copy_names_the_publication_it_belongs_to(tmp_path):
    published = _publish(tmp_path, "run-1")
    _publish(tmp_path, "run-2")
    copies = sorted((published.parent / "parquet").glob("*.parquet"))
    assert copies and {made_from(copy) for copy in copies} == {"run-2"}
