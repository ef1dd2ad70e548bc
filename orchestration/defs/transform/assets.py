"""dbt builds `staging` and `marts` from the extracted tables; its tests are Dagster asset checks, one
per table they test.

The assets are dagster-dbt's, read from dbt's manifest; the build runs in a process forked from the run
(`DbtResource`, lib/transform/dbt_build.py)
, and each node's outcome becomes the materialisation of its asset (by
the dbt unique id dagster-dbt records in each spec's metadata) or counts towards the check `dbt_tests`
of the table the test belongs to. That check passes when every dbt test of its table passed; its result
lists each test, its outcome and the rows it found. One check per table rather than per test: the run
history records three events per check (planned, output, result), which for dbt's ~150 tests was the
largest part of a run's fixed cost (BENCHMARKS.md).

A build is skipped when the published file already holds what it would publish (lib/publish/fingerprint.py):
then no mart is materialised and publishing, downstream, is skipped too.
"""

import dataclasses
import datetime as dt
import hashlib
import json
import shutil
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject, build_dbt_asset_specs

from orchestration.lib.publish.fingerprint import standing_publication
from orchestration.lib.transform import dbt_build

from ... import settings as settings_module
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
# dagster-dbt's record, in each asset's spec, of the dbt node it stands for
_UNIQUE_ID = "dagster_dbt/unique_id"
# The check on each table that dbt tests
TESTS_CHECK = "dbt_tests"
# dbt's word for each outcome of a test that ran
_TEST_RAN = ("pass", "warn", "fail", "error")
# Where a warehouse's dbt target folder keeps each test's latest outcome
_TEST_OUTCOMES = "test-outcomes.json"


def _tests_by_table(manifest: Mapping[str, Any], specs: Iterable[dg.AssetSpec]) -> dict[dg.AssetKey, dict]:
    """Each tested table's asset key -> {test unique id: test node}: a test belongs to the model or seed
    it is declared on, or, for a SQL test of its own, the first model it reads."""
    key_of = {spec.metadata[_UNIQUE_ID]: spec.key for spec in specs}
    tables: dict[dg.AssetKey, dict] = defaultdict(dict)
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        parents = [node["attached_node"]] if node.get("attached_node") else node["depends_on"]["nodes"]
        owner = next((key_of[parent] for parent in parents if parent in key_of), None)
        if owner is not None:
            tables[owner][node["unique_id"]] = node
    return dict(tables)


_MANIFEST = json.loads(ensure_manifest().read_text(encoding="utf-8"))
_ASSET_SPECS = build_dbt_asset_specs(
    manifest=_MANIFEST, dagster_dbt_translator=WarehouseTranslator(), project=DBT_PROJECT
)
_TESTS = _tests_by_table(_MANIFEST, _ASSET_SPECS)
_TABLE_OF_TEST = {test: key for key, tests in _TESTS.items() for test in tests}
# seeds, and tests that read seeds alone: what a build leaving unchanged seeds out runs only when dbt
# finds it changed
_SEEDS_ALONE = {
    uid
    for uid, node in _MANIFEST["nodes"].items()
    if node["resource_type"] == "seed"
    or (
        node["resource_type"] == "test"
        and all(
            _MANIFEST["nodes"].get(parent, {}).get("resource_type") == "seed"
            for parent in node["depends_on"]["nodes"]
        )
    )
}
_CHECK_SPECS = [
    dg.AssetCheckSpec(
        TESTS_CHECK,
        asset=key,
        # an error-severity test that fails keeps the tables after this one from being published
        blocking=any(str(test["config"].get("severity", "")).lower() == "error" for test in tests.values()),
        description="dbt's tests of this table: "
        + ", ".join(sorted(test["name"] for test in tests.values()))[:1500],
    )
    for key, tests in sorted(_TESTS.items(), key=lambda item: item[0].to_user_string())
]


@dg.multi_asset(
    name="warehouse_dbt_models",
    specs=_ASSET_SPECS,
    check_specs=_CHECK_SPECS,
    can_subset=True,
)
def warehouse_dbt_models(context: dg.AssetExecutionContext, dbt: DbtResource, warehouse: WarehouseResource):
    """Seeds, staging views and mart tables; dbt's tests of each table are its check `dbt_tests`."""
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
        yield from _earlier_results(context, _kept_test_outcomes(target_path_for(warehouse.path)))
        return
    # dbt waits for the warehouse like every other step, and holds it for the whole build
    with warehouse.writer_lock(on_wait=report):
        report("dbt: building staging and marts, running dbt tests")
        deadline = time.monotonic() + DBT_LOCK_WAIT_SECONDS
        while True:
            # A reader holding the working file (DuckDB's own lock, which the writer lock does not cover)
            # makes dbt fail before it builds anything: wait until the file is free, as every other step
            # does, and start dbt again if a reader took it in between.
            with warehouse.connect(on_wait=report) as con:
                selection = (
                    _selection(context)
                    if context.is_subset
                    else _leaving_out_unchanged_seeds(con, target_path_for(warehouse.path))
                )
            conflict: list[str] = []
            try:
                yield from _build(context, dbt, warehouse.path, selection, report, conflict)
                return
            except Exception as error:
                if not conflict:
                    raise
                if time.monotonic() > deadline:
                    raise RuntimeError(f"dbt could not open the working warehouse: {conflict[0]}") from error
            report(f"dbt: waiting for another process to let go of the working warehouse ({conflict[0]})")
            time.sleep(1)


