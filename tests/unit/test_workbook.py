"""The workbook beside the published file: its sheets, frozen and filterable header rows, Excel dates, text
for lists, links to each document at the page, the About sheet, and the rename into place. Written from a
small published file made here, with only the columns the workbook reads."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.lib.outputs.workbook import cell_value, report_link, workbook_path_for, write_workbook
from tests.support import REPO

SHEETS = ["Latest inspections", "Inspections", "Recommendations", "Visits", "About"]
OFSTED_URL = "https://files.ofsted.gov.uk/v1/file/50200001"
SURREY_PDF = "surrey/children's services inspection.pdf"


def make_published(path: Path) -> Path:
    """Two authorities: Surrey, inspected in 2026 under the framework without an overall grade, its report
    downloaded from Ofsted; Kent, inspected in 2013, its report a PDF put in the input folder by hand."""
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA audit")
    con.execute(
        """CREATE TABLE marts.dim_local_authorities AS
           SELECT * FROM (VALUES ('E10000030', 'Surrey', ['E10000016', 'E10000015']),
                                 ('E10000016', 'Kent', NULL::VARCHAR[]))
                AS t(local_authority_id, local_authority_name, statistical_neighbours)"""
    )
    con.execute(
        f"""CREATE TABLE marts.dim_reports AS
            SELECT * FROM (VALUES ('r_surrey', '{SURREY_PDF.replace("'", "''")}', '{OFSTED_URL}',
                                   DATE '2026-07-01'),
                                  ('r_kent', 'kent/inspection.pdf', NULL, DATE '2013-03-01'),
                                  ('v_kent', 'kent/visit.txt', NULL, NULL))
                 AS t(report_id, source_file, source_url, publication_date)"""
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
                NULL))
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
        "Latest inspections": 2,
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
    assert surrey["statistical_neighbours"].value == "E10000016; E10000015"
    assert latest["Kent"]["statistical_neighbours"].value is None

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


def test_each_row_links_to_its_document_at_the_page(published, raw_dir):
    path = workbook_path_for(published)
    write_workbook(published, path, raw_dir)
    workbook = openpyxl.load_workbook(path)
    inspections = {row["inspection_id"].value: row for row in rows_of(workbook["Inspections"])}
    # downloaded from Ofsted: its address, at the first page a judgement came from
    assert inspections["r_surrey"]["report"].hyperlink.target == f"{OFSTED_URL}#page=3"
    # put in the input folder by hand: the file, at the page of its overall effectiveness
    kent_link = inspections["r_kent"]["report"].hyperlink.target
    assert kent_link == (raw_dir / "kent" / "inspection.pdf").resolve().as_uri() + "#page=2"
    assert inspections["r_kent"]["report"].value == "page 2"
    recommendations = {row["recommendation_id"].value: row for row in rows_of(workbook["Recommendations"])}
    assert recommendations["r_kent:001"]["report"].hyperlink.target.endswith("inspection.pdf#page=6")
    # a text file has no pages
    visit = rows_of(workbook["Visits"])[0]
    assert visit["report"].hyperlink.target == (raw_dir / "kent" / "visit.txt").resolve().as_uri()
    latest = {row["local_authority_name"].value: row for row in rows_of(workbook["Latest inspections"])}
    assert latest["Surrey"]["report"].hyperlink.target == f"{OFSTED_URL}#page=3"


def test_without_the_input_folder_only_downloaded_reports_are_linked(published):
    path = workbook_path_for(published)
    write_workbook(published, path, None)
    inspections = {
        row["inspection_id"].value: row for row in rows_of(openpyxl.load_workbook(path)["Inspections"])
    }
    assert inspections["r_surrey"]["report"].hyperlink.target == f"{OFSTED_URL}#page=3"
    assert inspections["r_kent"]["report"].hyperlink is None and inspections["r_kent"]["report"].value is None


def test_report_link():
    assert report_link("https://x/report.pdf", "a.pdf", 4, None) == "https://x/report.pdf#page=4"
    assert report_link(None, "a.pdf", 4, None) is None
    assert report_link(None, "missing.pdf", 4, Path("/nonexistent")) is None
    assert report_link("https://x/file/1", "a.txt", 4, None) == "https://x/file/1"


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


def test_written_under_a_temporary_name_and_renamed_into_place(published, raw_dir):
    path = workbook_path_for(published)
    path.write_bytes(b"the previous workbook")
    dead_leftover = path.with_name(f".{path.name}.999999999.tmp")  # no process has that id
    dead_leftover.write_bytes(b"half a workbook")
    write_workbook(published, path, raw_dir)
    assert openpyxl.load_workbook(path).sheetnames == SHEETS
    assert sorted(p.name for p in path.parent.iterdir()) == ["ofsted.duckdb", "ofsted.xlsx"]


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
