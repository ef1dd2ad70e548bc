"""Whole-job runs over a growing folder: a full run, a rerun over unchanged input (dbt and publishing
skipped, the published file untouched, no file extracted again), a run with one report added and one
with a report removed. audit.file_ledger.extracted_at in the published file is the witness."""

import hashlib
import shutil

import pytest

from orchestration.defs.transform.assets import STATE_FOLDER, target_path_for
from tests.support import REPO, build_warehouse

pytestmark = pytest.mark.integration

SEEDS = sorted((REPO / "raw").glob("*.txt"))


def published_state(build):
    con = build.published()
    try:
        ledger = {
            name: (status, at)
            for name, status, at in con.execute(
                "SELECT source_file, status, extracted_at FROM audit.file_ledger"
            ).fetchall()
        }
        reports = {r[0] for r in con.execute("SELECT source_file FROM marts.dim_reports").fetchall()}
        publications = con.execute("SELECT count(*) FROM audit.publications").fetchall()[0][0]
    finally:
        con.close()
    digest = hashlib.sha256(build.published_path.read_bytes()).hexdigest()
    return {"ledger": ledger, "reports": reports, "publications": publications, "digest": digest}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    work = tmp_path_factory.mktemp("growing")
    raw = work / "raw"
    raw.mkdir()
    for seed in SEEDS[:4]:
        shutil.copy(seed, raw / seed.name)
    outcome = {}
    for label, change in [
        ("full", lambda: None),
        ("noop", lambda: None),
        ("add_one", lambda: shutil.copy(SEEDS[4], raw / SEEDS[4].name)),
        ("remove_one", lambda: (raw / SEEDS[0].name).unlink()),
        ("seed_table_lost", lambda: _lose_a_seed_table(work / "warehouse.duckdb", raw / SEEDS[1].name)),
    ]:
        change()
        build = build_warehouse(raw, work)
        outcome[label] = (build, published_state(build) | {"dbt_json": _dbt_json(work / "warehouse.duckdb")})
    return outcome


def _dbt_json(warehouse):
    """When dbt last wrote its run results, and when the manifest of the last build was kept as the
    next one's state."""
    target = target_path_for(warehouse)
    return tuple(
        path.stat().st_mtime_ns if path.exists() else None
        for path in (target / "run_results.json", target / STATE_FOLDER / "manifest.json")
    )


def _lose_a_seed_table(warehouse, report):
    import duckdb

    with duckdb.connect(str(warehouse)) as con:
        con.execute("DROP TABLE reference.grade_scale")
    report.unlink()


def test_every_run_succeeds(runs):
    for label, (build, _) in runs.items():
        assert build.result.success, (label, [e.description for e in build.failed_checks()])


def test_a_rerun_over_unchanged_input_skips_dbt_and_publishing(runs):
    full_build, full = runs["full"]
    noop_build, noop = runs["noop"]
    assert full_build.skipped_steps() == []
    # the dbt step finds the publication standing and builds nothing; publishing is then skipped
    assert set(noop_build.skipped_steps()) == {
        "published__warehouse",
        "published__report",
        "published__workbook",
    }
    built = {e.asset_key.path[0] for e in noop_build.result.get_asset_materialization_events()}
    # the steps before dbt run (each finds its work done), holding back included
    assert built == {"audit", "raw", "extracted", "quality"}
    assert noop["digest"] == full["digest"] and noop["publications"] == 1
    # every check reports the result it had when the standing publication was built, marked as reused:
    # the extracted tables' Great Expectations checks and dbt's tests alike (dbt's read from the run
    # history of the run that published); the step holding documents back decides again
    evaluations = noop_build.result.get_asset_check_evaluations()
    full_checks = {
        (e.asset_key, e.check_name): e.passed for e in full_build.result.get_asset_check_evaluations()
    }
    assert {(e.asset_key, e.check_name): e.passed for e in evaluations} == full_checks
    # dbt's tests are one check per test, on the table it tests
    marts = [e for e in evaluations if e.asset_key.path[0] == "marts"]
    assert len(marts) > 50 and len({e.asset_key for e in marts}) >= 10
    full_run = full_build.result.run_id
    assert all(e.metadata["checked_in_run"].value == full_run for e in marts)
    observed = [e for e in evaluations if e.asset_key.path[0] != "quality"]
    assert all(e.metadata["reused_earlier_result"].value for e in observed)
    assert noop["ledger"] == full["ledger"]


def test_an_added_report_is_extracted_alone_and_published(runs):
    _, noop = runs["noop"]
    build, added = runs["add_one"]
    new = SEEDS[4].name
    assert build.skipped_steps() == []
    assert added["publications"] == 2
    assert new in added["reports"] and len(added["reports"]) == 5
    assert added["ledger"][new][1] > max(at for _, at in noop["ledger"].values())
    assert {n: v for n, v in added["ledger"].items() if n != new} == noop["ledger"]


def test_a_removed_report_leaves_the_marts_and_the_ledger_says_so(runs):
    _, added = runs["add_one"]
    _, removed = runs["remove_one"]
    gone = SEEDS[0].name
    assert gone not in removed["reports"] and len(removed["reports"]) == 4
    assert removed["ledger"][gone][0] == "removed"
    assert removed["ledger"][gone][1] == added["ledger"][gone][1]


def test_shipped_reference_tables_are_loaded_and_tested_again_only_when_needed(runs):
    """The seeds (the shipped reference tables) and the tests of seeds alone run in a warehouse's first
    build and again only when a seed changed or its table is missing; in between, their checks report
    the earlier result, marked as reused, and every mart is still built and tested."""

    def reference(build):
        built = {
            e.asset_key.path[1]
            for e in build.result.get_asset_materialization_events()
            if e.asset_key.path[0] == "reference"
        }
        checks = {
            e.asset_key.path[1]: e.metadata.get("reused_earlier_result") is not None
            for e in build.result.get_asset_check_evaluations()
            if e.asset_key.path[0] == "reference"
        }
        marts = {
            e.asset_key.path[1]
            for e in build.result.get_asset_materialization_events()
            if e.asset_key.path[0] == "marts"
        }
        return built, checks, marts

    full_built, full_checks, full_marts = reference(runs["full"][0])
    assert "grade_scale" in full_built and full_checks and not any(full_checks.values())
    added_built, added_checks, added_marts = reference(runs["add_one"][0])
    assert added_built == set() and added_marts == full_marts
    assert added_checks.keys() == full_checks.keys() and all(added_checks.values())
    lost_built, lost_checks, _ = reference(runs["seed_table_lost"][0])
    assert lost_built == full_built and not any(lost_checks.values())
    # dbt runs, writes its run results and keeps its manifest as the next build's state in every build
    # but the one skipped because nothing changed
    written = {label: state["dbt_json"] for label, (_, state) in runs.items()}
    assert None not in written["full"] and written["full"] == written["noop"]
    order = ["noop", "add_one", "remove_one", "seed_table_lost"]
    for before, after in zip(order, order[1:]):
        assert all(a > b for a, b in zip(written[after], written[before], strict=True)), (before, after)
