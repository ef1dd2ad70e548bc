"""Each value list is kept once, in a dbt seed, and everything else that names its values agrees with it.

The Great Expectations suites and the dbt tests read the seeds (see lib/core/vocabulary.py); these
tests fail when a list is written out again in a suite or a model's YAML, and when a place that still
spells values out for its own purpose (parsers' wording tables, dbt vars, a macro, another seed, the run
report's labels) names a value the lists lack.
"""

from __future__ import annotations

import ast
import csv
import json
import re
from pathlib import Path

import pytest
import yaml

from orchestration.lib.core import vocabulary
from orchestration.lib.outputs.report import page as report
from orchestration.lib.parse.parsers import _TITLES, common, grades, ilacs, inspection_2012_13, sif
from orchestration.lib.parse.parsers.model import Recommendation
from orchestration.lib.quality import expectations as ex

REPO = Path(__file__).resolve().parents[2]
DBT = REPO / "dbt_project"
PARSERS = REPO / "orchestration" / "lib" / "parse" / "parsers"


def values(name: str) -> set[str]:
    return set(vocabulary.value_list(name))


def every_vocabulary_value() -> set[str]:
    return {value for name in vocabulary.VALUE_LISTS for value in vocabulary.value_list(name)}


def areas_of(*report_types: str) -> set[str]:
    rows = vocabulary.seed_rows(vocabulary.VALUE_LISTS["judgement_areas"].path)
    return {row["judgement_area"] for row in rows if row["report_type"] in report_types}


def yaml_tests(path: Path):
    """(test name, arguments) of every data test declared in a dbt YAML file, at any level."""

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("data_tests", "tests") and isinstance(value, list):
                    for test in value:
                        if isinstance(test, dict):
                            ((name, body),) = test.items()
                            body = body or {}
                            yield name, body.get("arguments", body)
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    return list(walk(yaml.safe_load(path.read_text(encoding="utf-8"))))


# --- the lists themselves ------------------------------------------------------------------------


@pytest.mark.parametrize("name", vocabulary.VALUE_LISTS)
def test_every_list_has_values_each_once(name):
    listed = vocabulary.value_list(name)
    assert listed and len(listed) == len(set(listed))
    assert all(value == value.strip() for value in listed)


def test_contract_lists():
    assert values("report_types") == {
        "child_protection_inspection",
        "looked_after_children_inspection",
        "sif_inspection",
        "lscb_review",
        "ilacs_inspection",
        "monitoring_visit",
        "focused_visit",
        "joint_targeted_area_inspection",
        "area_send_inspection",
        "other",
    }
    assert values("visit_types") == {"monitoring_visit", "focused_visit"}
    ungraded = {"joint_targeted_area_inspection", "area_send_inspection", "other"}
    assert values("graded_report_types") | values("visit_types") | ungraded == values("report_types")
    assert values("area_send_outcomes") == {"positive", "inconsistent", "systemic_failings"}
    assert values("grades") == {
        "Outstanding",
        "Good",
        "Adequate",
        "Requires improvement to be good",
        "Inadequate",
        "Not judged",
    }
    assert len(values("judgement_areas")) == 15
    assert areas_of("lscb_review") == {"lscb"}


