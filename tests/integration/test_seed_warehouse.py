"""The whole graph over the seed reports, as text and as PDFs, compared field by field with gold."""

import hashlib
import shutil

import pytest

from orchestration.defs.publish.assets import MART_TABLES
from tests.support import REPO, build_warehouse, compare_with_gold, load_gold

pytestmark = pytest.mark.integration

SEEDS = sorted((REPO / "raw").glob("*.txt"))


@pytest.fixture(scope="module")
def text_build(seed_text_build):
    return seed_text_build


def test_text_seeds_build_publish_and_match_gold(text_build):
    assert text_build.result.success, [e.description for e in text_build.failed_checks()]
    assert not text_build.failed_checks()
    con = text_build.published()
    try:
        assert compare_with_gold(con, load_gold()) == []
        statuses = con.execute("SELECT status, count(*) FROM audit.file_ledger GROUP BY status").fetchall()
        assert statuses == [("loaded", 5)]
        # every judgement a mart shows leads back to the sentence it came from
        missing = con.execute("SELECT count(*) FROM marts.fct_judgements WHERE evidence IS NULL").fetchall()[
            0
        ][0]
        assert missing == 0
    finally:
        con.close()
    parquet = sorted(p.name for p in text_build.parquet_dir.glob("*.parquet"))
    assert parquet == sorted(f"{table}.parquet" for table in MART_TABLES)


def test_monitoring_visit_is_linked_to_the_earlier_inspection(text_build):
    con = text_build.published()
    try:
        rows = con.execute(
            """SELECT v.preceding_inspection_id, i.local_authority_id, i.inspection_end_date
               FROM marts.fct_visits v
               JOIN marts.fct_inspections i ON i.inspection_id = v.preceding_inspection_id"""
        ).fetchall()
    finally:
        con.close()
    assert [(authority, str(ended)) for _, authority, ended in rows] == [("E10000030", "2012-09-19")]


def test_pdf_renderings_match_gold(tmp_path):
    from tests.fixtures.pdf_render import render_text_report_to_pdf

    raw = tmp_path / "raw" / "nested folder"
    raw.mkdir(parents=True)
    for index, seed in enumerate(SEEDS):
        layout = "ab"[index % 2]
        render_text_report_to_pdf(seed.read_text(encoding="utf-8"), raw / f"{seed.stem}.pdf", layout=layout)
    build = build_warehouse(tmp_path / "raw", tmp_path)
    assert build.result.success, [e.description for e in build.failed_checks()]
    con = build.published()
    try:
        problems = compare_with_gold(
            con, load_gold(), name_of=lambda f: f.split("/")[-1].replace(".pdf", ".txt")
        )
        pages = con.execute("SELECT count(*) FROM marts.dim_reports WHERE page_count > 1").fetchall()[0][0]
    finally:
        con.close()
    assert problems == []
    assert pages == 5


def _contradicting(surrey: str, marker: str) -> str:
    """The Surrey report with its summary paragraph contradicting its record of main findings."""
    text = surrey.replace(
        "County Council is judged to be adequate.", "County Council is judged to be good.", 1
    )
    assert text != surrey
    return text + f"\n{marker}\n"  # other bytes, so each copy is a document of its own


