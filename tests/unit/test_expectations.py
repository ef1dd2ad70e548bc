"""The GX suites over the extracted tables: they load whole, pass clean rows, and name the report when
they fail.

Frames are built through DuckDB so the dtypes are the ones the warehouse really hands over (pandas `str`,
nullable Int32/boolean, datetime64[us], and object for all-null columns). GX start-up is paid once per
process because `expectations` caches its ephemeral context.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.lib.core import schema, vocabulary
from orchestration.lib.quality import expectations as ex
from orchestration.lib.quality import validation as checks

TABLES = schema.EXTRACTED_TABLES
SHA = "0123456789abcdef" * 4
D = dt.date

GOOD_ROWS: dict[str, list[dict]] = {
    "reports": [
        {
            "report_id": "r-cp-2010",
            "source_file": "a.pdf",
            "source_sha256": SHA,
            "part_number": 1,
            "report_type": "child_protection_inspection",
            "parser_version": "1",
            "title": "Inspection",
            "local_authority_as_written": "Leeds",
            "local_authority_id": "E08000035",
            "page_count": 12,
            "publication_date": D(2010, 3, 1),
            "inspection_kind": "standard",
            "inspection_start_date": D(2010, 1, 11),
            "inspection_end_date": D(2010, 1, 22),
            "lead_inspector": "A Person",
            "inspectors": "A Person; B Person",
        },
        {
            "report_id": "r-ilacs-2019",
            "source_file": "b.pdf",
            "source_sha256": "f" * 64,
            "part_number": 2,
            "report_type": "ilacs_inspection",
            "local_authority_id": "unresolved:Borsetshire",
            "publication_date": D(2019, 5, 1),
            "inspection_start_date": D(2019, 3, 4),
            "inspection_end_date": D(2019, 3, 4),
        },
        # Dates missing altogether are allowed; the date checks only judge what was read.
        {
            "report_id": "r-other",
            "source_file": "c.txt",
            "source_sha256": "e" * 64,
            "part_number": 1,
            "report_type": "other",
            "local_authority_id": "E10000014",
        },
    ],
    "date_windows": [
        {
            "report_id": "r-cp-2010",
            "window_number": 1,
            "start_date": D(2010, 1, 11),
            "end_date": D(2010, 1, 15),
        },
        {
            "report_id": "r-cp-2010",
            "window_number": 2,
            "start_date": D(2010, 1, 18),
            "end_date": D(2010, 1, 18),
        },
    ],
    "judgements": [
        {
            "report_id": "r-cp-2010",
            "judgement_area": "overall_effectiveness",
            "grade": "adequate",
            "statement_count": 3,
            "distinct_grade_count": 1,
            "grades_stated": "adequate; adequate; adequate",
            "page_number": 2,
            "evidence": "Overall effectiveness is adequate",
        },
        {
            "report_id": "r-ilacs-2019",
            "judgement_area": "children_in_care",
            "grade": "requires improvement to be good",
            "statement_count": 1,
            "distinct_grade_count": 1,
            "grades_stated": "requires improvement to be good",
        },
    ],
    "judgement_statements": [
        {
            "report_id": "r-cp-2010",
            "judgement_area": "overall_effectiveness",
            "statement_kind": "summary",
            "grade": "adequate",
            "page_number": 2,
            "evidence": "Overall effectiveness is adequate",
        },
        {
            "report_id": "r-cp-2010",
            "judgement_area": "overall_effectiveness",
            "statement_kind": "table",
            "grade": "adequate",
            "page_number": 5,
        },
    ],
    "recommendations": [
        {
            "report_id": "r-cp-2010",
            "recommendation_number": 1,
            "timescale": "immediately",
            "addressed_to": "local_authority",
            "is_priority": True,
            "recommendation_text": "Ensure that all referrals are responded to within timescales.",
            "page_number": 6,
        },
        {
            "report_id": "r-cp-2010",
            "recommendation_number": 2,
            "timescale": None,
            "addressed_to": "lscb",
            "is_priority": False,
            "recommendation_text": "Improve the quality of multi-agency audits.",
        },
    ],
    "visits": [
        {
            "report_id": "v-mv-2021",
            "visit_type": "monitoring_visit",
            "letter_date": D(2021, 7, 1),
            "visit_start_date": D(2021, 6, 8),
            "visit_end_date": D(2021, 6, 9),
            "visit_number": 3,
            "lead_inspector": "C Person",
            "inspectors": "C Person; D Person",
            "addressee": "E Person",
            "addressee_role": "Director of Children's Services",
            "previous_inspection_year": 2019,
        },
        {
            "report_id": "v-fv-2020",
            "visit_type": "focused_visit",
            "letter_date": D(2020, 11, 20),
            "visit_start_date": None,
            "visit_end_date": D(2020, 11, 5),
            "visit_number": None,
            "inspectors": "F Person",
        },
    ],
    "visit_focus_areas": [
        {"report_id": "v-mv-2021", "area_number": 1, "area_text": "Help and protection", "page_number": 1},
        {"report_id": "v-mv-2021", "area_number": 2, "area_text": "Care leavers"},
    ],
    "joint_inspections": [
        {
            "report_id": "j-2023",
            "theme": "identification of initial need and risk",
            "theme_group": "initial_need_and_risk",
            "partnership_name": "Torbay Safeguarding Children Partnership",
            "agencies": "Ofsted; CQC; HMICFRS",
            "letter_date": D(2024, 1, 30),
            "layout": "2022-",
        },
        {
            "report_id": "j-2016",
            "theme": "abuse and neglect",
            "theme_group": "neglect",
            "layout": "2016-2020",
        },
    ],
    "area_send_inspections": [
        {
            "report_id": "s-2024",
            "partnership_name": "Dorset Local Area Partnership",
            "outcome": "systemic_failings",
            "next_full_inspection_within": "3 years",
            "monitoring_inspection_within": "18 months",
            "previous_inspection_date": D(2017, 1, 23),
            "previous_inspection_text": "23 to 27 January 2017",
            "framework": "2023",
        },
        {"report_id": "s-2023", "outcome": "positive", "next_full_inspection_within": "5 years"},
    ],
    "findings": [
        {
            "report_id": "j-2023",
            "finding_number": 1,
            "finding_kind": "headline",
            "finding_text": "Leaders...",
        },
        {
            "report_id": "j-2023",
            "finding_number": 2,
            "finding_kind": "strength",
            "finding_text": "A strong...",
        },
    ],
    "evidence": [
        {
            "report_id": "r-cp-2010",
            "field_name": "publication_date",
            "field_value": "2010-03-01",
            "page_number": 1,
            "evidence": "Published 1 March 2010",
        },
        {"report_id": "r-cp-2010", "field_name": "lead_inspector", "field_value": "A Person"},
    ],
}


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    for statement in schema.create_statements():
        connection.execute(statement)
    yield connection
    connection.close()


def frame(con, table: str, rows: list[dict]) -> pd.DataFrame:
    """Round-trip rows through the real DuckDB table so the frame has production dtypes."""
    qualified = f"extracted.{table}"
    columns = schema.column_names(qualified)
    con.execute(f"DELETE FROM {qualified}")
    if rows:
        placeholders = ", ".join("?" for _ in columns)
        con.executemany(
            f"INSERT INTO {qualified} VALUES ({placeholders})", [[r.get(c) for c in columns] for r in rows]
        )
    return con.execute(f"SELECT * FROM {qualified}").df()


def validate(con, table: str, rows: list[dict]) -> ex.SuiteResult:
    return ex.validate_table(frame(con, table, rows), ex.suite_path_for(table))


def failure(result: ex.SuiteResult, expectation: str, column) -> ex.FailedExpectation:
    matches = [f for f in result.failed if f.expectation == expectation and f.column == column]
    assert matches, f"expected {expectation} on {column} to fail; got:\n{result.describe()}"
    return matches[0]


def with_row(table: str, **changes) -> list[dict]:
    return [*GOOD_ROWS[table], {**GOOD_ROWS[table][0], **changes}]


# --- suite files ---------------------------------------------------------------------------------


def test_every_extracted_table_has_a_suite():
    assert sorted(TABLES) == sorted(GOOD_ROWS)
    for table in TABLES:
        assert ex.suite_path_for(table).is_file(), table
    assert ex.suite_path_for("extracted.judgements") == ex.EXPECTATIONS_DIR / "extracted_judgements.json"


@pytest.mark.parametrize("table", TABLES)
def test_suite_loads_every_expectation_it_declares(table):
    path = ex.suite_path_for(table)
    declared = json.loads(path.read_text())["expectations"]
    suite, count = ex.load_suite(path)
    assert count == len(declared) == len(suite.expectations) > 0
    assert suite.name == f"extracted_{table}"
    # Same shape back out as in: the file is what GX itself would write, bar int/float in bounds.
    written = suite.to_json_dict()["expectations"]
    assert [(e["type"], e["kwargs"]) for e in written] == [(e["type"], e["kwargs"]) for e in declared]
    assert all(e["meta"].get("why") for e in declared), "every expectation says why it exists"


@pytest.mark.parametrize("table", TABLES)
def test_suite_columns_exist_in_the_schema(table):
    suite, _ = ex.load_suite(ex.suite_path_for(table))
    columns = set(schema.column_names(f"extracted.{table}"))
    assert set(ex._columns_in_suite(suite)) <= columns


def test_a_dropped_expectation_fails_loudly(tmp_path: Path):
    good = json.loads(ex.suite_path_for("evidence").read_text())
    good["expectations"].append({"type": "expect_column_values_to_be_purple", "kwargs": {"column": "x"}})
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(good))
    with pytest.raises(ex.SuiteLoadError, match="expect_column_values_to_be_purple"):
        ex.load_suite(path)


def test_a_bad_kwarg_names_the_entry(tmp_path: Path):
    suite = {
        "name": "bad",
        "expectations": [
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a", "colour": "red"}}
        ],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(suite))
    with pytest.raises(ex.SuiteLoadError, match="#0 expect_column_values_to_not_be_null"):
        ex.load_suite(path)


def test_a_value_list_the_vocabulary_lacks_is_a_load_error(tmp_path: Path):
    suite = {
        "name": "bad",
        "expectations": [
            {
                "type": "expect_column_values_to_be_in_set",
                "kwargs": {"column": "report_type", "value_set": {"$PARAMETER": "report_typos"}},
            }
        ],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(suite))
    with pytest.raises(ex.SuiteLoadError, match="no value list report_typos"):
        ex.load_suite(path)


# --- value sets from the vocabulary seeds ----------------------------------------------------------


def report_rows(report_type: str, inspection_kind: str | None = None) -> pd.DataFrame:
    """A plain DataFrame of one report, as another caller than the Dagster check would hand it over."""
    row = {**GOOD_ROWS["reports"][0], "report_id": "r-odd", "report_type": report_type}
    row["inspection_kind"] = inspection_kind
    return pd.DataFrame([GOOD_ROWS["reports"][1], row], columns=schema.column_names("extracted.reports"))


def seeds_copy(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the seeds the value lists are read from, which the vocabulary reads instead."""
    seeds = tmp_path / "seeds"
    for spec in vocabulary.VALUE_LISTS.values():
        (seeds / spec.seed).parent.mkdir(parents=True, exist_ok=True)
        (seeds / spec.seed).write_bytes(spec.path.read_bytes())
    monkeypatch.setattr(vocabulary, "SEEDS_DIR", seeds)
    return seeds


