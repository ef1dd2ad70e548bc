"""The workbook beside the published file: its sheets, frozen and filterable header rows, print set-up, Excel
dates, text for lists, neighbours by name, councils with no report, links to each document at the page
(Ofsted's address or relative to the published folder), the Timeline and What's new sheets when their
tables are published, the About sheet, the rename into place; and the Atom feed beside it. Written from a
small published file made here, with only the columns the workbook reads."""

import datetime as dt
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.lib.outputs.documents import document_href
from orchestration.lib.outputs.feed import build_feed, feed_path_for
from orchestration.lib.outputs.workbook import cell_value, workbook_path_for, write_workbook
from tests.support import REPO

SHEETS = ["Latest inspections", "Inspections", "Recommendations", "Visits", "About"]
OFSTED_URL = "https://files.ofsted.gov.uk/v1/file/50200001"
SURREY_PDF = "surrey/children's services inspection.pdf"


def make_published(path: Path) -> Path:
    """Three authorities: Surrey, inspected in 2026 under the framework without an overall grade, its report
    downloaded from Ofsted; Kent, inspected in 2013, its report a PDF put in the input folder by hand;
    Rutland, with no report loaded."""
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA audit")
    con.execute(
        """CREATE TABLE marts.dim_local_authorities AS
           SELECT * FROM (VALUES ('E10000030', 'Surrey', ['E10000016', 'E06000017', 'E10000015'], true),
                                 ('E10000016', 'Kent', NULL::VARCHAR[], true),
                                 ('E06000017', 'Rutland', ['E10000030'], true))
                AS t(local_authority_id, local_authority_name, statistical_neighbours, is_current)"""
    )
    con.execute(
        f"""CREATE TABLE marts.dim_reports AS
            SELECT * FROM (VALUES ('r_surrey', '{SURREY_PDF.replace("'", "''")}', '{OFSTED_URL}',
                                   DATE '2026-07-01', 'E10000030', 'ilacs_inspection', DATE '2026-05-22'),
                                  ('r_kent', 'kent/inspection.pdf', NULL, DATE '2013-03-01', 'E10000016',
                                   'looked_after_children_inspection', DATE '2013-01-25'),
                                  ('v_kent', 'kent/visit.txt', NULL, NULL, 'E10000016', 'focused_visit',
                                   DATE '2019-10-02'))
                 AS t(report_id, source_file, source_url, publication_date, local_authority_id,
                      report_type, report_date)"""
    )
    con.execute(
        """CREATE TABLE marts.fct_inspections AS
           SELECT * FROM (VALUES
               ('r_surrey', 'r_surrey', 'E10000030', 'ilacs_inspection', 'standard', DATE '2026-05-04',
                DATE '2026-05-15', DATE '2026-07-01', 'Jane Doe', NULL, 'surrey/inspection.pdf'),
               ('r_kent', 'r_kent', 'E10000016', 'looked_after_children_inspection', NULL, DATE '2013-01-07',
                DATE '2013-01-18', DATE '2013-03-01', 'John Roe', 'Adequate', 'kent/inspection.pdf'))
               AS t(inspection_id, report_id, local_authority_id, report_type, inspection_kind,
                    inspection_start_date, inspection_end_date, publication_date, lead_inspector,
                    overall_effectiveness, source_file)"""
    )
    con.execute(
        """CREATE TABLE marts.fct_judgements AS
           SELECT * FROM (VALUES ('r_surrey', 'impact_of_leaders', 'Good', 3),
                                 ('r_surrey', 'help_and_protection', 'Requires improvement to be good', 4),
                                 ('r_kent', 'overall_effectiveness', 'Adequate', 2),
                                 ('r_kent', 'capacity_to_improve', 'Good', 2))
                AS t(inspection_id, judgement_area, grade, page_number)"""
    )
    con.execute(
        """CREATE TABLE marts.fct_latest_inspections AS
           SELECT * FROM (VALUES
               ('E10000030', 'Surrey', 'r_surrey', 'ilacs_2026', DATE '2026-05-15', NULL, 'Good'),
               ('E10000016', 'Kent', 'r_kent', 'looked_after_children_2013', DATE '2013-01-18', 'Adequate',
                NULL),
               ('E06000017', 'Rutland', NULL, NULL, NULL, NULL, NULL))
               AS t(local_authority_id, local_authority_name, inspection_id, framework, inspection_end_date,
                    overall_effectiveness, impact_of_leaders)"""
    )
    con.execute(
        """CREATE TABLE marts.fct_recommendations AS
           SELECT * FROM (VALUES
               ('r_kent:001', 'r_kent', 'E10000016', 'looked_after_children_inspection', 1, 'within_3_months',
                'local_authority', false, 'supervision; planning', '=SUM(A1) is how the text begins', 6),
               ('r_surrey:001', 'r_surrey', 'E10000030', 'ilacs_inspection', 1, NULL, 'local_authority', true,
                'care leavers', 'Improve pathway plans' || chr(12) || 'for care leavers', 9))
               AS t(recommendation_id, report_id, local_authority_id, report_type, recommendation_number,
                    timescale, addressed_to, is_priority, themes, recommendation_text, page_number)"""
    )
    con.execute(
        """CREATE TABLE marts.fct_visits AS
           SELECT * FROM (VALUES
               ('v_kent', 'v_kent', 'E10000016', 'focused_visit', NULL, DATE '2019-06-01', DATE '2019-05-01',
                DATE '2019-05-02', 'Ann Poe', 'Ann Poe; Bob Loe', 'Front door', NULL, 'r_kent',
                'kent/visit.txt'))
               AS t(visit_id, report_id, local_authority_id, visit_type, visit_number, letter_date,
                    visit_start_date, visit_end_date, lead_inspector, inspectors, visit_theme,
                    progress_summary,
                    preceding_inspection_id, source_file)"""
    )
    con.execute(
        """CREATE TABLE marts.fct_visit_focus_areas AS
           SELECT * FROM (VALUES ('v_kent', 1, 'contacts and referrals', NULL::INTEGER),
                                 ('v_kent', 2, 'strategy meetings', NULL::INTEGER))
                AS t(visit_id, area_number, area_text, page_number)"""
    )
    con.execute(
        """CREATE TABLE audit.file_ledger AS
           SELECT * FROM (VALUES
               ('kent/inspection.pdf', 'loaded', NULL),
               ('kent/odd letter.pdf', 'held_back',
                'expect_column_values_to_not_be_null on visits.letter_date'))
               AS t(source_file, status, status_reason)"""
    )
    con.execute(
        """CREATE TABLE audit.publications AS
           SELECT TIMESTAMP '2026-08-01 09:30:00' AS published_at, 'run-1' AS run_id"""
    )
    con.close()
    return path


