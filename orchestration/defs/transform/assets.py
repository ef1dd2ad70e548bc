"""dbt builds `staging` and `marts` from the extracted tables; its tests run as Dagster asset checks."""


import contextlib
import io
import os
import re
import shutil
import sys
from collections.abc import Mapping
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from packaging import version

from ... import settings as settings_module
from ...lib import dbt_warm, warehouse
from ..progress import reporter

# Schema of a dbt node -> Dagster group: the UI's graph reads raw -> staging -> marts -> published.
_GROUPS = {"reference": "raw", "staging": "staging", "intermediate": "staging", "marts": "marts"}


def dbt_executable() -> str:
    """The dbt beside this interpreter, so the UI works when started without an activated venv."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


DBT_PROJECT = DbtProject(
    project_dir=settings_module.DBT_PROJECT_DIR,
    profiles_dir=settings_module.DBT_PROJECT_DIR,
)


class WarehouseTranslator(DagsterDbtTranslator):
    """Asset keys mirror DuckDB schema/table; sources keep their schema (extracted/..., audit/...)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return _GROUPS.get(dbt_resource_props.get("schema", ""), "staging")

    def get_owners(self, dbt_resource_props: Mapping[str, Any]):
        return ["team:ofsted-warehouse"]


def ensure_manifest() -> Path:
    """dbt's manifest must exist before the graph loads; `make` targets refresh it with `dbt parse`."""
    manifest = DBT_PROJECT.manifest_path
    if not manifest.exists():
        import subprocess

        env = {**os.environ, "DUCKDB_PATH": str(settings_module.load().duckdb_path)}
        subprocess.run(
            [dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT.project_dir),
             "--profiles-dir", str(DBT_PROJECT.project_dir)],
            check=True,
            env=env,
        )
    return manifest


@dbt_assets(
    manifest=ensure_manifest(),
    project=DBT_PROJECT,
    dagster_dbt_translator=WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def warehouse_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Seeds, staging views and mart tables; each dbt test is a check on its model."""
    settings = settings_module.load()
    # profiles.yml reads DUCKDB_PATH; pass the resolved absolute path of this run
    os.environ["DUCKDB_PATH"] = str(settings.duckdb_path)
    report = reporter(context)
    with warehouse.writer_lock(settings.duckdb_path, on_wait=report):
        report("dbt: building staging and marts, running dbt tests")
        yield from _build(context, dbt, settings.duckdb_path, report)


# dbt's unit tests check the SQL of a model against fixed rows, not the data: they run in `make test`
# (tests/integration/test_seed_warehouse.py), not in every build, where they cost about 0.6 s. dbt's
# events reach the run's log in Dagster, so dbt does not also write them to dbt_project/logs (0.3 s).
BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test", "--log-level-file", "none"]

# What the post-hook `log_row_count` (dbt_project/macros/log_row_count.sql) prints after each model and seed.
_ROW_COUNT = re.compile(r"^rows in \S+: (\d+)$")


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, duckdb_path: Path, report):
    """Run `dbt build` and yield its events as dbt reports them, so that Dagster records each while dbt
    goes on with the next model. Each model's row count comes from dbt's own log (the post-hook counts
    the relation it has just built): the warehouse file cannot be read while dbt holds it."""
    # `make run` shows progress lines, not dbt's own log; the UI keeps the full log either way
    quiet = os.environ.get("OFSTED_TERMINAL_PROGRESS") == "1"
    captured = io.StringIO()
    built = failed = 0
    rows: dict[str, int] = {}
    try:
        with contextlib.redirect_stdout(captured) if quiet else contextlib.nullcontext():
            invocation = dbt.cli(BUILD_ARGS, context=context, target_path=target_path_for(duckdb_path))
            for message in invocation.stream_raw_events():
                node = message.raw_event.get("data", {}).get("node_info", {}).get("unique_id")
                logged = _ROW_COUNT.match(message.raw_event.get("info", {}).get("msg") or "")
                if logged and node and message.raw_event["info"].get("name") == "JinjaLogInfo":
                    rows[node] = int(logged.group(1))
                for event in message.to_default_asset_events(
                    manifest=invocation.manifest,
                    dagster_dbt_translator=invocation.dagster_dbt_translator,
                    context=context,
                    target_path=invocation.target_path,
                    project=invocation.project,
                ):
                    if isinstance(event, dg.Output) and node in rows:
                        event = event.with_metadata({**event.metadata, "dagster/row_count": rows[node]})
                    if isinstance(event, (dg.Output, dg.AssetMaterialization)):
                        built += 1
                    elif isinstance(event, dg.AssetCheckResult) and not event.passed:
                        failed += 1
                        report(f"dbt: test failed: {event.check_name} on {event.asset_key.to_user_string()}")
                    yield event
    except Exception:
        for line in captured.getvalue().splitlines():
            if "ERROR" in line or "FAIL" in line or "Error" in line:
                report("dbt: " + line.strip())
        raise
    report(f"dbt: {built} models and seeds built, {failed} tests failed")


def target_path_for(duckdb_path: Path) -> Path:
    """The dbt target folder of a warehouse file (lib/dbt_warm.target_path_for)."""
    return dbt_warm.target_path_for(settings_module.DBT_PROJECT_DIR, duckdb_path)


class WarehouseDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two costs paid before every `dbt build` that this project has no
    use for (about 5 s of a build's fixed cost): it asks the dbt executable its version by starting
    `dbt --version`, although the executable is the one installed beside this Python (`dbt_executable`),
    whose version the package metadata gives; and it opens a dbt adapter in this process (imports,
    macros, profile) only to read column metadata and row counts on request, which this project reads
    itself once dbt has exited (`_row_counts`)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource() -> DbtCliResource:
    # `ofsted-dbt` hands the build to the dbt process readied during extraction (lib/dbt_warm.py), or
    # runs dbt itself when there is none
    warm = Path(sys.executable).parent / "ofsted-dbt"
    return WarehouseDbtCliResource(
        project_dir=DBT_PROJECT,
        profiles_dir=str(settings_module.DBT_PROJECT_DIR),
        dbt_executable=str(warm) if warm.exists() else dbt_executable(),
    )
