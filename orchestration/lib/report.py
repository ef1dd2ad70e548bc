"""The published warehouse in pictures: one self-contained HTML page, `report/index.html` beside the
published file, that opens in any browser without a network.

Four charts, each an inline SVG drawn here (no JavaScript, no chart library, no web fonts):

- `chart-judgements`: graded inspections per year for each framework, stacked by overall effectiveness;
- `chart-current-grades`: every authority, region by region, coloured by its latest overall grade;
- `chart-timelines`: one row per authority with its inspections (coloured by grade) and visits on a time axis;
- `chart-recommendations`: recommendations by timescale, stacked by the type of report that made them.

Each chart has a caption, an SVG `<title>` and `<desc>`, and the figures it draws as a table under it, and
says so in words when there is nothing to draw. Every text that comes from the data is escaped.

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
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .publish import attach_published

REPORT_FILE = "index.html"

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

FRAMEWORKS = {
    "child_protection_inspection": "Child protection (2012-13)",
    "looked_after_children_inspection": "Looked after children (2013)",
    "sif_inspection": "Single inspection framework (2013-18)",
    "lscb_review": "Safeguarding board review",
    "ilacs_inspection": "ILACS (2018-)",
    "monitoring_visit": "Monitoring visit",
    "focused_visit": "Focused visit",
    "other": "Other document",
}
TYPE_FILLS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f", "#bab0ac"]
TIMESCALES = [
    ("immediately", "Immediately"),
    ("within_3_months", "Within 3 months"),
    ("within_6_months", "Within 6 months"),
    (None, "No timescale given"),
]
VISIT_STYLES = {"monitoring_visit": ("Monitoring visit", "#2166ac"), "focused_visit": ("Focused visit", "#762a83")}
NO_REGION = "Region not known"
UNDATED = "date not stated"

FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"


def esc(value: object) -> str:
    """Text from the data, safe inside HTML and inline SVG, attributes included."""
    return html.escape("" if value is None else str(value), quote=True)


@dataclass
class Event:
    """An inspection or a visit of one authority, placed at its most precise known date."""

    authority_id: str | None
    authority_name: str
    kind: str  # a report_type
    date: dt.date | None
    dated_by: str  # which column the date came from
    grade: str | None = None  # overall effectiveness, inspections only
    label: str = ""


@dataclass
class Authority:
    authority_id: str
    name: str
    region: str
    is_current: bool


@dataclass
class ReportData:
    published_at: dt.datetime | None = None
    run_id: str | None = None
    report_count: int = 0
    authorities: list[Authority] = field(default_factory=list)
    inspections: list[Event] = field(default_factory=list)
    visits: list[Event] = field(default_factory=list)
    # (timescale or None, report_type or None, count)
    recommendations: list[tuple[str | None, str | None, int]] = field(default_factory=list)


@dataclass
class ReportResult:
    path: Path
    published_at: dt.datetime | None
    marks: dict[str, int]  # chart id: number of data marks drawn


# ---------------------------------------------------------------------------------------------- reading


def _best_date(*candidates: tuple[str, dt.date | None]) -> tuple[dt.date | None, str]:
    for column, value in candidates:
        if value is not None:
            return value, column
    return None, UNDATED


def read_report_data(con: duckdb.DuckDBPyConnection) -> ReportData:
    """What the charts need, from the `marts` (and, when present, `audit`) schemas of `con`'s catalog."""
    data = ReportData()
    try:
        rows = con.execute(
            "SELECT published_at, run_id FROM audit.publications ORDER BY published_at DESC LIMIT 1"
        ).fetchall()
        if rows:
            data.published_at, data.run_id = rows[0]
    except duckdb.CatalogException:
        pass  # a warehouse without the audit schema still has its marts to draw
    data.report_count = con.execute("SELECT count(*) FROM marts.dim_reports").fetchall()[0][0]
    data.authorities = [
        Authority(authority_id, name or authority_id, region or NO_REGION, bool(is_current))
        for authority_id, name, region, is_current in con.execute(
            """SELECT local_authority_id, local_authority_name, ofsted_region, is_current
               FROM marts.dim_local_authorities WHERE local_authority_id IS NOT NULL"""
        ).fetchall()
    ]
    for authority_id, name, kind, start, end, published, grade, inspection_kind in con.execute(
        """SELECT i.local_authority_id, a.local_authority_name, i.report_type, i.inspection_start_date,
                  i.inspection_end_date, i.publication_date, i.overall_effectiveness, i.inspection_kind
           FROM marts.fct_inspections i LEFT JOIN marts.dim_local_authorities a USING (local_authority_id)"""
    ).fetchall():
        date, dated_by = _best_date(("last day", end), ("first day", start), ("publication", published))
        label = FRAMEWORKS.get(kind, kind or "inspection") + (f" ({inspection_kind})" if inspection_kind else "")
        data.inspections.append(
            Event(authority_id, name or authority_id or "Authority not identified", kind or "other", date, dated_by,
                  grade, label)
        )
    for authority_id, name, kind, start, end, letter, published, number in con.execute(
        """SELECT v.local_authority_id, a.local_authority_name, v.visit_type, v.visit_start_date,
                  v.visit_end_date, v.letter_date, v.publication_date, v.visit_number
           FROM marts.fct_visits v LEFT JOIN marts.dim_local_authorities a USING (local_authority_id)"""
    ).fetchall():
        date, dated_by = _best_date(
            ("last day", end), ("first day", start), ("letter", letter), ("publication", published)
        )
        label = VISIT_STYLES.get(kind, (kind or "visit",))[0] + (f" number {number}" if number else "")
        data.visits.append(
            Event(authority_id, name or authority_id or "Authority not identified", kind or "monitoring_visit",
                  date, dated_by, None, label)
        )
    data.recommendations = [
        (timescale, report_type, count)
        for timescale, report_type, count in con.execute(
            """SELECT timescale, report_type, count(*) FROM marts.fct_recommendations
               GROUP BY ALL ORDER BY ALL"""
        ).fetchall()
    ]
    return data


