"""The workbook of the warehouse published from the seed reports opens in openpyxl with every sheet, and in
LibreOffice: converted headless to CSV (one file per sheet), its cells read back as written. The
LibreOffice test runs where `soffice` or `libreoffice` is on PATH (Debian: libreoffice-calc-nogui) and
skips with the reason otherwise."""

import csv
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest

from orchestration.lib.outputs.workbook import workbook_path_for, write_workbook

pytestmark = pytest.mark.integration

SHEETS = ["Latest inspections", "Inspections", "Recommendations", "Visits", "About"]
# sheets written when the published file has their tables (marts.fct_council_events, audit.report_changes)
OPTIONAL = {"Timeline", "What's new"}
# LibreOffice's CSV filter options: comma, double quote, UTF-8, from line 1, default column types, English
# locale, quote text, detect special numbers, save cells as shown (dates as formatted), no formulas, no
# BOM, and sheet -1: every sheet to its own file named <workbook>-<sheet>.csv (LibreOffice 7.2 and later).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,true,true,true,false,false,-1"


@pytest.fixture(scope="module")
def seed_workbook(published_seed_warehouse, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("workbook")
    published = folder / "ofsted.duckdb"
    shutil.copy(published_seed_warehouse.published_path, published)
    path = workbook_path_for(published)
    write_workbook(published, path, published_seed_warehouse.raw_dir)
    return path


def test_the_seed_workbook_opens_in_openpyxl_with_every_sheet(seed_workbook, published_seed_warehouse):
    workbook = openpyxl.load_workbook(seed_workbook)
    names = workbook.sheetnames
    assert names[:4] == SHEETS[:4] and names[-1] == "About" and set(names[4:-1]) <= OPTIONAL
    con = published_seed_warehouse.published()
    try:
        counts = {
            "Latest inspections": "marts.fct_latest_inspections",
            "Inspections": "marts.fct_inspections",
            "Recommendations": "marts.fct_recommendations",
            "Visits": "marts.fct_visits",
        }
        for title, table in counts.items():
            expected = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            assert workbook[title].max_row == expected + 1, title
            assert workbook[title].freeze_panes == "A2" and workbook[title].auto_filter.ref, title
        graded = con.execute(
            "SELECT count(*) FROM marts.fct_latest_inspections WHERE inspection_id IS NOT NULL"
        ).fetchall()[0][0]
    finally:
        con.close()
    inspections = workbook["Inspections"]
    header = [cell.value for cell in inspections[1]]
    end_dates = [row[header.index("inspection_end_date")] for row in inspections.iter_rows(min_row=2)]
    assert any(cell.is_date for cell in end_dates)
    # the seed reports were put in the input folder by hand: each links to its copy in documents/ beside the
    # workbook, relative to it, so the folder can be shared
    links = [row[-1].hyperlink for row in inspections.iter_rows(min_row=2)]
    assert links and all(link is not None and link.target.startswith("documents/") for link in links)
    for link in links:
        assert (seed_workbook.parent / unquote(link.target.split("#")[0])).is_file(), link.target
    # every current authority with a graded inspection has it in the first sheet
    latest = workbook["Latest inspections"]
    header = [cell.value for cell in latest[1]]
    with_inspection = [
        row for row in latest.iter_rows(min_row=2, values_only=True) if row[header.index("inspection_id")]
    ]
    assert len(with_inspection) == graded >= 4
    assert all(row[header.index("framework")] for row in with_inspection)


def libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(
    libreoffice() is None,
    reason="LibreOffice is not installed (no soffice or libreoffice on PATH); on Debian: "
    "apt-get install libreoffice-calc-nogui",
)
def test_libreoffice_converts_every_sheet_to_csv(seed_workbook, tmp_path):
    out = tmp_path / "csv"
    command = [
        libreoffice(),
        f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
        "--headless",
        "--convert-to",
        CSV_FILTER,
        "--outdir",
        str(out),
        str(seed_workbook),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    titles = openpyxl.load_workbook(seed_workbook).sheetnames
    per_sheet = {title: out / f"{seed_workbook.stem}-{title}.csv" for title in titles}
    if not any(path.exists() for path in per_sheet.values()):
        # LibreOffice before 7.2 writes the first sheet only, to <workbook>.csv
        per_sheet = {SHEETS[0]: out / f"{seed_workbook.stem}.csv"}
    source = openpyxl.load_workbook(seed_workbook)
    for title, path in per_sheet.items():
        assert path.exists(), (title, sorted(p.name for p in out.iterdir()), done.stdout, done.stderr)
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        ws = source[title]
        assert len(rows) == ws.max_row, title
        if title == "About":
            assert any("Held-back documents" in row for row in rows)
            continue
        header = [cell.value for cell in ws[1]]
        assert rows[0] == header, title
        # text and numbers as written, dates as the format shows them, links by their text
        for written, read in zip(ws.iter_rows(min_row=2), rows[1:]):
            for cell, text in zip(written, read):
                if cell.value is None:
                    assert text == "", (title, cell.coordinate)
                elif cell.is_date:  # a date, or a time of day too where the format shows one
                    shown = "%Y-%m-%d %H:%M:%S" if "h" in cell.number_format.lower() else "%Y-%m-%d"
                    assert text == cell.value.strftime(shown), (title, cell.coordinate, cell.number_format)
                elif isinstance(cell.value, bool):
                    assert text.upper() == str(cell.value).upper(), (title, cell.coordinate)
                else:
                    assert text == str(cell.value), (title, cell.coordinate)
