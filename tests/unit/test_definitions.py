"""The Dagster graph loads, mirrors the DuckDB layout, checks every extracted table, and holds documents
back in a step of its own upstream of dbt."""

from orchestration.definitions import defs
from orchestration.lib.core.schema import EXTRACTED_TABLES


def test_graph_has_every_layer_and_blocking_checks():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    for expected in [
        "audit/file_ledger",
        "raw/pages",
        "published/warehouse",
        "marts/fct_judgements",
        "marts/dim_local_authorities",
        "staging/stg_extracted__reports",
    ]:
        assert expected in keys
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys() if graph.has(key)}
    assert {"raw", "staging", "marts", "published"} <= groups
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    for table in EXTRACTED_TABLES:
        assert (f"extracted/{table}", "great_expectations_suite") in checks
    # the Great Expectations checks are defined in defs/quality, apart from the assets they check; they
    # observe and report (never ERROR), and the step holding documents back runs after them
    specs = {
        spec.asset_key.to_user_string(): spec.blocking
        for checks_def in defs.asset_checks
        for spec in checks_def.check_specs
        if spec.name == "great_expectations_suite"
    }
    assert set(specs) == {f"extracted/{table}" for table in EXTRACTED_TABLES} and all(specs.values())
    # dbt's tests are checks on the tables they test, one per test, as dagster-dbt maps them
    dbt_checks = [name for key, name in checks if key.startswith("marts/")]
    assert len(dbt_checks) > 50 and len(set(dbt_checks)) == len(dbt_checks)
    assert ("quality/held_back_documents", "publishable") in checks


def test_holding_back_is_a_step_of_its_own_between_the_checks_and_dbt():
    import dagster as dg

    graph = defs.resolve_asset_graph()
    held_back = dg.AssetKey(["quality", "held_back_documents"])
    parents = {k.to_user_string() for k in graph.get(held_back).parent_keys}
    assert parents == {f"extracted/{table}" for table in EXTRACTED_TABLES}
    ledger_model = graph.get(dg.AssetKey(["staging", "stg_audit__file_ledger"]))
    assert held_back in ledger_model.parent_keys
    from orchestration.defs.quality.hold_back import held_back_documents

    [spec] = held_back_documents.check_specs
    assert spec.name == "publishable" and spec.blocking


def test_published_asset_depends_on_every_mart():
    graph = defs.resolve_asset_graph()
    published = next(k for k in graph.get_all_asset_keys() if k.to_user_string() == "published/warehouse")
    parents = {k.to_user_string() for k in graph.get(published).parent_keys}
    marts = {k.to_user_string() for k in graph.get_all_asset_keys() if k.path[0] == "marts"}
    assert marts <= parents


def test_every_asset_says_what_it_is_whose_it_is_and_where_it_sits():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        name = key.to_user_string()
        assert node.description, name
        assert node.owners == ["team:ofsted-warehouse"], name
        assert node.kinds, name
        assert node.group_name in {"raw", "staging", "marts", "published"}, name
    groups = {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert groups["raw/ofsted"] == groups["audit/file_ledger"] == groups["raw/pages"] == "raw"
    assert groups["extracted/reports"] == "staging" and groups["marts/fct_visits"] == "marts"


def test_one_job_builds_the_warehouse_and_another_pulls():
    """The UI, the sensor and `make run` run `warehouse`: every asset and check but the crawl of Ofsted's
    site, which `make pull` and the daily schedule run as `pull`."""
    graph = defs.resolve_asset_graph()
    warehouse = defs.resolve_job_def("warehouse").asset_layer.selected_asset_keys
    pull = defs.resolve_job_def("pull").asset_layer.selected_asset_keys
    assert {k.to_user_string() for k in pull} == {"raw/ofsted"}
    assert warehouse == graph.get_all_asset_keys() - pull
    assert set(graph.asset_check_keys) <= set(
        defs.resolve_job_def("warehouse").asset_layer.asset_graph.asset_check_keys
    )
    assert {job.name for job in defs.resolve_all_job_defs()} >= {"warehouse", "pull"}
    assert defs.resolve_sensor_def("raw_dir_sensor").job_name == "warehouse"


def test_runs_queue_one_at_a_time(tmp_path):
    """Sensor, schedule and UI runs are submitted to the instance's run coordinator: with dagster.yaml it
    is the queue, and it lets one run go at a time."""
    import shutil

    import dagster as dg

    from tests.support import REPO, environment

    shutil.copy(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    with environment(DAGSTER_HOME=str(tmp_path)):
        with dg.DagsterInstance.get() as instance:
            assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
            assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
    assert defs.executor.name == "in_process"


def test_dbt_keeps_one_target_folder_per_existing_warehouse(tmp_path):
    import shutil

    from orchestration.defs.transform.assets import target_path_for

    kept, gone = tmp_path / "kept.duckdb", tmp_path / "gone.duckdb"
    kept.touch()
    gone.touch()
    gone_target = target_path_for(gone)
    assert target_path_for(gone) == gone_target  # the same folder, run after run
    gone.unlink()
    kept_target = target_path_for(kept)
    try:
        assert kept_target.is_dir() and not gone_target.exists()
    finally:
        shutil.rmtree(kept_target, ignore_errors=True)


def test_dbt_runs_through_dagster_dbt_with_the_dbt_beside_this_interpreter():
    import sys
    from pathlib import Path

    from dagster_dbt import DbtCliResource

    from orchestration.defs.transform.project import DBT_PROJECT
    from orchestration.settings import DBT_PROJECT_DIR

    dbt = defs.resources["dbt"]
    assert isinstance(dbt, DbtCliResource)
    assert Path(dbt.dbt_executable) == Path(sys.executable).parent / "dbt"
    assert Path(dbt.project_dir) == DBT_PROJECT_DIR == DBT_PROJECT.project_dir


def test_the_selector_leaving_unchanged_seeds_out_is_in_the_manifest():
    """A build after a warehouse's first runs dbt's selector, declared in dbt_project/selectors.yml."""
    import json

    from orchestration.defs.transform.assets import SELECTOR
    from orchestration.defs.transform.project import DBT_PROJECT

    manifest = json.loads(DBT_PROJECT.manifest_path.read_text(encoding="utf-8"))
    assert SELECTOR in manifest["selectors"]
