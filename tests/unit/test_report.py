"""The HTML report builder on small warehouses made here: the charts' Vega-Lite specifications and their
data, escaping, nulls, empty marts, the 2026 framework, relative links to documents, the council timeline,
atomic writes, and reading the published file afresh after it was replaced."""

import datetime as dt
import json
import os
import re
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.resources import WarehouseResource
from orchestration.lib.outputs.report.charts import GRADE_FILL, PARAMETERS
from orchestration.lib.outputs.report.data import NO_OVERALL_2026
from orchestration.lib.outputs.report.page import (
    attach_published,
    build_report,
    read_report_data,
    render_report,
    report_is_current,
)
from orchestration.summary import report_error

CHARTS = [
    "chart-judgements",
    "chart-current-grades",
    "chart-timelines",
    "chart-recommendation-themes",
    "chart-visit-themes",
]

MARTS = """
CREATE SCHEMA marts;
CREATE SCHEMA audit;
CREATE TABLE audit.publications (published_at TIMESTAMP, run_id VARCHAR, warehouse_fingerprint VARCHAR,
                                 published_path VARCHAR);
CREATE TABLE marts.dim_local_authorities (local_authority_id VARCHAR, local_authority_name VARCHAR,
                                          ofsted_region VARCHAR, is_current BOOLEAN);
CREATE TABLE marts.dim_reports (report_id VARCHAR, report_type VARCHAR);
CREATE TABLE marts.fct_inspections (inspection_id VARCHAR, local_authority_id VARCHAR, report_type VARCHAR,
                                    inspection_kind VARCHAR, inspection_start_date DATE,
                                    inspection_end_date DATE, publication_date DATE,
                                    overall_effectiveness VARCHAR);
CREATE TABLE marts.fct_visits (visit_id VARCHAR, local_authority_id VARCHAR, visit_type VARCHAR,
                               visit_start_date DATE, visit_end_date DATE, letter_date DATE,
                               publication_date DATE, visit_number INTEGER);
CREATE TABLE marts.fct_recommendations (recommendation_id VARCHAR, report_id VARCHAR, timescale VARCHAR,
                                        report_type VARCHAR);
"""

# what a current warehouse publishes besides: judgements with their pages, themes, the sources of reports
CURRENT = """
ALTER TABLE marts.dim_reports ADD COLUMN source_file VARCHAR;
ALTER TABLE marts.dim_reports ADD COLUMN source_url VARCHAR;
ALTER TABLE marts.dim_reports ADD COLUMN local_authority_id VARCHAR;
ALTER TABLE marts.dim_local_authorities ADD COLUMN statistical_neighbours VARCHAR[];
ALTER TABLE marts.fct_inspections ADD COLUMN report_id VARCHAR;
ALTER TABLE marts.fct_visits ADD COLUMN report_id VARCHAR;
ALTER TABLE marts.fct_visits ADD COLUMN visit_theme VARCHAR;
ALTER TABLE marts.fct_recommendations ADD COLUMN local_authority_id VARCHAR;
ALTER TABLE marts.fct_recommendations ADD COLUMN recommendation_number INTEGER;
ALTER TABLE marts.fct_recommendations ADD COLUMN recommendation_text VARCHAR;
ALTER TABLE marts.fct_recommendations ADD COLUMN page_number INTEGER;
CREATE TABLE marts.fct_judgements (inspection_id VARCHAR, judgement_area VARCHAR, grade VARCHAR,
                                   grade_rank INTEGER, page_number INTEGER);
CREATE TABLE marts.fct_recommendation_themes (recommendation_id VARCHAR, theme VARCHAR);
CREATE TABLE audit.file_ledger (source_file VARCHAR, status VARCHAR, status_reason VARCHAR);
"""

