"""The Dagster graph loads, mirrors the DuckDB layout, and gates every extracted table with a blocking check."""

from orchestration.definitions import defs
from orchestration.lib.schema import EXTRACTED_TABLES


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
    specs = {
        spec.key.asset_key.to_user_string(): spec.blocking
        for assets_def in defs.assets
        for spec in getattr(assets_def, "check_specs", [])
        if spec.name == "great_expectations_suite"
    }
    assert specs and all(specs.values())
    # dbt tests become checks on the marts
    assert any(key.startswith("marts/") for key, _ in checks)


def test_published_asset_depends_on_every_mart():
    graph = defs.resolve_asset_graph()
    published = next(k for k in graph.get_all_asset_keys() if k.to_user_string() == "published/warehouse")
    parents = {k.to_user_string() for k in graph.get(published).parent_keys}
    marts = {k.to_user_string() for k in graph.get_all_asset_keys() if k.path[0] == "marts"}
    assert marts <= parents
