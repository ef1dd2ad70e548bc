"""The published warehouse in pictures: one self-contained HTML page, `report/index.html` beside the
published file, that opens in any browser without a network.

Five charts, each an inline SVG drawn here (no JavaScript, no chart library, no web fonts):

- `chart-judgements`: graded inspections per year for each framework, stacked by overall effectiveness;
- `chart-current-grades`: every authority, region by region, coloured by its latest overall grade;
- `chart-timelines`: one row per authority with its inspections (coloured by grade) and visits on a time axis;
- `chart-recommendation-themes`: recommendations by theme, by year and by framework, as a heat map;
- `chart-visit-themes`: focused visits by Ofsted's theme and year.

The April 2026 framework gives no overall effectiveness: its inspections are drawn by their worst judgement
and labelled so, never as ungraded.

Each chart has a caption, an SVG `<title>` and `<desc>`, and the figures it draws as a table under it, and
says so in words when there is nothing to draw. Every text that comes from the data is escaped.

Each authority on the grid has a page of its own in `report/authorities/` (see report_authorities.py).

The page is built from the published file, the same data analysts see. The file is attached to a fresh
in-memory database rather than opened with `duckdb.connect(path)`: a process that already holds a
connection to that path (the writer that just replaced it, a test) would otherwise be handed the cached,
replaced database. The page is written beside its final name and renamed into place, so a browser never
sees half a page.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.lib.publish.publication import attach_published

REPORT_FILE = "index.html"
AUTHORITIES_DIR = "authorities"

NO_GRADE = "No overall grade"
UNKNOWN_GRADE = "Other grade"
# (grade, fill, text colour on the fill), in the order of the legends and of the stacks from the bottom
GRADE_STYLES = [
    ("Outstanding", "#1b7837", "#ffffff"),
    ("Good", "#7fbf7b", "#000000"),
    ("Adequate", "#fee08b", "#000000"),
    ("Requires improvement to be good", "#f4a259", "#000000"),
    ("Inadequate", "#b2182b", "#ffffff"),
    ("Not judged", "#9e9e9e", "#000000"),
    (UNKNOWN_GRADE, "#6a51a3", "#ffffff"),
    (NO_GRADE, "#dddddd", "#000000"),
]
GRADE_FILL = {grade: fill for grade, fill, _ in GRADE_STYLES}
GRADE_INK = {grade: ink for grade, _, ink in GRADE_STYLES}
SHORT_GRADES = {"Requires improvement to be good": "Requires improvement"}
NEVER_GRADED = "No graded inspection loaded"
NEVER_GRADED_FILL = "#ffffff"
# the border of a cell or marker drawn by its worst judgement, for want of an overall grade
DASHED = ' stroke-dasharray="5 3" stroke-width="2.5"'

FRAMEWORKS = {
    "child_protection_inspection": "Child protection (2012-13)",
    "looked_after_children_inspection": "Looked after children (2013)",
    "sif_inspection": "Single inspection framework (2013-18)",
    "lscb_review": "Safeguarding board review",
    "ilacs_inspection": "ILACS (2018-)",
    "ilacs_2026": "ILACS 2026 framework (no overall grade)",
    "monitoring_visit": "Monitoring visit",
    "focused_visit": "Focused visit",
    "joint_targeted_area_inspection": "Joint targeted area inspection (not graded)",
    "area_send_inspection": "Area SEND inspection (not graded)",
    "other": "Other document",
}
VISIT_STYLES = {
    "monitoring_visit": ("Monitoring visit", "#2166ac"),
    "focused_visit": ("Focused visit", "#762a83"),
}
NO_REGION = "Region not known"
ILACS_2026 = "ilacs_2026"
ILACS_2026_START = dt.date(2026, 4, 1)
NO_OVERALL_NOTE = "2026 framework: no overall grade; worst judgement shown"
NO_THEME = "No theme stated"
UNDATED = "date not stated"

FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"


def esc(value: object) -> str:
    """Text from the data, safe inside HTML and inline SVG, attributes included."""
    return html.escape("" if value is None else str(value), quote=True)


@dataclass
class Judgement:
    area: str
    grade: str | None
    rank: int | None
    page: int | None  # the PDF page the judgement is stated on


@dataclass
class Event:
    """An inspection or a visit of one authority, placed at its most precise known date."""

    authority_id: str | None
    authority_name: str
    kind: str  # a report_type
    date: dt.date | None
    dated_by: str  # which column the date came from
    grade: str | None = None  # inspections: overall effectiveness, or the worst judgement (see `grade_note`)
    label: str = ""
    report_id: str | None = None
    framework: str = (
        ""  # a FRAMEWORKS key: the report type, or ILACS_2026 for the framework without an overall grade
    )
    grade_note: str | None = None  # set when `grade` is not an overall effectiveness judgement
    judgements: list[Judgement] = field(default_factory=list)
    theme: str | None = None  # focused visits: Ofsted's category
    number: int | None = None  # visits: "the ninth monitoring visit"


@dataclass
class Authority:
    authority_id: str
    name: str
    region: str
    is_current: bool
    neighbours: list[str] = field(default_factory=list)  # statistical neighbours, nearest first


@dataclass
class Source:
    """Where a loaded report came from."""

    report_id: str
    report_type: str | None
    authority_id: str | None
    source_file: str | None  # relative to RAW_DIR
    source_url: str | None
    publication_date: dt.date | None


@dataclass
class Recommendation:
    report_id: str | None
    authority_id: str | None
    number: int | None
    timescale: str | None
    text: str | None
    page: int | None
    themes: list[str] = field(default_factory=list)


@dataclass
class ReportData:
    published_at: dt.datetime | None = None
    run_id: str | None = None
    report_count: int = 0
    authorities: list[Authority] = field(default_factory=list)
    inspections: list[Event] = field(default_factory=list)
    visits: list[Event] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    held_back: list[tuple[str, str | None]] = field(default_factory=list)  # (source_file, status_reason)
    # match_status: count, from marts.fct_official_reconciliation; None when the file has no such table
    reconciliation: dict[str, int] | None = None
    # official events with no report loaded: (authority, framework, date)
    missing_events: list[tuple[str | None, str | None, dt.date | None]] = field(default_factory=list)
    # where the documents are on this machine (RAW_DIR), for links to those without a source_url
    raw_dir: Path | None = None


@dataclass(frozen=True)
class Link:
    """A table cell that links to `href` (shown as plain text when there is none)."""

    text: object
    href: str | None


def source_link(source: Source | None, raw_dir: Path | None, page: int | None = None) -> str | None:
    """Where a report can be opened: the address it was downloaded from, else the file under RAW_DIR;
    at the page when the document is a PDF and the page is known (`#page=N`, which PDF viewers honour)."""
    if source is None:
        return None
    if source.source_url:
        base = source.source_url
    elif raw_dir is not None and source.source_file:
        base = (raw_dir / source.source_file).resolve().as_uri()
    else:
        return None
    is_pdf = (source.source_file or "").lower().endswith(".pdf")
    return f"{base}#page={page}" if page and is_pdf else base


@dataclass
class ReportResult:
    path: Path
    published_at: dt.datetime | None
    marks: dict[str, int]  # chart id: number of data marks drawn
    authority_pages: int = 0  # pages written into authorities/


# ---------------------------------------------------------------------------------------------- reading


def _best_date(*candidates: tuple[str, dt.date | None]) -> tuple[dt.date | None, str]:
    for column, value in candidates:
        if value is not None:
            return value, column
    return None, UNDATED


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """The columns of `schema.table` in the published file; empty when it has no such table."""
    schema, name = table.split(".")
    return {
        row[0]
        for row in con.execute(
            """SELECT column_name FROM information_schema.columns
               WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ?""",
            [schema, name],
        ).fetchall()
    }


def _or(con: duckdb.DuckDBPyConnection, table: str, column: str, fallback: str) -> str:
    """`column` when the table has it, else `fallback` (another column, or NULL)."""
    return column if column in _columns(con, table) else fallback


def _select(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], rest: str = "") -> list[tuple]:
    """`SELECT columns FROM table rest`, with NULL for a column the published file lacks and no rows for a
    table it lacks: a file published by an older warehouse still draws, with less in it."""
    present = _columns(con, table)
    if not present:
        return []
    select = ", ".join(column if column in present else f"NULL AS {column}" for column in columns)
    return con.execute(f"SELECT {select} FROM {table} {rest}").fetchall()


def _grade_of(
    overall: str | None, judgements: list[Judgement], framework: str
) -> tuple[str | None, str | None]:
    """The grade an inspection is drawn with, and a note when it is not the overall effectiveness: a
    framework without an overall grade is shown by its worst judgement, never as ungraded."""
    if overall is not None:
        return overall, None
    graded = [j for j in judgements if j.rank is not None and j.area != "overall_effectiveness"]
    if not graded:
        return None, None
    worst = max(graded, key=lambda j: j.rank)
    return (
        worst.grade,
        NO_OVERALL_NOTE if framework == ILACS_2026 else "No overall grade; worst judgement shown",
    )


def _framework_of(kind: str, overall: str | None, judgements: list[Judgement], date: dt.date | None) -> str:
    """ILACS reports from April 2026 grade the four areas and give no overall effectiveness; an earlier one
    missing its overall grade is not taken for one of them."""
    areas = {j.area for j in judgements if j.rank is not None}
    from_2026 = date is None or date >= ILACS_2026_START
    if (
        kind == "ilacs_inspection"
        and overall is None
        and areas
        and "overall_effectiveness" not in areas
        and from_2026
    ):
        return ILACS_2026
    return kind


def read_report_data(con: duckdb.DuckDBPyConnection) -> ReportData:
    """What the charts need, from the `marts` (and, when present, `audit`) schemas of `con`'s catalog."""
    data = ReportData()
    rows = _select(
        con, "audit.publications", ["published_at", "run_id"], "ORDER BY published_at DESC LIMIT 1"
    )
    if rows:
        data.published_at, data.run_id = rows[0]
    data.report_count = con.execute("SELECT count(*) FROM marts.dim_reports").fetchall()[0][0]
    for report_id, kind, authority_id, source_file, source_url, published in _select(
        con,
        "marts.dim_reports",
        ["report_id", "report_type", "local_authority_id", "source_file", "source_url", "publication_date"],
    ):
        data.sources[report_id] = Source(report_id, kind, authority_id, source_file, source_url, published)
    data.authorities = [
        Authority(
            authority_id, name or authority_id, region or NO_REGION, bool(is_current), list(neighbours or [])
        )
        for authority_id, name, region, is_current, neighbours in _select(
            con,
            "marts.dim_local_authorities",
            [
                "local_authority_id",
                "local_authority_name",
                "ofsted_region",
                "is_current",
                "statistical_neighbours",
            ],
            "WHERE local_authority_id IS NOT NULL",
        )
    ]
    judgements: dict[str, list[Judgement]] = defaultdict(list)
    for inspection_id, area, grade, rank, page in _select(
        con,
        "marts.fct_judgements",
        ["inspection_id", "judgement_area", "grade", "grade_rank", "page_number"],
        "ORDER BY ALL",
    ):
        judgements[inspection_id].append(Judgement(area, grade, rank, page))
    for (
        inspection_id,
        report_id,
        authority_id,
        name,
        kind,
        start,
        end,
        published,
        overall,
        inspection_kind,
    ) in con.execute(
        f"""SELECT i.inspection_id, {_or(con, "marts.fct_inspections", "report_id", "inspection_id")},
                  i.local_authority_id, a.local_authority_name, i.report_type,
                  i.inspection_start_date, i.inspection_end_date, i.publication_date, i.overall_effectiveness,
                  i.inspection_kind
           FROM marts.fct_inspections i LEFT JOIN marts.dim_local_authorities a USING (local_authority_id)"""
    ).fetchall():
        date, dated_by = _best_date(("last day", end), ("first day", start), ("publication", published))
        kind = kind or "other"
        own = judgements.get(inspection_id, [])
        framework = _framework_of(kind, overall, own, date)
        grade, note = _grade_of(overall, own, framework)
        label = FRAMEWORKS.get(framework, framework) + (f" ({inspection_kind})" if inspection_kind else "")
        data.inspections.append(
            Event(
                authority_id,
                name or authority_id or "Authority not identified",
                kind,
                date,
                dated_by,
                grade,
                label,
                report_id or inspection_id,
                framework,
                note,
                own,
            )
        )
    for report_id, authority_id, name, kind, start, end, letter, published, number, theme in con.execute(
        f"""SELECT {_or(con, "marts.fct_visits", "report_id", "visit_id")}, v.local_authority_id,
                  a.local_authority_name, v.visit_type, v.visit_start_date,
                  v.visit_end_date, v.letter_date, v.publication_date, v.visit_number,
                  {_or(con, "marts.fct_visits", "visit_theme", "NULL")}
           FROM marts.fct_visits v LEFT JOIN marts.dim_local_authorities a USING (local_authority_id)"""
    ).fetchall():
        date, dated_by = _best_date(
            ("last day", end), ("first day", start), ("letter", letter), ("publication", published)
        )
        kind = kind or "monitoring_visit"
        label = VISIT_STYLES.get(kind, (kind,))[0] + (f" number {number}" if number else "")
        data.visits.append(
            Event(
                authority_id,
                name or authority_id or "Authority not identified",
                kind,
                date,
                dated_by,
                None,
                label,
                report_id,
                kind,
                theme=theme,
                number=number,
            )
        )
    themes: dict[str, list[str]] = defaultdict(list)
    for recommendation_id, theme in _select(
        con, "marts.fct_recommendation_themes", ["recommendation_id", "theme"], "ORDER BY ALL"
    ):
        themes[recommendation_id].append(theme)
    data.recommendations = [
        Recommendation(
            report_id, authority_id, number, timescale, text, page, themes.get(recommendation_id, [])
        )
        for recommendation_id, report_id, authority_id, number, timescale, text, page in _select(
            con,
            "marts.fct_recommendations",
            [
                "recommendation_id",
                "report_id",
                "local_authority_id",
                "recommendation_number",
                "timescale",
                "recommendation_text",
                "page_number",
            ],
            "ORDER BY report_id, recommendation_number",
        )
    ]
    data.held_back = _select(
        con, "audit.file_ledger", ["source_file", "status_reason"], "WHERE status = 'held_back' ORDER BY ALL"
    )
    if _columns(con, "marts.fct_official_reconciliation"):
        data.reconciliation = dict(
            con.execute(
                "SELECT match_status, count(*) FROM marts.fct_official_reconciliation GROUP BY ALL"
            ).fetchall()
        )
        data.missing_events = con.execute(
            """SELECT local_authority_id, framework, coalesce(inspection_or_visit_date, publication_date)
               FROM marts.fct_official_reconciliation WHERE match_status = 'no_report' ORDER BY ALL"""
        ).fetchall()
    return data


