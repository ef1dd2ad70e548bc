"""Every query of docs/analyst-guide.md runs on the published seed warehouse and answers its question:
each worked query's result is checked against the same answer worked out in Python from the marts, and
the queries whose question the seeds cannot exercise (improvement after an inadequate judgement,
repeated recommendations) also run over a small warehouse of made-up facts with a known answer."""

import datetime as dt
import re
from collections import Counter

import duckdb
import pytest

from orchestration.defs.publish.assets import MART_TABLES
from tests.integration.conftest import GUIDE, guide_queries
from tests.support import REPO

pytestmark = pytest.mark.integration

QUERIES = guide_queries()
WORKED = {
    "latest": "The latest judgement of every authority",
    "inadequate": "Authorities judged inadequate, and the monitoring visits since",
    "improvement": "How long authorities took to move from inadequate to good",
    "themes": "The most frequent themes of recommendations, by timescale",
    "inspectors": "The inspectors who led most inspections",
    "repeated": "Recommendations repeated in consecutive reports of one authority",
}


def query(heading: str) -> str:
    found = [sql for title, sql in QUERIES if title == heading]
    assert len(found) == 1, f"the guide has {len(found)} queries under {heading!r}"
    return found[0]


def run(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def seeds(published_seed_warehouse):
    con = published_seed_warehouse.published()
    yield con
    con.close()


def test_the_guide_has_every_worked_query():
    headings = [title for title, _ in QUERIES]
    for title in WORKED.values():
        assert headings.count(title) == 1, title
    assert len(QUERIES) >= len(WORKED) + 2


def absent_marts(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    """The marts tables a query names that the warehouse does not have."""
    tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall()
    present = {t for (t,) in tables}
    return sorted(set(re.findall(r"marts\.(\w+)", sql)) - present)


@pytest.mark.parametrize("heading,sql", QUERIES, ids=[f"{i}-{h[:40]}" for i, (h, _) in enumerate(QUERIES)])
def test_every_guide_query_runs_on_the_published_seed_warehouse(seeds, heading, sql):
    absent = absent_marts(seeds, sql)
    if absent:
        pytest.skip(f"the warehouse built here has no {', '.join(absent)}")
    cursor = seeds.execute(sql)
    assert cursor.description, heading
    cursor.fetchall()


def test_latest_judgement_of_every_authority(seeds):
    rows = run(seeds, query(WORKED["latest"]))
    inspections = seeds.execute(
        """SELECT a.local_authority_name, coalesce(i.inspection_end_date, i.publication_date),
                  i.overall_effectiveness
           FROM marts.fct_inspections i JOIN marts.dim_local_authorities a USING (local_authority_id)
           WHERE i.overall_effectiveness IS NOT NULL"""
    ).fetchall()
    latest = {}
    for name, judged_on, grade in inspections:
        key = judged_on or dt.date.min
        if name not in latest or key > latest[name][0]:
            latest[name] = (key, grade)
    assert {r["local_authority_name"]: r["overall_effectiveness"] for r in rows} == {
        name: grade for name, (_, grade) in latest.items()
    }
    assert len(rows) == len(latest) >= 4
    assert [r["local_authority_name"] for r in rows] == sorted(r["local_authority_name"] for r in rows)


def test_inadequate_authorities_and_their_monitoring_visits(seeds):
    rows = run(seeds, query(WORKED["inadequate"]))
    inadequate = seeds.execute(
        """SELECT a.local_authority_name, i.inspection_id FROM marts.fct_inspections i
           JOIN marts.dim_local_authorities a USING (local_authority_id)
           WHERE i.overall_effectiveness = 'Inadequate'"""
    ).fetchall()
    assert inadequate, "the seeds include an authority judged inadequate"
    visits = Counter(
        preceding
        for (preceding,) in seeds.execute(
            "SELECT preceding_inspection_id FROM marts.fct_visits WHERE visit_type = 'monitoring_visit'"
        ).fetchall()
    )
    assert sorted((r["local_authority_name"], r["monitoring_visits"]) for r in rows) == sorted(
        (name, visits[inspection_id]) for name, inspection_id in inadequate
    )


def test_recommendation_themes_by_timescale(seeds):
    rows = run(seeds, query(WORKED["themes"]))
    pairs = seeds.execute(
        """SELECT coalesce(r.timescale, 'not stated'), t.theme FROM marts.fct_recommendation_themes t
           JOIN marts.fct_recommendations r USING (recommendation_id)"""
    ).fetchall()
    counts = Counter(pairs)
    per_timescale = Counter(timescale for timescale, _ in pairs)
    assert {r["timescale"] for r in rows} == set(per_timescale) >= {"immediately", "within_3_months"}
    for timescale in per_timescale:
        listed = [r for r in rows if r["timescale"] == timescale]
        expected_top = sorted(
            ((n, theme) for (ts, theme), n in counts.items() if ts == timescale), key=lambda x: (-x[0], x[1])
        )[:5]
        assert [(r["recommendations"], r["theme"]) for r in listed] == expected_top
        for r in listed:
            assert r["pct_of_theme_tags"] == pytest.approx(
                100 * r["recommendations"] / per_timescale[timescale], abs=0.05
            )


def test_inspectors_who_led_most(seeds):
    rows = run(seeds, query(WORKED["inspectors"]))
    led = Counter()
    for table, kind in [("fct_inspections", "inspection"), ("fct_visits", "visit")]:
        for (names,) in seeds.execute(
            f"SELECT lead_inspector FROM marts.{table} WHERE lead_inspector IS NOT NULL"
        ).fetchall():
            for name in names.split(";"):
                led[(name.strip(), kind)] += 1
    assert rows, "the seeds name lead inspectors"
    for r in rows:
        assert r["inspections_led"] == led[(r["inspector"], "inspection")]
        assert r["visits_led"] == led[(r["inspector"], "visit")]
    assert {r["inspector"] for r in rows} == {name for name, _ in led}
    assert [r["inspections_led"] for r in rows] == sorted((r["inspections_led"] for r in rows), reverse=True)


def test_repeated_recommendations_on_the_seeds(seeds):
    rows = run(seeds, query(WORKED["repeated"]))
    authorities_with_two_reports = seeds.execute(
        """SELECT local_authority_id FROM marts.fct_recommendations
           GROUP BY 1 HAVING count(DISTINCT report_id) > 1"""
    ).fetchall()
    if not authorities_with_two_reports:
        assert rows == []
    assert all(r["word_overlap"] >= 0.3 for r in rows)


def test_improvement_on_the_seeds_lists_only_authorities_judged_good_after_inadequate(seeds):
    rows = run(seeds, query(WORKED["improvement"]))
    improved = seeds.execute(
        """SELECT count(DISTINCT bad.local_authority_id) FROM marts.fct_inspections bad
           JOIN marts.fct_inspections good ON good.local_authority_id = bad.local_authority_id
             AND coalesce(good.inspection_end_date, good.publication_date)
               > coalesce(bad.inspection_end_date, bad.publication_date)
           WHERE bad.overall_effectiveness = 'Inadequate' AND good.overall_effectiveness_rank <= 2"""
    ).fetchall()[0][0]
    assert len(rows) == improved


# A made-up history of one authority: inadequate in 2013, two monitoring visits, requires improvement
# in 2015 with a recommendation that repeats one of 2013 in other words, good in 2017.
STORY_REPORTS = [
    ("r2013", "sif_inspection", dt.date(2013, 6, 3), dt.date(2013, 6, 14), "Inadequate", 4),
    (
        "r2015",
        "sif_inspection",
        dt.date(2015, 5, 4),
        dt.date(2015, 5, 15),
        "Requires improvement to be good",
        3,
    ),
    ("r2017", "ilacs_inspection", dt.date(2017, 6, 5), dt.date(2017, 6, 16), "Good", 2),
]
STORY_VISITS = [
    ("v2014a", dt.date(2014, 3, 4), 1, "Some progress has been made"),
    ("v2014b", dt.date(2014, 9, 10), 2, "Good progress has been made"),
]
STORY_RECOMMENDATIONS = [
    (
        "r2013",
        1,
        "Ensure that supervision of social workers is regular, reflective and recorded on case files",
    ),
    ("r2013", 2, "Improve the timeliness of initial health assessments for children looked after"),
    (
        "r2015",
        1,
        "Ensure that social workers receive regular reflective supervision which is recorded on case files",
    ),
    ("r2017", 1, "Strengthen the quality of pathway plans for care leavers"),
]


@pytest.fixture(scope="module")
def story(published_seed_warehouse):
    """Empty copies of the published marts holding only the made-up history."""
    con = duckdb.connect()
    con.execute("ATTACH ? AS published (READ_ONLY)", [str(published_seed_warehouse.published_path)])
    con.execute("CREATE SCHEMA marts")
    for table in MART_TABLES:
        con.execute(f"CREATE TABLE marts.{table} AS SELECT * FROM published.marts.{table} WHERE false")
    con.execute("INSERT INTO marts.dim_local_authorities SELECT * FROM published.marts.dim_local_authorities")
    authority, name = con.execute(
        "SELECT local_authority_id, local_authority_name FROM marts.dim_local_authorities ORDER BY 1 LIMIT 1"
    ).fetchall()[0]
    con.execute("DETACH published")
    for report_id, report_type, start, end, grade, rank in STORY_REPORTS:
        con.execute(
            """INSERT INTO marts.dim_reports (report_id, report_type, local_authority_id, report_date)
               VALUES (?, ?, ?, ?)""",
            [report_id, report_type, authority, end],
        )
        con.execute(
            """INSERT INTO marts.fct_inspections (inspection_id, report_id, local_authority_id, report_type,
                   inspection_start_date, inspection_end_date, overall_effectiveness,
                   overall_effectiveness_rank, report_date)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [report_id, report_id, authority, report_type, start, end, grade, rank, end],
        )
    for visit_id, start, number, summary in STORY_VISITS:
        con.execute(
            """INSERT INTO marts.dim_reports (report_id, report_type, local_authority_id, report_date)
               VALUES (?, 'monitoring_visit', ?, ?)""",
            [visit_id, authority, start + dt.timedelta(days=1)],
        )
        con.execute(
            """INSERT INTO marts.fct_visits (visit_id, report_id, local_authority_id, visit_type,
                   visit_start_date, visit_end_date, visit_number, progress_summary, preceding_inspection_id,
                   report_date)
               VALUES (?, ?, ?, 'monitoring_visit', ?, ?, ?, ?, 'r2013', ?)""",
            [
                visit_id,
                visit_id,
                authority,
                start,
                start + dt.timedelta(days=1),
                number,
                summary,
                start + dt.timedelta(days=1),
            ],
        )
    for report_id, number, text in STORY_RECOMMENDATIONS:
        con.execute(
            """INSERT INTO marts.fct_recommendations (recommendation_id, report_id, local_authority_id,
                   recommendation_number, recommendation_text) VALUES (?, ?, ?, ?, ?)""",
            [f"{report_id}:{number:03d}", report_id, authority, number, text],
        )
    yield con, name
    con.close()


def test_inadequate_query_counts_the_visits_that_followed(story):
    con, name = story
    rows = run(con, query(WORKED["inadequate"]))
    assert [(r["local_authority_name"], r["judged_inadequate_on"], r["monitoring_visits"]) for r in rows] == [
        (name, STORY_REPORTS[0][3], len(STORY_VISITS))
    ]
    assert rows[0]["highest_visit_number"] == 2
    assert rows[0]["latest_progress_summary"] == STORY_VISITS[-1][3]


def test_time_from_inadequate_to_good(story):
    con, name = story
    rows = run(con, query(WORKED["improvement"]))
    inadequate_on, good_on = STORY_REPORTS[0][3], STORY_REPORTS[2][3]
    assert [
        (r["local_authority_name"], r["last_judged_inadequate_on"], r["judged_good_on"]) for r in rows
    ] == [(name, inadequate_on, good_on)]
    assert (
        rows[0]["months_taken"]
        == (good_on.year - inadequate_on.year) * 12 + good_on.month - inadequate_on.month
    )
    assert rows[0]["years_taken"] == pytest.approx((good_on - inadequate_on).days / 365.25, abs=0.05)


def test_repeated_recommendations_pair_the_same_request_in_consecutive_reports(story):
    con, name = story
    rows = run(con, query(WORKED["repeated"]))
    assert [
        (r["local_authority_name"], r["earlier_recommendation"], r["later_recommendation"]) for r in rows
    ] == [(name, STORY_RECOMMENDATIONS[0][2], STORY_RECOMMENDATIONS[2][2])]
    assert 0.5 < rows[0]["word_overlap"] <= 1


def test_the_guide_lists_every_audit_table_and_ledger_status(seeds):
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("### `audit.file_ledger`", 1)[1].split("\n## ", 1)[0]
    tables = [
        t
        for (t,) in seeds.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'audit' ORDER BY 1"
        ).fetchall()
    ]
    assert {"file_ledger", "publications", "source_catalogue"} <= set(tables)
    assert [t for t in tables if f"`audit.{t}`" not in section] == []
    vocabulary = REPO / "dbt_project" / "seeds" / "vocabulary"
    statuses = (vocabulary / "ledger_statuses.csv").read_text(encoding="utf-8").splitlines()[1:]
    ledger = section.split("`audit.file_ledger` has", 1)[1].split("\n\n", 1)[0]
    assert [s for s in (line.split(",", 1)[0] for line in statuses) if f"`{s}`" not in ledger] == []


def test_every_mart_and_column_is_described_in_the_guide(seeds):
    text = GUIDE.read_text(encoding="utf-8")
    for table in MART_TABLES:
        heading = f"### `marts.{table}`"
        assert heading in text, heading
        section = text.split(heading, 1)[1].split("\n### ", 1)[0]
        columns = [
            c
            for (c,) in seeds.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'marts' AND table_name = ?",
                [table],
            ).fetchall()
        ]
        assert columns
        missing = [c for c in columns if not re.search(rf"^\| `{re.escape(c)}` \|", section, re.MULTILINE)]
        assert missing == [], f"{table}: {missing}"