# Trafford, inspected under the April 2026 framework: four judgements, two Inadequate, no overall grade
CURRENT_ROWS = """
INSERT INTO marts.dim_local_authorities VALUES ('E6', 'Trafford', 'North West', true, ['E1', 'E3', 'E2']);
UPDATE marts.dim_local_authorities SET statistical_neighbours = ['E6'] WHERE local_authority_id = 'E1';
INSERT INTO marts.dim_reports VALUES ('r9', 'ilacs_inspection', 'e6/trafford 2026.pdf', NULL, NULL);
UPDATE marts.dim_reports SET source_file = report_id || '.pdf' WHERE source_file IS NULL;
UPDATE marts.dim_reports SET local_authority_id = CASE report_id WHEN 'r1' THEN 'E1' WHEN 'r2' THEN 'E1'
  WHEN 'r3' THEN 'E2' WHEN 'r4' THEN 'E4' WHEN 'r5' THEN 'E1' WHEN 'r6' THEN 'E2' WHEN 'r9' THEN 'E6' END;
UPDATE marts.dim_reports SET source_url = 'https://files.example/r2?x=1&y=2' WHERE report_id = 'r2';
INSERT INTO marts.fct_inspections VALUES
  ('r9', 'E6', 'ilacs_inspection', 'standard', '2026-05-11', '2026-05-22', NULL, NULL, 'r9');
UPDATE marts.fct_inspections SET report_id = inspection_id WHERE report_id IS NULL;
UPDATE marts.fct_visits SET report_id = visit_id;
UPDATE marts.fct_visits SET visit_theme = 'Front door' WHERE visit_id = 'r6';
INSERT INTO marts.fct_judgements VALUES
  ('r1', 'overall_effectiveness', 'Inadequate', 4, 1),
  ('r9', 'impact_of_leaders', 'Inadequate', 4, 2), ('r9', 'help_and_protection', 'Inadequate', 4, 3),
  ('r9', 'children_in_care', 'Requires improvement to be good', 3, 3), ('r9', 'care_leavers', 'Good', 2, 4);
INSERT INTO marts.fct_recommendations VALUES ('e', 'r9', NULL, 'ilacs_inspection', 'E6', 1,
  'Improve the <front door> & the timeliness of assessments.', 7);
UPDATE marts.fct_recommendations SET page_number = 5, recommendation_number = 1 WHERE page_number IS NULL;
INSERT INTO marts.fct_recommendation_themes VALUES ('a', 'planning'), ('b', 'planning'), ('b', 'assessment'),
  ('c', 'workforce'), ('d', 'planning'), ('e', 'thresholds and the front door'),
  ('e', 'timeliness and drift');
INSERT INTO audit.file_ledger VALUES ('r1.pdf', 'loaded', NULL),
  ('held/letter <b>.pdf', 'held_back', 'letter_date is null: every letter is dated');
"""


def make_warehouse(path: Path, rows: bool = True, current: bool = True) -> Path:
    """A small published file; `current=False` gives the marts of an older warehouse, without judgements,
    themes or sources."""
    con = duckdb.connect(str(path))
    try:
        con.execute(MARTS)
        if rows:
            con.execute(
                """INSERT INTO audit.publications VALUES ('2025-01-02 03:04:05', 'run-1', 'f', 'p');
                   INSERT INTO marts.dim_local_authorities VALUES
                     ('E1', 'King''s Lynn <&> "West"', 'East of England', true),
                     ('E2', 'Surrey', 'South East', true),
                     ('E3', 'Never Inspected', NULL, true),
                     ('E4', 'Old Shire', 'North West', false),
                     ('E5', 'Quiet Former', 'North West', false);
                   INSERT INTO marts.dim_reports VALUES ('r1', 'sif_inspection'), ('r2', 'ilacs_inspection'),
                     ('r3', 'ilacs_inspection'), ('r4', 'sif_inspection'), ('r5', 'monitoring_visit'),
                     ('r6', 'focused_visit'), ('r7', 'monitoring_visit');
                   INSERT INTO marts.fct_inspections VALUES
                     ('r1', 'E1', 'sif_inspection', 'standard', '2015-01-05', '2015-01-29', NULL,
                      'Inadequate'),
                     ('r2', 'E1', 'ilacs_inspection', 'standard', NULL, NULL, '2021-03-01', 'Good'),
                     ('r3', 'E2', 'ilacs_inspection', 'short', NULL, NULL, NULL, NULL),
                     ('r4', 'E4', 'sif_inspection', NULL, NULL, '2016-06-30', NULL,
                      'Requires improvement to be good'),
                     ('r8', 'E9', 'ilacs_inspection', NULL, NULL, '2019-05-01', NULL, 'Outstanding');
                   INSERT INTO marts.fct_visits VALUES
                     ('r5', 'E1', 'monitoring_visit', '2016-02-01', '2016-02-02', '2016-03-01', NULL, 2),
                     ('r6', 'E2', 'focused_visit', NULL, NULL, NULL, NULL, NULL),
                     ('r7', NULL, 'monitoring_visit', NULL, NULL, '2017-01-01', NULL, NULL);
                   INSERT INTO marts.fct_recommendations VALUES
                     ('a', 'r1', 'immediately', 'sif_inspection'),
                     ('b', 'r1', 'within_3_months', 'sif_inspection'),
                     ('c', 'r1', NULL, 'sif_inspection'), ('d', 'r2', NULL, 'ilacs_inspection');"""
            )
        if current:
            con.execute(CURRENT)
        if current and rows:
            con.execute(CURRENT_ROWS)
    finally:
        con.close()
    return path