def test_every_vocabulary_seed_is_declared_and_read():
    folder = DBT / "seeds" / "vocabulary"
    declared = {
        seed["name"] for seed in yaml.safe_load((DBT / "seeds" / "_vocabulary.yml").read_text())["seeds"]
    }
    on_disk = {path.stem for path in folder.glob("*.csv")}
    read = {
        Path(spec.seed).stem
        for spec in vocabulary.VALUE_LISTS.values()
        if spec.seed.startswith("vocabulary/")
    }
    assert on_disk == declared == read
    for spec in vocabulary.VALUE_LISTS.values():
        with open(spec.path, encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert spec.column in header and (spec.where_column is None or spec.where_column in header), spec


def test_digest_follows_the_seeds(tmp_path, monkeypatch):
    before = vocabulary.digest()
    seeds = tmp_path / "seeds"
    for spec in vocabulary.VALUE_LISTS.values():
        (seeds / spec.seed).parent.mkdir(parents=True, exist_ok=True)
        (seeds / spec.seed).write_bytes(spec.path.read_bytes())
    monkeypatch.setattr(vocabulary, "SEEDS_DIR", seeds)
    assert vocabulary.digest() == before
    with open(seeds / "vocabulary" / "timescales.csv", "a", encoding="utf-8") as handle:
        handle.write("within_12_months,Within a year\n")
    assert vocabulary.digest() != before
    assert vocabulary.value_list("timescales")[-1] == "within_12_months"


def test_an_unknown_list_is_named():
    with pytest.raises(vocabulary.UnknownValueList, match="report_typos"):
        vocabulary.value_list("report_typos")


# --- the Great Expectations suites draw on the lists ---------------------------------------------


def suite_entries():
    for path in sorted(ex.EXPECTATIONS_DIR.glob("extracted_*.json")):
        for entry in json.loads(path.read_text(encoding="utf-8"))["expectations"]:
            yield path.stem, entry


def test_suites_name_lists_and_never_spell_them_out():
    named = {}
    for suite, entry in suite_entries():
        for list_name in ex.value_lists_named(entry):
            assert list_name in vocabulary.VALUE_LISTS, (suite, list_name)
            named[(suite, entry["kwargs"]["column"])] = list_name
        literal = entry["kwargs"].get("value_set")
        if isinstance(literal, list):
            written = {value for value in literal if isinstance(value, str)} & every_vocabulary_value()
            assert not written, f"{suite} writes {written}; name the list with {{'$PARAMETER': ...}}"
    assert named == {
        ("extracted_reports", "report_type"): "report_types",
        ("extracted_reports", "inspection_kind"): "inspection_kinds",
        ("extracted_judgements", "judgement_area"): "judgement_areas",
        ("extracted_judgements", "grade"): "grade_wordings",
        ("extracted_judgement_statements", "judgement_area"): "judgement_areas",
        ("extracted_judgement_statements", "statement_kind"): "statement_kinds",
        ("extracted_judgement_statements", "grade"): "grade_wordings",
        ("extracted_recommendations", "timescale"): "timescales",
        ("extracted_recommendations", "addressed_to"): "recommendation_addressees",
        ("extracted_visits", "visit_type"): "visit_types",
        ("extracted_joint_inspections", "theme_group"): "jtai_theme_groups",
        ("extracted_area_send_inspections", "outcome"): "area_send_outcomes",
        ("extracted_findings", "finding_kind"): "finding_kinds",
    }


# --- the dbt tests draw on the same lists --------------------------------------------------------


def model_yaml_files() -> list:
    paths = sorted((DBT / "models").rglob("*.yml")) + [DBT / "seeds" / "_vocabulary.yml"]
    return [pytest.param(path, id=str(path.relative_to(DBT))) for path in paths]


@pytest.mark.parametrize("path", model_yaml_files())
def test_model_yaml_checks_lists_against_the_seeds(path):
    seeds = {Path(spec.seed).stem for spec in vocabulary.VALUE_LISTS.values()}
    for name, arguments in yaml_tests(path):
        if name == "accepted_values":
            written = {str(v) for v in arguments["values"]} & every_vocabulary_value()
            assert not written, f"{path.name} writes {written}; use in_value_list with the list's seed"
        if name == "in_value_list":
            seed = re.fullmatch(r"ref\('(\w+)'\)", arguments["to"]).group(1)
            assert seed in seeds, f"{path.name}: in_value_list against {seed}, which holds no value list"


def test_official_frameworks_name_listed_values():
    with open(DBT / "seeds" / "official_frameworks.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["report_type"] for r in rows} - {""} <= values("report_types")
    assert {r["inspection_kind"] for r in rows} - {""} <= values("inspection_kinds")
    assert {r["required_judgement_area"] for r in rows} - {""} <= values("judgement_areas")


def test_lists_written_in_seeds_yml_agree():
    """seeds/_seeds.yml still spells some lists out in accepted_values; they must be the seeds' lists."""
    by_column = {}
    for seed in yaml.safe_load((DBT / "seeds" / "_seeds.yml").read_text(encoding="utf-8"))["seeds"]:
        for column in seed.get("columns", []):
            for test in column.get("data_tests", []):
                if isinstance(test, dict) and "accepted_values" in test:
                    by_column[(seed["name"], column["name"])] = set(
                        test["accepted_values"]["arguments"]["values"]
                    )
    assert by_column[("grade_scale", "grade")] == values("grades")
    assert by_column[("official_outcomes", "overall_effectiveness")] - {"-"} == values("grades")
    assert by_column[("official_frameworks", "report_type")] == values("graded_report_types") | values(
        "visit_types"
    )
    assert by_column[("official_frameworks", "inspection_kind")] == values("inspection_kinds")


def test_dbt_vars_agree_with_report_types():
    project_vars = yaml.safe_load((DBT / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    assert project_vars["graded_report_types"] == vocabulary.value_list("graded_report_types")
    assert project_vars["visit_report_types"] == vocabulary.value_list("visit_types")


def test_reconciled_areas_are_the_judgement_areas():
    macro = (DBT / "macros" / "official_reconciliation.sql").read_text(encoding="utf-8")
    body = re.search(r"macro reconciled_judgement_areas\(\).*?endmacro", macro, re.S).group(0)
    assert set(re.findall(r"'(\w+)'", body)) == values("judgement_areas")


# --- the parsers emit only listed values ---------------------------------------------------------


def literal_arguments(module: str, call: str, position: int) -> set[str]:
    """String literals passed at `position` to `call(...)` anywhere in a parser module."""
    tree = ast.parse((PARSERS / f"{module}.py").read_text(encoding="utf-8"))
    return {
        node.args[position].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == call
        and len(node.args) > position
        and isinstance(node.args[position], ast.Constant)
        and isinstance(node.args[position].value, str)
    }


def test_parsers_emit_listed_judgement_areas():
    cp, lac = "child_protection_inspection", "looked_after_children_inspection"
    assert set(inspection_2012_13.CHILD_PROTECTION_AREAS) == areas_of(cp)
    assert set(inspection_2012_13.LOOKED_AFTER_AREAS) == areas_of(lac)
    assert {area for area, _ in ilacs.ILACS_AREAS} == areas_of("ilacs_inspection")
    # the SIF table lists the body's sections; overall effectiveness and the board are read from the summary
    sif_areas = {area for area, _ in sif.SIF_AREAS} | literal_arguments("sif", "JudgementStatement", 0)
    assert sif_areas == areas_of("sif_inspection")
    for module, report_types in [
        ("inspection_2012_13", (cp, lac)),
        ("ilacs", ("ilacs_inspection",)),
        ("sif", ("sif_inspection", "lscb_review")),
        ("common", tuple(values("graded_report_types"))),
    ]:
        assert literal_arguments(module, "JudgementStatement", 0) <= areas_of(*report_types), module


def test_parsers_emit_listed_statement_kinds_timescales_and_report_types():
    kinds = set()
    for module in ("common", "ilacs", "inspection_2012_13", "sif"):
        kinds |= literal_arguments(module, "JudgementStatement", 2)
    assert kinds <= values("statement_kinds")
    assert set(grades.CITATION_ORDER) == values("statement_kinds")
    assert set(common.TIMESCALE_HEADINGS.values()) == values("timescales")
    assert {kind for kind, _ in _TITLES} == values("graded_report_types")
    assert Recommendation.addressed_to in values("recommendation_addressees")


def test_grade_wordings_are_what_the_parser_maps():
    assert {grades.grade_meaning(worded) for worded in values("grade_wordings")} == values("grades")


# --- the run report labels every listed value ----------------------------------------------------


def test_run_report_labels_every_listed_value():
    assert values("report_types") <= set(report.FRAMEWORKS)
    assert values("grades") <= set(report.GRADE_FILL)
    assert values("visit_types") <= set(report.VISIT_STYLES)
