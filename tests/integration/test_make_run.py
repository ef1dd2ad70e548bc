"""`make run` as a user runs it, twice over the same folder: the first run ingests, builds and publishes;
the second says the warehouse is unchanged and leaves the published file as it was. Both are runs of the
`warehouse` job in DAGSTER_HOME, as the UI shows them."""

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
    assert "unchanged: nothing changed since the publication of" in second.stdout
    assert "extract: nothing new (5 documents unchanged)" in second.stdout
    # every check reports again (the extracted tables' and dbt's, from the build that published)
    assert re.search(r"checks: \d{2,} passed, 0 warnings, 0 failed", second.stdout)
    assert hashlib.sha256(published.read_bytes()).hexdigest() == digest

    with environment(DAGSTER_HOME=env["DAGSTER_HOME"]), dg.DagsterInstance.get() as instance:
        jobs = [run.job_name for run in reversed(instance.get_runs())]
        statuses = {run.status for run in instance.get_runs()}
    assert jobs == ["warehouse", "warehouse"]
    assert statuses == {dg.DagsterRunStatus.SUCCESS}