SPEC = re.compile(
    r'<script type="application/json" id="([a-z-]+)-spec" data-chart="[a-z-]+">(.*?)</script>', re.S
)

# h3-marts' council timeline, as its contract names the columns
COUNCIL_EVENTS = """
CREATE TABLE marts.fct_council_events (event_id VARCHAR, local_authority_id VARCHAR, report_id VARCHAR,
  event_kind VARCHAR, event_kind_label VARCHAR, report_type VARCHAR, event_start_date DATE,
  event_end_date DATE, report_date DATE, headline_outcome VARCHAR, document_url VARCHAR, source_file VARCHAR);
INSERT INTO marts.fct_council_events VALUES
  ('x1', 'E6', 'r9', 'ilacs_2026', 'ILACS inspection (2026 framework)', 'ilacs_inspection', '2026-05-11',
   '2026-05-22', '2026-05-22', 'No overall grade; impact of leaders Inadequate', NULL,
   'e6/trafford 2026.pdf'),
  ('x2', 'E6', NULL, 'joint_targeted_area_inspection', 'Joint targeted area inspection',
   'joint_targeted_area_inspection', '2024-02-05', '2024-02-09', '2024-03-20', 'not graded',
   'https://reports.example/jtai.pdf', 'jtai.pdf');
"""


def specs_of(page: str) -> dict[str, dict]:
    """Each chart's Vega-Lite specification, as the page carries it."""
    return {chart: json.loads(text) for chart, text in SPEC.findall(page)}


def without_scripts(page: str) -> str:
    """The page's HTML without its scripts (the inlined Vega library names file: and http: schemes)."""
    return re.sub(r"<script\b.*?</script>", "", page, flags=re.S)


def figure_ids(page: str) -> list[str]:
    return re.findall(r'<figure id="([a-z-]+)"', page)


def data_of(data) -> tuple:
    con = attach_published(data)
    try:
        return read_report_data(con)
    finally:
        con.close()


def test_report_draws_every_chart_as_a_vega_lite_spec_and_escapes_the_data(tmp_path):
    published = make_warehouse(tmp_path / "ofsted.duckdb")
    result = build_report(published, tmp_path / "report")
    page = result.path.read_text(encoding="utf-8")

    assert result.path == tmp_path / "report" / "index.html"
    assert result.published_at == dt.datetime(2025, 1, 2, 3, 4, 5)
    assert figure_ids(page) == CHARTS
    specs = specs_of(page)
    assert list(specs) == CHARTS
    for chart, spec in specs.items():
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6"), chart
        # every chart takes the filter bar's five parameters and filters its rows by them
        assert [(p["name"], p["value"]) for p in spec["params"]] == list(PARAMETERS.items()), chart
        assert "filter" in json.dumps(spec), chart
        assert spec["data"]["values"] and result.marks[chart] == len(spec["data"]["values"]), chart
        for row in spec["data"]["values"]:
            assert {"region", "framework", "year", "authority"} <= set(row), (chart, row)
        # a text alternative in words, and the figures as a table
        assert f'id="{chart}-alt">In words: ' in page and spec["description"], chart
    assert page.count("The figures as a table (all, before any filter)") == len(CHARTS)
    # the name reaches the HTML escaped and the specifications as JSON with <, > and & escaped
    assert "King&#x27;s Lynn &lt;&amp;&gt; &quot;West&quot;" in page
    assert "<&>" not in page and "King's Lynn \\u003c\\u0026\\u003e" in page
    grid = specs["chart-current-grades"]["data"]["values"]
    assert 'King\'s Lynn <&> "West"' in {row["authority"] for row in grid}
    assert "Built from the publication of 2025-01-02 03:04:05 UTC (run run-1)" in page


