"""The report's charts as Vega-Lite specifications, written with Altair.

Each chart carries its own data (inline values: the page needs no server and no network) and the same five
parameters, `region`, `framework`, `year_from`, `year_to` and `search`, which the page's filter bar sets on
every chart at once (`view.signal(name, value)`); each chart filters its rows with FILTER. Every row of every
chart's data therefore has the fields `region`, `framework`, `year` and `authority`.

Each chart also gives its figures as a table and a text alternative in words (the figures of the whole
warehouse, before any filter), for readers who cannot see the chart and for copying into a document.

The 2026 ILACS framework gives no overall effectiveness: its inspections are their own category, drawn in a
neutral colour and named so in the legend and the tooltip (with each of their judgements), never coloured as
the grade of their worst judgement.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import altair as alt

from orchestration.lib.outputs.report.data import (
    FRAMEWORKS,
    NO_GRADE,
    NO_OVERALL_2026,
    NO_REGION,
    UNDATED,
    UNKNOWN_GRADE,
    ReportData,
    authority_page,
    event_link,
    fmt_date,
    latest_inspections,
    listed_authorities,
    plural,
)

ALL = "All"
PARAMETERS = {"region": ALL, "framework": ALL, "year_from": 0, "year_to": 9999, "search": ""}
FILTER = (
    "(region == 'All' || datum.region == region)"
    " && (framework == 'All' || datum.framework == framework)"
    " && (datum.year == null || (datum.year >= year_from && datum.year <= year_to))"
    " && (search == '' || indexof(lower(datum.authority), lower(search)) >= 0)"
)
NO_OVERALL = "No overall grade stated"
# (category, fill), in legend order
GRADE_COLOURS = [
    ("Outstanding", "#1b7837"),
    ("Good", "#7fbf7b"),
    ("Adequate", "#fee08b"),
    ("Requires improvement to be good", "#f4a259"),
    ("Inadequate", "#b2182b"),
    ("Not judged", "#9e9e9e"),
    (NO_OVERALL_2026, "#8fa9d6"),
    (NO_OVERALL, "#c9c9c9"),
    (UNKNOWN_GRADE, "#6a51a3"),
    (NO_GRADE, "#ffffff"),
]
GRADE_FILL = dict(GRADE_COLOURS)
# each kind of visit letter: its label and colour on the timeline
VISIT_STYLES = {
    "monitoring_visit": ("Monitoring visit", "#2166ac"),
    "focused_visit": ("Focused visit", "#762a83"),
}
VISIT_COLOURS = dict(VISIT_STYLES.values())
WIDTH = 860
TILES_PER_LINE = 13


@dataclass
class Chart:
    chart_id: str
    heading: str
    caption: str
    description: str  # the text alternative
    spec: dict | None  # None: nothing to draw (`empty` says why)
    headers: list[str] = field(default_factory=list)
    rows: list[list[object]] = field(default_factory=list)
    marks: int = 0  # data rows the chart draws from
    empty: str = ""


def _year(date: dt.date | None) -> int | None:
    return date.year if date else None


def _regions(data: ReportData) -> dict[str | None, str]:
    return {a.authority_id: a.region for a in data.authorities}


def _finish(chart: alt.Chart | alt.LayerChart | alt.FacetChart) -> dict:
    """The shared parameters added, the size and fonts set, as a dict ready to embed."""
    params = [alt.param(name=name, value=value) for name, value in PARAMETERS.items()]
    spec = (
        chart.add_params(*params)
        .configure_view(stroke=None)
        .configure_axis(labelLimit=320)
        .configure_legend(labelLimit=320)
        .to_dict()
    )
    return spec


def _grade_scale(present: set[str]) -> alt.Scale:
    colours = [(grade, fill) for grade, fill in GRADE_COLOURS if grade in present]
    return alt.Scale(domain=[g for g, _ in colours], range=[f for _, f in colours])


def chart_judgements(data: ReportData) -> Chart:
    """Graded inspections per year, a panel per framework, stacked by overall effectiveness."""
    regions = _regions(data)
    rows: list[dict[str, Any]] = [
        {
            "authority": e.authority_name,
            "region": regions.get(e.authority_id, NO_REGION),
            "framework": FRAMEWORKS.get(e.framework, e.framework),
            "year": _year(e.date),
            "year_label": str(_year(e.date) or "n.d."),
            "grade": e.category,
            "outcome": e.headline,
            "date": fmt_date(e.date),
            "inspection": e.label,
        }
        for e in data.inspections
    ]
    chart = Chart(
        "chart-judgements",
        "Overall effectiveness by framework and year",
        "Graded inspections per year (the year of the inspection's last day; of its first day or publication "
        "when that is not stated), one panel per framework, stacked by the overall effectiveness judgement. "
        "The 2026 framework gives no overall grade: its inspections are a category of their own (blue-grey), "
        "never counted as any grade; hover over a bar for the figures.",
        "",
        None,
        marks=len(rows),
    )
    if not rows:
        chart.empty = "No graded inspection is loaded."
        chart.description = chart.empty
        return chart
    counts = Counter((r["framework"], r["year_label"], r["grade"]) for r in rows)
    grades = [g for g, _ in GRADE_COLOURS if any(key[2] == g for key in counts)]
    panels = sorted({(r["framework"], r["year_label"]) for r in rows})
    chart.headers = ["framework", "year", *grades]
    chart.rows = [[f, y, *(counts.get((f, y, g), 0) for g in grades)] for f, y in panels]
    by_framework = Counter(r["framework"] for r in rows)
    chart.description = (
        f"{plural(len(rows), 'graded inspection')}: "
        + "; ".join(
            f"{framework} {n} ("
            + ", ".join(f"{counts_n} {g}" for g in grades if (counts_n := _sum(counts, framework, g)))
            + ")"
            for framework, n in by_framework.most_common()
        )
        + "."
    )
    bars = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar(stroke="#ffffff", strokeWidth=0.5)
        .encode(
            x=alt.X("year_label:O", title="year"),
            y=alt.Y("count():Q", title="inspections", axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color(
                "grade:N", scale=_grade_scale(set(grades)), title="overall effectiveness", sort=grades
            ),
            order=alt.Order("grade_order:Q"),
            tooltip=[
                alt.Tooltip("framework:N"),
                alt.Tooltip("year_label:O", title="year"),
                alt.Tooltip("grade:N", title="overall effectiveness"),
                alt.Tooltip("count():Q", title="inspections"),
            ],
            row=alt.Row("framework:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
        )
        .transform_filter(FILTER)
        .transform_calculate(grade_order=f"indexof({grades!r}, datum.grade)")
        .properties(width=WIDTH - 260, height=110)
    )
    chart.spec = _finish(bars)
    return chart


def _sum(counts: Counter, framework: str, grade: str) -> int:
    return sum(n for (f, _, g), n in counts.items() if f == framework and g == grade)


def chart_current_grades(data: ReportData) -> Chart:
    """Every authority, region by region, coloured by its latest graded inspection; click for its page."""
    latest = latest_inspections(data)
    rows: list[dict[str, Any]] = []
    for authority in listed_authorities(data):
        event = latest.get(authority.authority_id)
        rows.append(
            {
                "authority": authority.name,
                "code": authority.authority_id,
                "short": authority.name[:8],
                "region": authority.region,
                "framework": FRAMEWORKS.get(event.framework, event.framework) if event else ALL,
                "year": _year(event.date) if event else None,
                "grade": event.category if event else NO_GRADE,
                "outcome": event.headline if event else NO_GRADE,
                "inspection": f"{event.label}, {fmt_date(event.date)}" if event else "",
                "page": "authorities/" + authority_page(authority.authority_id),
                "status": "current" if authority.is_current else "former authority",
            }
        )
    chart = Chart(
        "chart-current-grades",
        "Latest grade of every authority, by region",
        "Each current authority, and each former one with a report loaded, coloured by the overall "
        "effectiveness of its latest graded inspection in the warehouse; white where none is loaded (which "
        "says what the warehouse holds, not that Ofsted never inspected it). Blue-grey: inspected under the "
        "2026 framework, which gives no overall grade. Hover for the inspection; click for the authority's "
        "own page.",
        "",
        None,
        marks=len(rows),
    )
    if not rows:
        chart.empty = "No local authority is recorded."
        chart.description = chart.empty
        return chart
    tally = Counter(r["grade"] for r in rows)
    chart.description = (
        f"{plural(len(rows), 'authority', 'authorities')} by their latest graded inspection: "
        + ", ".join(f"{tally[g]} {g}" for g, _ in GRADE_COLOURS if tally[g])
        + "."
    )
    chart.headers = ["authority", "code", "region", "latest grade", "inspection"]
    chart.rows = [[r["authority"], r["code"], r["region"], r["outcome"], r["inspection"]] for r in rows]
    base = (
        alt.Chart(alt.Data(values=rows))
        .transform_filter(FILTER)
        .transform_window(position="row_number()", groupby=["region"], sort=[alt.SortField("authority")])
        # a region of more than TILES_PER_LINE councils goes on over more lines: "London", "London (2)"
        .transform_calculate(
            column=f"(datum.position - 1) % {TILES_PER_LINE}",
            line=f"floor((datum.position - 1) / {TILES_PER_LINE})",
        )
        .transform_calculate(
            line_label="datum.region + (datum.line > 0 ? ' (' + (datum.line + 1) + ')' : '')"
        )
        .encode(
            x=alt.X("column:O", axis=None),
            y=alt.Y("line_label:N", title=None, sort="ascending"),
        )
    )
    tiles = base.mark_rect(stroke="#555555", strokeWidth=0.6).encode(
        color=alt.Color("grade:N", scale=_grade_scale(set(tally)), title="latest grade"),
        href=alt.Href("page:N"),
        tooltip=[
            alt.Tooltip("authority:N"),
            alt.Tooltip("code:N"),
            alt.Tooltip("region:N"),
            alt.Tooltip("outcome:N", title="latest grade"),
            alt.Tooltip("inspection:N"),
            alt.Tooltip("status:N"),
        ],
    )
    labels = base.mark_text(fontSize=8, limit=46).encode(
        text="short:N",
        color=alt.condition(
            "datum.grade == 'Inadequate' || datum.grade == 'Outstanding'",
            alt.value("#ffffff"),
            alt.value("#000000"),
        ),
        href=alt.Href("page:N"),
    )
    layered = alt.layer(tiles, labels).properties(width=alt.Step(50), height=alt.Step(30))
    chart.spec = _finish(layered)
    return chart


def chart_timelines(data: ReportData) -> Chart:
    """A row per authority with its inspections (coloured by grade) and visits on a time axis."""
    regions = _regions(data)
    rows: list[dict[str, Any]] = []
    for event in data.inspections + data.visits:
        if event.date is None:
            continue
        visit = event.kind in ("monitoring_visit", "focused_visit")
        rows.append(
            {
                "authority": event.authority_name,
                "region": regions.get(event.authority_id, NO_REGION),
                "framework": FRAMEWORKS.get(event.framework, event.framework),
                "year": event.date.year,
                "date": event.date.isoformat(),
                "kind": FRAMEWORKS.get(event.kind, event.kind) if visit else "Graded inspection",
                "grade": FRAMEWORKS.get(event.kind, event.kind) if visit else event.category,
                "outcome": (event.theme or "not graded") if visit else event.headline,
                "event": event.label,
                "link": event_link(data, event, prefix="../") or "",
            }
        )
    undated = len(data.inspections) + len(data.visits) - len(rows)
    chart = Chart(
        "chart-timelines",
        "Each authority's inspections and visits over time",
        "One row per authority: its graded inspections (squares, coloured by overall grade) and visits "
        "(circles) at the date of their last day. Hover for the details; click a mark to open the report. "
        "Filter by region or search by name to compare a few councils."
        + (f" {plural(undated, 'event')} with no known date are not drawn." if undated else ""),
        "",
        None,
        marks=len(rows),
    )
    if not rows:
        chart.empty = "No dated inspection or visit is loaded."
        chart.description = chart.empty
        return chart
    authorities = sorted({r["authority"] for r in rows})
    chart.description = (
        f"{plural(len(rows), 'dated event')} of {plural(len(authorities), 'authority', 'authorities')}, "
        f"from {min(r['date'] for r in rows)} to {max(r['date'] for r in rows)}."
    )
    chart.headers = ["authority", "date", "event", "outcome"]
    chart.rows = [
        [r["authority"], r["date"], r["event"], r["outcome"]]
        for r in sorted(rows, key=lambda r: (r["authority"], r["date"]))
    ]
    colours = [(g, f) for g, f in GRADE_COLOURS if any(r["grade"] == g for r in rows)]
    colours += [(v, f) for v, f in VISIT_COLOURS.items() if any(r["grade"] == v for r in rows)]
    points = (
        alt.Chart(alt.Data(values=rows))
        .transform_filter(FILTER)
        .mark_point(filled=True, size=90, stroke="#333333", strokeWidth=0.6, opacity=0.95)
        .encode(
            x=alt.X("date:T", title=None, axis=alt.Axis(format="%Y", orient="top")),
            y=alt.Y("authority:N", title=None, sort="ascending"),
            shape=alt.Shape(
                "kind:N",
                scale=alt.Scale(
                    domain=["Graded inspection", *VISIT_COLOURS], range=["square", "circle", "triangle-up"]
                ),
                title="event",
            ),
            color=alt.Color(
                "grade:N",
                scale=alt.Scale(domain=[c for c, _ in colours], range=[f for _, f in colours]),
                title="grade or visit",
            ),
            href=alt.Href("link:N"),
            tooltip=[
                alt.Tooltip("authority:N"),
                alt.Tooltip("event:N"),
                alt.Tooltip("date:T", format="%Y-%m-%d"),
                alt.Tooltip("outcome:N"),
            ],
        )
        .properties(width=WIDTH - 260, height=alt.Step(16))
    )
    chart.spec = _finish(points)
    return chart


def _heatmap(rows: list[dict], title: str, thing: str) -> dict:
    heat = (
        alt.Chart(alt.Data(values=rows))
        .transform_filter(FILTER)
        .encode(
            x=alt.X("year_label:O", title="year"),
            y=alt.Y("theme:N", title=None, sort="ascending"),
        )
    )
    cells = heat.mark_rect(stroke="#ffffff").encode(
        color=alt.Color(
            "count():Q",
            scale=alt.Scale(scheme="blues", domainMin=0),
            title=title,
            legend=alt.Legend(format="d", tickMinStep=1),
        ),
        tooltip=[
            alt.Tooltip("theme:N"),
            alt.Tooltip("year_label:O", title="year"),
            alt.Tooltip("count():Q", title=thing),
        ],
    )
    numbers = heat.mark_text(fontSize=9).encode(text="count():Q")
    return _finish(alt.layer(cells, numbers).properties(width=alt.Step(40), height=alt.Step(20)))


def chart_recommendation_themes(data: ReportData) -> Chart:
    """Recommendations by theme and by the year of the report that made them."""
    regions = _regions(data)
    places = {e.report_id: e for e in data.inspections + data.visits}
    names: dict[str | None, str] = {a.authority_id: a.name for a in data.authorities}
    rows: list[dict[str, Any]] = []
    for rec in data.recommendations:
        event = places.get(rec.report_id)
        source = data.sources.get(rec.report_id or "")
        date = (
            (source.report_date if source else None)
            or (event.date if event else None)
            or (source.publication_date if source else None)
        )
        framework = event.framework if event else (source.report_type if source else None) or "other"
        for theme in rec.themes or ["No theme found"]:
            rows.append(
                {
                    "authority": names.get(rec.authority_id, rec.authority_id or "Authority not identified"),
                    "region": regions.get(rec.authority_id, NO_REGION),
                    "framework": FRAMEWORKS.get(framework, framework),
                    "year": _year(date),
                    "year_label": str(_year(date) or "n.d."),
                    "theme": theme,
                }
            )
    chart = Chart(
        "chart-recommendation-themes",
        "Recommendation themes by year",
        "How many recommendations and areas for improvement touch each theme the warehouse finds in their "
        "wording (one recommendation may touch several), by the year of the report that made them. Filter by "
        "framework, region or council; hover over a cell for its count.",
        "",
        None,
        marks=len(rows),
    )
    if not data.recommendations:
        chart.empty = "No recommendation is loaded."
        chart.description = chart.empty
        return chart
    totals = Counter(r["theme"] for r in rows)
    chart.description = (
        f"{plural(len(data.recommendations), 'recommendation')}; the commonest themes: "
        + ", ".join(f"{theme} ({n})" for theme, n in totals.most_common(5))
        + "."
    )
    years = sorted({r["year_label"] for r in rows})
    counts = Counter((r["theme"], r["year_label"]) for r in rows)
    chart.headers = ["theme", *years, "all"]
    chart.rows = [[t, *(counts.get((t, y), 0) for y in years), totals[t]] for t in sorted(totals)]
    chart.spec = _heatmap(rows, "recommendations", "recommendations")
    return chart


def chart_visit_themes(data: ReportData) -> Chart:
    """Focused visits by Ofsted's theme and year."""
    regions = _regions(data)
    visits = [e for e in data.visits if e.kind == "focused_visit"]
    rows: list[dict[str, Any]] = [
        {
            "authority": e.authority_name,
            "region": regions.get(e.authority_id, NO_REGION),
            "framework": FRAMEWORKS["focused_visit"],
            "year": _year(e.date),
            "year_label": str(_year(e.date) or "n.d."),
            "theme": e.theme or "No theme stated",
        }
        for e in visits
    ]
    chart = Chart(
        "chart-visit-themes",
        "Focused visit themes by year",
        "Focused visits by the theme Ofsted gave them and the year of the visit.",
        "",
        None,
        marks=len(rows),
    )
    if not rows:
        chart.empty = "No focused visit is loaded."
        chart.description = chart.empty
        return chart
    totals = Counter(r["theme"] for r in rows)
    chart.description = (
        f"{plural(len(rows), 'focused visit')}: "
        + ", ".join(f"{n} {t}" for t, n in totals.most_common())
        + "."
    )
    years = sorted({r["year_label"] for r in rows})
    counts = Counter((r["theme"], r["year_label"]) for r in rows)
    chart.headers = ["theme", *years, "all"]
    chart.rows = [[t, *(counts.get((t, y), 0) for y in years), totals[t]] for t in sorted(totals)]
    chart.spec = _heatmap(rows, "focused visits", "focused visits")
    return chart


CHARTS = (
    chart_judgements,
    chart_current_grades,
    chart_timelines,
    chart_recommendation_themes,
    chart_visit_themes,
)


def all_charts(data: ReportData) -> list[Chart]:
    return [make(data) for make in CHARTS]


def filter_options(data: ReportData) -> dict[str, list]:
    """The choices of the page's filter bar: regions and frameworks present, and the years spanned."""
    years = [e.date.year for e in data.inspections + data.visits if e.date]
    return {
        "region": sorted({a.region for a in listed_authorities(data)}),
        "framework": [
            label
            for key, label in FRAMEWORKS.items()
            if any(e.framework == key for e in data.inspections + data.visits)
        ],
        "years": [min(years), max(years)] if years else [],
    }


__all__ = [
    "ALL",
    "CHARTS",
    "GRADE_FILL",
    "PARAMETERS",
    "UNDATED",
    "VISIT_STYLES",
    "Chart",
    "all_charts",
    "filter_options",
]