def test_a_report_type_outside_the_list_fails_and_names_the_report():
    result = ex.validate_table(report_rows("thematic_review"), ex.suite_path_for("reports"))
    failed = failure(result, "expect_column_values_to_be_in_set", "report_type")
    assert failed.failing_keys == ["r-odd"] and failed.values_by_key == {"r-odd": ["thematic_review"]}
    # the only failure: every other value set of the suite accepts the row
    assert len(result.failed) == 1, result.describe()


def test_an_inspection_kind_outside_the_list_fails():
    result = ex.validate_table(report_rows("ilacs_inspection", "announced"), ex.suite_path_for("reports"))
    assert failure(result, "expect_column_values_to_be_in_set", "inspection_kind").failing_keys == ["r-odd"]


def test_value_sets_are_read_from_the_seeds_when_a_suite_runs(tmp_path: Path, monkeypatch):
    """Adding a value to a seed is all it takes for the suite to accept it."""
    seeds = seeds_copy(tmp_path, monkeypatch)
    with open(seeds / "vocabulary" / "report_types.csv", "a", encoding="utf-8") as handle:
        handle.write("thematic_review,,A review across authorities\n")
    result = ex.validate_table(report_rows("thematic_review"), ex.suite_path_for("reports"))
    assert result.success, result.describe()