def test_the_page_opens_from_disk_with_vega_inlined(tmp_path):
    page = build_report(make_warehouse(tmp_path / "ofsted.duckdb"), tmp_path / "report").path
    text = page.read_text(encoding="utf-8")
    # nothing is fetched: no external script, style sheet or font, no source map
    assert not re.search(r"""(?:<script[^>]*\bsrc=|<link\b|@import|sourceMappingURL)""", text)
    for library in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        assert f"/* {library}: see vendor/LICENSE-" in text
    # the filter bar: region, framework, years and a council's name
    for control in (
        "filter-region",
        "filter-framework",
        "filter-year-from",
        "filter-year-to",
        "filter-search",
    ):
        assert f'id="{control}"' in text
    assert '<option value="South East">South East</option>' in text
    assert '<option value="ILACS 2026 framework (no overall grade)">' in text


def test_nulls_are_drawn_where_they_can_be_and_listed_where_not(tmp_path):
    data = data_of(make_warehouse(tmp_path / "ofsted.duckdb"))
    page, marks = render_report(data)
    dates = {(e.authority_id, e.kind): (e.date, e.dated_by) for e in data.inspections + data.visits}
    assert dates[("E1", "ilacs_inspection")] == (dt.date(2021, 3, 1), "publication")
    assert dates[("E1", "monitoring_visit")] == (dt.date(2016, 2, 2), "last day")
    assert dates[("E2", "focused_visit")] == (None, "date not stated")
    # two reports without any date: in the tables, not placed on the timeline
    assert "2 events with no known date are not drawn." in page
    assert marks["chart-timelines"] == len(data.inspections) + len(data.visits) - 2
    grid = {row["code"]: row for row in specs_of(page)["chart-current-grades"]["data"]["values"]}
    # E1's latest grade is the 2021 Good, not the 2015 Inadequate; E3 was never inspected; E5, a former
    # authority without reports, is left out; E9, absent from the dimension, still appears
    assert (
        grid["E1"]["grade"] == "Good" and grid["E1"]["inspection"] == "ILACS (2018-) (standard), 2021-03-01"
    )
    assert grid["E3"]["grade"] == "No graded inspection loaded"
    assert grid["E4"]["status"] == "former authority" and "E5" not in grid
    assert grid["E9"]["region"] == "Region not known"
    assert sorted(grid) == ["E1", "E2", "E3", "E4", "E6", "E9"]
    assert grid["E1"]["page"] == "authorities/E1.html"
    # a visit letter whose authority is not known still has a row
    assert "Authority not identified" in page


def test_a_2026_inspection_never_reads_as_an_overall_inadequate(tmp_path):
    data = data_of(make_warehouse(tmp_path / "ofsted.duckdb"))
    page, _ = render_report(data)
    [trafford] = [e for e in data.inspections if e.authority_id == "E6"]
    assert (trafford.framework, trafford.grade, trafford.worst) == ("ilacs_2026", None, "Inadequate")
    assert trafford.category == NO_OVERALL_2026
    specs = specs_of(page)
    [tile] = [row for row in specs["chart-current-grades"]["data"]["values"] if row["code"] == "E6"]
    assert tile["grade"] == NO_OVERALL_2026 and tile["framework"] == "ILACS 2026 framework (no overall grade)"
    assert tile["outcome"].startswith("No overall grade (2026 framework). Impact of leaders: Inadequate;")
    # its colour is its own, far from Inadequate's red, and named in the legend's domain
    scale = specs["chart-current-grades"]["layer"][0]["encoding"]["color"]["scale"]
    colour = dict(zip(scale["domain"], scale["range"]))[NO_OVERALL_2026]
    assert colour != GRADE_FILL["Inadequate"] and colour == GRADE_FILL[NO_OVERALL_2026]
    [bar] = [r for r in specs["chart-judgements"]["data"]["values"] if r["authority"] == "Trafford"]
    assert bar["grade"] == NO_OVERALL_2026
    # an earlier inspection without an overall grade and without judgements is not taken for one
    [surrey] = [e for e in data.inspections if e.authority_id == "E2"]
    assert (surrey.framework, surrey.grade, surrey.worst) == ("ilacs_inspection", None, None)


