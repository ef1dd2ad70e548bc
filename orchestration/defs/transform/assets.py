"""dbt builds `staging` and `marts` from the extracted tables; its tests run as Dagster asset checks.

The assets and checks are dagster-dbt's, read from dbt's manifest; the build runs in a process forked
from the run (`DbtResource`, lib/dbt_build.py), and each node's outcome becomes the materialisation of
its asset or the result of its check, by the dbt unique id dagster-dbt records in each spec's metadata.

A build is skipped when the published file already holds what it would publish (lib/fingerprint.py):
then no mart is materialised and publishing, downstream, is skipped too.
"""

import hashlib
import json
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject, dbt_assets

from ... import settings as settings_module
from ...lib import dbt_build
from ...lib.fingerprint import standing_publication
from ..progress import reporter
from ..resources import DbtResource, WarehouseResource

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
    """dbt's manifest must exist before the graph loads; `make manifest` refreshes it when the project
    changes."""
    manifest = DBT_PROJECT.manifest_path
    if not manifest.exists():
        dbt_build.parse(DBT_PROJECT.project_dir)
    return manifest


# dbt's unit tests check the SQL of a model against fixed rows, not the data: they run in `make test`
# (tests/integration/test_seed_warehouse.py), not in every build.
BUILD_ARGS = ["--exclude-resource-type", "unit_test"]

# dbt waits this long for another process to let go of the working file, as `warehouse.connect` does
DBT_LOCK_WAIT_SECONDS = 120
_LOCK_CONFLICT = "Could not set lock on file"
# dagster-dbt's record, in each asset's and check's spec, of the dbt node it stands for
_UNIQUE_ID = "dagster_dbt/unique_id"


@dbt_assets(
    manifest=ensure_manifest(),
    project=DBT_PROJECT,
    dagster_dbt_translator=WarehouseTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
)
def warehouse_dbt_models(context: dg.AssetExecutionContext, dbt: DbtResource, warehouse: WarehouseResource):
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


def _build(context: dg.AssetExecutionContext, dbt: DbtResource, duckdb_path: Path, report, conflict: list):
    """Run `dbt build` on this warehouse file and yield each model's materialisation (with the row count
    its post-hook logged) and each test's check result as dbt finishes it. When dbt could not open the
    file because another process held it, and so built nothing, `conflict` gets dbt's words."""
    assets = {spec.metadata.get(_UNIQUE_ID): spec.key for spec in context.assets_def.specs}
    checks = {spec.metadata.get(_UNIQUE_ID): spec for spec in context.assets_def.check_specs}
    built = failed = warned = 0
    build = dbt_build.Build(success=False, error="dbt's build did not finish")
    for outcome in dbt.build([*BUILD_ARGS, *_selection(context)], target_path_for(duckdb_path), duckdb_path):
        if isinstance(outcome, dbt_build.Build):
            build = outcome
            break
        event = _event(context, assets, checks, outcome)
        if isinstance(event, dg.MaterializeResult):
            built += 1
        elif event is None or event.passed:
            pass
        elif event.severity == dg.AssetCheckSeverity.WARN:
            warned += 1
            report(f"dbt: warning: {event.check_name} on {event.asset_key.to_user_string()}")
        else:
            failed += 1
            report(f"dbt: test failed: {event.check_name} on {event.asset_key.to_user_string()}")
        if event is not None:
            yield event
    said = [build.error or ""] + [node.message for node in build.nodes]
    if not build.success and not any(node.status == "success" for node in build.nodes):
        conflict += [line[:300] for line in said if _LOCK_CONFLICT in line][:1]
    report(f"dbt: {built} models and seeds built, {failed} tests failed, {warned} warnings")
    if not build.success:
        errors = [f"{node.unique_id}: {node.message}" for node in build.nodes if node.status == "error"]
        raise dg.Failure(
            description="dbt build failed: "
            + "; ".join(
                ([build.error] if build.error else [])
                + errors
                + ([f"{failed} tests failed"] if failed else [])
            )[:2000]
        )


def _event(
    context: dg.AssetExecutionContext, assets: dict, checks: dict, node: dbt_build.NodeOutcome
) -> dg.MaterializeResult | dg.AssetCheckResult | None:
    """The materialisation of the asset, or the result of the check, that a dbt node's outcome stands
    for (by the dbt unique id in each spec); None for nodes the run did not select or that did not run."""
    if node.unique_id in assets and node.status == "success":
        key = assets[node.unique_id]
        if key not in context.selected_asset_keys:
            return None
        metadata: dict[str, Any] = {"unique_id": node.unique_id, "execution_seconds": node.seconds}
        if node.rows is not None:
            metadata["dagster/row_count"] = node.rows
        return dg.MaterializeResult(asset_key=key, metadata=metadata)
    if node.unique_id in checks and node.status in ("pass", "warn", "fail", "error"):
        spec = checks[node.unique_id]
        if spec.key not in context.selected_asset_check_keys:
            return None
        return dg.AssetCheckResult(
            asset_key=spec.asset_key,
            check_name=spec.name,
            passed=node.status == "pass",
            severity=dg.AssetCheckSeverity.WARN if node.status == "warn" else dg.AssetCheckSeverity.ERROR,
            description=node.message or None,
            metadata={
                "status": node.status,
                "failures": node.failures or 0,
                "unique_id": node.unique_id,
                "execution_seconds": node.seconds,
            },
        )
    return None


def _selection(context: dg.AssetExecutionContext) -> list[str]:
    """dbt's --select for what the run selected: everything, or the nodes of a subset picked in the UI
    (their tests come with them, as dbt selects tests by default)."""
    if not context.is_subset:
        return []
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text(encoding="utf-8"))
    wanted = {
        spec.metadata.get(_UNIQUE_ID)
        for spec in context.assets_def.specs
        if spec.key in context.selected_asset_keys
    }
    wanted |= {
        node
        for spec in context.assets_def.check_specs
        if spec.key in context.selected_asset_check_keys
        for node in [spec.metadata.get(_UNIQUE_ID)]
    }
    nodes = manifest["nodes"]
    return ["--select", *sorted("fqn:" + ".".join(nodes[node]["fqn"]) for node in wanted if node in nodes)]


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
