"""The Excel workbook beside the published file (`ofsted.xlsx` beside `ofsted.duckdb`), for readers who
work in a spreadsheet rather than SQL.

Sheets: "Latest inspections" (marts.fct_latest_inspections: one row per current council, its first columns
saying plainly what is loaded for it, "no report loaded" included, and its statistical neighbours by name
with their codes beside), "Inspections" (one row per inspection, a column per judgement area),
"Recommendations" (with their themes), "Visits" (with theme and focus areas), "Timeline" (every event of
every council, from marts.fct_council_events, when the published file has it), "What's new" (the reports
each publication added or removed, from audit.report_changes, when the published file has it) and "About"
(what each sheet holds, when the publication was made, how many reports, the councils with no report, the
documents held back, and which optional sheets were left out and why).

Each data sheet has a frozen, filterable header row, dates as Excel dates, a `report` column linking to the
document (at Ofsted's address when the warehouse knows it, else RELATIVE to the workbook, to its copy in
`documents/` beside the published file: see documents.py; never a path of the build machine), and is set
up to print: landscape, fitted to the page's width, the header row repeated on every page. About prints on
one page.

Everything is read from the published file, never the writer's, and the workbook is written under a
temporary dot-name beside the target and renamed over it, so a reader opening it sees the old workbook or
the new one, whole.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from orchestration.lib.outputs.documents import cited_files, document_href, publish_documents
from orchestration.lib.outputs.feed import read_changes
from orchestration.lib.outputs.workbook_queries import (
    LINK_COLUMN,
    LINK_FIELDS,
    sheets,
)
from orchestration.lib.publish.publication import attach_published, writer_running

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
# Excel refuses control characters other than tab, newline and carriage return (pdfminer leaves form
# feeds in extracted text), and holds at most 32,767 characters in a cell.
_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_MAX_CELL_CHARACTERS = 32_767
_MIN_WIDTH, _MAX_WIDTH = 8, 60


@dataclass
class WorkbookResult:
    path: Path
    published_at: dt.datetime | None
    report_count: int
    held_back: list[tuple[str, str | None]]
    sheets: dict[str, int] = field(default_factory=dict)  # sheet title: data rows (About: its lines)
    without_report: list[str] = field(default_factory=list)  # current councils with no report loaded
    left_out: dict[str, str] = field(default_factory=dict)  # optional sheet: why it is not in the workbook
    descriptions: dict[str, str] = field(default_factory=dict)  # sheet title: what it holds


Linker = Callable[[str | None, str | None, int | None], str | None]


def workbook_path_for(published_path: Path) -> Path:
    """The workbook is named after the published file and sits beside it: ofsted.duckdb, ofsted.xlsx."""
    return published_path.with_suffix(".xlsx")


def write_workbook(published_path: Path, workbook_path: Path, raw_dir: Path | None) -> WorkbookResult:
    """Write the workbook of the published warehouse at `published_path` to `workbook_path`. Links go to a
    report's source_url when known, else to its copy in `documents/` beside the published file (placed
    there from `raw_dir`), relative to the workbook; no link when neither is to be had."""
    con = attach_published(published_path)
    try:
        available = publish_documents(published_path, raw_dir, cited_files(con))
        prefix = os.path.relpath(published_path.resolve().parent, workbook_path.resolve().parent)
        prefix = "" if prefix == "." else prefix.replace(os.sep, "/") + "/"

        def link(source_url: str | None, source_file: str | None, page: int | None) -> str | None:
            return document_href(source_url, source_file, page, prefix=prefix, available=available)

        published_at = _published_at(con)
        report_count = con.execute("SELECT count(*) FROM marts.dim_reports").fetchall()[0][0]
        held_back = con.execute(
            """SELECT source_file, status_reason FROM audit.file_ledger
               WHERE status = 'held_back' ORDER BY source_file"""
        ).fetchall()
        workbook = Workbook()
        workbook.remove(workbook.active)  # every sheet is added by name, in order
        result = WorkbookResult(workbook_path, published_at, report_count, held_back)
        for sheet in sheets(con, result.left_out):
            cursor = con.execute(sheet.query)
            columns = [description[0] for description in cursor.description]
            result.sheets[sheet.title] = _write_table(
                workbook.create_sheet(sheet.title), columns, cursor.fetchall(), link
            )
            result.descriptions[sheet.title] = sheet.description
        _whats_new(con, workbook, result, link)
        result.without_report = [
            row[0]
            for row in con.execute(
                """SELECT a.local_authority_name || ' (' || a.local_authority_id || ')'
                   FROM marts.dim_local_authorities AS a
                   WHERE a.is_current AND a.local_authority_id NOT IN (
                       SELECT local_authority_id FROM marts.dim_reports WHERE local_authority_id IS NOT NULL)
                   ORDER BY a.local_authority_name"""
            ).fetchall()
        ]
    finally:
        con.close()
    result.sheets["About"] = _write_about(workbook.create_sheet("About"), published_path, result)
    _save_in_place(workbook, workbook_path)
    return result


# ---------------------------------------------------------------------------------------------- reading


def _published_at(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    rows = con.execute("SELECT max(published_at) FROM audit.publications").fetchall()
    return rows[0][0] if rows else None


# ---------------------------------------------------------------------------------------------- writing


def cell_value(value: object) -> object:
    """A value as a spreadsheet holds it: lists as '; '-joined text, text without the characters Excel
    refuses, everything else (numbers, booleans, dates) as it is."""
    if isinstance(value, (list, tuple)):
        value = "; ".join("" if item is None else str(item) for item in value)
    if isinstance(value, str):
        value = _ILLEGAL_CHARACTERS.sub(" ", value)[:_MAX_CELL_CHARACTERS]
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)  # Excel has no time zones
    return value


def _print_setup(ws: Worksheet, one_page: bool = False) -> None:
    """Landscape A4, fitted to the page's width (as many pages tall as the rows need, or one page for
    About), the header row repeated on each page, the sheet's name and the page number in the margins."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
    if not one_page:
        ws.print_title_rows = "1:1"
    ws.print_options.gridLines = not one_page
    ws.oddHeader.center.text = "&A"
    ws.oddFooter.right.text = "Page &P of &N"


