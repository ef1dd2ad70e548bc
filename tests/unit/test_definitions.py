"""The Dagster graph loads, mirrors the DuckDB layout, and gates every extracted table with a blocking
check."""

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
    # the Great Expectations checks are defined in defs/quality, apart from the assets they check
    specs = {
        spec.asset_key.to_user_string(): spec.blocking
        for checks_def in defs.asset_checks
        for spec in checks_def.check_specs
        if spec.name == "great_expectations_suite"
    }
    assert set(specs) == {f"extracted/{table}" for table in EXTRACTED_TABLES} and all(specs.values())
    # dbt tests become checks on the marts
    assert any(key.startswith("marts/") for key, _ in checks)


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


def test_dbt_tests_of_a_table_are_one_check_that_names_each_failing_test():
    """defs/transform/assets.py: every test of a table counts towards its check `dbt_tests`; a failing
    test fails it with ERROR severity and is named, one that only warned makes it a warning."""
    from orchestration.defs.transform.assets import _TESTS, TESTS_CHECK, _check_result
    from orchestration.lib.transform.dbt_build import NodeOutcome

    table = next(key for key, tests in _TESTS.items() if key.path[0] == "marts" and len(tests) >= 3)
    first, second, *rest = sorted(_TESTS[table])

    def outcome(unique_id, status, failures=0):
        return NodeOutcome(unique_id, status, "", 0.01, failures, None)

    passing = [outcome(test, "pass") for test in _TESTS[table]]
    [ok] = _check_result(table, passing)
    assert ok.passed and ok.check_name == TESTS_CHECK and ok.metadata["tests"].value == len(passing)

    [failed] = _check_result(
        table, [outcome(first, "fail", 3), outcome(second, "warn", 1)] + [outcome(t, "pass") for t in rest]
    )
    assert not failed.passed and failed.severity.value == "ERROR"
    assert _TESTS[table][first]["name"] in failed.description and failed.metadata["failed"].value == 1

    [warned] = _check_result(table, [outcome(second, "warn", 1)])
    assert not warned.passed and warned.severity.value == "WARN" and warned.metadata["tests"].value == 1
    assert list(_check_result(table, [outcome(first, "skipped")])) == []


def test_what_a_build_leaving_seeds_out_runs_only_when_changed_is_the_seeds_and_their_own_tests():
    from orchestration.defs.transform import assets

    nodes = assets._MANIFEST["nodes"]
    seeds = {uid for uid, node in nodes.items() if node["resource_type"] == "seed"}
    assert seeds and seeds <= assets._SEEDS_ALONE
    tests = assets._SEEDS_ALONE - seeds
    assert tests and all(nodes[uid]["resource_type"] == "test" for uid in tests)
    assert all(set(nodes[uid]["depends_on"]["nodes"]) <= seeds for uid in tests)
    # a test reading a model (a relationship to a seed included) runs with the models, in every build
    reading_models = [
        uid
        for uid, node in nodes.items()
        if node["resource_type"] == "test" and not set(node["depends_on"]["nodes"]) <= seeds
    ]
    assert reading_models and not set(reading_models) & assets._SEEDS_ALONE
