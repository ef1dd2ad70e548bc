"""The dbt process readied during extraction (orchestration/lib/dbt_warm.py): a build handed to it runs
with dbt's own output and exit code, and without one the client runs dbt itself."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration import settings as settings_module
from orchestration.lib import dbt_warm

pytestmark = pytest.mark.integration

CLIENT = Path(sys.executable).parent / "ofsted-dbt"


def _client_env(duckdb_path: Path) -> dict[str, str]:
    target = dbt_warm.target_path_for(settings_module.DBT_PROJECT_DIR, duckdb_path)
    return {**os.environ, "DUCKDB_PATH": str(duckdb_path), "DBT_TARGET_PATH": str(target),
            "DBT_LOG_FORMAT": "json", "DBT_PROFILES_DIR": str(settings_module.DBT_PROJECT_DIR),
            "DBT_PROJECT_DIR": str(settings_module.DBT_PROJECT_DIR), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def _wait_for_socket(path: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        assert time.monotonic() < deadline, "the server never listened"
        time.sleep(0.05)


def _events(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


@pytest.fixture()
def warehouse_copy(published_seed_warehouse, tmp_path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(published_seed_warehouse.duckdb_path, path)
    return path


def _build_in_a_server(duckdb_path: Path, model: str) -> tuple[subprocess.CompletedProcess, subprocess.Popen, dict]:
    """Start a server for duckdb_path and hand it `dbt build --select model` through the client."""
    dbt_warm.start(settings_module.DBT_PROJECT_DIR, duckdb_path)
    env = _client_env(duckdb_path)
    server = dbt_warm._servers[env["DBT_TARGET_PATH"]]
    _wait_for_socket(dbt_warm.socket_path(env["DBT_TARGET_PATH"]))
    done = subprocess.run([str(CLIENT), "build", "--select", model], env=env,
                          cwd=settings_module.DBT_PROJECT_DIR, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done, server, env


def test_a_build_handed_to_the_server_runs_there_and_reports_like_dbt(warehouse_copy):
    assert CLIENT.exists(), "ofsted-dbt is installed with the project (pyproject [project.scripts])"
    done, server, env = _build_in_a_server(warehouse_copy, "stg_extracted__reports")

    events = _events(done.stdout)
    built = [e["data"]["node_info"] for e in events if e["data"].get("node_info", {}).get("node_status") == "success"]
    assert [node["unique_id"] for node in built] == ["model.ofsted_warehouse.stg_extracted__reports"]
    # the build ran in the server (its process id in dbt's log lines), which then ended
    assert {e["info"]["pid"] for e in events} == {server.pid}
    assert server.wait(30) == 0
    assert not os.path.exists(dbt_warm.socket_path(env["DBT_TARGET_PATH"]))


def test_a_failing_build_in_the_server_gives_dbts_exit_code(warehouse_copy):
    dbt_warm.start(settings_module.DBT_PROJECT_DIR, warehouse_copy)
    env = _client_env(warehouse_copy)
    _wait_for_socket(dbt_warm.socket_path(env["DBT_TARGET_PATH"]))

    # a test whose SQL cannot run: dbt reports an error and exits 1
    args = ["build", "--select", "assert_few_recommendations_without_a_theme",
            "--vars", "{max_other_theme_share: not_a_number}"]
    done = subprocess.run([str(CLIENT), *args], env=env,
                          cwd=settings_module.DBT_PROJECT_DIR, capture_output=True, text=True, timeout=300)
    plain = subprocess.run([str(Path(sys.executable).parent / "dbt"), *args], env=env,
                           cwd=settings_module.DBT_PROJECT_DIR, capture_output=True, text=True, timeout=300)
    assert plain.returncode != 0
    assert done.returncode == plain.returncode, done.stdout[-2000:] + done.stderr[-2000:]


def test_without_a_server_the_client_runs_dbt_itself(tmp_path):
    env = _client_env(tmp_path / "nowhere.duckdb")
    done = subprocess.run([str(CLIENT), "--version"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Core" in done.stdout + done.stderr

    # a socket left by a server that died: the build is not lost, dbt runs it
    stale = dbt_warm.socket_path(env["DBT_TARGET_PATH"])
    import socket

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(stale)
    listener.close()
    try:
        done = subprocess.run([str(CLIENT), "build", "--select", "no_such_model_anywhere"], env=env,
                              cwd=settings_module.DBT_PROJECT_DIR, capture_output=True, text=True, timeout=300)
    finally:
        os.unlink(stale)
    events = _events(done.stdout)
    assert events and {e["info"]["pid"] for e in events} != {os.getpid()}
    assert any("does not match any enabled nodes" in e["info"]["msg"] or e["info"]["name"] == "NoNodesForSelectionCriteria"
               for e in events), done.stdout[-2000:]


def test_warehouse_files_of_one_name_share_the_parse_and_each_build_writes_its_own_file(
        published_seed_warehouse, tmp_path):
    import duckdb

    first, second = tmp_path / "a" / "warehouse.duckdb", tmp_path / "b" / "warehouse.duckdb"
    for path in (first, second):
        path.parent.mkdir()
        shutil.copyfile(published_seed_warehouse.duckdb_path, path)
    with duckdb.connect(str(second)) as con:
        con.execute("DROP VIEW staging.stg_extracted__reports")

    for path in (first, second):
        done, server, _ = _build_in_a_server(path, "stg_extracted__reports")
        assert {e["info"]["pid"] for e in _events(done.stdout)} == {server.pid}
        assert server.wait(30) == 0

    parse_target = dbt_warm.parse_target_for(settings_module.DBT_PROJECT_DIR, second)
    assert parse_target == dbt_warm.parse_target_for(settings_module.DBT_PROJECT_DIR, first)
    assert (parse_target / "partial_parse.msgpack").is_file()
    assert not (parse_target / "warehouse.duckdb").exists(), "the parse's stand-in file is never opened"
    with duckdb.connect(str(second), read_only=True) as con:  # the build went to the real file
        assert con.execute("SELECT count(*) FROM staging.stg_extracted__reports").fetchone()[0] > 0


LET_GO = """
import subprocess, sys
from dbt.cli.main import dbtRunner
from orchestration.lib import dbt_warm

path, project = sys.argv[1], sys.argv[2]

def free():
    opened = subprocess.run([sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1]).close()", path],
                            capture_output=True)
    return opened.returncode == 0

built = dbtRunner().invoke(["build", "--quiet", "--select", "stg_extracted__reports", "--project-dir", project,
                            "--profiles-dir", project, "--target-path", sys.argv[3]])
print("built", built.success, "free", free())
dbt_warm._let_go_of_warehouse()
print("let go, free", free())
"""


def test_the_server_lets_go_of_the_warehouse_before_it_reports_the_build(warehouse_copy, tmp_path):
    """dbt-duckdb keeps its connection until the process exits; the server closes it as the build ends,
    so the step after dbt opens the warehouse file without waiting for the server to exit."""
    project = str(settings_module.DBT_PROJECT_DIR)
    env = {**os.environ, "DUCKDB_PATH": str(warehouse_copy), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run([sys.executable, "-c", LET_GO, str(warehouse_copy), project, str(tmp_path / "target")],
                          env=env, cwd=project, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.splitlines()[-2:] == ["built True free False", "let go, free True"]
