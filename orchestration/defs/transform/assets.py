"""dbt builds `staging` and `marts` from the extracted tables, through dagster-dbt.

The assets are dagster-dbt's `@dbt_assets` over the project's manifest (project.py), and `dbt build` runs
through its `DbtCliResource`, streaming each model's materialisation and each dbt test's result as an
asset check on the table it tests, as dagster-dbt maps them. What the warehouse adds:

- A build is skipped when the published file already holds what it would publish
  (lib/publish/fingerprint.py): no mart is materialised and publishing, downstream, is skipped too. Each
  dbt check then reports the result it had in the run that made the standing publication, read from the
  run history and marked as reused, so the UI shows what the published tables were checked against.
- The shipped reference tables (dbt's seeds) are loaded and tested again only when they changed: a
  whole build after a first one runs dbt's selector `every_model_and_changed_seeds`
  (dbt_project/selectors.yml: every model, and the seeds and tests that dbt's `state:modified` finds
  changed since this warehouse's last successful build, whose manifest is kept as `--state`). The checks
  of tests left out report their earlier result, marked as reused, as above.
- Each materialisation carries the table's row count, counted once dbt has let go of the file (DuckDB
  lets one process at a time write it, so counting while dbt runs is not possible).
"""

import hashlib
import json
import shutil
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.lib.core.sql import identifier
from orchestration.lib.publish.fingerprint import latest_publication, standing_publication

from ... import settings as settings_module
from ..progress import reporter
from ..quality.hold_back import HELD_BACK_KEY
from ..resources import WarehouseResource
from .project import DBT_PROJECT, prepare

# Schema of a dbt node -> Dagster group: the UI's graph reads raw -> staging -> marts -> published.
_GROUPS = {"reference": "raw", "staging": "staging", "intermediate": "staging", "marts": "marts"}
OWNER = "team:ofsted-warehouse"

# dbt's source for audit.file_ledger
_LEDGER_SOURCE = "source.ofsted_warehouse.audit.file_ledger"

# dbt's unit tests check the SQL of a model against fixed rows, not the data: they run in `make test`
# (tests/integration/test_seed_warehouse.py), not in every build.
BUILD_ARGS = ["--exclude-resource-type", "unit_test"]
# dbt_project/selectors.yml: every model, and the seeds and tests changed since the kept state
SELECTOR = "every_model_and_changed_seeds"
# where a warehouse's target folder keeps the manifest of its last successful build, for `--state`
STATE_FOLDER = "last-build"
# the metadata a check re-reported from an earlier run carries
REUSED = "reused_earlier_result"


class WarehouseTranslator(DagsterDbtTranslator):
    """Asset keys mirror DuckDB schema/table; sources keep their schema (extracted/..., audit/...). The
    models reading the file ledger also wait for the step that holds documents back, which writes it."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id) or {}
        if _LEDGER_SOURCE in node.get("depends_on", {}).get("nodes", []):
            spec = spec.merge_attributes(deps=[HELD_BACK_KEY])
        return spec

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return _GROUPS.get(dbt_resource_props.get("schema", ""), "staging")

    def get_owners(self, dbt_resource_props: Mapping[str, Any]):
        return [OWNER]


def _manifest_path() -> Path:
    """dbt's manifest, prepared when missing (a fresh clone that skipped `make manifest`)."""
    if not DBT_PROJECT.manifest_path.exists():
        prepare()
    return DBT_PROJECT.manifest_path


