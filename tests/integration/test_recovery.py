"""Faults an operator meets, built here and recovered from by the next plain run: an extraction process
ended by SIGTERM mid-document; bytes overwritten in the middle of the published file; a Parquet copy
deleted; the working file truncated; an interrupt just after the new published file was renamed into
place; SIGTERM to the run while it extracts. After each, the run exits 0, publishes every report and reads
back equal to a clean build, and no run says "not published" while readers have a new file.

One sequence of command-line runs over one folder is shared by the tests; each asserts one step of it.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.publish.publication import open_published, table_checksums
from tests.fixtures import bad_files
from tests.fixtures.clocks import WORKER_MODULE
from tests.integration.test_faults import CommandLineRun, _session_of
from tests.support import REPO, build_warehouse

pytestmark = pytest.mark.integration

# SIGINT to the run itself right after the rename that puts the new published file in place, as a
# Ctrl-C at that moment would
_INTERRUPTED_AT_THE_RENAME = textwrap.dedent(
    """
    import os, runpy, signal, sys
    published, replace = os.environ["PUBLISHED_DUCKDB_PATH"], os.replace

    def replace_then_interrupt(source, target, *args, **kwargs):
        replace(source, target, *args, **kwargs)
        if str(target) == published:
            os.kill(os.getpid(), signal.SIGINT)

    os.replace = replace_then_interrupt
    sys.argv = ["orchestration.run"]
    runpy.run_module("orchestration.run", run_name="__main__")
    """
)


def _checksums(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    try:
        return table_checksums(con, "marts")
    finally:
        con.close()


def _processes_of(run: CommandLineRun, name: bytes) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _session_of(entry) == run.process.pid:
            try:
                if name in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Step:
    code: int
    output: str
    checksums: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class Recovery:
    raw: Path
    working: Path
    published: Path
    clean: dict[str, str]
    steps: dict[str, Step] = field(default_factory=dict)


@pytest.fixture(scope="module")
def recovery(tmp_path_factory) -> Recovery:
    work = tmp_path_factory.mktemp("recovery")
    raw = work / "raw"
    shutil.copytree(REPO / "raw", raw)
    bad_files.slow_pdf(raw / "long.pdf", inflated_mb=3)  # several seconds in an extraction process
    clean_build = build_warehouse(raw, tmp_path_factory.mktemp("recovery-clean"))
    assert clean_build.result.success
    sequence = Recovery(
        raw,
        work / "warehouse.duckdb",
        work / "published" / "ofsted.duckdb",
        _checksums(clean_build.published()),
    )
    env = {
        **os.environ,
        "RAW_DIR": str(raw),
        "DUCKDB_PATH": str(sequence.working),
        "PUBLISHED_DUCKDB_PATH": str(sequence.published),
        "DAGSTER_HOME": str(work / "dagster_home"),
    }
    runs: list[CommandLineRun] = []

    def finish(name: str, run: CommandLineRun) -> None:
        code, output = run.finish()
        checksums = _checksums(open_published(sequence.published)) if code == 0 else {}
        sequence.steps[name] = Step(code, output, checksums)

    try:
        # an extraction process ended by SIGTERM in the middle of its document
        runs.append(run := CommandLineRun(env))
        assert run.wait_for("  extract:"), run.output()
        deadline = time.monotonic() + 600  # a bound for a hang only
        busy = []
        while not busy and time.monotonic() < deadline:
            busy = [pid for pid in _processes_of(run, WORKER_MODULE) if _cpu_seconds(pid) > 1.5]
            time.sleep(0.05)
        assert busy, run.output()
        os.kill(busy[0], signal.SIGTERM)
        finish("worker ended", run)

        # 64 KiB overwritten in the middle of the published file
        size = sequence.published.stat().st_size
        with open(sequence.published, "r+b") as handle:
            handle.seek(size // 2)
            handle.write(bad_files.random_bytes(65536))
        runs.append(run := CommandLineRun(env))
        finish("published file overwritten", run)

        # a Parquet copy deleted
        (sequence.published.parent / "parquet" / "fct_judgements.parquet").unlink()
        runs.append(run := CommandLineRun(env))
        finish("parquet deleted", run)

        # the working file truncated
        os.truncate(sequence.working, sequence.working.stat().st_size // 2)
        runs.append(run := CommandLineRun(env))
        finish("working truncated", run)

        # an interrupt just after the rename of a new publication (a new name makes one: a duplicate)
        shutil.copyfile(raw / "000_9f7ce6b861c02e06.txt", raw / "copy of a report.txt")
        runs.append(run := CommandLineRun(env, [sys.executable, "-u", "-c", _INTERRUPTED_AT_THE_RENAME]))
        finish("interrupted at the rename", run)
        runs.append(run := CommandLineRun(env))
        finish("after the interrupt", run)

        # SIGTERM to the run while it extracts
        bad_files.slow_pdf(raw / "longer.pdf", inflated_mb=4)
        runs.append(run := CommandLineRun(env))
        assert run.wait_for("  extract:"), run.output()
        time.sleep(1)
        stopped = time.monotonic()
        run.process.send_signal(signal.SIGTERM)
        code, output = run.finish()
        sequence.steps["sigterm"] = Step(code, output, seconds=time.monotonic() - stopped)
        sequence.steps["sigterm"].checksums = {"workers left": str(_processes_of(run, WORKER_MODULE))}
        runs.append(run := CommandLineRun(env))
        finish("after sigterm", run)
    finally:
        for run in runs:
            run.end_leftovers()
    return sequence


def _published_reports(path: Path) -> set[str]:
    con = open_published(path)
    try:
        return {name for (name,) in con.execute("SELECT source_file FROM marts.dim_reports").fetchall()}
    finally:
        con.close()


SEEDS = {path.name for path in (REPO / "raw").glob("*.txt")}


def _recovered(step: Step, clean: dict[str, str]) -> None:
    assert step.code == 0, step.output
    assert "not published" not in step.output, step.output
    assert step.checksums == clean, step.output


def test_an_extraction_process_ended_by_sigterm_is_tried_again_and_never_charged_to_the_document(recovery):
    step = recovery.steps["worker ended"]
    _recovered(step, recovery.clean)
    con = open_published(recovery.published)
    try:
        [(status, reason)] = con.execute(
            "SELECT status, status_reason FROM audit.file_ledger WHERE source_file = 'long.pdf'"
        ).fetchall()
    finally:
        con.close()
    # read to the end in a fresh process: what is said is about its content, not about the signal
    assert status == "quarantined" and "extraction process" not in reason and "SIGTERM" not in reason, reason
    assert _published_reports(recovery.published) == SEEDS


def test_bytes_overwritten_in_the_published_file_are_found_and_it_is_published_again(recovery):
    step = recovery.steps["published file overwritten"]
    _recovered(step, recovery.clean)
    assert "republished: the published file" in step.output, step.output


def test_a_deleted_parquet_copy_is_found_and_published_again(recovery):
    step = recovery.steps["parquet deleted"]
    _recovered(step, recovery.clean)
    assert (
        "republished: the Parquet copy" in step.output and "fct_judgements.parquet is missing" in step.output
    )
    assert (recovery.published.parent / "parquet" / "fct_judgements.parquet").is_file()


def test_a_truncated_working_file_is_set_aside_and_rebuilt_with_its_history(recovery):
    step = recovery.steps["working truncated"]
    _recovered(step, recovery.clean)
    assert "is damaged" in step.output and "it was set aside as warehouse.duckdb.damaged-" in step.output
    assert "Error:" not in step.output.split("Summary")[-1].replace("IO Error:", "")
    assert len(list(recovery.working.parent.glob("warehouse.duckdb.damaged-*"))) == 1
    con = duckdb.connect(str(recovery.working), read_only=True)
    try:
        publications = con.execute("SELECT count(*) FROM audit.publications").fetchall()[0][0]
    finally:
        con.close()
    assert publications >= 3  # the earlier publications came back from the published file's audit schema


def test_an_interrupt_at_the_rename_keeps_the_publication_and_says_it_published(recovery):
    step = recovery.steps["interrupted at the rename"]
    assert "interrupted" in step.output and "Summary" in step.output
    assert "not published" not in step.output, step.output
    assert "published 5 reports" in step.output, step.output
    con = open_published(recovery.published)
    try:
        [(run_id,)] = con.execute(
            "SELECT run_id FROM audit.publications ORDER BY published_at DESC LIMIT 1"
        ).fetchall()
        duplicate = con.execute(
            "SELECT status FROM audit.file_ledger WHERE source_file = 'copy of a report.txt'"
        ).fetchall()
    finally:
        con.close()
    assert duplicate == [("duplicate",)]  # readers have the new file
    working = duckdb.connect(str(recovery.working), read_only=True)
    try:
        kept = working.execute(
            "SELECT count(*) FROM audit.publications WHERE run_id = ?", [run_id]
        ).fetchall()
    finally:
        working.close()
    assert kept == [(1,)]  # and the audit trail keeps it
    _recovered(recovery.steps["after the interrupt"], recovery.clean)


def test_sigterm_ends_the_run_and_its_processes_promptly_with_a_summary_and_the_next_run_recovers(recovery):
    step = recovery.steps["sigterm"]
    # the run promises 2 s; 5 s here leaves room for a loaded machine
    assert step.seconds < 5, step.output
    assert "Summary" in step.output and "interrupted" in step.output
    assert step.checksums == {"workers left": "[]"}
    after = recovery.steps["after sigterm"]
    _recovered(after, recovery.clean)
    assert _published_reports(recovery.published) == SEEDS