def test_recommendation_and_visit_themes_are_charted(tmp_path):
    data = data_of(make_warehouse(tmp_path / "ofsted.duckdb"))
    page, marks = render_report(data)
    specs = specs_of(page)
    themes = specs["chart-recommendation-themes"]["data"]["values"]
    # five recommendations, seven (recommendation, theme) rows: planning in three, by 2015 (r1's two) and
    # 2021 (r2's one)
    assert marks["chart-recommendation-themes"] == len(themes) == 7
    planning = sorted(r["year"] for r in themes if r["theme"] == "planning")
    assert planning == [2015, 2015, 2021]
    assert "5 recommendations; the commonest themes: planning (3)," in page
    [visit] = specs["chart-visit-themes"]["data"]["values"]
    assert (visit["theme"], visit["year"], visit["authority"]) == ("Front door", None, "Surrey")
    assert marks["chart-visit-themes"] == 1


def test_a_file_from_an_older_warehouse_still_draws(tmp_path):
    published = make_warehouse(tmp_path / "ofsted.duckdb", current=False)
    result = build_report(published, tmp_path / "report")
    page = result.path.read_text(encoding="utf-8")
    assert result.marks["chart-judgements"] > 0
    # recommendations without themes are counted under "No theme found"; visits without theme likewise
    assert "4 recommendations; the commonest themes: No theme found (4)." in page
    assert "1 focused visit: 1 No theme stated." in page


def test_empty_marts_give_a_page_that_says_so(tmp_path):
    published = make_warehouse(tmp_path / "ofsted.duckdb", rows=False)
    result = build_report(published, tmp_path / "report")
    page = result.path.read_text(encoding="utf-8")
    assert figure_ids(page) == CHARTS and specs_of(page) == {}
    assert page.count('class="empty"') == len(CHARTS)
    assert result.marks == dict.fromkeys(CHARTS, 0)
    for message in [
        "No graded inspection is loaded.",
        "No local authority is recorded.",
        "No dated inspection or visit is loaded.",
        "No recommendation is loaded.",
        "No focused visit is loaded.",
    ]:
        assert message in page
    assert "no publication recorded" in page


def test_the_page_is_replaced_whole_and_leaves_nothing_behind(tmp_path):
    published = make_warehouse(tmp_path / "ofsted.duckdb")
    report_dir = tmp_path / "report"
    report_dir.mkdir()
    (report_dir / "index.html").write_text("old page")
    (report_dir / "authorities").mkdir()
    (report_dir / "authorities" / "E5.html").write_text("a page of the last build")
    build_report(published, report_dir)
    assert sorted(p.name for p in report_dir.iterdir()) == ["authorities", "index.html"]
    assert (report_dir / "index.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    # the folder of pages is replaced whole: the last build's page of an authority no longer shown is gone
    assert sorted(p.name for p in (report_dir / "authorities").iterdir()) == [
        f"{code}.html" for code in ("E1", "E2", "E3", "E4", "E6", "E9")
    ]


def test_a_replaced_published_file_is_read_afresh(tmp_path):
    """A process still holding a connection to the old file (as the writer or a test may) does not make the
    report show the replaced database."""
    published = make_warehouse(tmp_path / "ofsted.duckdb", rows=False)
    stale = duckdb.connect(str(published), read_only=True)
    try:
        assert stale.execute("SELECT count(*) FROM marts.fct_inspections").fetchall() == [(0,)]
        os.replace(make_warehouse(tmp_path / "new.duckdb"), published)
        result = build_report(published, tmp_path / "report")
    finally:
        stale.close()
    assert result.marks["chart-judgements"] > 0


def test_the_report_connection_cannot_read_other_files(tmp_path):
    con = attach_published(make_warehouse(tmp_path / "ofsted.duckdb"))
    try:
        with pytest.raises(duckdb.Error):
            con.execute("SELECT * FROM read_csv('/etc/passwd')").fetchall()
        with pytest.raises(duckdb.Error):
            con.execute("SET enable_external_access = true")
    finally:
        con.close()


def test_missing_published_file_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="make run"):
        build_report(tmp_path / "absent.duckdb", tmp_path / "report")
    assert not (tmp_path / "report").exists()


