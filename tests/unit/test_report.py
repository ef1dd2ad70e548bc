"""The HTML report builder on small warehouses made here: escaping, nulls, empty marts, atomic writes, and
reading the published file afresh after it was replaced."""

import datetime as dt
import os
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.resources import WarehouseResource
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


class Figures(HTMLParser):
    """Per figure id: the SVG elements drawn in it, and whether it says it is empty."""

    def __init__(self):
        super().__init__()
        self.figure = None
        self.elements: dict[str, list[str]] = {}
        self.empty: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure":
            self.figure = attrs["id"]
            self.elements[self.figure] = []
        elif self.figure:
            self.elements[self.figure].append(tag + ("." + attrs["class"] if "class" in attrs else ""))
            if attrs.get("class") == "empty":
                self.empty.add(self.figure)

    def handle_endtag(self, tag):
        if tag == "figure":
            self.figure = None


def figures_of(page: str) -> Figures:
    parser = Figures()
    parser.feed(page)
    return parser


def test_report_draws_every_chart_and_escapes_the_data(tmp_path):
    published = make_warehouse(tmp_path / "ofsted.duckdb")
    result = build_report(published, tmp_path / "report")
    page = result.path.read_text(encoding="utf-8")

    assert result.path == tmp_path / "report" / "index.html"
    assert result.published_at == dt.datetime(2025, 1, 2, 3, 4, 5)
    figures = figures_of(page)
    assert list(figures.elements) == CHARTS
    assert not figures.empty
    for chart in CHARTS:
        assert "svg.chart" in figures.elements[chart] and result.marks[chart] > 0, chart
        assert f'id="{chart}-svg"' in page and f'id="{chart}-title"' in page and f'id="{chart}-desc"' in page
    # the name reaches the page escaped, never as markup
    assert "King&#x27;s Lynn &lt;&amp;&gt; &quot;West&quot;" in page
    assert "<&>" not in page
    # every SVG is well-formed XML, so no text from the data broke out of its element
    for svg in re.findall(r"<svg .*?</svg>", page, flags=re.DOTALL):
        ET.fromstring(svg)
    assert "Built from the publication of 2025-01-02 03:04:05 UTC (run run-1)" in page


def test_nulls_are_drawn_where_they_can_be_and_listed_where_not(tmp_path):
    con = attach_published(make_warehouse(tmp_path / "ofsted.duckdb"))
    try:
        data = read_report_data(con)
    finally:
        con.close()
    page, marks = render_report(data)
    dates = {(e.authority_id, e.kind): (e.date, e.dated_by) for e in data.inspections + data.visits}
    assert dates[("E1", "ilacs_inspection")] == (dt.date(2021, 3, 1), "publication")
    assert dates[("E1", "monitoring_visit")] == (dt.date(2016, 2, 2), "last day")
    assert dates[("E2", "focused_visit")] == (None, "date not stated")
    # two reports without any date: counted in the year chart, listed, not placed on the timeline
    assert "2 reports without any date: listed in the table, not drawn." in page
    assert marks["chart-timelines"] == len(data.inspections) + len(data.visits) - 2
    # E1's latest grade is the 2021 Good, not the 2015 Inadequate; E3 was never inspected; E5, a former
    # authority without reports, is left out; E9, absent from the dimension, still appears
    assert (
        "King&#x27;s Lynn &lt;&amp;&gt; &quot;West&quot;: Good, ILACS (2018-) (standard), 2021-03-01" in page
    )
    assert "Never Inspected: no graded inspection loaded" in page
    assert "Old Shire (former)" in page and "Quiet Former" not in page
    assert 'data-authority="E9"' in page and "Region not known" in page
    assert marks["chart-current-grades"] == 6  # E1, E2, E3, E4, E6, E9
    # a visit letter whose authority is not known still has a row
    assert "Authority not identified" in page


def test_the_2026_framework_is_shown_by_its_worst_judgement(tmp_path):
    con = attach_published(make_warehouse(tmp_path / "ofsted.duckdb"))
    try:
        data = read_report_data(con)
    finally:
        con.close()
    page, marks = render_report(data)
    [trafford] = [e for e in data.inspections if e.authority_id == "E6"]
    assert (trafford.framework, trafford.grade) == ("ilacs_2026", "Inadequate")
    assert trafford.grade_note == "2026 framework: no overall grade; worst judgement shown"
    assert "Trafford: 2026 framework: no overall grade; worst judgement shown: Inadequate" in page
    assert "Trafford: no graded inspection" not in page
    assert "ILACS 2026 framework (no overall grade)" in page  # its own panel in the year chart
    # an inspection without an overall grade and without judgements stays ungraded
    [surrey] = [e for e in data.inspections if e.authority_id == "E2"]
    assert (surrey.grade, surrey.grade_note) == (None, None)
    assert "Surrey: no graded inspection loaded" in page