def _build(
    context: dg.AssetExecutionContext,
    dbt: DbtResource,
    duckdb_path: Path,
    selection: list[str],
    report,
    conflict: list,
):
    """Run `dbt build <selection>` on this warehouse file and yield each model's materialisation (with
    the row count its post-hook logged) as dbt finishes it, and each table's check once its last test has
    run; tables whose tests this build left out report their last result, marked as reused. When dbt
    could not open the file because another process held it, and so built nothing, `conflict` gets dbt's
    words."""
    target = target_path_for(duckdb_path)
    assets = {spec.metadata.get(_UNIQUE_ID): spec.key for spec in context.assets_def.specs}
    waiting = {
        key: set(_TESTS[key]) for key in _TESTS if _check_key(key) in context.selected_asset_check_keys
    }
    ran: dict[dg.AssetKey, list[dbt_build.NodeOutcome]] = defaultdict(list)
    built = failed = warned = 0
    build = dbt_build.Build(success=False, error="dbt's build did not finish")
    tested: list[dbt_build.NodeOutcome] = []
    for outcome in dbt.build([*BUILD_ARGS, *selection], target, duckdb_path):
        if isinstance(outcome, dbt_build.Build):
            build = outcome
            break
        key = assets.get(outcome.unique_id)
        if key is not None and outcome.status == "success" and key in context.selected_asset_keys:
            built += 1
            metadata: dict[str, Any] = {"unique_id": outcome.unique_id, "execution_seconds": outcome.seconds}
            if outcome.rows is not None:
                metadata["dagster/row_count"] = outcome.rows
            yield dg.MaterializeResult(asset_key=key, metadata=metadata)
        table = _TABLE_OF_TEST.get(outcome.unique_id)
        if table is None:
            continue
        tested.append(outcome)
        name = _TESTS[table][outcome.unique_id]["name"]
        if outcome.status == "warn":
            warned += 1
            report(f"dbt: warning: {name} on {table.to_user_string()}")
        elif outcome.status in ("fail", "error"):
            failed += 1
            report(f"dbt: test failed: {name} on {table.to_user_string()}")
        if table in waiting:
            ran[table].append(outcome)
            waiting[table].discard(outcome.unique_id)
            if not waiting[table]:
                del waiting[table]
                yield from _check_result(table, ran.pop(table))
    # tables some of whose tests did not run (a subset picked in the UI, a build that stopped)
    for table, outcomes in ran.items():
        yield from _check_result(table, outcomes)
    earlier = _record_test_outcomes(target, tested)
    if build.success and not context.is_subset:
        if not selection:  # a whole build (_leaving_out_unchanged_seeds found nothing to leave out)
            dbt_build.keep_as_last_build(target)
        elif any(node.unique_id in _SEEDS_ALONE for node in build.nodes):
            # dbt found a seed, or a test of seeds alone, changed since the last whole build; this build
            # wrote no manifest, so the next one is whole and keeps its own
            dbt_build.forget_last_build(target)
        # tables none of whose tests ran: unchanged seeds, left out of this build
        yield from _earlier_results(context, earlier, only=set(waiting) - set(ran))
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


def _check_key(table: dg.AssetKey) -> dg.AssetCheckKey:
    return dg.AssetCheckKey(table, TESTS_CHECK)


def _check_result(
    table: dg.AssetKey, outcomes: list[dbt_build.NodeOutcome], **more: Any
) -> Iterator[dg.AssetCheckResult]:
    """The check on `table` from the outcomes of its dbt tests (none when none of them ran): it passes
    when every one passed; a failed or erroring test makes it fail with ERROR severity, a test that only
    warned with WARN severity. `more`: further metadata."""
    tests = _TESTS[table]
    outcomes = sorted(
        (o for o in outcomes if o.status in _TEST_RAN), key=lambda o: tests[o.unique_id]["name"]
    )
    if not outcomes:
        return
    failed = [o for o in outcomes if o.status in ("fail", "error")]
    warned = [o for o in outcomes if o.status == "warn"]

    def said(o: dbt_build.NodeOutcome) -> str:
        return f"{tests[o.unique_id]['name']} ({o.status}: {o.message or f'{o.failures or 0} rows'})"

    rules = "\n".join(
        ["| test | outcome | rows found |", "| --- | --- | --- |"]
        + [f"| {tests[o.unique_id]['name']} | {o.status} | {o.failures or 0} |" for o in outcomes]
    )
    yield dg.AssetCheckResult(
        asset_key=table,
        check_name=TESTS_CHECK,
        passed=not failed and not warned,
        severity=dg.AssetCheckSeverity.WARN if warned and not failed else dg.AssetCheckSeverity.ERROR,
        description=("; ".join(said(o) for o in failed + warned) or f"all {len(outcomes)} dbt tests passed")[
            :2000
        ],
        metadata={
            "tests": len(outcomes),
            "failed": len(failed),
            "warned": len(warned),
            "tests_run": dg.MetadataValue.md(rules),
            **more,
        },
    )


