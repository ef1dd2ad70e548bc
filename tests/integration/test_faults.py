"""The whole warehouse under bad input and faults, as an operator and an analyst meet them: bad files
beside the seed reports; `python -m orchestration.run` killed with SIGKILL part-way, again and again; a
check that fails; and an analyst holding the published file open while a run replaces it.

One clean build (in this process) and one sequence of command-line runs over a copy of the same input
are shared by every test here; each test asserts one thing the sequence observed.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.publish.assets import MART_TABLES
from orchestration.lib.publish.publication import open_published, table_checksums
from tests.fixtures.bad_files import SURREY, write_bad_files
from tests.support import REPO, build_warehouse, compare_with_gold, load_gold

pytestmark = pytest.mark.integration

# MAX_FILE_MB=1 makes the 2 MB file too large; 256 MB stops the 512 MB bomb without taxing the machine.
LIMITS = {"MAX_FILE_MB": "1", "EXTRACT_MEMORY_MB": "256", "EXTRACT_TIMEOUT_SECONDS": "60"}

# Where runs are killed: after the progress line starting with the text, plus a pause in seconds.
KILL_POINTS = [
    ("Ofsted warehouse: reading", 2.0),  # starting up, Dagster loading
    ("  extract:", 0.0),  # extraction child processes running
    ("  checks:", 0.0),  # Great Expectations checks after the parse committed
    ("  dbt: building", 3.0),  # dbt half-way through staging and marts
]


@pytest.fixture(scope="module")
def bad_input(tmp_path_factory) -> tuple[Path, dict]:
    work = tmp_path_factory.mktemp("bad_input")
    raw = work / "raw"
    shutil.copytree(REPO / "raw", raw)
    return raw, write_bad_files(raw, work / "secret.txt")


@pytest.fixture(scope="module")
def clean_build(bad_input, tmp_path_factory):
    return build_warehouse(bad_input[0], tmp_path_factory.mktemp("clean"), **LIMITS)


class CommandLineRun:
    """`python -m orchestration.run` in a session of its own, its output collected line by line."""

    def __init__(self, env: dict[str, str], command: list[str] | None = None):
        self.process = subprocess.Popen(
            command or [sys.executable, "-u", "-m", "orchestration.run"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._collect, daemon=True)
        self._reader.start()

    def _collect(self) -> None:
        for raw_line in self.process.stdout:
            with self._changed:
                self.lines.append(raw_line.decode("utf-8", "backslashreplace").rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, prefix: str, timeout: float = 300) -> bool:
        """True once a line starts with prefix; False if the run ended (or timed out) first."""
        with self._changed:
            return self._changed.wait_for(
                lambda: any(line.startswith(prefix) for line in self.lines) or not self._reader.is_alive(),
                timeout,
            ) and any(line.startswith(prefix) for line in self.lines)

    def kill(self) -> None:
        """kill -9 of the run itself; what it started is left to die as it would after a real kill."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self._reader.join(60)

    def finish(self, timeout: float = 300) -> tuple[int, str]:
        code = self.process.wait(timeout)
        self._reader.join(60)
        return code, self.output()

    def output(self) -> str:
        return "\n".join(self.lines)

    def end_leftovers(self) -> None:
        """Stop, by process id, anything this run started that outlived it."""
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and _session_of(entry) == self.process.pid:
                try:
                    os.kill(int(entry.name), signal.SIGKILL)
                except ProcessLookupError:
                    pass


def _session_of(proc_entry: Path) -> int | None:
    try:
        fields = (proc_entry / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[3])  # after state, ppid and pgrp comes the session id