@dbt_assets(
    manifest=_manifest_path(),
    project=DBT_PROJECT,
    dagster_dbt_translator=WarehouseTranslator(),
    name="warehouse_dbt_models",
)
def warehouse_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """Seeds, staging views and mart tables, built and tested by `dbt build`."""
    settings = warehouse.settings()
    report = reporter(context)
    with warehouse.connect(on_wait=report) as con:
        standing = standing_publication(
            con,
            settings.published_duckdb_path,
            settings.parquet_dir,
            on_notice=report,
            max_held_back_share=settings.max_held_back_share,
        )
        seeds_present = _seed_tables_present(con, context)
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
        yield from earlier_check_results(context, standing.run_id, context.selected_asset_check_keys)
        return
    target = target_path_for(settings.duckdb_path)
    state = target / STATE_FOLDER
    args = ["build", *BUILD_ARGS, "--vars", json.dumps({"duckdb_path": str(settings.duckdb_path)})]
    whole = context.is_subset is False
    if whole and seeds_present and (state / "manifest.json").is_file():
        args += ["--selector", SELECTOR, "--state", str(state)]
    # dbt waits for the warehouse like every other step, and holds it for the whole build
    with warehouse.writer_lock(on_wait=report):
        report("dbt: building staging and marts, running dbt tests")
        invocation = dbt.cli(args, context=context, target_path=target, raise_on_error=False)
        built: list[dg.Output] = []
        checked: set[dg.AssetCheckKey] = set()
        failed = 0
        for event in invocation.stream():
            if isinstance(event, dg.Output):
                built.append(event)  # yielded below, with its row count
                continue
            if isinstance(event, dg.AssetCheckResult):
                assert event.asset_key is not None  # dagster-dbt names the tested asset of every result
                checked.add(dg.AssetCheckKey(event.asset_key, event.check_name or ""))
                if not event.passed:
                    failed += 1
                    report(f"dbt: test failed: {event.check_name} on {event.asset_key.to_user_string()}")
            yield event
        success = invocation.is_successful()
    yield from _with_row_counts(warehouse, context, built)
    report(f"dbt: {len(built)} models and seeds built, {failed} tests failed")
    if not success:
        raise dg.Failure(description=_failure(invocation))
    if whole:
        # the manifest of this build is the state the next one compares the seeds with
        _keep_state(target, state)
        left_out = set(context.selected_asset_check_keys) - checked
        if left_out:
            earlier = latest_publication(settings.published_duckdb_path)
            yield from earlier_check_results(context, earlier.run_id if earlier else None, left_out)


def earlier_check_results(
    context: dg.AssetExecutionContext, run_id: str | None, keys: Iterable[dg.AssetCheckKey]
) -> Iterator[dg.AssetCheckResult]:
    """The results the checks `keys` had in the run `run_id` (the one that published), marked as reused,
    from the run history. Nothing for a check the history does not hold (a run history started afresh):
    the UI then shows the check as not run."""
    wanted = set(keys)
    if run_id is None or not wanted:
        return
    for entry in context.instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.event_specific_data if entry.dagster_event else None
        if evaluation is None or evaluation.asset_check_key not in wanted:
            continue
        wanted.discard(evaluation.asset_check_key)
        metadata = dict(evaluation.metadata)
        metadata.setdefault(REUSED, True)
        metadata.setdefault("checked_in_run", run_id)
        yield dg.AssetCheckResult(
            asset_key=evaluation.asset_key,
            check_name=evaluation.check_name,
            passed=evaluation.passed,
            severity=evaluation.severity,
            description=evaluation.description,
            metadata=metadata,
        )


def _with_row_counts(
    warehouse: WarehouseResource, context: dg.AssetExecutionContext, built: list[dg.Output]
) -> Iterator[dg.Output]:
    if not built:
        return
    keys = context.assets_def.keys_by_output_name
    with warehouse.connect() as con:
        for output in built:
            key = keys[output.output_name]
            schema, name = key.path[0], key.path[-1]
            rows = con.execute(f"SELECT count(*) FROM {identifier(schema)}.{identifier(name)}").fetchall()[0][
                0
            ]
            yield output.with_metadata({**output.metadata, "dagster/row_count": rows})


def _seed_tables_present(con, context: dg.AssetExecutionContext) -> bool:
    """Whether every seed's table is in the warehouse (else the build loads them all)."""
    seeds = {(key.path[0], key.path[-1]) for key in context.assets_def.keys if key.path[0] == "reference"}
    present = set(con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall())
    return seeds <= present


def _keep_state(target: Path, state: Path) -> None:
    state.mkdir(exist_ok=True)
    partial = state / "manifest.json.copying"
    shutil.copyfile(target / "manifest.json", partial)
    partial.replace(state / "manifest.json")


def _failure(invocation) -> str:
    """What went wrong in dbt, in words: the nodes that failed and their messages."""
    lines: list[str] = []
    try:
        results = invocation.get_artifact("run_results.json").get("results", [])
    except (OSError, ValueError):
        results = []
    for result in results:
        if result.get("status") in ("error", "fail"):
            message = " ".join(str(result.get("message") or "").split())
            lines.append(f"{result['unique_id']}: {message}")
    if not lines:
        lines = [str(invocation.get_error() or "dbt ended without saying why")]
    return ("dbt build failed: " + "; ".join(lines))[:2000]


def target_path_for(duckdb_path: Path) -> Path:
    """One dbt target folder per warehouse file, reused run after run: dbt's partial parse then skips
    re-reading an unchanged project, the folder keeps the state of the last build, and it does not grow
    by one copy per run. Folders of warehouse files that no longer exist (a test's temporary one, say)
    are removed."""
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