def test_report_is_current_only_when_written_after_the_publication(tmp_path):
    published = make_warehouse(tmp_path / "ofsted.duckdb")
    report_dir = tmp_path / "report"
    assert not report_is_current(report_dir, published)
    build_report(published, report_dir)
    assert report_is_current(report_dir, published)
    later = (report_dir / "index.html").stat().st_mtime + 10
    os.utime(published, (later, later))
    assert not report_is_current(report_dir, published)


def test_the_cli_builds_beside_the_published_file_and_fails_in_words(tmp_path, capsys):
    from orchestration.report import main

    (tmp_path / "published").mkdir()
    published = make_warehouse(tmp_path / "published" / "ofsted.duckdb")
    assert main(["--published", str(published)]) == 0
    assert (published.parent / "report" / "index.html").is_file()
    assert "report: " in capsys.readouterr().out
    assert main(["--published", str(tmp_path / "missing.duckdb")]) == 1
    assert "report not built: FileNotFoundError" in capsys.readouterr().err


def test_the_asset_leaves_the_publication_alone_when_the_report_fails(tmp_path):
    from orchestration.defs.publish.report import published_report

    published = tmp_path / "published" / "ofsted.duckdb"
    published.parent.mkdir()
    published.write_bytes(b"not a database")
    warehouse = WarehouseResource(published_duckdb_path=str(published))
    result = dg.materialize([published_report], resources={"warehouse": warehouse}, raise_on_error=False)
    # the step succeeds without materialising, and records why for the run's summary
    assert result.success
    assert result.get_asset_materialization_events() == []
    assert "not a valid DuckDB database" in report_error(result)
    assert published.read_bytes() == b"not a database"
    assert not (published.parent / "report").exists()


def test_the_asset_materialises_the_page_with_its_marks(tmp_path):
    from orchestration.defs.publish.report import published_report

    published = tmp_path / "published" / "ofsted.duckdb"
    published.parent.mkdir()
    make_warehouse(published)
    warehouse = WarehouseResource(published_duckdb_path=str(published))
    outputs = list(published_report(dg.build_asset_context(), warehouse))
    assert len(outputs) == 1
    metadata = outputs[0].metadata
    assert Path(metadata["path"].path) == published.parent / "report" / "index.html"
    assert metadata["marks_chart_timelines"] > 0


def raw_files(raw: Path) -> Path:
    for name in ("r1.pdf", "r3.pdf", "e6/trafford 2026.pdf", "held/letter <b>.pdf"):
        (raw / name).parent.mkdir(parents=True, exist_ok=True)
        (raw / name).write_bytes(b"%PDF-1.4 " + name.encode())
    return raw


def test_documents_link_to_ofsted_or_relative_to_the_published_folder(tmp_path):
    (tmp_path / "published").mkdir()
    published = make_warehouse(tmp_path / "published" / "ofsted.duckdb")
    raw = raw_files(tmp_path / "raw files")
    report_dir = published.parent / "report"
    page = build_report(published, report_dir, raw_dir=raw).path.read_text(encoding="utf-8")
    # downloaded: its address, escaped; a hand-added PDF: its copy beside the published file, relative, at
    # the judgement's page; never an absolute path of this machine
    assert "file:" not in without_scripts(page) and str(raw) not in page
    timeline = {row["event"]: row["link"] for row in specs_of(page)["chart-timelines"]["data"]["values"]}
    assert timeline["ILACS (2018-) (standard)"] == "https://files.example/r2?x=1&y=2"
    assert timeline["Single inspection framework (2013-18) (standard)"] == "../documents/r1.pdf#page=1"
    lynn = (report_dir / "authorities" / "E1.html").read_text(encoding="utf-8")
    assert 'href="https://files.example/r2?x=1&amp;y=2"' in lynn and "file:" not in lynn
    trafford = (report_dir / "authorities" / "E6.html").read_text(encoding="utf-8")
    assert "file:" not in trafford
    assert (
        '<a href="../../documents/e6/trafford%202026.pdf#page=2">Impact of leaders: Inadequate (page 2)</a>'
        in (trafford)
    )
    assert 'href="../documents/held/letter%20%3Cb%3E.pdf">held/letter &lt;b&gt;.pdf</a>' in page
    # the documents are there, hard-linked (or copied) from RAW_DIR; every relative link resolves
    documents = published.parent / "documents"
    assert (documents / "r1.pdf").read_bytes() == (raw / "r1.pdf").read_bytes()
    for href in re.findall(r'href="(\.\./\.\./documents/[^"#]+)', trafford):
        assert (report_dir / "authorities" / href.replace("%20", " ")).resolve().is_file(), href
    # the published folder moved to another machine: the links still open there
    moved = tmp_path / "elsewhere"
    os.replace(published.parent, moved)
    for href in re.findall(r'href="(\.\./documents/[^"#]+)', page):
        target = moved / "report" / href.replace("%20", " ").replace("%3C", "<").replace("%3E", ">")
        assert target.resolve().is_file(), href