@pytest.fixture
def published(tmp_path) -> Path:
    (tmp_path / "published").mkdir()
    return make_published(tmp_path / "published" / "ofsted.duckdb")


@pytest.fixture
def raw_dir(tmp_path) -> Path:
    raw = tmp_path / "raw"
    (raw / "kent").mkdir(parents=True)
    (raw / "kent" / "inspection.pdf").write_bytes(b"%PDF-1.4 stand-in")
    (raw / "kent" / "visit.txt").write_text("a visit letter")
    return raw


def rows_of(ws) -> list[dict]:
    header = [cell.value for cell in ws[1]]
    return [dict(zip(header, row)) for row in ws.iter_rows(min_row=2)]


def test_the_workbook_is_named_after_the_published_file_and_sits_beside_it():
    assert workbook_path_for(Path("/data/published/ofsted.duckdb")) == Path("/data/published/ofsted.xlsx")


def test_every_sheet_has_a_frozen_filterable_header_and_readable_widths(published, raw_dir):
    path = workbook_path_for(published)
    result = write_workbook(published, path, raw_dir)
    assert result.sheets == {
        "Latest inspections": 3,
        "Inspections": 2,
        "Recommendations": 2,
        "Visits": 1,
        "About": result.sheets["About"],
    }
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == SHEETS
    for title in SHEETS[:-1]:
        ws = workbook[title]
        assert ws.freeze_panes == "A2", title
        assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(ws.max_column)}{ws.max_row}", (
            title
        )
        assert all(cell.font.bold for cell in ws[1]), title
        widths = [
            ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width
            for i in range(1, ws.max_column + 1)
        ]
        assert all(8 <= width <= 60 for width in widths), (title, widths)
    assert workbook["About"].freeze_panes == "A2"