def test_a_remembered_check_result_is_not_reused_once_a_value_list_changes(con, tmp_path: Path, monkeypatch):
    frame(con, "reports", GOOD_ROWS["reports"])
    con.execute("DELETE FROM pipeline.check_results")
    assert not checks.check_table(con, "reports", code="c").reused
    assert checks.check_table(con, "reports", code="c").reused
    seeds = seeds_copy(tmp_path, monkeypatch)
    rows = (seeds / "vocabulary" / "report_types.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (seeds / "vocabulary" / "report_types.csv").write_text(
        "".join(row for row in rows if not row.startswith("other,")), encoding="utf-8"
    )
    outcome = checks.check_table(con, "reports", code="c")
    assert not outcome.reused and not outcome.passed  # r-other's report type is no longer listed


# --- clean and empty data ------------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_good_rows_pass(con, table):
    result = validate(con, table, GOOD_ROWS[table])
    assert result.success, result.describe()
    assert result.evaluated == ex.load_suite(ex.suite_path_for(table))[1]
    assert result.row_count == len(GOOD_ROWS[table])


@pytest.mark.parametrize("table", TABLES)
def test_empty_table_passes(con, table):
    result = validate(con, table, [])
    assert result.success, result.describe()
    assert result.row_count == 0


def test_frame_without_columns_passes():
    assert ex.validate_table(pd.DataFrame(), ex.suite_path_for("judgements")).success


