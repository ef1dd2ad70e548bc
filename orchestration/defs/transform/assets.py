"""dbt builds `staging` and `marts` from the extracted tables; its tests run as Dagster asset checks.

A build is skipped when the published file already holds what it would publish (lib/fingerprint.py):
then no mart is materialised and publishing, downstream, is skipped too.
"""

import hashlib
import json
import re
import shutil
import subprocess
import time
from collections.abc import Mapping
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

from ... import settings as settings_module
from ...lib.fingerprint import standing_publication
from ..progress import reporter
from ..resources import WarehouseResource, dbt_executable

# Schema of a dbt node -> Dagster group: the UI's graph reads raw -> staging -> marts -> published.
_GROUPS = {"reference": "raw", "staging": "staging", "intermediate": "staging", "marts": "marts"}

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
        subprocess.run(
            [
                dbt_executable(),
                "parse",
                "--quiet",
                "--project-dir",
                str(DBT_PROJECT.project_dir),
                "--profiles-dir",
                str(DBT_PROJECT.project_dir),
            ],
            check=True,
        )
    return manifest


# dbt's unit tests check the SQL of a model against fixed rows, not the data: they run in `make test`
# (tests/integration/test_seed_warehouse.py), not in every build.
BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]

# dbt waits this long for another process to let go of the working file, as `warehouse.connect` does
DBT_LOCK_WAIT_SECONDS = 120
_LOCK_CONFLICT = "Could not set lock on file"

# What the post-hook `log_row_count` (dbt_project/macros/log_row_count.sql) prints after each model and seed.
_ROW_COUNT = re.compile(r"^rows in \S+: (\d+)$")


@dbt_assets(
    manifest=ensure_manifest(),
    project=DBT_PROJECT,
    dagster_dbt_translator=WarehouseTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
)
def warehouse_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """Seeds, staging views and mart tables; each dbt test is a check on its model."""
    settings = settings_module.load()
    report = reporter(context)
    with warehouse.connect(on_wait=report) as con:
        standing = standing_publication(
            con, settings.published_duckdb_path, settings.parquet_dir, on_notice=report
        )
    if standing is not None:
        report(
            f"unchanged: nothing the marts are built from changed since the publication of "
            f"{standing.published_at:%Y-%m-%d %H:%M:%S} UTC; dbt and publishing are skipped"
        )
        context.log_event(
            dg.AssetObservation(
                asset_key=dg.AssetKey(["published", "warehouse"]),
                metadata={
                    "unchanged": True,
                    "published_at": standing.published_at.isoformat(sep=" ", timespec="seconds"),
                },
            )
        )
        yield from _earlier_results(context, warehouse.path)
        return
    # dbt waits for the warehouse like every other step, and holds it for the whole build
    with warehouse.writer_lock(on_wait=report):
        report("dbt: building staging and marts, running dbt tests")
        deadline = time.monotonic() + DBT_LOCK_WAIT_SECONDS
        while True:
            # A reader holding the working file (DuckDB's own lock, which the writer lock does not cover)
            # makes dbt fail before it builds anything: wait until the file is free, as every other step
            # does, and start dbt again if a reader took it in between.
            with warehouse.connect(on_wait=report):
                pass
            conflict: list[str] = []
            try:
                yield from _build(context, dbt, warehouse.path, report, conflict)
                return
            except Exception as error:
                if not conflict:
                    raise
                if time.monotonic() > deadline:
                    raise RuntimeError(f"dbt could not open the working warehouse: {conflict[0]}") from error
            report(f"dbt: waiting for another process to let go of the working warehouse ({conflict[0]})")
            time.sleep(1)


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, duckdb_path: Path, report, conflict: list):
    """Run `dbt build` on this warehouse file and yield its events as dbt reports them, each model's row
    count taken from dbt's own log (the post-hook counts the relation it has just built). When dbt could
    not open the file because another process held it, and so built nothing, `conflict` gets dbt's words."""
    built = failed = warned = 0
    yielded = False
    rows: dict[str, int] = {}
    args = [*BUILD_ARGS, "--vars", json.dumps({"duckdb_path": str(duckdb_path)})]
    invocation = dbt.cli(args, context=context, target_path=target_path_for(duckdb_path))
    try:
        for message in invocation.stream_raw_events():
            said = message.raw_event.get("info", {}).get("msg") or ""
            if _LOCK_CONFLICT in said and not yielded:
                conflict.append(
                    next(line for line in said.splitlines() if _LOCK_CONFLICT in line).strip()[:300]
                )
            node = message.raw_event.get("data", {}).get("node_info", {}).get("unique_id")
            logged = _ROW_COUNT.match(said)
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
                    if event.severity == dg.AssetCheckSeverity.WARN:
                        warned += 1
                        report(f"dbt: warning: {event.check_name} on {event.asset_key.to_user_string()}")
                    else:
                        failed += 1
                        report(f"dbt: test failed: {event.check_name} on {event.asset_key.to_user_string()}")
                yielded = True
                yield event
    except BaseException:
        # whatever stopped this step (an interrupt, an error reading dbt's events), dbt stops with it, at
        # once, rather than go on holding the warehouse file
        if invocation.process.poll() is None:
            invocation.process.terminate()
            try:
                invocation.process.wait(0.5)
            except subprocess.TimeoutExpired:
                invocation.process.kill()
                invocation.process.wait()
        raise
    report(f"dbt: {built} models and seeds built, {failed} tests failed, {warned} warnings")


def target_path_for(duckdb_path: Path) -> Path:
    """One dbt target folder per warehouse file, reused run after run: dbt's partial parse then skips
    re-reading an unchanged project, and the folder does not grow by one copy per run. Folders of
    warehouse files that no longer exist (a test's temporary one, say) are removed."""
    marker_name = "warehouse-path.txt"
    target_root = settings_module.DBT_PROJECT_DIR / "target"
    target = target_root / f"run-{hashlib.sha256(str(duckdb_path).encode()).hexdigest()[:10]}"
    target.mkdir(parents=True, exist_ok=True)
    (target / marker_name).write_text(str(duckdb_path), encoding="utf-8")
    for folder in target_root.glob("run-*"):
        marker = folder / marker_name
        if folder != target and marker.is_file() and not Path(marker.read_text(encoding="utf-8")).exists():
            shutil.rmtree(folder, ignore_errors=True)
    return target


def _earlier_results(context: dg.AssetExecutionContext, duckdb_path: Path):
    """A build skipped because nothing changed reports each dbt test's result from the last build of this
    warehouse (its run_results.json), marked as reused, as the Great Expectations checks do: the UI then
    shows what the published marts were checked against rather than checks that never ran."""
    results_file = target_path_for(duckdb_path) / "run_results.json"
    if not results_file.is_file():
        return
    results = json.loads(results_file.read_text(encoding="utf-8"))
    outcome = {result["unique_id"]: result["status"] for result in results.get("results", [])}
    built_at = results.get("metadata", {}).get("generated_at", "")
    for spec in context.assets_def.check_specs:
        if spec.key not in context.selected_asset_check_keys:
            continue
        status = outcome.get(spec.metadata.get("dagster_dbt/unique_id", ""))
        if status is None:
            continue
        yield dg.AssetCheckResult(
            asset_key=spec.asset_key,
            check_name=spec.name,
            passed=status == "pass",
            severity=dg.AssetCheckSeverity.WARN if status == "warn" else dg.AssetCheckSeverity.ERROR,
            metadata={"status": status, "reused_earlier_result": True, "checked_at": built_at},
        )
