"""`make run` as a user runs it over the same folder: the first run ingests, builds and publishes; the
second finds nothing new, starts no run and leaves the published file as it was; a report added after
that is read by a third run. Runs are of the `warehouse` job in DAGSTER_HOME, as the UI shows them."""

import hashlib
import os
import re
import shutil
import subprocess
import sys

import dagster as dg
import pytest

from tests.support import REPO, environment

pytestmark = pytest.mark.integration


def make_run(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orchestration.run"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_a_second_make_run_over_the_same_folder_changes_nothing(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(REPO / "raw", raw)
    published = tmp_path / "published" / "ofsted.duckdb"
    env = {
        **os.environ,
        "RAW_DIR": str(raw),
        "DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
        "PUBLISHED_DUCKDB_PATH": str(published),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }
    first = make_run(env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"published: {published}" in first.stdout
    assert "published 5 reports; 0 held back" in first.stdout
    digest = hashlib.sha256(published.read_bytes()).hexdigest()

    second = make_run(env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "no run needed" in second.stdout
    assert "unchanged: nothing changed since the publication of" in second.stdout
    assert "checks: none run again: their results for the publication of" in second.stdout
    assert "published 5 reports; 0 held back" in second.stdout
    assert hashlib.sha256(published.read_bytes()).hexdigest() == digest
    assert _runs(env) == (["warehouse"], {dg.DagsterRunStatus.SUCCESS})

    # a report added later: the next `make run` starts a run and publishes it with the others
    surrey = next(p for p in sorted(raw.iterdir()) if "Surrey" in p.read_text(encoding="utf-8")[:2000])
    (raw / "surrey again.txt").write_text(
        surrey.read_text(encoding="utf-8") + "\nA corrected copy.\n", encoding="utf-8"
    )
    third = make_run(env)
    assert third.returncode == 0, third.stdout + third.stderr
    assert "scan: 6 files (1 new, 0 changed, 0 removed)" in third.stdout
    assert re.search(r"checks: \d{2,} passed", third.stdout)
    assert _runs(env) == (["warehouse", "warehouse"], {dg.DagsterRunStatus.SUCCESS})


def _runs(env: dict) -> tuple[list[str], set]:
    with environment(DAGSTER_HOME=env["DAGSTER_HOME"]), dg.DagsterInstance.get() as instance:
        runs = list(reversed(instance.get_runs()))
    return [run.job_name for run in runs], {run.status for run in runs}