def test_plain_pandas_with_date_objects_and_odd_index():
    # Written by hand rather than by DuckDB: datetime.date objects in object columns, an all-null date
    # column, and a non-positional index.
    rows = [dict(GOOD_ROWS["visits"][0]), dict(GOOD_ROWS["visits"][1])]
    df = pd.DataFrame(rows, columns=schema.column_names("extracted.visits"), index=[10, 20])
    assert df["letter_date"].dtype == object
    df["visit_start_date"] = None
    assert ex.validate_table(df, ex.suite_path_for("visits")).success
    df.loc[20, "letter_date"] = D(2020, 11, 1)  # before the visit ended
    result = ex.validate_table(df, ex.suite_path_for("visits"))
    assert failure(
        result, "expect_column_pair_values_a_to_be_greater_than_b", ["letter_date", "visit_end_date"]
    ).failing_keys == ["v-fv-2020"]


# --- bad rows ------------------------------------------------------------------------------------


def test_disagreeing_judgement_fails_and_names_report_and_area(con):
    rows = with_row(
        "judgements",
        report_id="r-sif-2016",
        judgement_area="help_and_protection",
        grade=None,
        statement_count=2,
        distinct_grade_count=2,
        grades_stated="good; inadequate",
    )
    result = validate(con, "judgements", rows)
    assert not result.success
    bad = failure(result, "expect_column_values_to_be_in_set", "distinct_grade_count")
    assert bad.unexpected_count == 1
    assert bad.examples == [2]
    assert bad.failing_keys == ["r-sif-2016"]
    assert bad.describe() == (
        "expect_column_values_to_be_in_set on judgements.distinct_grade_count: "
        "1 row(s) unexpected, e.g. [2]; reports: r-sif-2016"
    )
    assert failure(result, "expect_column_values_to_not_be_null", "grade").failing_keys == ["r-sif-2016"]
    # The area as well as the report, for a person tracking it down.
    by_area = ex.validate_table(
        frame(con, "judgements", rows),
        ex.suite_path_for("judgements"),
        key_columns=["report_id", "judgement_area"],
    )
    keys = failure(by_area, "expect_column_values_to_be_in_set", "distinct_grade_count").failing_keys
    assert keys == [("r-sif-2016", "help_and_protection")]
    assert "keys (report_id, judgement_area): ('r-sif-2016', 'help_and_protection')" in (
        failure(by_area, "expect_column_values_to_be_in_set", "distinct_grade_count").describe()
    )