# ---------------------------------------------------------------------------------------------- drawing


def _grade_key(grade: str | None) -> str:
    if grade is None:
        return NO_GRADE
    return grade if grade in GRADE_FILL else UNKNOWN_GRADE


def _fmt_date(value: dt.date | None) -> str:
    return value.isoformat() if value else UNDATED


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


class _Svg:
    """Collects the elements of one chart; every text goes through `esc`."""

    def __init__(self, chart_id: str, title: str, description: str):
        self.chart_id = chart_id
        self.title = title
        self.description = description
        self.parts: list[str] = []
        self.marks = 0

    def rect(self, x, y, width, height, fill, tip=None, mark=True, stroke=None, extra=""):
        stroke_attr = f' stroke="{stroke}"' if stroke else ""
        css = ' class="mark"' if mark else ""
        body = f"<title>{esc(tip)}</title>" if tip else ""
        self.marks += mark
        self.parts.append(
            f'<rect{css} x="{x:.1f}" y="{y:.1f}" width="{max(width, 0):.1f}" height="{max(height, 0):.1f}" '
            f'fill="{fill}"{stroke_attr}{extra}>{body}</rect>'
        )

    def circle(self, cx, cy, r, fill, tip):
        self.marks += 1
        self.parts.append(
            f'<circle class="mark" cx="{cx:.1f}" cy="{cy:.1f}" r="{r}" fill="{fill}" stroke="#333333">'
            f"<title>{esc(tip)}</title></circle>"
        )

    def path(self, d, fill, tip=None, mark=True):
        self.marks += mark
        css = ' class="mark"' if mark else ""
        body = f"<title>{esc(tip)}</title>" if tip else ""
        self.parts.append(f'<path{css} d="{d}" fill="{fill}" stroke="#333333">{body}</path>')

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
            f'<desc id="{self.chart_id}-desc">{esc(self.description)}</desc>'
            + "".join(self.parts)
            + "</svg>"
        )


def _legend(svg: _Svg, x: float, y: float, entries: list[tuple[str, str]], width: float) -> float:
    """Swatches and labels, wrapping at `width`; returns the y below the legend."""
    cursor_x, cursor_y = x, y
    for label, fill in entries:
        item_width = 22 + 6.2 * len(label)
        if cursor_x > x and cursor_x + item_width > x + width:
            cursor_x, cursor_y = x, cursor_y + 18
        svg.rect(cursor_x, cursor_y, 12, 12, fill, mark=False, stroke="#555555")
        svg.text(cursor_x + 17, cursor_y + 10.5, label, size=11)
        cursor_x += item_width + 12
    return cursor_y + 24