def _selection(context: dg.AssetExecutionContext) -> list[str]:
    """dbt's --select for what the run selected: everything, or the nodes of a subset picked in the UI
    (their tests come with them, as dbt selects tests by default; a check picked alone brings its
    table's tests)."""
    if not context.is_subset:
        return []
    wanted = {
        spec.metadata.get(_UNIQUE_ID)
        for spec in context.assets_def.specs
        if spec.key in context.selected_asset_keys
    }
    wanted |= {
        test
        for table, tests in _TESTS.items()
        if _check_key(table) in context.selected_asset_check_keys
        for test in tests
    }
    nodes = _MANIFEST["nodes"]
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


def _kept_test_outcomes(target: Path) -> dict[str, dict]:
    """Each dbt test's latest outcome kept in the target folder (`_record_test_outcomes`), tests no longer
    in the project left out."""
    record = target / _TEST_OUTCOMES
    kept = json.loads(record.read_text(encoding="utf-8")) if record.is_file() else {}
    return {test: outcome for test, outcome in kept.items() if test in _TABLE_OF_TEST}


def _record_test_outcomes(target: Path, outcomes: list[dbt_build.NodeOutcome]) -> dict[str, dict]:
    """Keep each dbt test's latest outcome in the target folder: a build that leaves some tests out
    (unchanged seeds) and a build skipped because nothing changed report the checks of those tables from
    there. Returns what is kept."""
    kept = _kept_test_outcomes(target)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for outcome in outcomes:
        if outcome.status in _TEST_RAN:
            kept[outcome.unique_id] = {**dataclasses.asdict(outcome), "checked_at": now}
    partial = (target / _TEST_OUTCOMES).with_suffix(".writing")
    partial.write_text(json.dumps(kept, indent=1), encoding="utf-8")
    partial.replace(target / _TEST_OUTCOMES)
    return kept


def _leaving_out_unchanged_seeds(con, target: Path) -> list[str]:
    """dbt's selection for a whole build that leaves out the seeds unchanged since this warehouse's last
    successful whole build, and the tests of those seeds alone: every model (with every test that reads
    one), and the seeds and tests that dbt finds new or modified against that build's manifest
    (`state:modified`). The shipped reference tables are then not reloaded and tested again on every
    build. Nothing is left out (an empty selection) when there is no such build, or when a seed's
    table is missing from the warehouse."""
    state = dbt_build.last_build(target)
    if state is None:
        return []
    present = set(con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall())
    seeds = {
        (node["schema"], node["alias"])
        for node in _MANIFEST["nodes"].values()
        if node["resource_type"] == "seed"
    }
    if not seeds <= present:
        return []
    return [
        "--select",
        "resource_type:model",
        "resource_type:seed,state:modified",
        "resource_type:test,state:modified",
        "--state",
        str(state),
        # dbt's manifest and run results are kept for the next build's state only after a whole build
        # (writing them is a twentieth of dbt's build of one more report)
        "--no-write-json",
    ]


def _earlier_results(context: dg.AssetExecutionContext, kept: dict[str, dict], only: set | None = None):
    """Each selected table's check from the kept outcomes of its tests (`_kept_test_outcomes`), marked
    as reused, as the Great Expectations checks do: a build skipped because nothing changed, or one that
    left a table's tests out, then shows what the table was last checked against rather than a check
    that did not run. `only`: these tables alone."""
    earlier: dict[dg.AssetKey, list[dbt_build.NodeOutcome]] = defaultdict(list)
    checked_at: dict[dg.AssetKey, str] = {}
    for test, outcome in kept.items():
        table = _TABLE_OF_TEST[test]
        if _check_key(table) not in context.selected_asset_check_keys or (
            only is not None and table not in only
        ):
            continue
        fields = {field.name: outcome.get(field.name) for field in dataclasses.fields(dbt_build.NodeOutcome)}
        earlier[table].append(dbt_build.NodeOutcome(**fields))
        checked_at[table] = max(checked_at.get(table, ""), outcome.get("checked_at") or "")
    for table, outcomes in earlier.items():
        yield from _check_result(table, outcomes, reused_earlier_result=True, checked_at=checked_at[table])