def _write_table(ws: Worksheet, columns: list[str], rows: list[tuple], link: Linker) -> int:
    shown = [index for index, name in enumerate(columns) if name not in LINK_FIELDS]
    linked = all(name in columns for name in LINK_FIELDS)
    headers = [columns[index] for index in shown] + ([LINK_COLUMN] if linked else [])
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    link_indexes = [columns.index(name) for name in LINK_FIELDS] if linked else []
    for row_number, row in enumerate(rows, start=2):
        for column_number, index in enumerate(shown, start=1):
            _set(ws, row_number, column_number, row[index])
        if linked:
            source_url, source_file, page = (row[index] for index in link_indexes)
            href = link(source_url, source_file, page)
            if href:
                cell = ws.cell(row=row_number, column=len(headers))
                cell.value = f"page {page}" if page and "#page=" in href else "open"
                cell.hyperlink = href
                cell.style = "Hyperlink"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    _fit_widths(ws, headers, rows, shown)
    _print_setup(ws)
    return len(rows)


WHATS_NEW = "What's new"


def _whats_new(
    con: duckdb.DuckDBPyConnection, workbook: Workbook, result: WorkbookResult, link: Linker
) -> None:
    """Every report a publication added or removed, newest publication first (audit.report_changes)."""
    changes = read_changes(con)
    if changes is None:
        result.left_out[WHATS_NEW] = (
            "audit.report_changes is not in this published file (a warehouse that does not record what "
            "each publication changed): no What's new sheet."
        )
        return
    columns = [
        "published_at",
        "run_id",
        "change",
        "local_authority_name",
        "local_authority_id",
        "kind",
        "report_date",
        "headline_outcome",
        "report_id",
        *LINK_FIELDS,
    ]
    rows = [
        (
            c.published_at,
            c.run_id,
            c.change,
            c.council,
            c.council_id,
            c.kind,
            c.report_date,
            c.outcome,
            c.report_id,
            c.source_url,
            c.source_file,
            None,
        )
        for c in changes
    ]
    result.sheets[WHATS_NEW] = _write_table(workbook.create_sheet(WHATS_NEW), columns, rows, link)
    result.descriptions[WHATS_NEW] = (
        "One row per report a publication added or removed, newest publication first, with its council, "
        "kind, date and headline outcome (audit.report_changes, joined to the marts; a removed report is "
        "no longer in the marts, so only its id is known). The same additions feed ofsted.atom."
    )