def test_every_sheet_prints_landscape_to_the_page_width_with_its_header_on_each_page(published, raw_dir):
    path = workbook_path_for(published)
    write_workbook(published, path, raw_dir)
    workbook = openpyxl.load_workbook(path)
    for title in SHEETS:
        ws = workbook[title]
        assert ws.page_setup.orientation == "landscape", title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, title
        assert ws.page_setup.fitToWidth == 1, title
    for title in SHEETS[:-1]:
        assert workbook[title].print_title_rows == "$1:$1", title
        assert workbook[title].page_setup.fitToHeight == 0, title  # as many pages tall as needed
    assert workbook["About"].page_setup.fitToHeight == 1  # About on one page


def test_values_keep_their_types_dates_are_excel_dates_and_lists_are_text(published, raw_dir):
    path = workbook_path_for(published)
    write_workbook(published, path, raw_dir)
    workbook = openpyxl.load_workbook(path)
    latest = {row["local_authority_name"].value: row for row in rows_of(workbook["Latest inspections"])}
    surrey = latest["Surrey"]
    assert surrey["framework"].value == "ilacs_2026" and surrey["overall_effectiveness"].value is None
    assert surrey["impact_of_leaders"].value == "Good"
    assert (
        surrey["inspection_end_date"].is_date and surrey["inspection_end_date"].number_format == "yyyy-mm-dd"
    )
    assert surrey["inspection_end_date"].value == dt.datetime(2026, 5, 15)
    # neighbours by name, nearest first, with their codes beside (a code the dimension lacks stays a code)
    assert surrey["statistical_neighbour_names"].value == "Kent; Rutland; E10000015"
    assert surrey["statistical_neighbour_codes"].value == "E10000016; E06000017; E10000015"
    assert latest["Kent"]["statistical_neighbour_names"].value is None
    # what is loaded for each council, in words: a council with no report says so
    assert surrey["what_is_loaded"].value == "graded inspection loaded"
    assert latest["Rutland"]["what_is_loaded"].value == "NO REPORT LOADED for this council"
    header = [cell.value for cell in workbook["Latest inspections"][1]]
    assert header[:3] == ["local_authority_id", "local_authority_name", "what_is_loaded"]

    inspections = {row["inspection_id"].value: row for row in rows_of(workbook["Inspections"])}
    kent = inspections["r_kent"]
    assert kent["overall_effectiveness"].value == "Adequate" and kent["capacity_to_improve"].value == "Good"
    assert inspections["r_surrey"]["help_and_protection"].value == "Requires improvement to be good"
    assert inspections["r_surrey"]["overall_effectiveness"].value is None

    recommendations = {row["recommendation_id"].value: row for row in rows_of(workbook["Recommendations"])}
    formula_like = recommendations["r_kent:001"]["recommendation_text"]
    assert formula_like.data_type == "s" and formula_like.value == "=SUM(A1) is how the text begins"
    assert (
        recommendations["r_surrey:001"]["recommendation_text"].value
        == "Improve pathway plans for care leavers"
    )
    assert recommendations["r_surrey:001"]["is_priority"].value is True
    assert recommendations["r_kent:001"]["report_date"].is_date

    visit = rows_of(workbook["Visits"])[0]
    assert visit["visit_theme"].value == "Front door"
    assert visit["focus_areas"].value == "1. contacts and referrals; 2. strategy meetings"
    assert visit["letter_date"].value == dt.datetime(2019, 6, 1)


