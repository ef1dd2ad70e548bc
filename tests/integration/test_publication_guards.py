"""What readers are left with after faults around publishing, as `make run` meets them: a run killed
while it saves the workbook of a new publication (the workbook describes the previous one and a
temporary workbook stays beside it); RAW_DIR emptied, MAX_FILE_MB=0 and RAW_DIR pointing at the
published folder, each of which would publish nothing over a warehouse of reports; and the user saying
ALLOW_SHRINK=1. One sequence of command-line runs is shared by the tests; each asserts one step."""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from orchestration.lib.publish.outputs import made_from, output_state
from orchestration.lib.publish.publication import open_published
from tests.integration.test_faults import CommandLineRun
from tests.support import REPO
from tests.unit.test_ledger import OTHER_KINDS

pytestmark = pytest.mark.integration

# SIGKILL to the run itself as it renames its new workbook into place: the published file is already new
_KILLED_AT_THE_WORKBOOK = textwrap.dedent(
    """
    import os, runpy, signal, sys
    workbook, replace = os.environ["PUBLISHED_DUCKDB_PATH"][: -len(".duckdb")] + ".xlsx", os.replace

    def replace_unless_workbook(source, target, *args, **kwargs):
        if str(target) == workbook:
            os.kill(os.getpid(), signal.SIGKILL)
        replace(source, target, *args, **kwargs)

    os.replace = replace_unless_workbook
    sys.argv = ["orchestration.run"]
    runpy.run_module("orchestration.run", run_name="__main__")
    """
)


@dataclass
class Step:
    code: int
    output: str
    published: bytes = b""
    reports: int = 0


@dataclass
class Sequence:
    raw: Path
    published: Path
    steps: dict[str, Step] = field(default_factory=dict)
    leftovers_after_kill: list[str] = field(default_factory=list)
    workbook_from: dict[str, str | None] = field(default_factory=dict)
    not_read_after_first: list[tuple[str, str]] = field(default_factory=list)


def _reports(published: Path) -> int:
    con = open_published(published)
    try:
        return con.execute("SELECT count(*) FROM marts.dim_reports").fetchall()[0][0]
    finally:
        con.close()


def _statuses(published: Path, names: list[str]) -> list[tuple[str, str]]:
    con = open_published(published)
    try:
        return sorted(
            con.execute(
                "SELECT source_file, status FROM audit.file_ledger WHERE source_file IN ?", [names]
            ).fetchall()
        )
    finally:
        con.close()


@pytest.fixture(scope="module")
def guards(tmp_path_factory) -> Sequence:
    work = tmp_path_factory.mktemp("guards")
    raw = work / "raw"
    shutil.copytree(REPO / "raw", raw)
    for name, text in OTHER_KINDS.items():  # documents of kinds the warehouse does not read, beside them
        (raw / name).write_text(text, encoding="utf-8")
    published = work / "published" / "ofsted.duckdb"
    sequence = Sequence(raw, published)
    base = {
        **os.environ,
        "RAW_DIR": str(raw),
        "DUCKDB_PATH": str(work / "warehouse.duckdb"),
        "PUBLISHED_DUCKDB_PATH": str(published),
        "DAGSTER_HOME": str(work / "dagster_home"),
    }
    runs: list[CommandLineRun] = []

    def run(name: str, command: list[str] | None = None, **settings: str) -> Step:
        runs.append(process := CommandLineRun({**base, **settings}, command))
        code, output = process.finish(600)
        step = Step(code, output, published.read_bytes(), _reports(published))
        sequence.steps[name] = step
        (work / f"{name}.log").write_text(output, encoding="utf-8")  # for a person reading a failure
        return step

    try:
        run("first")
        sequence.not_read_after_first = _statuses(published, list(OTHER_KINDS))
        workbook = published.with_suffix(".xlsx")
        sequence.workbook_from["first"] = made_from(workbook)

        # a report taken away, and the run killed as it renames its workbook into place
        moved = sorted(raw.glob("0*.txt"))[0]
        moved.rename(work / moved.name)
        run("killed at the workbook", [sys.executable, "-u", "-c", _KILLED_AT_THE_WORKBOOK])
        sequence.leftovers_after_kill = sorted(p.name for p in published.parent.glob(".ofsted.xlsx.*.tmp"))
        sequence.workbook_from["killed"] = made_from(workbook)
        run("after the kill")
        sequence.workbook_from["after"] = made_from(workbook)

        empty = work / "empty"
        empty.mkdir()
        run("empty raw", RAW_DIR=str(empty))
        run("max file mb 0", MAX_FILE_MB="0")
        run("raw is the published folder", RAW_DIR=str(published.parent))
        run("allowed", RAW_DIR=str(empty), ALLOW_SHRINK="1")
    finally:
        for process in runs:
            process.end_leftovers()
    return sequence