def test_duplicate_judgement_area_fails(con):
    result = validate(con, "judgements", with_row("judgements"))
    bad = failure(result, "expect_compound_columns_to_be_unique", ["report_id", "judgement_area"])
    assert bad.unexpected_count == 2 and bad.failing_keys == ["r-cp-2010"]


def test_unknown_grade_wording_fails(con):
    result = validate(
        con, "judgements", with_row("judgements", report_id="r-x", judgement_area="adoption", grade="Good")
    )
    assert failure(result, "expect_column_values_to_be_in_set", "grade").failing_keys == ["r-x"]


@pytest.mark.parametrize(
    "text",
    [
        "• Ensure that all referrals are responded to within timescales.",
        "Ensure that all \uf0b7 referrals are responded to within timescales.",
        "Ensure that all referrals (cid:131) are responded to within timescales.",
        "Ensure that all referrals Inspection of local authority arrangements for the protection of children",
    ],
)
def test_recommendation_text_with_extraction_residue_fails(con, text):
    result = validate(
        con,
        "recommendations",
        with_row("recommendations", report_id="r-dirty", recommendation_number=9, recommendation_text=text),
    )
    bad = failure(result, "expect_column_values_to_not_match_regex_list", "recommendation_text")
    assert bad.failing_keys == ["r-dirty"] and bad.examples == [text]
    assert len(result.failed) == 1, result.describe()


def test_recommendation_text_length_bounds(con):
    rows = [
        *GOOD_ROWS["recommendations"],
        {**GOOD_ROWS["recommendations"][0], "report_id": "r-short", "recommendation_text": "Ensure"},
        {**GOOD_ROWS["recommendations"][0], "report_id": "r-long", "recommendation_text": "x" * 3001},
    ]
    result = validate(con, "recommendations", rows)
    bad = failure(result, "expect_column_value_lengths_to_be_between", "recommendation_text")
    assert bad.failing_keys == ["r-short", "r-long"]


def test_duplicate_recommendation_number_fails(con):
    result = validate(
        con, "recommendations", with_row("recommendations", recommendation_text="Read twice, from a header.")
    )
    bad = failure(result, "expect_compound_columns_to_be_unique", ["report_id", "recommendation_number"])
    assert bad.unexpected_count == 2
    assert bad.failing_keys == ["r-cp-2010"]
    assert bad.describe().endswith("reports: r-cp-2010")


def test_recommendation_missing_priority_and_bad_timescale_fail(con):
    result = validate(
        con,
        "recommendations",
        with_row(
            "recommendations", report_id="r-y", recommendation_number=5, is_priority=None, timescale="soon"
        ),
    )
    assert failure(result, "expect_column_values_to_not_be_null", "is_priority").failing_keys == ["r-y"]
    assert failure(result, "expect_column_values_to_be_in_set", "timescale").examples == ["soon"]


def test_visit_ending_after_its_letter_fails(con):
    rows = with_row(
        "visits", report_id="v-late", visit_start_date=D(2021, 7, 1), visit_end_date=D(2021, 7, 2)
    )
    result = validate(con, "visits", rows)
    bad = failure(
        result, "expect_column_pair_values_a_to_be_greater_than_b", ["letter_date", "visit_end_date"]
    )
    assert bad.failing_keys == ["v-late"]
    assert bad.examples == [("2021-07-01", "2021-07-02")]
    assert len(result.failed) == 1, result.describe()