class Analyst(threading.Thread):
    """Holds the published file open with the readers' connection and queries it until told to stop."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path = path
        self.errors: list[str] = []
        self.queries = 0
        self.ready = threading.Event()
        self.stop = threading.Event()

    def run(self) -> None:
        con = open_published(self.path)
        self.ready.set()
        try:
            while not self.stop.is_set():
                try:
                    con.execute(
                        """SELECT j.grade, count(*) FROM marts.fct_judgements j
                           JOIN marts.dim_reports r USING (report_id) GROUP BY 1"""
                    ).fetchall()
                    con.execute("SELECT status, count(*) FROM audit.file_ledger GROUP BY 1").fetchall()
                    self.queries += 1
                except duckdb.Error as error:
                    self.errors.append(repr(error))
                time.sleep(0.05)
        finally:
            con.close()


@dataclass
class FaultSequence:
    published: Path
    working: Path
    before: bytes
    after_kills: list[tuple[str, bool, bool]] = field(default_factory=list)  # (point, identical, readable)
    failed_run: tuple[int, str, bool] | None = None  # (exit code, output, published file identical)
    final_run: tuple[int, str] | None = None
    analyst: Analyst | None = None


def _readable(path: Path) -> bool:
    try:
        con = open_published(path)
    except duckdb.Error:
        return False
    try:
        return con.execute("SELECT count(*) FROM marts.dim_reports").fetchall()[0][0] > 0
    finally:
        con.close()


@pytest.fixture(scope="module")
def faults(clean_build, bad_input, tmp_path_factory) -> FaultSequence:
    """Runs over a copy of the clean build's input, publishing over a copy of its published file: killed
    at each point, then failing a check, then to completion while an analyst reads."""
    work = tmp_path_factory.mktemp("faults")
    raw = work / "raw"
    shutil.copytree(bad_input[0], raw, symlinks=True)
    published = work / "published" / "ofsted.duckdb"
    shutil.copytree(clean_build.published_path.parent, published.parent)
    sequence = FaultSequence(published, work / "warehouse.duckdb", published.read_bytes())
    env = {
        **os.environ,
        **LIMITS,
        "RAW_DIR": str(raw),
        "DUCKDB_PATH": str(sequence.working),
        "PUBLISHED_DUCKDB_PATH": str(published),
        "DAGSTER_HOME": str(work / "dagster_home"),
    }
    runs = []
    try:
        for prefix, pause in KILL_POINTS:
            runs.append(run := CommandLineRun(env))
            assert run.wait_for(prefix), f"the run ended before '{prefix}':\n{run.output()}"
            time.sleep(pause)
            run.kill()
            sequence.after_kills.append(
                (prefix.strip(), published.read_bytes() == sequence.before, _readable(published))
            )

        contradicting = SURREY.read_text(encoding="utf-8").replace(
            "County Council is judged to be adequate.", "County Council is judged to be good.", 1
        )
        (raw / "contradicting_report.txt").write_text(contradicting, encoding="utf-8")
        runs.append(run := CommandLineRun(env))
        code, output = run.finish()
        sequence.failed_run = (code, output, published.read_bytes() == sequence.before)
        (raw / "contradicting_report.txt").unlink()

        # what a publish killed long ago would have left, under the id of a process now gone
        gone = runs[0].process.pid
        published.with_name(f".ofsted.duckdb.{gone}.tmp").write_bytes(b"half a database")
        for stage in ("tmp", "old"):
            (published.parent / f".parquet.{gone}.{stage}").mkdir()

        sequence.analyst = Analyst(published)
        sequence.analyst.start()
        assert sequence.analyst.ready.wait(30)
        runs.append(run := CommandLineRun(env))
        sequence.final_run = run.finish()
    finally:
        if sequence.analyst:
            sequence.analyst.stop.set()
            sequence.analyst.join(30)
        for run in runs:
            run.end_leftovers()
    return sequence


def test_bad_files_beside_the_seeds_are_each_in_the_ledger_and_the_seeds_stay_exact(clean_build, bad_input):
    assert clean_build.result.success, [e.description for e in clean_build.failed_checks()]
    con = clean_build.published()
    try:
        ledger = {
            name: (status, reason)
            for name, status, reason in con.execute(
                "SELECT source_file, status, status_reason FROM audit.file_ledger"
            ).fetchall()
        }
        problems = compare_with_gold(con, load_gold())
    finally:
        con.close()
    expected = bad_input[1]
    seeds = {path.name for path in (REPO / "raw").glob("*.txt")}
    assert set(ledger) == set(expected) | seeds
    assert {ledger[seed] for seed in seeds} == {("loaded", None)}
    for name, (status, words) in expected.items():
        assert ledger[name][0] == status and words in (ledger[name][1] or ""), (name, ledger[name])
    assert problems == []


def test_a_run_killed_at_any_moment_leaves_the_published_file_byte_identical_and_readable(faults):
    assert [point for point, _, _ in faults.after_kills] == [p.strip() for p, _ in KILL_POINTS]
    assert [(point, True, True) for point, _, _ in faults.after_kills] == faults.after_kills


def test_a_document_failing_a_check_is_held_back_and_the_rest_published(faults):
    code, output, identical = faults.failed_run
    assert code == 0, output
    assert "warning publishable on quality/held_back_documents: 1 documents held back" in output
    assert (
        "held back contradicting_report.txt: "
        "expect_column_values_to_be_in_set on judgements.distinct_grade_count" in output
    )
    assert re.search(r"published \d+ reports; 1 held back, see audit.file_ledger", output)
    assert not identical


def test_the_next_run_recovers_on_its_own_and_publishes(faults):
    code, output = faults.final_run
    assert code == 0, output
    assert re.search(r"checks: \d+ passed, 0 warnings, 0 failed", output)
    assert "two\\nlines.pdf" in output  # a newline in a file name is printed escaped, on one line
    con = open_published(faults.published)
    try:
        removed = con.execute(
            "SELECT status FROM audit.file_ledger WHERE source_file = 'contradicting_report.txt'"
        ).fetchall()
    finally:
        con.close()
    assert removed == [("removed",)]  # only the new file knows the report came and went
    assert "publish: tidied .ofsted.duckdb." in output
    # nothing left over: the outputs, the stamp of the publication each was drawn from, and documents/ (the
    # hand-added documents the outputs link to, relative to this folder)
    assert sorted(path.name for path in faults.published.parent.iterdir() if path.name != "documents") == [
        ".ofsted.atom.publication.json",
        ".ofsted.xlsx.publication.json",
        ".report.publication.json",
        "ofsted.atom",
        "ofsted.duckdb",
        "ofsted.xlsx",
        "parquet",
        "report",
    ]
    assert sorted(path.name for path in (faults.published.parent / "report").iterdir()) == [
        "authorities",
        "index.html",
    ]


def test_an_analyst_holding_the_published_file_never_blocks_a_run_nor_sees_an_error(faults):
    assert faults.final_run[0] == 0
    assert faults.analyst.errors == []
    assert faults.analyst.queries > 0


def test_two_runs_over_the_same_input_give_identical_marts(faults, clean_build):
    def checksums(con):
        try:
            return table_checksums(con, "marts")
        finally:
            con.close()

    clean = checksums(duckdb.connect(str(clean_build.duckdb_path), read_only=True))
    assert len(clean) == len(MART_TABLES)
    assert checksums(duckdb.connect(str(faults.working), read_only=True)) == clean
    assert checksums(open_published(faults.published)) == checksums(clean_build.published()) == clean