def test_without_the_input_folder_only_what_is_known_is_linked(tmp_path):
    published = make_warehouse(tmp_path / "ofsted.duckdb")
    build_report(published, tmp_path / "report")
    lynn = (tmp_path / "report" / "authorities" / "E1.html").read_text(encoding="utf-8")
    assert 'href="https://files.example/r2?x=1&amp;y=2"' in lynn
    assert "documents/" not in lynn and "file:" not in lynn and not (tmp_path / "documents").exists()


def test_the_documents_folder_keeps_only_what_the_publication_cites(tmp_path):
    published = make_warehouse(tmp_path / "ofsted.duckdb")
    raw = raw_files(tmp_path / "raw")
    stale = tmp_path / "documents" / "old" / "gone.pdf"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"a report no longer published")
    build_report(published, tmp_path / "report", raw_dir=raw)
    kept = sorted(
        p.relative_to(tmp_path / "documents").as_posix() for p in (tmp_path / "documents").rglob("*.pdf")
    )
    assert kept == ["e6/trafford 2026.pdf", "held/letter <b>.pdf", "r1.pdf", "r3.pdf"]
    assert not stale.parent.exists()


def test_the_page_says_what_the_warehouse_covers(tmp_path):
    published = make_warehouse(tmp_path / "ofsted.duckdb")
    page = build_report(published, tmp_path / "report", raw_dir=raw_files(tmp_path / "raw")).path.read_text(
        encoding="utf-8"
    )
    # E1, E2 and E6 of the four current authorities have reports; E3 has none
    assert "3 of 4 current authorities have at least one report loaded; the other 1 have none." in page
    assert "8 reports loaded; 1 document held back" in page
    assert "letter <b>" not in page and "held/letter &lt;b&gt;.pdf</a>" in page
    assert "letter_date is null: every letter is dated" in page
    # a file without the reconciliation says so; one with it counts its events
    assert "no reconciliation with Ofsted&#x27;s official statistics" in page
    con = duckdb.connect(str(published))
    con.execute(
        """CREATE TABLE marts.fct_official_reconciliation AS SELECT * FROM (VALUES
             ('E3', 'sif', DATE '2016-01-01', NULL, 'no_report'), ('E1', 'sif', NULL, NULL, 'matched'),
             ('E2', 'slac', NULL, NULL, 'framework_not_read'), ('E9', NULL, NULL, NULL, 'not_in_statistics'))
           t(local_authority_id, framework, publication_date, inspection_or_visit_date, match_status)"""
    )
    con.close()
    page = build_report(published, tmp_path / "report").path.read_text(encoding="utf-8")
    assert (
        "Ofsted&#x27;s official statistics list 3 events: 1 matched to a loaded report, 1 with no report "
        "loaded yet (1 SIF inspection), 1 of a framework the warehouse does not read; 1 loaded report the "
        "statistics do not list."
    ) in page


def test_councils_are_listed_for_the_search_with_their_latest_grade(tmp_path):
    page = build_report(make_warehouse(tmp_path / "ofsted.duckdb"), tmp_path / "report").path.read_text(
        encoding="utf-8"
    )
    listing = page[page.index('id="council-list"') :]
    rows = re.findall(r"<tr (data-authority=[^>]*)>", listing)
    assert len(rows) == 6
    assert 'data-authority="Surrey" data-region="South East"' in listing
    assert '<a href="authorities/E2.html">Surrey</a>' in listing


