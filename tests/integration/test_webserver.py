"""The Dagster UI as `make dev` serves it: the webserver loads workspace.yaml on a loopback port, and its
GraphQL API shows the asset graph by layer, with owners, kinds and the checks on the extracted tables,
and the sensor and schedule. The server is stopped by pid, with its process group."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support import REPO

pytestmark = pytest.mark.integration

READY_SECONDS = 90

WORKSPACE_QUERY = """{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
ASSETS_QUERY = """{ assetNodes {
    assetKey { path } groupName kinds description
    owners { __typename ... on TeamAssetOwner { team } ... on UserAssetOwner { email } }
    assetChecksOrError { __typename ... on AssetChecks { checks { name blocking } } }
} }"""
AUTOMATION_QUERY = """{ repositoriesOrError { ... on RepositoryConnection { nodes {
    name sensors { name sensorState { status } } schedules { name scheduleState { status } } } } } }"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def restore_default_sigint() -> None:
    # a shell or test runner may have set SIGINT to ignored; the server must be stoppable
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = json.load(response)
    assert "errors" not in payload, payload["errors"]
    return payload["data"]


def wait_until_loaded(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the webserver exited:\n{log.read_text()[-3000:]}"
        try:
            entries = graphql(port, WORKSPACE_QUERY)["workspaceOrError"]["locationEntries"]
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            entries = []
        if entries and all(entry["loadStatus"] == "LOADED" for entry in entries):
            errors = [
                e["locationOrLoadError"]
                for e in entries
                if e["locationOrLoadError"]["__typename"] == "PythonError"
            ]
            assert not errors, errors
            return
        time.sleep(1)
    pytest.fail(f"the webserver was not ready after {READY_SECONDS} s:\n{log.read_text()[-3000:]}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=20)


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    log = home / "webserver.log"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "DUCKDB_PATH": str(home / "warehouse.duckdb"),
        "PUBLISHED_DUCKDB_PATH": str(home / "published" / "ofsted.duckdb"),
    }
    command = [
        str(Path(sys.executable).parent / "dagster-webserver"),
        "-w",
        "workspace.yaml",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    with open(log, "wb") as output:
        server = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=restore_default_sigint,  # noqa: PLW1509 - only resets a signal
        )
    try:
        wait_until_loaded(port, server, log)
        yield port
    finally:
        stop(server)


def test_the_asset_graph_reads_by_layer_with_owners_kinds_and_descriptions(webserver):
    nodes = {"/".join(n["assetKey"]["path"]): n for n in graphql(webserver, ASSETS_QUERY)["assetNodes"]}
    expected_groups = {
        "raw/ofsted": "raw",
        "audit/file_ledger": "raw",
        "raw/pages": "raw",
        "extracted/reports": "staging",
        "staging/stg_extracted__reports": "staging",
        "marts/fct_judgements": "marts",
        "marts/dim_local_authorities": "marts",
        "published/warehouse": "published",
    }
    assert {key: nodes[key]["groupName"] for key in expected_groups} == expected_groups
    for key, node in nodes.items():
        assert node["description"], key
        assert node["kinds"], key
        assert {"__typename": "TeamAssetOwner", "team": "ofsted-warehouse"} in node["owners"], key


def test_each_extracted_table_has_its_blocking_check(webserver):
    nodes = {"/".join(n["assetKey"]["path"]): n for n in graphql(webserver, ASSETS_QUERY)["assetNodes"]}
    from orchestration.lib.core.schema import EXTRACTED_TABLES

    for table in EXTRACTED_TABLES:
        checks = nodes[f"extracted/{table}"]["assetChecksOrError"]["checks"]
        assert {"name": "great_expectations_suite", "blocking": True} in checks, table
    # dbt tests are checks on the marts
    assert nodes["marts/fct_judgements"]["assetChecksOrError"]["checks"]


def test_the_sensor_is_on_and_the_schedule_off(webserver):
    repositories = graphql(webserver, AUTOMATION_QUERY)["repositoriesOrError"]["nodes"]
    sensors = {s["name"]: s["sensorState"]["status"] for r in repositories for s in r["sensors"]}
    schedules = {s["name"]: s["scheduleState"]["status"] for r in repositories for s in r["schedules"]}
    assert sensors == {"raw_dir_sensor": "RUNNING"}
    assert schedules == {"daily_pull": "STOPPED"}