def _set(ws: Worksheet, row: int, column: int, raw: object) -> None:
    value = cell_value(raw)
    if value is None:
        return
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula
    elif isinstance(value, dt.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT


def _fit_widths(ws: Worksheet, headers: list[str], rows: list[tuple], shown: list[int]) -> None:
    """Wide enough for the header and most values, never wider than _MAX_WIDTH (long text is cut off at
    the cell's edge and read in the formula bar or with wrapping)."""
    for column_number, header in enumerate(headers, start=1):
        if column_number <= len(shown):
            lengths = sorted(_display_length(row[shown[column_number - 1]]) for row in rows[:2000])
            typical = lengths[int(len(lengths) * 0.9)] if lengths else 0
        else:
            typical = len("page 99")
        width = min(max(len(header) + 2, typical + 2, _MIN_WIDTH), _MAX_WIDTH)
        ws.column_dimensions[get_column_letter(column_number)].width = width


def _display_length(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return len(DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return len(DATE_FORMAT)
    return len(str(cell_value(value)))


def _write_about(ws: Worksheet, published_path: Path, result: WorkbookResult) -> int:
    bold = Font(bold=True)
    without = result.without_report
    lines: list[tuple[object, ...]] = [
        ("Ofsted inspections of English councils' children's services",),
        (),
        ("Built from", published_path.name),
        ("Published at (UTC)", result.published_at or "not recorded"),
        ("Reports", result.report_count),
        ("Held-back documents", len(result.held_back)),
        (
            "Councils with no report",
            len(without),
            "; ".join(without) if without else "every current council has at least one report loaded",
        ),
        (),
        ("Sheet", "Rows", "What it holds"),
        *((title, result.sheets[title], text) for title, text in result.descriptions.items()),
        *((title, "not included", why) for title, why in result.left_out.items()),
        (
            "Links",
            "report column",
            "Every data sheet's last column links to the document: its address on Ofsted's site where the "
            "warehouse knows it, else its copy in the documents folder beside this workbook (a relative "
            "link: keep the folder with the workbook when you copy or share it), at the page the row's "
            "values came from when it is a PDF.",
        ),
        (
            "Columns",
            "names",
            "Column names are those of the published tables (schema marts), each described in "
            "docs/analyst-guide.md. Dates are Excel dates; lists are '; '-separated text.",
        ),
        (
            "Printing",
            "set up",
            "Each sheet prints landscape, fitted to the page's width, its header row on every page; this "
            "sheet prints on one page.",
        ),
        (),
        ("Held-back document", "Status", "Why it is held back"),
        *((source_file, "held_back", reason) for source_file, reason in result.held_back),
    ]
    if not result.held_back:
        lines.append(("(none: every document that was read passed its checks)",))
    headings = {"Sheet", "Held-back document"}
    for row_number, line in enumerate(lines, start=1):
        for column_number, value in enumerate(line, start=1):
            _set(ws, row_number, column_number, value)
            cell = ws.cell(row=row_number, column=column_number)
            if row_number == 1 or line[0] in headings:
                cell.font = bold
            if column_number == len(line):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    for letter, width in (("A", 40), ("B", 16), ("C", 100)):
        ws.column_dimensions[letter].width = width
    _print_setup(ws, one_page=True)
    return len(lines)


def _save_in_place(workbook: Workbook, workbook_path: Path) -> None:
    """Save under `.<name>.<pid>.tmp` beside the target, then rename over it."""
    workbook_path.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(workbook_path)
    temporary = workbook_path.with_name(f".{workbook_path.name}.{os.getpid()}.tmp")
    try:
        workbook.save(temporary)
        os.replace(temporary, workbook_path)
    finally:
        temporary.unlink(missing_ok=True)


def _remove_leftovers(workbook_path: Path) -> None:
    """Temporary workbooks of writers that were killed before renaming theirs into place."""
    pattern = re.compile(rf"\.{re.escape(workbook_path.name)}\.(\d+)\.tmp")
    for entry in workbook_path.parent.iterdir():
        match = pattern.fullmatch(entry.name)
        if match and not writer_running(int(match[1])):
            entry.unlink(missing_ok=True)