def test_each_row_links_to_its_document_at_the_page_relative_to_the_published_folder(published, raw_dir):
    path = workbook_path_for(published)
    write_workbook(published, path, raw_dir)
    workbook = openpyxl.load_workbook(path)
    inspections = {row["inspection_id"].value: row for row in rows_of(workbook["Inspections"])}
    # downloaded from Ofsted: its address, at the first page a judgement came from
    assert inspections["r_surrey"]["report"].hyperlink.target == f"{OFSTED_URL}#page=3"
    # put in the input folder by hand: its copy in documents/ beside the workbook, relative, at the page of
    # its overall effectiveness; never a path of this machine
    assert inspections["r_kent"]["report"].hyperlink.target == "documents/kent/inspection.pdf#page=2"
    assert inspections["r_kent"]["report"].value == "page 2"
    documents = published.parent / "documents"
    assert (documents / "kent" / "inspection.pdf").read_bytes() == b"%PDF-1.4 stand-in"
    recommendations = {row["recommendation_id"].value: row for row in rows_of(workbook["Recommendations"])}
    assert recommendations["r_kent:001"]["report"].hyperlink.target == "documents/kent/inspection.pdf#page=6"
    # a text file has no pages
    visit = rows_of(workbook["Visits"])[0]
    assert visit["report"].hyperlink.target == "documents/kent/visit.txt"
    latest = {row["local_authority_name"].value: row for row in rows_of(workbook["Latest inspections"])}
    assert latest["Surrey"]["report"].hyperlink.target == f"{OFSTED_URL}#page=3"
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert not (cell.hyperlink and cell.hyperlink.target.startswith("file:")), (ws.title, cell)
    # the folder moved elsewhere (another machine, a shared drive): every relative link still resolves
    moved = published.parent.rename(published.parent.parent / "shared drive")
    for target in ("documents/kent/inspection.pdf", "documents/kent/visit.txt"):
        assert (moved / target).is_file()


def test_a_workbook_written_elsewhere_links_back_to_the_published_folder(published, raw_dir, tmp_path):
    path = tmp_path / "exports" / "copy.xlsx"
    write_workbook(published, path, raw_dir)
    inspections = {
        row["inspection_id"].value: row for row in rows_of(openpyxl.load_workbook(path)["Inspections"])
    }
    assert (
        inspections["r_kent"]["report"].hyperlink.target
        == "../published/documents/kent/inspection.pdf#page=2"
    )


def test_without_the_input_folder_only_downloaded_reports_are_linked(published):
    path = workbook_path_for(published)
    write_workbook(published, path, None)
    inspections = {
        row["inspection_id"].value: row for row in rows_of(openpyxl.load_workbook(path)["Inspections"])
    }
    assert inspections["r_surrey"]["report"].hyperlink.target == f"{OFSTED_URL}#page=3"
    assert inspections["r_kent"]["report"].hyperlink is None and inspections["r_kent"]["report"].value is None


def test_document_href():
    assert document_href("https://x/report.pdf", "a.pdf", 4) == "https://x/report.pdf#page=4"
    assert document_href(None, "a b.pdf", 4) == "documents/a%20b.pdf#page=4"
    assert document_href(None, "a.pdf", 4, prefix="../", available={"a.pdf"}) == "../documents/a.pdf#page=4"
    assert document_href(None, "missing.pdf", 4, available={"a.pdf"}) is None
    assert (
        document_href(None, "../../etc/passwd", None) is None and document_href(None, "/etc/passwd") is None
    )
    assert document_href("https://x/file/1", "a.txt", 4) == "https://x/file/1"


def test_cell_value():
    assert cell_value(["E1", "E2"]) == "E1; E2"
    assert cell_value("a\x0cb\x00") == "a b "
    assert len(cell_value("x" * 40_000)) == 32_767
    assert cell_value(dt.datetime(2026, 1, 1, 12, tzinfo=dt.timezone.utc)) == dt.datetime(2026, 1, 1, 12)
    assert cell_value(dt.date(2026, 1, 1)) == dt.date(2026, 1, 1)


def test_about_says_what_each_sheet_holds_when_it_was_built_and_what_was_held_back(published, raw_dir):
    path = workbook_path_for(published)
    write_workbook(published, path, raw_dir)
    about = [row for row in openpyxl.load_workbook(path)["About"].iter_rows(values_only=True)]
    by_label = {row[0]: row[1:] for row in about if row and row[0]}
    assert by_label["Published at (UTC)"][0] == dt.datetime(2026, 8, 1, 9, 30)
    assert by_label["Reports"][0] == 3
    assert by_label["Held-back documents"][0] == 1
    assert by_label["kent/odd letter.pdf"] == (
        "held_back",
        "expect_column_values_to_not_be_null on visits.letter_date",
    )
    for title in SHEETS[:-1]:
        assert by_label[title][0] is not None and by_label[title][1], title
    assert by_label["Councils with no report"][:2] == (1, "Rutland (E06000017)")
    # the optional sheets say why they are not there
    assert by_label["Timeline"][0] == "not included" and "fct_council_events" in by_label["Timeline"][1]
    assert by_label["What's new"][0] == "not included" and "report_changes" in by_label["What's new"][1]


