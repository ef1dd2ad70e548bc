"""The Dagster UI as `make dev` serves it (`python -m orchestration.dev`: `dg dev` on workspace.yaml, on the
port DAGSTER_PORT names): it starts without a warning the user cannot act on, and its GraphQL API shows
the asset graph by layer, with owners, kinds and the checks, the sensor and schedule, and the launchpad's
settings. The server is stopped by pid, with its process group."""

import json
import os
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

READY_SECONDS = 300

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
    port = free_port()
    log = home / "webserver.log"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "DAGSTER_PORT": str(port),
        # no folder: the sensor, which `make dev` runs, asks for no run
        "RAW_DIR": str(home / "no such folder"),
        "DUCKDB_PATH": str(home / "warehouse.duckdb"),
        "PUBLISHED_DUCKDB_PATH": str(home / "published" / "ofsted.duckdb"),
    }
    command = [sys.executable, "-m", "orchestration.dev"]
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
        yield port, log
    finally:
        stop(server)


def test_the_ui_starts_on_the_chosen_port_without_warnings(webserver):
    port, log = webserver
    started = log.read_text(encoding="utf-8", errors="replace")
    assert f"http://127.0.0.1:{port}" in started
    warnings = [line for line in started.splitlines() if "warning" in line.lower()]
    assert warnings == [], started[-3000:]


def test_the_launchpad_can_set_the_settings_of_one_run(webserver):
    port, _ = webserver
    [location] = graphql(port, WORKSPACE_QUERY)["workspaceOrError"]["locationEntries"]
    query = """query Valid($config: RunConfigData, $selector: PipelineSelector!) {
        isPipelineConfigValid(pipeline: $selector, runConfigData: $config, mode: "default") {
            __typename } }"""
    selector = {
        "repositoryLocationName": location["name"],
        "repositoryName": "__repository__",
        "pipelineName": "warehouse",
    }

    def valid(config: dict) -> str:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/graphql",
            data=json.dumps({"query": query, "variables": {"config": config, "selector": selector}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["data"]["isPipelineConfigValid"]["__typename"]

    chosen = {"raw_dir": "/data/raw", "published_duckdb_path": "/srv/o.duckdb", "max_held_back_share": 0.1}
    assert valid({"resources": {"warehouse": {"config": chosen}}}) == "PipelineConfigValidationValid"
    assert valid({"resources": {"warehouse": {"config": {"no_such_setting": 1}}}}) != (
        "PipelineConfigValidationValid"
    )


def test_the_asset_graph_reads_by_layer_with_owners_kinds_and_descriptions(webserver):
    webserver, _ = webserver
    nodes = {"/".join(n["assetKey"]["path"]): n for n in graphql(webserver, ASSETS_QUERY)["assetNodes"]}
    expected_groups = {
        "raw/ofsted": "raw",
        "audit/file_ledger": "raw",
        "raw/pages": "raw",
        "extracted/reports": "staging",
        "staging/stg_extracted__reports": "staging",
        "marts/fct_judgements": "marts",
        "marts/dim_local_authorities": "marts",
        "quality/held_back_documents": "staging",
        "published/warehouse": "published",
    }
    assert {key: nodes[key]["groupName"] for key in expected_groups} == expected_groups
    for key, node in nodes.items():
        assert node["description"], key
        assert node["kinds"], key
        assert {"__typename": "TeamAssetOwner", "team": "ofsted-warehouse"} in node["owners"], key


def test_each_extracted_table_has_its_check_and_holding_back_its_blocking_one(webserver):
    webserver, _ = webserver
    nodes = {"/".join(n["assetKey"]["path"]): n for n in graphql(webserver, ASSETS_QUERY)["assetNodes"]}
    from orchestration.lib.core.schema import EXTRACTED_TABLES

    for table in EXTRACTED_TABLES:
        checks = nodes[f"extracted/{table}"]["assetChecksOrError"]["checks"]
        assert {"name": "great_expectations_suite", "blocking": True} in checks, table
    held_back = nodes["quality/held_back_documents"]["assetChecksOrError"]["checks"]
    assert held_back == [{"name": "publishable", "blocking": True}]
    # dbt tests are checks on the marts, one per test
    assert len(nodes["marts/fct_judgements"]["assetChecksOrError"]["checks"]) >= 3


def test_the_sensor_is_on_and_the_schedule_off(webserver):
    webserver, _ = webserver
    repositories = graphql(webserver, AUTOMATION_QUERY)["repositoriesOrError"]["nodes"]
    sensors = {s["name"]: s["sensorState"]["status"] for r in repositories for s in r["sensors"]}
    schedules = {s["name"]: s["scheduleState"]["status"] for r in repositories for s in r["schedules"]}
    assert sensors == {"raw_dir_sensor": "RUNNING"}
    assert schedules == {"daily_pull": "STOPPED"}