# ---------------------------------------------------------------------------------------------- drawing


def event_link(data: ReportData, event: Event) -> str | None:
    """An inspection's or visit's report, opened at the page of its overall (else its first) judgement."""
    pages = [j.page for j in event.judgements if j.page and j.area == "overall_effectiveness"]
    pages = pages or sorted(j.page for j in event.judgements if j.page)
    return source_link(data.sources.get(event.report_id), data.raw_dir, pages[0] if pages else None)


def grade_key(grade: str | None) -> str:
    if grade is None:
        return NO_GRADE
    return grade if grade in GRADE_FILL else UNKNOWN_GRADE


def fmt_date(value: dt.date | None) -> str:
    return value.isoformat() if value else UNDATED


def plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


class _Svg:
    """Collects the elements of one chart; every text goes through `esc`."""

    def __init__(self, chart_id: str, title: str, description: str):
        self.chart_id = chart_id
        self.title = title
        self.description = description
        self.parts: list[str] = []
        self.marks = 0

    def _add(self, element: str, href: str | None) -> None:
        """An element, inside a link when it has somewhere to lead."""
        self.parts.append(f'<a href="{esc(href)}">{element}</a>' if href else element)

    def rect(self, x, y, width, height, fill, tip=None, mark=True, stroke=None, extra="", href=None):
        stroke_attr = f' stroke="{stroke}"' if stroke else ""
        css = ' class="mark"' if mark else ""
        body = f"<title>{esc(tip)}</title>" if tip else ""
        self.marks += mark
        self._add(
            f'<rect{css} x="{x:.1f}" y="{y:.1f}" width="{max(width, 0):.1f}" height="{max(height, 0):.1f}" '
            f'fill="{fill}"{stroke_attr}{extra}>{body}</rect>',
            href,
        )

    def circle(self, cx, cy, r, fill, tip, extra="", href=None):
        self.marks += 1
        self._add(
            f'<circle class="mark" cx="{cx:.1f}" cy="{cy:.1f}" r="{r}" fill="{fill}" stroke="#333333"{extra}>'
            f"<title>{esc(tip)}</title></circle>",
            href,
        )

    def path(self, d, fill, tip=None, mark=True, href=None):
        self.marks += mark
        css = ' class="mark"' if mark else ""
        body = f"<title>{esc(tip)}</title>" if tip else ""
        self._add(f'<path{css} d="{d}" fill="{fill}" stroke="#333333">{body}</path>', href)

    def line(self, x1, y1, x2, y2, stroke="#999999", dash=False):
        dash_attr = ' stroke-dasharray="2 3"' if dash else ""
        self.parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}"{dash_attr}/>'
        )

    def text(self, x, y, value, size=11, anchor="start", weight="normal", fill="#222222", tip=None):
        body = esc(value) + (f"<title>{esc(tip)}</title>" if tip else "")
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="{fill}">{body}</text>'
        )

    def render(self, width: float, height: float) -> str:
        width, height = math.ceil(width), math.ceil(height)
        return (
            f'<svg id="{self.chart_id}-svg" class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'aria-labelledby="{self.chart_id}-title {self.chart_id}-desc" font-family="{FONT}">'
            f'<title id="{self.chart_id}-title">{esc(self.title)}</title>'
            f'<desc id="{self.chart_id}-desc">{esc(self.description)}</desc>' + "".join(self.parts) + "</svg>"
        )