def _table(headers: list[str], rows: list[list[object]]) -> str:
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return (
        f'<details><summary>The figures as a table</summary><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></details>"
    )


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
        "judgement."
    )
    counts: dict[str, Counter] = defaultdict(Counter)  # framework -> (year, grade) -> n
    for event in data.inspections:
        year = event.date.year if event.date else None
        counts[event.kind][(year, _grade_key(event.grade))] += 1
    if not counts:
        return _figure(chart_id, heading, caption, _empty("No graded inspection is loaded.")), 0
    frameworks = [kind for kind in FRAMEWORKS if kind in counts] + sorted(set(counts) - set(FRAMEWORKS))
    known_years = sorted({year for c in counts.values() for year, _ in c if year is not None})
    columns: list[int | None] = list(range(known_years[0], known_years[-1] + 1)) if known_years else []
    if any(year is None for c in counts.values() for year, _ in c):
        columns.append(None)
    grades = [grade for grade, _, _ in GRADE_STYLES if any(g == grade for c in counts.values() for _, g in c)]
    totals = {(kind, year): sum(n for (y, _), n in counts[kind].items() if y == year) for kind in frameworks
              for year in columns}
    top = max(totals.values())

    left, plot_width, panel_height, gap = 300, max(480, 46 * len(columns)), 110, 26
    bar_room = panel_height - 14  # headroom for the total above the tallest bar
    slot = plot_width / len(columns)
    bar = min(32.0, slot * 0.7)
    width = left + plot_width + 20
    total = sum(sum(c.values()) for c in counts.values())
    description = (
        f"{_plural(total, 'graded inspection')} in {_plural(len(frameworks), 'framework')}, "
        + "; ".join(
            f"{FRAMEWORKS.get(kind, kind)}: "
            + ", ".join(f"{n} {grade}" for grade in grades if (n := sum(v for (_, g), v in counts[kind].items()
                                                                             if g == grade)))
            for kind in frameworks
        )
        + "."
    )
    svg = _Svg(chart_id, heading, description)
    y = _legend(svg, left, 8, [(grade, GRADE_FILL[grade]) for grade in grades], plot_width)
    for kind in frameworks:
        base = y + panel_height
        svg.text(left - 10, y + panel_height / 2, FRAMEWORKS.get(kind, kind), size=11, anchor="end", weight="bold")
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
                svg.rect(x, base - stacked - h, bar, h, GRADE_FILL[grade], stroke="#ffffff",
                         tip=f"{FRAMEWORKS.get(kind, kind)}, {year or UNDATED}: {_plural(n, 'inspection')} {grade}")
                stacked += h
            if totals[(kind, year)]:
                svg.text(x + bar / 2, base - stacked - 3, str(totals[(kind, year)]), size=9, anchor="middle")
        y = base + gap
    for index, year in enumerate(columns):
        svg.text(left + slot * (index + 0.5), y - gap + 16, year or "n.d.", size=10, anchor="middle",
                 tip=None if year else UNDATED)
    table = _table(
        ["framework", "year", *grades],
        [[FRAMEWORKS.get(kind, kind), year or UNDATED, *(counts[kind].get((year, g), 0) for g in grades)]
         for kind in frameworks for year in columns if totals[(kind, year)]],
    )
    return _figure(chart_id, heading, caption, svg.render(width, y + 4) + table), svg.marks