def test_visit_other_rules(con):
    rows = with_row(
        "visits",
        report_id="v-bad",
        visit_type="annual_conversation",
        visit_number=31,
        letter_date=None,
        inspectors=None,
        visit_start_date=D(2021, 6, 10),
    )
    result = validate(con, "visits", rows)
    for expectation, column in [
        ("expect_column_values_to_be_in_set", "visit_type"),
        ("expect_column_values_to_be_between", "visit_number"),
        ("expect_column_values_to_not_be_null", "letter_date"),
        ("expect_column_values_to_not_be_null", "inspectors"),
        ("expect_column_pair_values_a_to_be_greater_than_b", ["visit_end_date", "visit_start_date"]),
    ]:
        assert failure(result, expectation, column).failing_keys == ["v-bad"]


def test_report_rules(con):
    rows = with_row(
        "reports",
        report_id="r-bad",
        source_sha256="ABC",
        part_number=0,
        report_type="survey",
        local_authority_id="W06000015",
        publication_date=D(2004, 12, 31),
        inspection_start_date=D(2010, 2, 1),
        inspection_end_date=D(2010, 1, 1),
    )
    result = validate(con, "reports", rows)
    for expectation, column in [
        ("expect_column_values_to_match_regex", "source_sha256"),
        ("expect_column_values_to_be_between", "part_number"),
        ("expect_column_values_to_be_in_set", "report_type"),
        ("expect_column_values_to_match_regex", "local_authority_id"),
        ("expect_column_values_to_be_between", "publication_date"),
        (
            "expect_column_pair_values_a_to_be_greater_than_b",
            ["inspection_end_date", "inspection_start_date"],
        ),
    ]:
        assert failure(result, expectation, column).failing_keys == ["r-bad"]
    assert failure(result, "expect_column_values_to_be_between", "publication_date").examples == [
        "2004-12-31"
    ]


def test_duplicate_report_id_fails(con):
    result = validate(con, "reports", with_row("reports", source_file="again.pdf"))
    assert failure(result, "expect_column_values_to_be_unique", "report_id").failing_keys == ["r-cp-2010"]


def test_other_tables_bad_rows(con):
    windows = validate(
        con,
        "date_windows",
        with_row(
            "date_windows", report_id="r-w", window_number=0, start_date=D(2010, 2, 1), end_date=D(2010, 1, 1)
        ),
    )
    assert failure(windows, "expect_column_values_to_be_between", "window_number").failing_keys == ["r-w"]
    assert failure(
        windows, "expect_column_pair_values_a_to_be_greater_than_b", ["end_date", "start_date"]
    ).failing_keys == ["r-w"]

    statements = validate(
        con,
        "judgement_statements",
        with_row("judgement_statements", report_id="r-s", statement_kind="footnote"),
    )
    assert failure(statements, "expect_column_values_to_be_in_set", "statement_kind").failing_keys == ["r-s"]

    areas = validate(con, "visit_focus_areas", with_row("visit_focus_areas", area_text=None))
    assert failure(areas, "expect_column_values_to_not_be_null", "area_text").failing_keys == ["v-mv-2021"]
    assert failure(areas, "expect_compound_columns_to_be_unique", ["report_id", "area_number"])

    evidence = validate(con, "evidence", with_row("evidence", report_id=None, field_name=None))
    assert failure(evidence, "expect_column_values_to_not_be_null", "report_id").failing_keys == [None]


def test_missing_column_is_a_failure_not_a_crash(con):
    df = frame(con, "evidence", GOOD_ROWS["evidence"]).drop(columns=["field_name"])
    result = ex.validate_table(df, ex.suite_path_for("evidence"))
    assert not result.success
    bad = failure(result, "expect_column_values_to_not_be_null", "field_name")
    assert bad.error and "could not be evaluated" in bad.describe()


def test_an_earlier_send_framework_report_is_held_back_with_its_reason(con):
    rows = with_row(
        "area_send_inspections",
        report_id="s-2018",
        outcome=None,
        next_full_inspection_within=None,
        monitoring_inspection_within=None,
        framework="2016-2022",
        not_read_reason="earlier local area SEND framework (2016-2022): not yet read",
    )
    result = validate(con, "area_send_inspections", rows)
    failed = failure(result, "expect_column_values_to_be_null", "not_read_reason")
    assert failed.failing_keys == ["s-2018"]
    assert [f.column for f in result.failed] == ["not_read_reason"]