def test_a_workbook_left_from_the_previous_publication_by_a_kill_is_drawn_again_by_the_next_run(guards):
    killed = guards.steps["killed at the workbook"]
    assert killed.code == -9, killed.output
    assert guards.leftovers_after_kill, "the killed writer leaves its temporary workbook"
    assert guards.workbook_from["killed"] == guards.workbook_from["first"]

    after = guards.steps["after the kill"]
    assert after.code == 0, after.output
    assert "NOT current" not in after.output
    assert not list(guards.published.parent.glob(".ofsted.xlsx.*.tmp"))
    assert guards.workbook_from["after"] != guards.workbook_from["first"]
    for output in (guards.published.with_suffix(".xlsx"), guards.published.parent / "report"):
        assert output_state(guards.published, output).current, output


def test_the_summary_lists_the_reports_each_publication_added_and_removed(guards):
    first = guards.steps["first"]
    assert "what's new: 5 reports added, 0 removed" in first.output, first.output
    con = open_published(guards.published)
    try:
        changes = con.execute(
            "SELECT change, count(*) FROM audit.report_changes GROUP BY 1 ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    assert dict(changes)["added"] == 5


def test_a_run_that_would_remove_most_reports_keeps_the_standing_publication_and_says_why(guards):
    before = guards.steps["after the kill"]
    refused = guards.steps["empty raw"]
    assert refused.code != 0, refused.output
    assert "it would remove 4 of the 4 published reports" in refused.output, refused.output
    assert "ALLOW_SHRINK=1" in refused.output
    assert "not published by this run" in refused.output
    assert refused.published == before.published and refused.reports == 4
    assert "Traceback" not in refused.output and "Stack Trace" not in refused.output
    assert "files: none seen in RAW_DIR" in refused.output


@pytest.mark.parametrize(
    "step, setting",
    [("max file mb 0", "setting MAX_FILE_MB=0: "), ("raw is the published folder", "setting RAW_DIR=")],
)
def test_settings_that_would_empty_the_warehouse_stop_the_run_before_any_work(guards, step, setting):
    """MAX_FILE_MB=0 or RAW_DIR at the published folder would read nothing: the settings check refuses them
    with one line, before anything runs, and the standing publication stays."""
    before = guards.steps["after the kill"]
    refused = guards.steps[step]
    assert refused.code == 2, refused.output
    assert refused.output.strip().startswith(setting) and len(refused.output.strip().splitlines()) == 1
    assert refused.published == before.published and refused.reports == 4


def test_allow_shrink_publishes_the_smaller_warehouse_when_the_user_says_so(guards):
    allowed = guards.steps["allowed"]
    assert allowed.code == 0, allowed.output
    assert allowed.reports == 0
    assert "what's new: 0 reports added, 4 removed" in allowed.output


def test_documents_of_kinds_the_warehouse_does_not_read_never_stop_the_others_being_published(guards):
    first = guards.steps["first"]
    assert first.code == 0, first.output
    assert f"{len(OTHER_KINDS)} of kinds the warehouse does not read (status not_read)" in first.output
    assert guards.not_read_after_first == sorted((name, "not_read") for name in OTHER_KINDS)