def _latest_grades(data: ReportData) -> dict[str, Event]:
    """Each authority's latest inspection with an overall grade: latest known date first, undated last."""
    latest: dict[str, Event] = {}
    for event in data.inspections:
        if event.authority_id is None or event.grade is None:
            continue
        held = latest.get(event.authority_id)
        if held is None or (event.date or dt.date.min) > (held.date or dt.date.min):
            latest[event.authority_id] = event
    return latest


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def chart_current_grades(data: ReportData) -> tuple[str, int]:
    """(b) Every authority by Ofsted region, coloured by its latest overall effectiveness."""
    chart_id = "chart-current-grades"
    heading = "Latest overall grade of every authority, by region"
    caption = (
        "Each current authority, and each former one with a report loaded, coloured by the overall "
        "effectiveness of its latest graded inspection in the warehouse; white where none is loaded. "
        "Hover over a cell for the inspection's date and type."
    )
    latest = _latest_grades(data)
    with_reports = {e.authority_id for e in data.inspections + data.visits}
    known = {a.authority_id for a in data.authorities}
    authorities = [a for a in data.authorities if a.is_current or a.authority_id in with_reports]
    # an authority a report names but the dimension lacks still has its grade shown
    names = {e.authority_id: e.authority_name for e in data.inspections + data.visits}
    authorities += [Authority(i, names[i], NO_REGION, True) for i in sorted(with_reports - known - {None})]
    if not authorities:
        return _figure(chart_id, heading, caption, _empty("No local authority is loaded.")), 0
    by_region: dict[str, list[Authority]] = defaultdict(list)
    for authority in authorities:
        by_region[authority.region].append(authority)
    regions = sorted(by_region, key=lambda r: (r == NO_REGION, r))

    columns, cell_w, cell_h, pad, left = 6, 186, 36, 4, 10
    width = left + columns * (cell_w + pad) + 10
    used = [grade for grade, _, _ in GRADE_STYLES if any(_grade_key(e.grade) == grade for e in latest.values())]
    tally = Counter(_grade_key(latest[a.authority_id].grade) if a.authority_id in latest else NEVER_GRADED
                    for a in authorities)
    description = (
        f"{_plural(len(authorities), 'authority', 'authorities')} in {_plural(len(regions), 'region')}: "
        + ", ".join(f"{n} {grade}" for grade, n in tally.most_common())
        + "."
    )
    svg = _Svg(chart_id, heading, description)
    y = _legend(svg, left, 8, [(g, GRADE_FILL[g]) for g in used] + [(NEVER_GRADED, NEVER_GRADED_FILL)],
                width - 2 * left)
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
            if event is None:
                fill, ink, detail = NEVER_GRADED_FILL, "#444444", "no graded inspection loaded"
                tip = f"{name}: no graded inspection loaded"
            else:
                grade = _grade_key(event.grade)
                fill, ink = GRADE_FILL[grade], GRADE_INK[grade]
                when = event.date.year if event.date else "n.d."
                detail = f"{SHORT_GRADES.get(event.grade, event.grade)} · {when}"
                tip = f"{name}: {event.grade}, {event.label}, {_fmt_date(event.date)}"
            svg.rect(x, top, cell_w, cell_h, fill, tip=tip, stroke="#888888",
                     extra=f' data-authority="{esc(authority.authority_id)}"')
            svg.text(x + 5, top + 14, _clip(name, 25), size=10.5, fill=ink, weight="bold", tip=tip)
            svg.text(x + 5, top + 29, _clip(detail, 34), size=9.5, fill=ink, tip=tip)
            rows.append([region, name, authority.authority_id, event.grade if event else "no graded inspection loaded",
                         _fmt_date(event.date) if event else "", event.label if event else ""])
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
        "effectiveness; diamonds are monitoring visits and triangles focused visits. Each is placed at its "
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

    grades = [g for g, _, _ in GRADE_STYLES if any(_grade_key(e.grade) == g for e in data.inspections)]
    visit_kinds = [k for k in VISIT_STYLES if any(e.kind == k for e in data.visits)]
    description = (
        f"{_plural(len(authorities), 'authority', 'authorities')} from {first_year} to {last_year}: "
        f"{_plural(len(data.inspections), 'inspection')} and {_plural(len(data.visits), 'visit')}"
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
            when = _fmt_date(event.date) + ("" if event.dated_by in ("last day", UNDATED) else f" ({event.dated_by})")
            if event.kind in VISIT_STYLES:
                tip = f"{name}: {event.label}, {when}"
                rows.append([name, event.label, when, ""])
            else:
                tip = f"{name}: {event.label}, {when}: {event.grade or NO_GRADE.lower()}"
                rows.append([name, event.label, when, event.grade or NO_GRADE.lower()])
            if event.date is None:
                continue
            x = x_of(event.date)
            if event.kind in VISIT_STYLES:
                draw = _diamond if event.kind == "monitoring_visit" else _triangle
                svg.path(draw(x, middle, 6), VISIT_STYLES[event.kind][1], tip=tip)
            else:
                svg.circle(x, middle, 6, GRADE_FILL[_grade_key(event.grade)], tip)
    for year in range(first_year, last_year + 1):
        svg.text(x_of(dt.date(year, 7, 1)), bottom + 14, str(year), size=10, anchor="middle")
    note = ""
    if undated:
        note = f'<p class="note">{esc(_plural(len(undated), "report"))} without any date: listed in the table, not drawn.</p>'
    table = _table(["authority", "report", "date", "overall effectiveness"], rows)
    return _figure(chart_id, heading, caption, svg.render(width, bottom + 22) + note + table), svg.marks


def chart_recommendations(data: ReportData) -> tuple[str, int]:
    """(d) Recommendations by timescale, stacked by the type of report that made them."""
    chart_id = "chart-recommendations"
    heading = "Recommendations by timescale"
    caption = (
        "Recommendations and areas for improvement by the timescale the report gives them, stacked by the "
        "type of report that made them."
    )
    if not data.recommendations:
        return _figure(chart_id, heading, caption, _empty("No recommendation is loaded.")), 0
    known = {key for key, _ in TIMESCALES}
    timescales = list(TIMESCALES) + sorted({(t, t) for t, _, _ in data.recommendations if t not in known})
    types = [t for t in FRAMEWORKS if any(r == t for _, r, _ in data.recommendations)]
    types += sorted({r or "other" for _, r, _ in data.recommendations} - set(types))
    fills = {t: TYPE_FILLS[i % len(TYPE_FILLS)] for i, t in enumerate(types)}
    counts: Counter = Counter()
    for timescale, report_type, n in data.recommendations:
        counts[(timescale, report_type or "other")] += n
    totals = {key: sum(counts[(key, t)] for t in types) for key, _ in timescales}
    top = max(totals.values())

    left, plot_width, bar_h, gap = 170, 600, 26, 12
    width = left + plot_width + 60
    description = (
        f"{_plural(sum(totals.values()), 'recommendation')}: "
        + ", ".join(f"{totals[key]} {label.lower()}" for key, label in timescales)
        + "."
    )
    svg = _Svg(chart_id, heading, description)
    y = _legend(svg, left, 8, [(FRAMEWORKS.get(t, t), fills[t]) for t in types], plot_width)
    rows = []
    for key, label in timescales:
        svg.text(left - 10, y + bar_h / 2 + 4, label, size=12, anchor="end")
        x = left
        for report_type in types:
            n = counts.get((key, report_type), 0)
            if not n:
                continue
            w = plot_width * n / top
            svg.rect(x, y, w, bar_h, fills[report_type], stroke="#ffffff",
                     tip=f"{label}: {n} from {FRAMEWORKS.get(report_type, report_type)}")
            x += w
            rows.append([label, FRAMEWORKS.get(report_type, report_type), n])
        svg.text(x + 6, y + bar_h / 2 + 4, str(totals[key]), size=11)
        y += bar_h + gap
    svg.line(left, y - gap - (bar_h + gap) * len(timescales) + gap - 4, left, y - gap + 4, stroke="#555555")
    table = _table(["timescale", "report type", "recommendations"], rows)
    return _figure(chart_id, heading, caption, svg.render(width, y) + table), svg.marks


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
"""

CHARTS = (chart_judgements, chart_current_grades, chart_timelines, chart_recommendations)


def render_report(data: ReportData) -> tuple[str, dict[str, int]]:
    """The whole page, and the number of data marks each chart drew."""
    figures, marks = [], {}
    for chart in CHARTS:
        figure, count = chart(data)
        figures.append(figure)
        marks[figure.split('"', 2)[1]] = count
    published = (
        f"publication of {data.published_at:%Y-%m-%d %H:%M:%S} UTC (run {data.run_id})"
        if data.published_at else "the warehouse (no publication recorded)"
    )
    summary = (
        f"{_plural(data.report_count, 'report')} loaded: {_plural(len(data.inspections), 'graded inspection')}, "
        f"{_plural(len(data.visits), 'visit letter')}, "
        f"{_plural(sum(n for _, _, n in data.recommendations), 'recommendation')}."
    )
    nav = "".join(f'<a href="#{chart_id}">{esc(chart_id.removeprefix("chart-"))}</a>' for chart_id in marks)
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Ofsted children's services inspections: report</title>"
        f"<style>{STYLE}</style></head><body>"
        "<header><h1>Ofsted inspections of local authority children's services</h1>"
        f'<p class="meta">Built from the {esc(published)}. {esc(summary)}</p>'
        f"<nav>{nav}</nav></header><main>"
        + "".join(figures)
        + "</main></body></html>\n"
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
    return page.is_file() and published_path.is_file() and page.stat().st_mtime >= published_path.stat().st_mtime


def build_report(published_path: Path, report_dir: Path) -> ReportResult:
    """Read the published file and write `report_dir/index.html` in its place."""
    con = attach_published(published_path)
    try:
        data = read_report_data(con)
    finally:
        con.close()
    page, marks = render_report(data)
    path = report_dir / REPORT_FILE
    write_atomically(path, page)
    return ReportResult(path, data.published_at, marks)
