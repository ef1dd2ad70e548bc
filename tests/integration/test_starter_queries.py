"""The README's starter queries and the guide's worked queries for a newcomer's questions answer what their
sentences promise: run on the published seed warehouse, and on a small warehouse of made-up facts whose
answers are known (who is inadequate now and since when, the monitoring visits since, a council against its
neighbours, the latest year's commonest themes, who improved, a council's events, inspections due, the
national framework, JTAI themes, area SEND failings). The new marts behind them are checked on the seeds."""

import datetime as dt
import re

import duckdb
import pytest

from orchestration.defs.publish.assets import MART_TABLES
from tests.integration.conftest import guide_queries
from tests.support import REPO

pytestmark = pytest.mark.integration

GSS_CODE = re.compile(r"^E\d{8}$")
SURREY = "E10000030"
TODAY = dt.date.today()

# Columns of the JTAI and area SEND marts as the warehouse contract names them, for a warehouse built
# before those marts exist.
CONTRACT_TABLES = {
    "fct_jtai_inspections": "report_id VARCHAR, local_authority_id VARCHAR, inspection_start_date DATE, "
    "inspection_end_date DATE, report_date DATE, theme VARCHAR, theme_group VARCHAR, theme_label VARCHAR, "
    "partnership_name VARCHAR, agencies VARCHAR, source_file VARCHAR",
    "fct_area_send_inspections": "report_id VARCHAR, local_authority_id VARCHAR, inspection_start_date DATE, "
    "inspection_end_date DATE, report_date DATE, partnership_name VARCHAR, integrated_care_board VARCHAR, "
    "outcome VARCHAR, outcome_label VARCHAR, next_full_inspection_within VARCHAR, "
    "monitoring_inspection_within VARCHAR, previous_inspection_date DATE, source_file VARCHAR",
}