def test_each_authority_has_a_page_with_its_story(tmp_path):
    published = make_warehouse(tmp_path / "ofsted.duckdb")
    result = build_report(published, tmp_path / "report", raw_dir=raw_files(tmp_path / "raw"))
    index = result.path.read_text(encoding="utf-8")
    assert result.authority_pages == 6
    for code in ("E1", "E2", "E3", "E4", "E6", "E9"):
        assert f'<a href="authorities/{code}.html">' in index
    trafford = (tmp_path / "report" / "authorities" / "E6.html").read_text(encoding="utf-8")
    pdf = "../../documents/e6/trafford%202026.pdf"
    # its 2026 inspection: no overall grade, every judgement linking to its page
    assert "No overall grade (2026 framework). Impact of leaders: Inadequate;" in trafford
    assert f'<a href="{pdf}#page=4">Care leavers: Good (page 4)</a>' in trafford
    # its recommendation, escaped, with its themes and page
    assert "Improve the &lt;front door&gt; &amp; the timeliness of assessments." in trafford
    assert "thresholds and the front door; timeliness and drift" in trafford
    assert f'href="{pdf}#page=7"' in trafford
    # without marts.fct_council_events the timeline lists the inspections and visits, and says so
    assert "has no council timeline (marts.fct_council_events)" in trafford
    # neighbours nearest first, by name with the code beside, linked to their pages, with their latest grades
    neighbours = trafford[trafford.index('id="neighbours"') :]
    assert (
        neighbours.index('href="E1.html"')
        < neighbours.index('href="E3.html"')
        < neighbours.index('href="E2.html"')
    )
    assert '<a href="E2.html">Surrey</a></td><td>E2</td>' in neighbours
    assert "No graded inspection loaded" in neighbours  # E3
    assert 'href="../index.html#councils"' in trafford
    assert not re.search(r"(?:src=|<link\b|<script)", trafford)
    surrey = (tmp_path / "report" / "authorities" / "E2.html").read_text(encoding="utf-8")
    assert "Front door" in surrey and "King&#x27;s Lynn" in trafford


def test_the_council_timeline_comes_from_fct_council_events_when_published(tmp_path):
    published = make_warehouse(tmp_path / "ofsted.duckdb")
    con = duckdb.connect(str(published))
    con.execute(COUNCIL_EVENTS)
    con.close()
    build_report(published, tmp_path / "report", raw_dir=raw_files(tmp_path / "raw"))
    trafford = (tmp_path / "report" / "authorities" / "E6.html").read_text(encoding="utf-8")
    timeline = trafford[trafford.index('id="timeline"') : trafford.index('id="inspections"')]
    assert "has no council timeline" not in timeline
    # newest first, each with its headline outcome and its document
    assert timeline.index("2026-05-22") < timeline.index("2024-03-20")
    assert (
        '<a href="../../documents/e6/trafford%202026.pdf">ILACS inspection (2026 framework)</a>' in timeline
    )
    assert '<a href="https://reports.example/jtai.pdf">Joint targeted area inspection</a>' in timeline
    assert "2024-02-05 to 2024-02-09" in timeline and "not graded" in timeline


def test_no_report_module_is_long_and_none_imports_the_page():
    folder = Path(__file__).parents[2] / "orchestration" / "lib" / "outputs"
    for module in [*folder.glob("*.py"), *folder.glob("report/*.py")]:
        text = module.read_text(encoding="utf-8")
        assert text.count("\n") <= 600, module
        if module.name != "page.py":  # the page assembles the rest: nothing below it imports it back
            assert "outputs.report.page" not in text, module


def test_the_vendored_vega_matches_its_checksums_and_altairs_vega_lite():
    import hashlib

    import altair as alt

    vendor = Path(__file__).parents[2] / "orchestration" / "lib" / "outputs" / "report" / "vendor"
    for line in (vendor / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        assert hashlib.sha256((vendor / name).read_bytes()).hexdigest() == digest, name
        assert (vendor / f"LICENSE-{name.removesuffix('.min.js')}").is_file(), name
    # the Vega-Lite the page draws with is the version Altair writes its specifications for
    fetched = dict(re.findall(r"(VEGA_LITE|VEGA_EMBED|VEGA)=(\S+)", (vendor / "fetch.sh").read_text()))
    assert fetched["VEGA_LITE"] == alt.VEGALITE_VERSION
    assert fetched["VEGA"].split(".")[0] == alt.VEGA_VERSION.lstrip("v").split(".")[0]
    assert fetched["VEGA_EMBED"].split(".")[0] == alt.VEGAEMBED_VERSION.lstrip("v").split(".")[0]