def _legend(svg: _Svg, x: float, y: float, entries: list[tuple], width: float) -> float:
    """Swatches and labels, wrapping at `width`; returns the y below the legend. An entry is (label, fill)
    or (label, fill, extra attributes of its swatch)."""
    cursor_x, cursor_y = x, y
    for label, fill, *extra in entries:
        item_width = 22 + 6.2 * len(label)
        if cursor_x > x and cursor_x + item_width > x + width:
            cursor_x, cursor_y = x, cursor_y + 18
        svg.rect(cursor_x, cursor_y, 12, 12, fill, mark=False, stroke="#555555", extra="".join(extra))
        svg.text(cursor_x + 17, cursor_y + 10.5, label, size=11)
        cursor_x += item_width + 12
    return cursor_y + 24


def _cell(value: object) -> str:
    if isinstance(value, Link):
        return f'<a href="{esc(value.href)}">{esc(value.text)}</a>' if value.href else esc(value.text)
    return esc(value)


def _table(
    headers: list[str], rows: list[list[object]], summary: str | None = "The figures as a table"
) -> str:
    """A table of text cells (a `Link` cell links); folded under `summary` unless that is None."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_cell(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f"<details><summary>{esc(summary)}</summary>{table}</details>" if summary else table


def _figure(chart_id: str, heading: str, caption: str, body: str) -> str:
    return (
        f'<figure id="{chart_id}" aria-labelledby="{chart_id}-caption">'
        f'<figcaption id="{chart_id}-caption"><h2>{esc(heading)}</h2><p>{esc(caption)}</p></figcaption>'
        f"{body}</figure>"
    )


def _empty(message: str) -> str:
    return f'<p class="empty" role="status">{esc(message)}</p>'


def chart_judgements(data: ReportData) -> tuple[str, int]:
    """(a) For each framework, a stacked bar per year of its graded inspections by overall effectiveness."""
    chart_id = "chart-judgements"
    heading = "Overall effectiveness by framework and year"
    caption = (
        "Graded inspections per year (the year of the inspection's last day; of its first day or publication "
        "when that is not stated), one panel per inspection framework, stacked by the overall effectiveness "
        "judgement. The 2026 framework gives no overall grade: its panel is stacked by each inspection's "
        "worst judgement."
    )
    counts: dict[str, Counter] = defaultdict(Counter)  # framework -> (year, grade) -> n
    for event in data.inspections:
        year = event.date.year if event.date else None
        counts[event.framework][(year, grade_key(event.grade))] += 1
    if not counts:
        return _figure(chart_id, heading, caption, _empty("No graded inspection is loaded.")), 0
    frameworks = [kind for kind in FRAMEWORKS if kind in counts] + sorted(set(counts) - set(FRAMEWORKS))
    known_years = sorted({year for c in counts.values() for year, _ in c if year is not None})
    columns: list[int | None] = list(range(known_years[0], known_years[-1] + 1)) if known_years else []
    if any(year is None for c in counts.values() for year, _ in c):
        columns.append(None)
    grades = [grade for grade, _, _ in GRADE_STYLES if any(g == grade for c in counts.values() for _, g in c)]
    totals = {
        (kind, year): sum(n for (y, _), n in counts[kind].items() if y == year)
        for kind in frameworks
        for year in columns
    }
    top = max(totals.values())

    left, plot_width, panel_height, gap = 300, max(480, 46 * len(columns)), 110, 26
    bar_room = panel_height - 14  # headroom for the total above the tallest bar
    slot = plot_width / len(columns)
    bar = min(32.0, slot * 0.7)
    width = left + plot_width + 20
    total = sum(sum(c.values()) for c in counts.values())
    description = (
        f"{plural(total, 'graded inspection')} in {plural(len(frameworks), 'framework')}, "
        + "; ".join(
            f"{FRAMEWORKS.get(kind, kind)}: "
            + ", ".join(
                f"{n} {grade}"
                for grade in grades
                if (n := sum(v for (_, g), v in counts[kind].items() if g == grade))
            )
            for kind in frameworks
        )
        + "."
    )
    svg = _Svg(chart_id, heading, description)
    y = _legend(svg, left, 8, [(grade, GRADE_FILL[grade]) for grade in grades], plot_width)
    for kind in frameworks:
        base = y + panel_height
        svg.text(
            left - 10, y + panel_height / 2, FRAMEWORKS.get(kind, kind), size=11, anchor="end", weight="bold"
        )
        svg.line(left, base, left + plot_width, base, stroke="#555555")
        svg.line(left, y, left, base, stroke="#555555")
        svg.line(left - 3, base - bar_room, left, base - bar_room, stroke="#555555")
        svg.text(left - 5, base - bar_room + 3, str(top), size=9, anchor="end", fill="#666666")
        svg.text(left - 4, base, "0", size=9, anchor="end", fill="#666666")
        for index, year in enumerate(columns):
            x = left + slot * index + (slot - bar) / 2
            stacked = 0
            for grade in grades:
                n = counts[kind].get((year, grade), 0)
                if not n:
                    continue
                h = bar_room * n / top
                svg.rect(
                    x,
                    base - stacked - h,
                    bar,
                    h,
                    GRADE_FILL[grade],
                    stroke="#ffffff",
                    tip=f"{FRAMEWORKS.get(kind, kind)}, {year or UNDATED}: {plural(n, 'inspection')} {grade}",
                )
                stacked += h
            if totals[(kind, year)]:
                svg.text(x + bar / 2, base - stacked - 3, str(totals[(kind, year)]), size=9, anchor="middle")
        y = base + gap
    for index, year in enumerate(columns):
        svg.text(
            left + slot * (index + 0.5),
            y - gap + 16,
            year or "n.d.",
            size=10,
            anchor="middle",
            tip=None if year else UNDATED,
        )
    table = _table(
        ["framework", "year", *grades],
        [
            [FRAMEWORKS.get(kind, kind), year or UNDATED, *(counts[kind].get((year, g), 0) for g in grades)]
            for kind in frameworks
            for year in columns
            if totals[(kind, year)]
        ],
    )
    return _figure(chart_id, heading, caption, svg.render(width, y + 4) + table), svg.marks


def latest_grades(data: ReportData) -> dict[str, Event]:
    """Each authority's latest graded inspection (by its overall grade or, in a framework without one, by
    its worst judgement): latest known date first, undated last."""
    latest: dict[str, Event] = {}
    for event in data.inspections:
        if event.authority_id is None or event.grade is None:
            continue
        held = latest.get(event.authority_id)
        if held is None or (event.date or dt.date.min) > (held.date or dt.date.min):
            latest[event.authority_id] = event
    return latest


def grid_authorities(data: ReportData) -> list[Authority]:
    """The authorities on the grid, each with a page of its own: every current one, every former one with
    a report, and any a report names that the dimension lacks."""
    with_reports = {e.authority_id for e in data.inspections + data.visits}
    known = {a.authority_id for a in data.authorities}
    authorities = [a for a in data.authorities if a.is_current or a.authority_id in with_reports]
    names = {e.authority_id: e.authority_name for e in data.inspections + data.visits}
    return authorities + [
        Authority(i, names[i], NO_REGION, True) for i in sorted(with_reports - known - {None})
    ]


def authority_page(authority_id: str) -> str:
    """The file name of an authority's page in the `authorities/` folder (a GSS code is already safe)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", authority_id) + ".html"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def chart_current_grades(data: ReportData) -> tuple[str, int]:
    """(b) Every authority by Ofsted region, coloured by its latest overall effectiveness."""
    chart_id = "chart-current-grades"
    heading = "Latest overall grade of every authority, by region"
    caption = (
        "Each current authority, and each former one with a report loaded, coloured by the overall "
        "effectiveness of its latest graded inspection in the warehouse; white where none is loaded (which "
        "says what the warehouse holds, not that Ofsted never inspected it). The 2026 framework gives no "
        "overall grade: a dashed border marks an authority shown by its worst judgement. Hover over a cell "
        "for the inspection's date and type; click it for the authority's own page."
    )
    latest = latest_grades(data)
    with_reports = {e.authority_id for e in data.inspections + data.visits}
    authorities = grid_authorities(data)
    if not authorities:
        return _figure(chart_id, heading, caption, _empty("No local authority is loaded.")), 0
    by_region: dict[str, list[Authority]] = defaultdict(list)
    for authority in authorities:
        by_region[authority.region].append(authority)
    regions = sorted(by_region, key=lambda r: (r == NO_REGION, r))

    columns, cell_w, cell_h, pad, left = 6, 186, 36, 4, 10
    width = left + columns * (cell_w + pad) + 10
    used = [
        grade for grade, _, _ in GRADE_STYLES if any(grade_key(e.grade) == grade for e in latest.values())
    ]
    tally = Counter(
        grade_key(latest[a.authority_id].grade) if a.authority_id in latest else NEVER_GRADED
        for a in authorities
    )
    description = (
        f"{plural(len(authorities), 'authority', 'authorities')} in {plural(len(regions), 'region')}: "
        + ", ".join(f"{n} {grade}" for grade, n in tally.most_common())
        + "."
    )
    svg = _Svg(chart_id, heading, description)
    legend = [(g, GRADE_FILL[g]) for g in used] + [(NEVER_GRADED, NEVER_GRADED_FILL)]
    if any(e.grade_note for e in latest.values()):
        legend.append((NO_OVERALL_NOTE, "#ffffff", DASHED))
    y = _legend(svg, left, 8, legend, width - 2 * left)
    rows = []
    for region in regions:
        members = sorted(by_region[region], key=lambda a: a.name.casefold())
        svg.text(left, y + 13, f"{region} ({len(members)})", size=13, weight="bold")
        y += 20
        for index, authority in enumerate(members):
            x = left + (index % columns) * (cell_w + pad)
            top = y + (index // columns) * (cell_h + pad)
            event = latest.get(authority.authority_id)
            name = authority.name + ("" if authority.is_current else " (former)")
            extra, stroke = f' data-authority="{esc(authority.authority_id)}"', "#888888"
            if event is None:
                fill, ink = NEVER_GRADED_FILL, "#444444"
                detail = "visits only" if authority.authority_id in with_reports else "no report loaded"
                tip = f"{name}: no graded inspection loaded"
                shown = "no graded inspection loaded"
            else:
                grade = grade_key(event.grade)
                fill, ink = GRADE_FILL[grade], GRADE_INK[grade]
                when = event.date.year if event.date else "n.d."
                detail = f"{SHORT_GRADES.get(event.grade, event.grade)} · {when}"
                tip = f"{name}: {event.grade}, {event.label}, {fmt_date(event.date)}"
                shown = event.grade
                if event.grade_note:
                    detail = "worst: " + detail
                    tip = f"{name}: {event.grade_note}: {event.grade}, {event.label}, {fmt_date(event.date)}"
                    shown = f"{event.grade} ({event.grade_note})"
                    extra, stroke = extra + DASHED, "#222222"
            # the whole cell, its text included, opens the authority's page
            svg.parts.append(f'<a href="{AUTHORITIES_DIR}/{esc(authority_page(authority.authority_id))}">')
            svg.rect(x, top, cell_w, cell_h, fill, tip=tip, stroke=stroke, extra=extra)
            svg.text(x + 5, top + 14, _clip(name, 25), size=10.5, fill=ink, weight="bold", tip=tip)
            svg.text(x + 5, top + 29, _clip(detail, 36), size=9.5, fill=ink, tip=tip)
            svg.parts.append("</a>")
            rows.append(
                [
                    region,
                    name,
                    authority.authority_id,
                    shown,
                    fmt_date(event.date) if event else "",
                    event.label if event else "",
                ]
            )
        y += math.ceil(len(members) / columns) * (cell_h + pad) + 10
    table = _table(["region", "authority", "GSS code", "latest overall grade", "date", "inspection"], rows)
    return _figure(chart_id, heading, caption, svg.render(width, y) + table), svg.marks


def _diamond(x: float, y: float, r: float) -> str:
    return f"M{x:.1f},{y - r:.1f} L{x + r:.1f},{y:.1f} L{x:.1f},{y + r:.1f} L{x - r:.1f},{y:.1f} Z"


def _triangle(x: float, y: float, r: float) -> str:
    return f"M{x:.1f},{y - r:.1f} L{x + r:.1f},{y + r * 0.8:.1f} L{x - r:.1f},{y + r * 0.8:.1f} Z"


def chart_timelines(data: ReportData) -> tuple[str, int]:
    """(c) One row per authority with a report: inspections as circles coloured by overall effectiveness,
    monitoring visits as diamonds and focused visits as triangles, on a shared time axis."""
    chart_id = "chart-timelines"
    heading = "Each authority's inspections and visits over time"
    caption = (
        "One row per authority with a report loaded. Circles are graded inspections, coloured by overall "
        "effectiveness (a dashed ring: a 2026 inspection, which has no overall grade, by its worst "
        "judgement); "
        "diamonds are monitoring visits and triangles focused visits. Each is placed at its "
        "last day, or at its first day, letter or publication date when that is not stated."
    )
    events = data.inspections + data.visits
    if not events:
        return _figure(chart_id, heading, caption, _empty("No inspection or visit is loaded.")), 0
    dated = [e for e in events if e.date is not None]
    undated = [e for e in events if e.date is None]
    by_authority: dict[tuple[str, str | None], list[Event]] = defaultdict(list)
    for event in events:
        by_authority[(event.authority_name, event.authority_id)].append(event)
    authorities = sorted(by_authority, key=lambda key: (key[0].casefold(), key[1] or ""))

    if dated:
        first_year = min(e.date.year for e in dated)
        last_year = max(e.date.year for e in dated)
    else:
        first_year = last_year = dt.date.today().year
    start, end = dt.date(first_year, 1, 1), dt.date(last_year + 1, 1, 1)
    left, plot_width, row_h = 250, max(560, 58 * (last_year + 1 - first_year)), 22
    width = left + plot_width + 40
    span = (end - start).days

    def x_of(day: dt.date) -> float:
        return left + plot_width * (day - start).days / span

    grades = [g for g, _, _ in GRADE_STYLES if any(grade_key(e.grade) == g for e in data.inspections)]
    visit_kinds = [k for k in VISIT_STYLES if any(e.kind == k for e in data.visits)]
    description = (
        f"{plural(len(authorities), 'authority', 'authorities')} from {first_year} to {last_year}: "
        f"{plural(len(data.inspections), 'inspection')} and {plural(len(data.visits), 'visit')}"
        + (f"; {len(undated)} without any date are listed but not placed" if undated else "")
        + "."
    )
    svg = _Svg(chart_id, heading, description)
    legend = [(f"Inspection: {g}", GRADE_FILL[g]) for g in grades]
    legend += [(VISIT_STYLES[k][0], VISIT_STYLES[k][1]) for k in visit_kinds]
    y = _legend(svg, left, 8, legend, plot_width)
    axis_y = y + 14
    for year in range(first_year, last_year + 1):
        svg.text(x_of(dt.date(year, 7, 1)), axis_y, str(year), size=10, anchor="middle")
    top = axis_y + 8
    bottom = top + len(authorities) * row_h
    # stripes and grid lines first, so that they never cover a label or a marker
    for index in range(0, len(authorities), 2):
        svg.rect(0, top + index * row_h, width, row_h, "#f4f4f4", mark=False)
    for year in range(first_year, last_year + 2):
        x = x_of(dt.date(year, 1, 1))
        svg.line(x, top, x, bottom, stroke="#bbbbbb", dash=True)
    rows = []
    for index, key in enumerate(authorities):
        name = key[0]
        middle = top + index * row_h + row_h / 2
        svg.text(left - 10, middle + 4, _clip(name, 34), size=11, anchor="end", tip=name)
        for event in sorted(by_authority[key], key=lambda e: e.date or dt.date.max):
            when = fmt_date(event.date) + (
                "" if event.dated_by in ("last day", UNDATED) else f" ({event.dated_by})"
            )
            href = event_link(data, event)
            if event.kind in VISIT_STYLES:
                tip = f"{name}: {event.label}, {when}"
                rows.append([name, Link(event.label, href), when, ""])
            else:
                grade = event.grade or NO_GRADE.lower()
                if event.grade_note:
                    grade = f"{event.grade} ({event.grade_note})"
                tip = f"{name}: {event.label}, {when}: {grade}"
                rows.append([name, Link(event.label, href), when, grade])
            if href:
                tip += " (opens the report)"
            if event.date is None:
                continue
            x = x_of(event.date)
            if event.kind in VISIT_STYLES:
                draw = _diamond if event.kind == "monitoring_visit" else _triangle
                svg.path(draw(x, middle, 6), VISIT_STYLES[event.kind][1], tip=tip, href=href)
            else:
                svg.circle(
                    x,
                    middle,
                    6,
                    GRADE_FILL[grade_key(event.grade)],
                    tip,
                    extra=' stroke-dasharray="3 2" stroke-width="2"' if event.grade_note else "",
                    href=href,
                )
    for year in range(first_year, last_year + 1):
        svg.text(x_of(dt.date(year, 7, 1)), bottom + 14, str(year), size=10, anchor="middle")
    note = ""
    if undated:
        undated_reports = esc(plural(len(undated), "report"))
        note = f'<p class="note">{undated_reports} without any date: listed in the table, not drawn.</p>'
    table = _table(["authority", "report", "date", "overall effectiveness"], rows)
    return _figure(chart_id, heading, caption, svg.render(width, bottom + 22) + note + table), svg.marks


FRAMEWORK_SHORT = {
    "child_protection_inspection": "Child prot.",
    "looked_after_children_inspection": "LAC 2013",
    "sif_inspection": "SIF",
    "lscb_review": "LSCB review",
    "ilacs_inspection": "ILACS",
    ILACS_2026: "ILACS 2026",
    "monitoring_visit": "Monitoring",
    "focused_visit": "Focused visit",
    "other": "Other",
}
# Ofsted's categories of focused visit, in the order they are listed; the 2020-21 assurance visits after them
VISIT_THEMES = [
    "Front door",
    "Children in need/subject to a plan",
    "Children in care",
    "Care leavers",
    "Achieving permanence",
    "Vulnerable adolescents",
    "Assurance visit",
]
# a sequential blue scale, light to dark, for the heat maps
BLUES = [(247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)]


def _shade(fraction: float) -> tuple[str, str]:
    """Fill and text colour for a share between 0 and 1 of the darkest cell."""
    position = min(max(fraction, 0.0), 1.0) * (len(BLUES) - 1)
    low = min(int(position), len(BLUES) - 2)
    weight = position - low
    rgb = [round(a + (b - a) * weight) for a, b in zip(BLUES[low], BLUES[low + 1])]
    return "#{:02x}{:02x}{:02x}".format(*rgb), "#ffffff" if position > 2.2 else "#000000"


def _report_places(data: ReportData) -> dict[str, tuple[dt.date | None, str]]:
    """Each report's date and framework: an inspection's or visit's own date, else its publication."""
    places = {rid: (src.publication_date, src.report_type or "other") for rid, src in data.sources.items()}
    for event in data.inspections + data.visits:
        if event.report_id:
            published = places.get(event.report_id, (None, ""))[0]
            places[event.report_id] = (event.date or published, event.framework)
    return places


def _heatmap(
    svg: _Svg,
    x: float,
    y: float,
    rows: list[str],
    columns: list[tuple[object, str]],
    counts: Counter,
    scale: dict[object, int] | None,
    cell_w: float,
    cell_h: float,
    tip: str,
) -> float:
    """One block of a heat map: a header row, then a cell per (row, column) holding its count, shaded by
    its share of the column's `scale` total (or, without totals, by the count against the block's
    largest). `tip` is formatted with row, column, n and share. Returns the block's right edge."""

    def share(row, key) -> float:
        n = counts.get((row, key), 0)
        return n / scale[key] if scale and scale.get(key) else float(n)

    largest = max((share(r, k) for r in rows for k, _ in columns), default=0) or 1
    for index, (_, label) in enumerate(columns):
        svg.text(x + index * cell_w + cell_w / 2, y - 6, label, size=10, anchor="middle")
    for row_index, row in enumerate(rows):
        top = y + row_index * cell_h
        for index, (key, label) in enumerate(columns):
            left = x + index * cell_w
            n = counts.get((row, key), 0)
            if not n:
                svg.rect(left, top, cell_w, cell_h, "#fafafa", mark=False, stroke="#eeeeee")
                continue
            fraction = share(row, key)
            fill, ink = _shade(fraction / largest)
            percent = f"{fraction:.0%}" if scale else ""
            svg.rect(
                left,
                top,
                cell_w,
                cell_h,
                fill,
                stroke="#ffffff",
                tip=tip.format(row=row, column=label, n=n, share=percent),
            )
            svg.text(left + cell_w / 2, top + cell_h - 4.5, str(n), size=9, anchor="middle", fill=ink)
    return x + len(columns) * cell_w


def chart_recommendation_themes(data: ReportData) -> tuple[str, int]:
    """(d) Recommendations by theme: by year of the report that made them, and by framework."""
    chart_id = "chart-recommendation-themes"
    heading = "Recommendation themes by year and by framework"
    caption = (
        "How many recommendations and areas for improvement touch each theme the warehouse finds in their "
        "wording (one recommendation may touch several), by the year of the report that made them and by "
        "its framework. A cell is shaded by its share of that column's recommendations, so years and "
        "frameworks with more reports compare fairly; the number is the count."
    )
    if not data.recommendations:
        return _figure(chart_id, heading, caption, _empty("No recommendation is loaded.")), 0
    places = _report_places(data)
    counts: Counter = Counter()
    per_column: Counter = Counter()  # recommendations per year and per framework
    totals: Counter = Counter()
    for rec in data.recommendations:
        date, framework = places.get(rec.report_id, (None, "other"))
        year = date.year if date else None
        per_column[("year", year)] += 1
        per_column[("framework", framework)] += 1
        for theme in rec.themes or [NO_THEME]:
            counts[(theme, ("year", year))] += 1
            counts[(theme, ("framework", framework))] += 1
            totals[theme] += 1
    last = {"other", NO_THEME}
    themes = sorted(totals, key=lambda t: (t in last, -totals[t], t))
    years = sorted(y for kind, y in per_column if kind == "year" and y is not None)
    year_columns = [(("year", y), str(y)) for y in range(years[0], years[-1] + 1)] if years else []
    if ("year", None) in per_column:
        year_columns.append((("year", None), "n.d."))
    frameworks = [k for k in FRAMEWORKS if ("framework", k) in per_column]
    frameworks += sorted({k for kind, k in per_column if kind == "framework"} - set(frameworks))
    framework_columns = [(("framework", k), FRAMEWORK_SHORT.get(k, k)) for k in frameworks]

    left, cell_h, year_w, framework_w, gap = 250, 17, 38, 84, 28
    width = left + year_w * len(year_columns) + gap + framework_w * len(framework_columns) + 70
    description = (
        f"{plural(len(data.recommendations), 'recommendation')} under {plural(len(themes), 'theme')}; "
        "the most frequent: " + ", ".join(f"{t} ({totals[t]})" for t in themes[:5]) + "."
    )
    svg = _Svg(chart_id, heading, description)
    svg.text(left, 16, "By year of the report", size=11, weight="bold")
    framework_x = left + year_w * len(year_columns) + gap
    svg.text(framework_x, 16, "By framework", size=11, weight="bold")
    top = 44
    for index, theme in enumerate(themes):
        svg.text(
            left - 8, top + index * cell_h + cell_h - 4.5, _clip(theme, 38), size=11, anchor="end", tip=theme
        )
    scale = {key: n for key, n in per_column.items()}
    _heatmap(
        svg,
        left,
        top,
        themes,
        year_columns,
        counts,
        scale,
        year_w,
        cell_h,
        "{row}, {column}: {n} recommendations ({share} of that year's)",
    )
    right = _heatmap(
        svg,
        framework_x,
        top,
        themes,
        framework_columns,
        counts,
        scale,
        framework_w,
        cell_h,
        "{row}, {column}: {n} recommendations ({share} of that framework's)",
    )
    svg.text(right + 8, top - 6, "all", size=10)
    for index, theme in enumerate(themes):
        svg.text(right + 8, top + index * cell_h + cell_h - 4.5, str(totals[theme]), size=9)
    bottom = top + len(themes) * cell_h
    svg.text(left - 8, bottom + 14, "recommendations", size=10, anchor="end")
    for index, (key, _) in enumerate(year_columns):
        svg.text(
            left + index * year_w + year_w / 2, bottom + 14, str(per_column[key]), size=9, anchor="middle"
        )
    for index, (key, _) in enumerate(framework_columns):
        svg.text(
            framework_x + index * framework_w + framework_w / 2,
            bottom + 14,
            str(per_column[key]),
            size=9,
            anchor="middle",
        )
    table = _table(
        ["theme", *(label for _, label in year_columns), *(FRAMEWORKS.get(k, k) for k in frameworks), "all"],
        [
            [
                theme,
                *(counts.get((theme, key), 0) for key, _ in year_columns + framework_columns),
                totals[theme],
            ]
            for theme in themes
        ],
    )
    return _figure(chart_id, heading, caption, svg.render(width, bottom + 24) + table), svg.marks


def chart_visit_themes(data: ReportData) -> tuple[str, int]:
    """(e) Focused visits by the theme Ofsted gave them, year by year."""
    chart_id = "chart-visit-themes"
    heading = "Focused visits by theme"
    caption = (
        "Focused visit letters by the theme Ofsted gave the visit (its own categories; the 2020-21 "
        "assurance visits too), by the year of the visit. Darker cells hold more visits."
    )
    visits = [e for e in data.visits if e.kind == "focused_visit"]
    if not visits:
        return _figure(chart_id, heading, caption, _empty("No focused visit is loaded.")), 0
    counts: Counter = Counter((e.theme or NO_THEME, e.date.year if e.date else None) for e in visits)
    totals: Counter = Counter(e.theme or NO_THEME for e in visits)
    themes = [t for t in VISIT_THEMES if t in totals] + sorted(set(totals) - set(VISIT_THEMES) - {NO_THEME})
    themes += [NO_THEME] if NO_THEME in totals else []
    years = sorted({year for _, year in counts if year is not None})
    columns: list[tuple[object, str]] = [(y, str(y)) for y in range(years[0], years[-1] + 1)] if years else []
    if any(year is None for _, year in counts):
        columns.append((None, "n.d."))
    left, cell_w, cell_h = 250, 44, 20
    right = left + cell_w * len(columns)
    description = (
        f"{plural(len(visits), 'focused visit')}: " + ", ".join(f"{totals[t]} {t}" for t in themes) + "."
    )
    svg = _Svg(chart_id, heading, description)
    top = 24
    for index, theme in enumerate(themes):
        svg.text(left - 8, top + index * cell_h + cell_h - 6, theme, size=11, anchor="end")
    _heatmap(
        svg, left, top, themes, columns, counts, None, cell_w, cell_h, "{row}, {column}: {n} focused visits"
    )
    svg.text(right + 8, top - 6, "all", size=10)
    for index, theme in enumerate(themes):
        svg.text(right + 8, top + index * cell_h + cell_h - 6, str(totals[theme]), size=10)
    bottom = top + len(themes) * cell_h
    table = _table(
        ["theme", *(label for _, label in columns), "all"],
        [[t, *(counts.get((t, y), 0) for y, _ in columns), totals[t]] for t in themes],
    )
    return _figure(chart_id, heading, caption, svg.render(right + 60, bottom + 8) + table), svg.marks


STYLE = """
body { font-family: DejaVu Sans, Liberation Sans, Arial, sans-serif; color: #222; margin: 0 auto;
       max-width: 1240px; padding: 16px 24px 48px; background: #fff; }
h1 { font-size: 1.6em; margin: 0.4em 0 0.2em; }
h2 { font-size: 1.2em; margin: 0 0 0.2em; }
figure { margin: 28px 0; padding: 12px 16px; border: 1px solid #ddd; border-radius: 4px; }
figcaption p, .meta, .note { color: #555; font-size: 0.9em; margin: 0.2em 0 0.8em; }
svg.chart { display: block; max-width: 100%; height: auto; }
.empty { font-style: italic; color: #555; padding: 1em; background: #f7f7f7; }
details { margin-top: 8px; font-size: 0.85em; }
table { border-collapse: collapse; margin-top: 6px; }
th, td { border: 1px solid #ddd; padding: 2px 8px; text-align: left; }
nav a { margin-right: 1em; }
#coverage { margin: 16px 0 0; padding: 8px 16px; background: #f5f7fa; border-left: 4px solid #4e79a7; }
#coverage p { margin: 0.3em 0; font-size: 0.92em; }
"""

CHARTS = (
    chart_judgements,
    chart_current_grades,
    chart_timelines,
    chart_recommendation_themes,
    chart_visit_themes,
)


RECONCILIATION_FRAMEWORKS = {
    "cpi": "child protection inspection",
    "cpri": "child protection re-inspection",
    "slac": "safeguarding and looked after children inspection",
    "tlac": "looked after children inspection",
    "sif": "SIF inspection",
    "sif_reinspection": "SIF re-inspection",
    "lscb": "safeguarding board review",
    "ilacs_standard": "ILACS standard inspection",
    "ilacs_short": "ILACS short inspection",
    "focused_visit": "focused visit",
    "monitoring_visit": "monitoring visit",
}


def coverage(data: ReportData) -> str:
    """What the warehouse holds, in words: a mostly white grid must not read as "never inspected"."""
    current = [a for a in data.authorities if a.is_current]
    reported = {src.authority_id for src in data.sources.values()}
    covered = sum(a.authority_id in reported for a in current)
    lines = [
        f"{covered} of {plural(len(current), 'current authority', 'current authorities')} have at least one "
        f"report loaded; the other {len(current) - covered} have none. A white cell on the grid below says "
        "the warehouse holds no graded report of that authority, not that Ofsted never inspected it.",
        f"{plural(data.report_count, 'report')} loaded; {plural(len(data.held_back), 'document')} held back "
        "(read, but a check about the document itself failed, so it is kept out of the tables).",
    ]
    if data.reconciliation is not None:
        counts = data.reconciliation
        listed = sum(n for status, n in counts.items() if status != "not_in_statistics")
        missing = Counter(framework for _, framework, _ in data.missing_events)
        detail = ", ".join(
            f"{n} {RECONCILIATION_FRAMEWORKS.get(f, f or 'other')}" for f, n in missing.most_common()
        )
        lines.append(
            f"Ofsted's official statistics list {plural(listed, 'event')}: "
            f"{counts.get('matched', 0)} matched "
            f"to a loaded report, {counts.get('no_report', 0)} with no report loaded yet"
            + (f" ({detail})" if detail else "")
            + f", {counts.get('framework_not_read', 0)} of a framework the warehouse does not read; "
            f"{plural(counts.get('not_in_statistics', 0), 'loaded report')} the statistics do not list."
        )
    else:
        lines.append("This warehouse holds no reconciliation with Ofsted's official statistics.")
    body = "".join(f"<p>{esc(line)}</p>" for line in lines)
    if data.held_back:
        rows = [
            [Link(file, source_link(Source("", None, None, file, None, None), data.raw_dir)), reason or ""]
            for file, reason in data.held_back
        ]
        body += _table(["document", "why it is held back"], rows, summary="The documents held back")
    return (
        '<section id="coverage" aria-labelledby="coverage-heading">'
        f'<h2 id="coverage-heading">Coverage</h2>{body}</section>'
    )


def render_report(data: ReportData) -> tuple[str, dict[str, int]]:
    """The whole page, and the number of data marks each chart drew."""
    figures, marks = [], {}
    for chart in CHARTS:
        figure, count = chart(data)
        figures.append(figure)
        marks[figure.split('"', 2)[1]] = count
    published = (
        f"publication of {data.published_at:%Y-%m-%d %H:%M:%S} UTC (run {data.run_id})"
        if data.published_at
        else "the warehouse (no publication recorded)"
    )
    summary = (
        f"{plural(data.report_count, 'report')} loaded: "
        f"{plural(len(data.inspections), 'graded inspection')}, "
        f"{plural(len(data.visits), 'visit letter')}, "
        f"{plural(len(data.recommendations), 'recommendation')}."
    )
    nav = '<a href="#coverage">coverage</a>' + "".join(
        f'<a href="#{chart_id}">{esc(chart_id.removeprefix("chart-"))}</a>' for chart_id in marks
    )
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Ofsted children's services inspections: report</title>"
        f"<style>{STYLE}</style></head><body>"
        "<header><h1>Ofsted inspections of local authority children's services</h1>"
        f'<p class="meta">Built from the {esc(published)}. {esc(summary)}</p>'
        f"<nav>{nav}</nav>{coverage(data)}</header><main>" + "".join(figures) + "</main></body></html>\n"
    )
    return page, marks


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def report_is_current(report_dir: Path, published_path: Path) -> bool:
    """Whether the report exists and was written after the published file it shows."""
    page = report_dir / REPORT_FILE
    return (
        page.is_file() and published_path.is_file() and page.stat().st_mtime >= published_path.stat().st_mtime
    )


def build_report(published_path: Path, report_dir: Path, raw_dir: Path | None = None) -> ReportResult:
    """Read the published file and write `report_dir/index.html` in its place. Reports link to where they
    were downloaded from, else to their file under `raw_dir` (no link without either)."""
    con = attach_published(published_path)
    try:
        data = read_report_data(con)
    finally:
        con.close()
    data.raw_dir = raw_dir
    page, marks = render_report(data)
    # imported here: the pages module builds on this one's data and drawing helpers
    from orchestration.lib.outputs.report.authorities import write_authority_pages

    report_dir.mkdir(parents=True, exist_ok=True)
    pages = write_authority_pages(report_dir, data)
    # the index last: a report counts as current (report_is_current) only once its pages are in place
    path = report_dir / REPORT_FILE
    write_atomically(path, page)
    return ReportResult(path, data.published_at, marks, pages)