def readme_queries() -> dict[str, str]:
    """The SQL of the README's "For analysts: start here", keyed by each query's comment line."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## For analysts: start here", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sql\n", 1)[1].split("\n```", 1)[0]
    queries = {}
    for statement in block.split(";"):
        lines = [line for line in statement.strip().splitlines() if line.strip()]
        if lines:
            assert lines[0].startswith("-- "), lines[0]
            queries[lines[0][3:].split(" (", 1)[0]] = "\n".join(lines[1:])
    return queries


README = readme_queries()
GUIDE = dict(guide_queries())


def run(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def scalar(con: duckdb.DuckDBPyConnection, sql: str, *parameters):
    return con.execute(sql, list(parameters)).fetchall()[0][0]


def names_of(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    sql = "SELECT local_authority_id, local_authority_name FROM marts.dim_local_authorities"
    return dict(con.execute(sql).fetchall())


def insert(con: duckdb.DuckDBPyConnection, table: str, **values) -> None:
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    con.execute(f"INSERT INTO marts.{table} ({columns}) VALUES ({marks})", list(values.values()))


@pytest.fixture(scope="module")
def seeds(published_seed_warehouse):
    con = published_seed_warehouse.published()
    yield con
    con.close()


def test_the_readme_has_its_three_starter_queries():
    assert list(README) == [
        "where every council stands now: its latest graded inspection, every judgement as a column",
        "councils judged Inadequate overall, and the monitoring visits since",
        "what councils are told to improve, by theme and year",
    ]


def test_readme_queries_on_the_seeds_name_councils_and_keep_to_their_promise(seeds):
    latest, inadequate, themes = (run(seeds, sql) for sql in README.values())
    current = seeds.execute("SELECT count(*) FROM marts.dim_local_authorities WHERE is_current").fetchall()[
        0
    ][0]
    assert len(latest) == current
    assert all(not GSS_CODE.match(r["local_authority_name"]) for r in latest + inadequate)
    judged = seeds.execute(
        "SELECT count(*) FROM marts.fct_inspections WHERE overall_effectiveness = 'Inadequate'"
    ).fetchall()[0][0]
    assert (
        judged and len({(r["local_authority_name"], r["judged_inadequate_on"]) for r in inadequate}) == judged
    )
    monitoring_starts = {
        d
        for (d,) in seeds.execute(
            "SELECT visit_start_date FROM marts.fct_visits WHERE visit_type = 'monitoring_visit'"
        ).fetchall()
    }
    assert all(r["visit_start_date"] in monitoring_starts for r in inadequate if r["visit_start_date"])
    latest_year = seeds.execute("SELECT max(year(report_date)) FROM marts.fct_recommendations").fetchall()[0][
        0
    ]
    assert latest_year and themes[0]["year"] == latest_year
    counted = seeds.execute(
        """SELECT count(*) FROM marts.fct_recommendation_themes t
           JOIN marts.fct_recommendations r USING (recommendation_id)"""
    ).fetchall()[0][0]
    assert sum(r["recommendations"] for r in themes) == counted


# A made-up history. Surrey: good in 2014, inadequate in 2018 and again in 2021, monitored in between and
# since, with a focused visit that must never count as a monitoring visit. Its nearest neighbour improved
# from requires improvement (2016) to good (2019); its second stayed at rank 3 (adequate 2012-13, then
# requires improvement) before an April 2026 inspection with no overall grade.
def story_inspections(surrey, first, second):
    return [
        ("x2014", surrey, "sif_inspection", dt.date(2014, 6, 13), "Good", 2),
        ("x2018", surrey, "ilacs_inspection", dt.date(2018, 3, 16), "Inadequate", 4),
        ("x2021", surrey, "ilacs_inspection", dt.date(2021, 5, 14), "Inadequate", 4),
        ("y2016", first, "sif_inspection", dt.date(2016, 2, 12), "Requires improvement to be good", 3),
        ("y2019", first, "ilacs_inspection", dt.date(2019, 11, 22), "Good", 2),
        ("z2013", second, "child_protection_inspection", dt.date(2013, 3, 1), "Adequate", 3),
        ("z2017", second, "sif_inspection", dt.date(2017, 7, 7), "Requires improvement to be good", 3),
        ("z2026", second, "ilacs_inspection", dt.date(2026, 6, 5), None, None),
    ]


STORY_VISITS = [
    ("xm2018", "monitoring_visit", dt.date(2018, 9, 4), 1, "x2018", "Progress is slow"),
    ("xa2020", "focused_visit", dt.date(2020, 11, 10), None, "x2018", None),
    ("xm2021a", "monitoring_visit", dt.date(2021, 10, 5), 1, "x2021", "Some progress"),
    ("xf2022", "focused_visit", dt.date(2022, 1, 11), None, "x2021", None),
    ("xm2021b", "monitoring_visit", dt.date(2022, 3, 8), 2, "x2021", "Good progress"),
]

# (report, number, themes, national framework kind, number, name)
OUTCOME_3 = "Children and young people are safe in and outside of their homes"
STORY_RECOMMENDATIONS = [
    ("x2014", 1, ["supervision"], None, None, None),
    ("x2021", 1, ["assessment", "planning"], None, None, None),
    ("x2021", 2, ["assessment"], "outcome", 3, OUTCOME_3),
    ("y2019", 1, ["assessment"], "outcome", 3, OUTCOME_3),
    ("y2019", 2, ["workforce"], "enabler", 3, "The workforce is equipped and effective"),
]


@pytest.fixture(scope="module")
def story(published_seed_warehouse):
    """Empty copies of the published marts holding only the made-up history; returns the connection and
    the ids and names of Surrey and its two nearest neighbours."""
    con = duckdb.connect()
    con.execute("ATTACH ? AS published (READ_ONLY)", [str(published_seed_warehouse.published_path)])
    con.execute("CREATE SCHEMA marts")
    for table in MART_TABLES:
        con.execute(f"CREATE TABLE marts.{table} AS SELECT * FROM published.marts.{table} WHERE false")
    for table in ("dim_local_authorities", "dim_statistical_neighbours"):
        con.execute(f"INSERT INTO marts.{table} SELECT * FROM published.marts.{table}")
    con.execute("DETACH published")
    for table, columns in CONTRACT_TABLES.items():
        if table not in MART_TABLES:
            con.execute(f"CREATE TABLE marts.{table} ({columns})")
    first, second = con.execute(
        "SELECT statistical_neighbours[1], statistical_neighbours[2] FROM marts.dim_local_authorities "
        "WHERE local_authority_id = ?",
        [SURREY],
    ).fetchall()[0]
    names = names_of(con)
    con.execute(
        """INSERT INTO marts.fct_latest_inspections (local_authority_id, local_authority_name, ofsted_region)
           SELECT local_authority_id, local_authority_name, ofsted_region FROM marts.dim_local_authorities
           WHERE is_current"""
    )
    inspections = story_inspections(SURREY, first, second)
    for report_id, authority, report_type, ended, grade, rank in inspections:
        insert(
            con,
            "dim_reports",
            report_id=report_id,
            report_type=report_type,
            local_authority_id=authority,
            report_date=ended,
        )
        insert(
            con,
            "fct_inspections",
            inspection_id=report_id,
            report_id=report_id,
            local_authority_id=authority,
            report_type=report_type,
            inspection_end_date=ended,
            report_date=ended,
            overall_effectiveness=grade,
            overall_effectiveness_rank=rank,
        )
    for report_id, framework, visits, latest_visit, help_and_protection in [
        ("x2021", "ilacs_2018", 2, dt.date(2022, 3, 8), "Inadequate"),
        ("y2019", "ilacs_2018", 0, None, "Good"),
        ("z2026", "ilacs_2026", 0, None, "Inadequate"),
    ]:
        _, authority, report_type, ended, grade, rank = next(i for i in inspections if i[0] == report_id)
        con.execute(
            """UPDATE marts.fct_latest_inspections SET inspected_as_local_authority_id = local_authority_id,
                   inspection_id = ?, report_type = ?, framework = ?, inspection_end_date = ?,
                   overall_effectiveness = ?, overall_effectiveness_rank = ?, help_and_protection = ?,
                   visits_since_count = ?, latest_visit_date = ?
               WHERE local_authority_id = ?""",
            [
                report_id,
                report_type,
                framework,
                ended,
                grade,
                rank,
                help_and_protection,
                visits,
                latest_visit,
                authority,
            ],
        )
    for visit_id, visit_type, start, number, preceding, summary in STORY_VISITS:
        insert(
            con,
            "dim_reports",
            report_id=visit_id,
            report_type=visit_type,
            local_authority_id=SURREY,
            report_date=start + dt.timedelta(days=1),
        )
        insert(
            con,
            "fct_visits",
            visit_id=visit_id,
            report_id=visit_id,
            local_authority_id=SURREY,
            visit_type=visit_type,
            visit_start_date=start,
            visit_end_date=start + dt.timedelta(days=1),
            visit_number=number,
            progress_summary=summary,
            preceding_inspection_id=preceding,
            report_date=start + dt.timedelta(days=1),
        )
    dates = {i[0]: (i[1], i[3]) for i in inspections}
    for report_id, number, themes, kind, framework_number, framework_name in STORY_RECOMMENDATIONS:
        authority, on = dates[report_id]
        recommendation_id = f"{report_id}:{number:03d}"
        insert(
            con,
            "fct_recommendations",
            recommendation_id=recommendation_id,
            report_id=report_id,
            local_authority_id=authority,
            recommendation_number=number,
            recommendation_text="Improve",
            report_date=on,
            national_framework_kind=kind,
            national_framework_number=framework_number,
            national_framework_name=framework_name,
        )
        for theme in themes:
            insert(
                con,
                "fct_recommendation_themes",
                recommendation_theme_id=f"{recommendation_id}:{theme}",
                recommendation_id=recommendation_id,
                report_id=report_id,
                local_authority_id=authority,
                theme=theme,
                is_fallback_theme=False,
            )
    for report_id, authority, ended, label in [
        ("j1", SURREY, dt.date(2017, 3, 10), "Domestic abuse"),
        ("j2", first, dt.date(2017, 6, 20), "Domestic abuse"),
        ("j3", second, dt.date(2023, 2, 1), "Serious youth violence"),
    ]:
        insert(
            con,
            "fct_jtai_inspections",
            report_id=report_id,
            local_authority_id=authority,
            inspection_end_date=ended,
            report_date=ended,
            theme=label.lower(),
            theme_label=label,
        )
    for report_id, authority, ended, outcome, label in [
        ("s1", SURREY, dt.date(2024, 5, 10), "systemic_failings", "Widespread and/or systemic failings"),
        ("s2", first, dt.date(2023, 10, 1), "positive", "Positive experiences and outcomes"),
    ]:
        insert(
            con,
            "fct_area_send_inspections",
            report_id=report_id,
            local_authority_id=authority,
            inspection_end_date=ended,
            report_date=ended,
            outcome=outcome,
            outcome_label=label,
        )
    for authority, family, days in [
        (SURREY, "ilacs", 60),
        (SURREY, "area_send", 170),
        (first, "ilacs", 400),
        (second, "ilacs", -30),
        (first, "area_send", 200),
    ]:
        insert(
            con,
            "fct_next_inspection_estimates",
            local_authority_id=authority,
            local_authority_name=names[authority],
            inspection_family=family,
            estimated_due_date=TODAY + dt.timedelta(days=days),
            rule_applied="a rule",
            is_estimate=True,
        )
    for event_id, ended, kind in [
        ("x2021", dt.date(2021, 5, 14), "ILACS inspection"),
        ("xm2018", dt.date(2018, 9, 5), "Monitoring visit"),
        ("x2014", dt.date(2014, 6, 13), "SIF inspection"),
        ("y2019", dt.date(2019, 11, 22), "ILACS inspection"),
    ]:
        authority = dates.get(event_id, (SURREY,))[0]
        insert(
            con,
            "fct_council_events",
            event_id=event_id,
            report_id=event_id,
            local_authority_id=authority,
            event_kind="x",
            event_kind_label=kind,
            report_date=ended,
            headline_outcome="Good",
        )
    yield con, names[SURREY], names[first], names[second]
    con.close()


def test_readme_inadequate_query_lists_only_monitoring_visits_by_council_name(story):
    con, surrey, _, _ = story
    rows = run(con, README["councils judged Inadequate overall, and the monitoring visits since"])
    assert [(r["local_authority_name"], r["judged_inadequate_on"], r["visit_start_date"]) for r in rows] == [
        (surrey, dt.date(2018, 3, 16), dt.date(2018, 9, 4)),
        (surrey, dt.date(2021, 5, 14), dt.date(2021, 10, 5)),
        (surrey, dt.date(2021, 5, 14), dt.date(2022, 3, 8)),
    ]


def test_readme_themes_by_year_put_the_latest_year_first(story):
    con, *_ = story
    rows = run(con, README["what councils are told to improve, by theme and year"])
    assert rows[0]["year"] == 2021
    assert [(r["theme"], r["year"], r["recommendations"]) for r in rows if r["year"] == 2021] == [
        ("assessment", 2021, 2),
        ("planning", 2021, 1),
    ]
    assert sum(r["recommendations"] for r in rows) == sum(len(r[2]) for r in STORY_RECOMMENDATIONS)


def test_readme_latest_picture_names_every_current_council(story):
    con, surrey, *_ = story
    rows = run(
        con,
        README["where every council stands now: its latest graded inspection, every judgement as a column"],
    )
    assert all(not GSS_CODE.match(r["local_authority_name"]) for r in rows)
    assert [r["overall_effectiveness"] for r in rows if r["local_authority_name"] == surrey] == ["Inadequate"]


def test_who_is_inadequate_now_and_since_when(story):
    con, surrey, _, _ = story
    rows = run(con, GUIDE["Who is judged inadequate now, and since when"])
    assert [
        (r["local_authority_name"], r["inadequate_since"], r["inadequate_judgements_in_a_row"]) for r in rows
    ] == [(surrey, dt.date(2018, 3, 16), 2)]


def test_the_monitoring_visits_since_the_current_inadequate_judgement(story):
    con, surrey, _, _ = story
    rows = run(con, GUIDE["The monitoring visits since each current inadequate judgement"])
    assert [(r["local_authority_name"], r["visit_number"], r["progress_summary"]) for r in rows] == [
        (surrey, 1, "Some progress"),
        (surrey, 2, "Good progress"),
    ]


def test_a_council_against_its_neighbours(story):
    con, surrey, first, second = story
    rows = run(con, GUIDE["A council against its statistical neighbours"])
    neighbours = con.execute(
        "SELECT statistical_neighbours FROM marts.dim_local_authorities WHERE local_authority_id = ?",
        [SURREY],
    ).fetchall()[0][0]
    names = names_of(con)
    assert [(r["neighbour_rank"], r["local_authority_name"]) for r in rows] == [(0, surrey)] + [
        (rank, names[code]) for rank, code in enumerate(neighbours, start=1)
    ]
    grades = {r["local_authority_name"]: r["overall_effectiveness"] for r in rows}
    assert (grades[surrey], grades[first], grades[second]) == ("Inadequate", "Good", "no overall grade")


def test_the_commonest_themes_of_the_latest_year(story):
    con, *_ = story
    rows = run(con, GUIDE["The commonest recommendation themes of the latest year"])
    assert [(r["year"], r["theme"], r["recommendations"], r["authorities"]) for r in rows] == [
        (2021, "assessment", 2, 1),
        (2021, "planning", 1, 1),
    ]


def test_who_improved_between_their_last_two_graded_inspections(story):
    con, _, first, _ = story
    rows = run(con, GUIDE["Who improved between their last two graded inspections"])
    assert [
        (r["local_authority_name"], r["previous_grade"], r["latest_grade"], r["grades_better"]) for r in rows
    ] == [(first, "Requires improvement to be good", "Good", 1)]


def test_every_event_of_one_council_in_order(story):
    con, *_ = story
    rows = run(con, GUIDE["Every event in one council's history"])
    assert [r["event_kind_label"] for r in rows] == ["SIF inspection", "Monitoring visit", "ILACS inspection"]


def test_councils_due_in_the_next_six_months(story):
    con, surrey, _, _ = story
    rows = run(con, GUIDE["Councils due an inspection in the next six months"])
    assert [(r["local_authority_name"], r["inspection_family"]) for r in rows] == [
        (surrey, "ilacs"),
        (surrey, "area_send"),
    ]


def test_recommendations_by_national_framework_outcome(story):
    con, *_ = story
    rows = run(con, GUIDE["Recommendations by national framework outcome"])
    assert [
        (r["national_framework_kind"], r["national_framework_number"], r["recommendations"], r["authorities"])
        for r in rows
    ] == [("enabler", 3, 1, 1), ("outcome", 3, 2, 2)]
    assert rows[1]["national_framework_name"] == OUTCOME_3
    assert (rows[1]["first_cited"], rows[1]["last_cited"]) == (dt.date(2019, 11, 22), dt.date(2021, 5, 14))


def test_jtai_themes_by_year(story):
    con, surrey, first, second = story
    rows = run(con, GUIDE["Joint targeted area inspection themes by year"])
    assert [(r["year"], r["theme"], r["inspections"], r["areas"]) for r in rows] == [
        (2017, "Domestic abuse", 2, "; ".join(sorted([surrey, first]))),
        (2023, "Serious youth violence", 1, second),
    ]


def test_send_systemic_failings_with_the_latest_ilacs_grade(story):
    con, surrey, _, _ = story
    heading = next(h for h in GUIDE if h.startswith("Area SEND inspections that found widespread"))
    rows = run(con, GUIDE[heading])
    assert [
        (r["local_authority_name"], r["latest_ilacs_inspection_on"], r["latest_ilacs_grade"]) for r in rows
    ] == [(surrey, dt.date(2021, 5, 14), "Inadequate")]


def test_the_neighbour_query_on_the_seeds_lists_surrey_and_its_ten_neighbours_by_name(seeds):
    rows = run(seeds, GUIDE["A council against its statistical neighbours"])
    assert [r["neighbour_rank"] for r in rows] == list(range(11))
    assert rows[0]["local_authority_name"] == "Surrey"
    assert all(not GSS_CODE.match(r["local_authority_name"]) for r in rows)


def test_the_bridge_of_neighbours_is_the_list_column_row_by_row(seeds):
    rows = seeds.execute(
        """SELECT local_authority_id, statistical_neighbours FROM marts.dim_local_authorities
           WHERE statistical_neighbours IS NOT NULL"""
    ).fetchall()
    names = names_of(seeds)
    expected = sorted(
        (authority, rank, code, names[code])
        for authority, codes in rows
        for rank, code in enumerate(codes, 1)
    )
    bridge = seeds.execute(
        """SELECT local_authority_id, neighbour_rank, neighbour_id, neighbour_name
           FROM marts.dim_statistical_neighbours ORDER BY 1, 2"""
    ).fetchall()
    assert len(expected) > 1000
    assert bridge == expected


def test_every_report_of_the_seeds_has_a_date_unless_it_states_none(seeds):
    rows = seeds.execute(
        "SELECT source_file, report_type, report_date, report_date_source, publication_date_source "
        "FROM marts.dim_reports ORDER BY source_file"
    ).fetchall()
    dated = {(f.split("/")[-1][:3], source) for f, _, d, source, _ in rows if d is not None}
    # the two renderings without a front page state no date at all (see ../shared/gold/seeds.json)
    assert dated == {
        ("000", "inspection_end_date"),
        ("001", "inspection_end_date"),
        ("003", "visit_end_date"),
    }
    assert {source for *_, source in rows} <= {None, "document"}


def test_council_events_of_the_seeds(seeds):
    events = run(seeds, "SELECT * FROM marts.fct_council_events ORDER BY source_file")
    reports = seeds.execute("SELECT count(*) FROM marts.dim_reports").fetchall()[0][0]
    assert len(events) == reports == 5
    grades = dict(
        seeds.execute("SELECT report_id, overall_effectiveness FROM marts.fct_inspections").fetchall()
    )
    for event in events:
        if event["event_kind"] == "monitoring_visit":
            assert event["headline_outcome"] == "not graded"
            assert event["event_kind_label"] == "Monitoring visit"
        else:
            assert event["event_kind"] == "child_protection_inspection"
            assert event["headline_outcome"] == grades[event["report_id"]]
        # no address on Ofsted's site is known for hand-added files: the path in the input folder
        assert event["document_url"] == event["source_file"] and not event["document_url"].startswith("/")


def test_next_inspection_estimates_of_the_seeds(seeds):
    rows = run(seeds, "SELECT * FROM marts.fct_next_inspection_estimates")
    current = seeds.execute("SELECT count(*) FROM marts.dim_local_authorities WHERE is_current").fetchall()[
        0
    ][0]
    assert len(rows) == 2 * current
    assert all(r["is_estimate"] and r["rule_applied"] for r in rows)
    surrey = {r["inspection_family"]: r for r in rows if r["local_authority_id"] == SURREY}
    ilacs = surrey["ilacs"]
    # Surrey's latest graded inspection among the seeds: child protection, adequate, ended 19 September 2012
    assert ilacs["basis"] == "requires_improvement"
    assert (ilacs["based_on_date"], ilacs["estimated_due_date"]) == (
        dt.date(2012, 9, 19),
        dt.date(2015, 9, 19),
    )
    assert (ilacs["earliest_due_date"], ilacs["latest_due_date"]) == (
        dt.date(2015, 3, 19),
        dt.date(2016, 3, 19),
    )
    assert "requires improvement" in ilacs["rule_applied"] and "estimate" in ilacs["rule_applied"]
    assert surrey["area_send"]["estimated_due_date"] is None
    assert surrey["area_send"]["rule_applied"].startswith("No area SEND inspection")