def test_recommendation_and_visit_themes_are_charted(tmp_path):
    con = attach_published(make_warehouse(tmp_path / "ofsted.duckdb"))
    try:
        data = read_report_data(con)
    finally:
        con.close()
    page, marks = render_report(data)
    # five recommendations, seven themes: planning in three, by 2015 (r1's two) and 2021 (r2's one)
    assert "5 recommendations under 5 themes; the most frequent: planning (3)," in page
    assert "planning, 2015: 2 recommendations (67% of that year&#x27;s)" in page
    assert "planning, ILACS: 1 recommendations (100% of that framework&#x27;s)" in page
    assert "thresholds and the front door, ILACS 2026: 1 recommendations" in page
    assert marks["chart-recommendation-themes"] == 12  # 6 (theme, year) cells and 6 (theme, framework) cells
    # the focused visit's theme, undated
    assert "Front door, n.d.: 1 focused visits" in page
    assert marks["chart-visit-themes"] == 1


def test_a_file_from_an_older_warehouse_still_draws(tmp_path):
    published = make_warehouse(tmp_path / "ofsted.duckdb", current=False)
    result = build_report(published, tmp_path / "report")
    page = result.path.read_text(encoding="utf-8")
    assert result.marks["chart-judgements"] > 0
    # recommendations without themes are counted under "No theme stated"; visits without theme likewise
    assert "4 recommendations under 1 theme; the most frequent: No theme stated (4)." in page
    assert "1 focused visit: 1 No theme stated." in page


def test_empty_marts_give_a_page_that_says_so(tmp_path):
    published = make_warehouse(tmp_path / "ofsted.duckdb", rows=False)
    result = build_report(published, tmp_path / "report")
    page = result.path.read_text(encoding="utf-8")
    figures = figures_of(page)
    assert figures.empty == set(CHARTS)
    assert all("svg.chart" not in elements for elements in figures.elements.values())
    assert result.marks == dict.fromkeys(CHARTS, 0)
    for message in [
        "No graded inspection is loaded.",
        "No local authority is loaded.",
        "No inspection or visit is loaded.",
        "No recommendation is loaded.",
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


def test_reports_link_to_their_source_at_the_page(tmp_path):
    published = make_warehouse(tmp_path / "ofsted.duckdb")
    raw = tmp_path / "raw files"
    page = build_report(published, tmp_path / "report", raw_dir=raw).path.read_text(encoding="utf-8")
    # downloaded: its address, escaped; a local PDF: a file URI under RAW_DIR at the judgement's page
    assert 'href="https://files.example/r2?x=1&amp;y=2"' in page
    assert f'href="{(raw / "r1.pdf").resolve().as_uri()}#page=1"' in page  # r1's overall judgement page
    assert f'href="{(raw / "e6" / "trafford 2026.pdf").resolve().as_uri()}#page=2"' in page
    # without RAW_DIR, only what was downloaded links
    page = build_report(published, tmp_path / "bare").path.read_text(encoding="utf-8")
    assert "file://" not in page and 'href="https://files.example/r2?x=1&amp;y=2"' in page


def test_the_page_says_what_the_warehouse_covers(tmp_path):
    published = make_warehouse(tmp_path / "ofsted.duckdb")
    page = build_report(published, tmp_path / "report", raw_dir=tmp_path).path.read_text(encoding="utf-8")
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
        "statistics "
        "do not list."
    ) in page


def test_each_authority_has_a_page_reached_from_the_grid(tmp_path):
    published = make_warehouse(tmp_path / "ofsted.duckdb")
    result = build_report(published, tmp_path / "report", raw_dir=tmp_path / "raw")
    index = result.path.read_text(encoding="utf-8")
    assert result.authority_pages == 6
    for code in ("E1", "E2", "E3", "E4", "E6", "E9"):
        assert f'<a href="authorities/{code}.html">' in index
    trafford = (tmp_path / "report" / "authorities" / "E6.html").read_text(encoding="utf-8")
    pdf = (tmp_path / "raw" / "e6" / "trafford 2026.pdf").resolve().as_uri()
    # its 2026 inspection, by its worst judgement, with every judgement linking to its page
    assert "Inadequate (2026 framework: no overall grade; worst judgement shown)" in trafford
    assert f'<a href="{pdf}#page=2">Impact of leaders: Inadequate (page 2)</a>' in trafford
    assert f'<a href="{pdf}#page=4">Care leavers: Good (page 4)</a>' in trafford
    # its recommendation, escaped, with its themes and page
    assert "Improve the &lt;front door&gt; &amp; the timeliness of assessments." in trafford
    assert "thresholds and the front door; timeliness and drift" in trafford
    assert f'href="{pdf}#page=7"' in trafford
    # neighbours nearest first, linked to their pages, with their latest grades
    neighbours = trafford[trafford.index('id="neighbours"') :]
    assert (
        neighbours.index('href="E1.html"')
        < neighbours.index('href="E3.html"')
        < neighbours.index('href="E2.html"')
    )
    assert "no graded inspection loaded" in neighbours  # E3
    assert 'href="../index.html#chart-current-grades"' in trafford
    assert not re.search(r"(?:src=|<link\b|<script)", trafford)
    # a visit's theme on its authority's page
    surrey = (tmp_path / "report" / "authorities" / "E2.html").read_text(encoding="utf-8")
    assert "Front door" in surrey and "King&#x27;s Lynn" in trafford