def test_written_under_a_temporary_name_and_renamed_into_place(published, raw_dir):
    path = workbook_path_for(published)
    path.write_bytes(b"the previous workbook")
    dead_leftover = path.with_name(f".{path.name}.999999999.tmp")  # no process has that id
    dead_leftover.write_bytes(b"half a workbook")
    write_workbook(published, path, raw_dir)
    assert openpyxl.load_workbook(path).sheetnames == SHEETS
    assert sorted(p.name for p in path.parent.iterdir()) == ["documents", "ofsted.duckdb", "ofsted.xlsx"]


def test_a_failed_write_leaves_the_previous_workbook(published, raw_dir, tmp_path):
    path = workbook_path_for(published)
    path.write_bytes(b"the previous workbook")
    with pytest.raises(FileNotFoundError):
        write_workbook(tmp_path / "missing.duckdb", path, raw_dir)
    assert path.read_bytes() == b"the previous workbook"
    assert sorted(p.name for p in path.parent.iterdir()) == ["ofsted.duckdb", "ofsted.xlsx"]


def test_make_export_writes_the_workbook_beside_the_published_file(published, raw_dir):
    env = {**os.environ, "PUBLISHED_DUCKDB_PATH": str(published), "RAW_DIR": str(raw_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.export"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert str(workbook_path_for(published)) in done.stdout
    assert openpyxl.load_workbook(workbook_path_for(published)).sheetnames == SHEETS
    assert f"feed: {feed_path_for(published)} (0 new reports)" in done.stdout
    assert feed_path_for(published).is_file()
    missing = {**env, "PUBLISHED_DUCKDB_PATH": str(published.parent / "none.duckdb")}
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.export"],
        cwd=REPO,
        env=missing,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and "workbook not written" in done.stderr


# h3-marts' council timeline and h6-faults' record of what each publication changed, as the contract names
# their columns
COUNCIL_EVENTS = """
CREATE TABLE marts.fct_council_events AS SELECT * FROM (VALUES
  ('e1', 'E10000030', 'r_surrey', 'ilacs_2026', 'ILACS inspection (2026 framework)', 'ilacs_inspection',
   DATE '2026-05-04', DATE '2026-05-15', DATE '2026-05-15', 'No overall grade; impact of leaders Good', NULL,
   'surrey/inspection.pdf'),
  ('e2', 'E10000016', 'r_kent', 'looked_after_children', 'Looked after children inspection',
   'looked_after_children_inspection', DATE '2013-01-07', DATE '2013-01-18', DATE '2013-01-18', 'Adequate',
   NULL, 'kent/inspection.pdf'),
  ('e3', 'E10000016', 'v_kent', 'focused_visit', 'Focused visit', 'focused_visit', DATE '2019-05-01',
   DATE '2019-05-02', DATE '2019-05-02', 'not graded', NULL, 'kent/visit.txt'))
  AS t(event_id, local_authority_id, report_id, event_kind, event_kind_label, report_type, event_start_date,
       event_end_date, report_date, headline_outcome, document_url, source_file);
CREATE TABLE audit.report_changes AS SELECT * FROM (VALUES
  (TIMESTAMP '2026-07-20 08:00:00', 'run-0', 'r_kent', 'added'),
  (TIMESTAMP '2026-07-20 08:00:00', 'run-0', 'v_kent', 'added'),
  (TIMESTAMP '2026-08-01 09:30:00', 'run-1', 'r_surrey', 'added'),
  (TIMESTAMP '2026-08-01 09:30:00', 'run-1', 'v_kent', 'added'),
  (TIMESTAMP '2026-08-01 09:30:00', 'run-1', 'r_gone', 'removed'))
  AS t(published_at, run_id, report_id, change);
"""
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def published_with_story(published) -> Path:
    con = duckdb.connect(str(published))
    con.execute(COUNCIL_EVENTS)
    con.close()
    return published


def test_timeline_and_whats_new_sheets_when_their_tables_are_published(published_with_story, raw_dir):
    path = workbook_path_for(published_with_story)
    result = write_workbook(published_with_story, path, raw_dir)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == [*SHEETS[:-1], "Timeline", "What's new", "About"]
    assert result.sheets["Timeline"] == 3 and result.sheets["What's new"] == 5
    timeline = rows_of(workbook["Timeline"])
    # by council, newest first within each, each event with its outcome in words and its document
    assert [(r["local_authority_name"].value, r["event_kind_label"].value) for r in timeline] == [
        ("Kent", "Focused visit"),
        ("Kent", "Looked after children inspection"),
        ("Surrey", "ILACS inspection (2026 framework)"),
    ]
    assert timeline[0]["headline_outcome"].value == "not graded" and timeline[0]["report_date"].is_date
    assert timeline[1]["report"].hyperlink.target == "documents/kent/inspection.pdf"
    new = rows_of(workbook["What's new"])
    assert [(r["published_at"].value, r["change"].value, r["report_id"].value) for r in new][:3] == [
        (dt.datetime(2026, 8, 1, 9, 30), "added", "v_kent"),
        (dt.datetime(2026, 8, 1, 9, 30), "added", "r_surrey"),
        (dt.datetime(2026, 8, 1, 9, 30), "removed", "r_gone"),
    ]
    surrey = next(r for r in new if r["report_id"].value == "r_surrey")
    assert surrey["local_authority_name"].value == "Surrey"
    assert surrey["kind"].value == "ILACS inspection (2026 framework)"
    assert surrey["headline_outcome"].value == "No overall grade; impact of leaders Good"
    assert surrey["report"].hyperlink.target == OFSTED_URL
    for title in ("Timeline", "What's new"):
        ws = workbook[title]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref and ws.print_title_rows == "$1:$1", title
    about = {row[0]: row[1:] for row in workbook["About"].iter_rows(values_only=True) if row and row[0]}
    assert about["Timeline"][0] == 3 and about["What's new"][0] == 5


def parse_atom(path: Path) -> ET.Element:
    feed = ET.parse(path).getroot()
    assert feed.tag == f"{ATOM}feed"
    # what RFC 4287 requires of a feed and of each entry
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    for entry in feed.findall(f"{ATOM}entry"):
        for required in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{required}") is not None, required
    dt.datetime.fromisoformat(feed.find(f"{ATOM}updated").text)
    return feed


def test_the_feed_has_an_entry_per_report_the_latest_publication_added(published_with_story, raw_dir):
    write_workbook(published_with_story, workbook_path_for(published_with_story), raw_dir)
    result = build_feed(published_with_story)
    assert result.path == published_with_story.with_suffix(".atom") and result.entries == 2
    feed = parse_atom(result.path)
    entries = {e.find(f"{ATOM}id").text: e for e in feed.findall(f"{ATOM}entry")}
    # run-1 added Surrey's inspection and Kent's visit; its removal and run-0's additions are not entries
    assert sorted(entries) == ["urn:ofsted-warehouse:report:r_surrey", "urn:ofsted-warehouse:report:v_kent"]
    surrey = entries["urn:ofsted-warehouse:report:r_surrey"]
    assert surrey.find(f"{ATOM}title").text == "Surrey: ILACS inspection (2026 framework), 2026-05-15"
    assert "Headline outcome: No overall grade; impact of leaders Good." in surrey.find(f"{ATOM}summary").text
    assert surrey.find(f"{ATOM}link").get("href") == OFSTED_URL
    kent = entries["urn:ofsted-warehouse:report:v_kent"]
    assert kent.find(f"{ATOM}link").get("href") == "documents/kent/visit.txt"  # relative to the feed
    assert "Headline outcome: not graded." in kent.find(f"{ATOM}summary").text
    assert feed.find(f"{ATOM}updated").text.startswith("2026-08-01T09:30:00")


def test_a_file_without_recorded_changes_gives_an_empty_feed_that_says_why(published):
    result = build_feed(published)
    feed = parse_atom(result.path)
    assert result.entries == 0 and feed.findall(f"{ATOM}entry") == []
    assert "audit.report_changes is not in the published file" in feed.find(f"{ATOM}subtitle").text