def test_a_document_failing_a_check_about_itself_is_held_back_alone(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(REPO / "raw", raw)
    first = build_warehouse(raw, tmp_path)
    assert first.result.success
    surrey = (raw / "000_9f7ce6b861c02e06.txt").read_text(encoding="utf-8")
    (raw / "contradicting_report.txt").write_text(_contradicting(surrey, "copy 1"), encoding="utf-8")

    second = build_warehouse(raw, tmp_path, published_path=first.published_path)
    assert second.result.success
    # the check observes and reports the failure; the step holding documents back decides, and says so
    warned = {(e.asset_key.to_user_string(), e.check_name): e for e in second.failed_checks()}
    assert set(warned) == {
        ("extracted/judgements", "great_expectations_suite"),
        ("quality/held_back_documents", "publishable"),
    }
    assert {e.severity.value for e in warned.values()} == {"WARN"}
    assert "1 documents fail it" in warned["extracted/judgements", "great_expectations_suite"].description
    assert "1 documents held back" in warned["quality/held_back_documents", "publishable"].description
    con = second.published()
    try:
        ledger = dict(
            con.execute(
                "SELECT source_file, status || ': ' || coalesce(status_reason, '') FROM audit.file_ledger"
            ).fetchall()
        )
        reports = {name for (name,) in con.execute("SELECT source_file FROM marts.dim_reports").fetchall()}
    finally:
        con.close()
    # the document is named with the check it failed and the value that failed it; the rest is published
    assert ledger["contradicting_report.txt"].startswith("held_back: ")
    assert (
        "distinct_grade_count" in ledger["contradicting_report.txt"]
        and "2" in ledger["contradicting_report.txt"]
    )
    assert reports == {p.name for p in (REPO / "raw").iterdir() if p.is_file()}

    # once the document reads cleanly it is published, with nothing left over from its holding back
    (raw / "contradicting_report.txt").write_text(surrey + "\nmended\n", encoding="utf-8")
    third = build_warehouse(raw, tmp_path, published_path=first.published_path)
    assert third.result.success and third.failed_checks() == []
    con = third.published()
    try:
        status = con.execute(
            """SELECT status, status_reason FROM audit.file_ledger
               WHERE source_file = 'contradicting_report.txt'"""
        ).fetchall()
    finally:
        con.close()
    assert status == [("loaded", None)]


def test_a_check_failing_on_many_documents_withholds_publication(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(REPO / "raw", raw)
    first = build_warehouse(raw, tmp_path)
    assert first.result.success
    before = hashlib.sha256(first.published_path.read_bytes()).hexdigest()
    parquet_before = {p.name: p.read_bytes() for p in first.parquet_dir.iterdir()}

    surrey = (raw / "000_9f7ce6b861c02e06.txt").read_text(encoding="utf-8")
    for copy in range(3):  # 3 of 8 documents: more than ALWAYS_HELD_BACK and than 5%
        (raw / f"contradicting_{copy}.txt").write_text(
            _contradicting(surrey, f"copy {copy}"), encoding="utf-8"
        )

    second = build_warehouse(raw, tmp_path, published_path=first.published_path)
    assert not second.result.success
    failed = [e for e in second.failed_checks() if e.severity.value == "ERROR"]
    assert [(e.asset_key.to_user_string(), e.check_name) for e in failed] == [
        ("quality/held_back_documents", "publishable")
    ]
    assert "distinct_grade_count" in failed[0].description and "MAX_HELD_BACK_SHARE" in failed[0].description
    assert hashlib.sha256(first.published_path.read_bytes()).hexdigest() == before
    assert {p.name: p.read_bytes() for p in first.parquet_dir.iterdir()} == parquet_before

    # with a larger MAX_HELD_BACK_SHARE (set for this run, as the launchpad does) the three are held back
    # one by one and the rest is published
    third = build_warehouse(raw, tmp_path, published_path=first.published_path, MAX_HELD_BACK_SHARE="0.5")
    assert third.result.success and third.skipped_steps() == []
    con = third.published()
    try:
        held = con.execute("SELECT count(*) FROM audit.file_ledger WHERE status = 'held_back'").fetchall()
    finally:
        con.close()
    assert held == [(3,)]


def test_each_dbt_model_and_seed_materialisation_carries_its_row_count(text_build):
    """Row counts come from dbt's log while it runs (macros/log_row_count.sql), one per built relation."""
    import duckdb

    counts = {}
    for event in text_build.result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key.path[0] in ("staging", "intermediate", "marts", "reference"):
            counts[tuple(materialization.asset_key.path)] = materialization.metadata[
                "dagster/row_count"
            ].value
    assert ("marts", "fct_judgements") in counts and ("reference", "local_authorities") in counts
    with duckdb.connect(str(text_build.duckdb_path), read_only=True) as con:
        for (schema, name), rows in counts.items():
            assert con.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchall()[0][0] == rows, (
                schema,
                name,
            )


def test_dbt_unit_tests_pass_on_the_built_warehouse(text_build, tmp_path):
    """The build leaves dbt's unit tests out (transform/assets.BUILD_ARGS); here every one of them runs."""
    import json
    import os
    import subprocess

    from orchestration.defs.resources import dbt_executable
    from orchestration.defs.transform.assets import BUILD_ARGS, target_path_for
    from orchestration.defs.transform.project import DBT_PROJECT

    assert "unit_test" in BUILD_ARGS
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text(encoding="utf-8"))
    declared = {uid for uid in manifest.get("unit_tests", {})}
    assert len(declared) >= 3
    build_results = target_path_for(text_build.duckdb_path) / "run_results.json"
    ran = {r["unique_id"] for r in json.loads(build_results.read_text(encoding="utf-8"))["results"]}
    assert any(uid.startswith("model.") for uid in ran) and not ran & declared  # the build ran no unit test

    target = tmp_path / "target"
    result = subprocess.run(
        [
            dbt_executable(),
            "test",
            "--select",
            "test_type:unit",
            "--project-dir",
            str(DBT_PROJECT.project_dir),
            "--profiles-dir",
            str(DBT_PROJECT.project_dir),
            "--target-path",
            str(target),
        ],
        env={**os.environ, "DUCKDB_PATH": str(text_build.duckdb_path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    outcomes = {
        r["unique_id"]: r["status"] for r in json.loads((target / "run_results.json").read_text())["results"]
    }
    assert set(outcomes) == declared
    assert set(outcomes.values()) == {"pass"}


def test_a_row_breaking_a_marts_constraint_fails_the_build_and_dbt_lets_go_of_the_file(text_build, tmp_path):
    """The marts' not-null, unique and check rules are enforced constraints: a row that breaks one fails
    dbt's build of that mart, naming the constraint. dbt runs in a process of its own (dagster-dbt's
    DbtCliResource) and releases the warehouse file when it ends, so the steps after it can attach it."""
    import json

    import duckdb

    from orchestration.defs.resources import dbt_resource
    from orchestration.defs.transform.assets import BUILD_ARGS

    working = tmp_path / "warehouse.duckdb"
    shutil.copyfile(text_build.duckdb_path, working)
    con = duckdb.connect(str(working))
    changed = con.execute(
        """UPDATE extracted.reports SET local_authority_id = NULL
           WHERE report_id = (SELECT min(report_id) FROM extracted.reports
                              WHERE report_type LIKE '%inspection') RETURNING report_id"""
    ).fetchall()
    con.close()
    assert len(changed) == 1
    invocation = dbt_resource().cli(
        ["build", *BUILD_ARGS, "--vars", json.dumps({"duckdb_path": str(working)})],
        target_path=tmp_path / "target",
        raise_on_error=False,
    )
    assert not invocation.is_successful()
    results = invocation.get_artifact("run_results.json")["results"]
    broken = {r["unique_id"]: r["message"] or "" for r in results if r["status"] == "error"}
    assert any(
        uid.startswith("model.ofsted_warehouse.fct_") and "NOT NULL constraint failed" in message
        for uid, message in broken.items()
    ), broken
    assert any(r["status"] == "success" and r["unique_id"].startswith("seed.") for r in results)
    reader = duckdb.connect()
    reader.execute(f"ATTACH '{working}' AS working (READ_ONLY)")
    assert reader.execute("SELECT count(*) FROM working.extracted.reports").fetchall()[0][0] == 5
    reader.close()


def test_each_dbt_test_is_a_check_on_the_table_it_tests(text_build):
    """dagster-dbt maps each dbt test to an asset check on the model or seed it is declared on; every one
    of them ran and passed in the build of the seed reports."""
    import json

    from orchestration.defs.transform.project import DBT_PROJECT

    manifest = json.loads(DBT_PROJECT.manifest_path.read_text(encoding="utf-8"))
    tests = [node for node in manifest["nodes"].values() if node["resource_type"] == "test"]
    attached = {node["name"] for node in tests if node.get("attached_node")}
    evaluations = [
        e
        for e in text_build.result.get_asset_check_evaluations()
        if e.asset_key.path[0] in ("staging", "marts", "reference", "intermediate")
    ]
    # every test declared on a table, and the project's own SQL tests that read one table
    assert attached <= {e.check_name for e in evaluations} <= {node["name"] for node in tests}
    assert all(e.passed for e in evaluations)
    judgements = {e.check_name for e in evaluations if e.asset_key.path == ["marts", "fct_judgements"]}
    assert len(judgements) >= 3
