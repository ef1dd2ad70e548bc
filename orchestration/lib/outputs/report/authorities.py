"""A page per authority beside the report: `report/authorities/<GSS code>.html`, reached from its cell on the
grid of latest grades.

Each page lists the authority's graded inspections with every judgement (each linking to the report at the
page that states it), its visit letters with their themes, its recommendations with their themes, the
official events the warehouse holds no report of, and its statistical neighbours with their latest grades
(linking to their own pages). Like the main page it is self-contained: inline style, no script, no network.

The folder is written whole under a temporary name inside the report folder and renamed into place, so a
reader never finds some pages of one build beside others of the last.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from orchestration.lib.outputs.report.page import (
    AUTHORITIES_DIR,
    FRAMEWORKS,
    GRADE_FILL,
    RECONCILIATION_FRAMEWORKS,
    REPORT_FILE,
    STYLE,
    Authority,
    Event,
    Recommendation,
    ReportData,
    authority_page,
    esc,
    event_link,
    fmt_date,
    grade_key,
    grid_authorities,
    latest_grades,
    plural,
    source_link,
)

AREA_LABELS = {
    "overall_effectiveness": "Overall effectiveness",
    "impact_of_leaders": "Impact of leaders",
    "help_and_protection": "Help and protection",
    "children_in_care": "Children in care",
    "care_leavers": "Care leavers",
    "children_in_care_and_care_leavers": "Children in care and care leavers",
    "adoption": "Adoption",
    "leadership_management_governance": "Leadership, management and governance",
    "lscb": "Safeguarding board",
    "quality_of_practice": "Quality of practice",
    "leadership_and_governance": "Leadership and governance",
    "capacity_to_improve": "Capacity to improve",
    "outcomes_for_looked_after_children": "Outcomes for looked after children",
    "quality_of_provision": "Quality of provision",
    "leadership_and_management": "Leadership and management",
}
TIMESCALE_LABELS = {
    "immediately": "Immediately",
    "within_3_months": "Within 3 months",
    "within_6_months": "Within 6 months",
}

PAGE_STYLE = """
.grade { display: inline-block; width: 0.9em; height: 0.9em; border: 1px solid #555; margin-right: 0.35em;
         vertical-align: -0.1em; }
td ul { margin: 0; padding-left: 1.1em; }
section { margin: 24px 0; }
.back { font-size: 0.9em; }
"""


def _link(text: str, href: str | None) -> str:
    return f'<a href="{esc(href)}">{esc(text)}</a>' if href else esc(text)


def _grade(grade: str | None, note: str | None = None) -> str:
    """A grade with its colour swatch (so the page reads like the grid), and its note when it has one."""
    if grade is None:
        return "no overall grade"
    swatch = f'<span class="grade" style="background:{GRADE_FILL[grade_key(grade)]}"></span>'
    return swatch + esc(grade) + (f" ({esc(note)})" if note else "")


def _table(headers: list[str], rows: list[list[str]], empty: str) -> str:
    """Rows of cells that are HTML already (escaped by the caller)."""
    if not rows:
        return f'<p class="empty">{esc(empty)}</p>'
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(anchor: str, heading: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{esc(heading)}</h2>{body}</section>'


def _inspections(data: ReportData, events: list[Event]) -> str:
    rows = []
    for event in sorted(events, key=lambda e: e.date or dt.date.min, reverse=True):
        source = data.sources.get(event.report_id)
        judgements = "".join(
            "<li>"
            + _link(
                f"{AREA_LABELS.get(j.area, j.area)}: {j.grade or 'not stated'}"
                + (f" (page {j.page})" if j.page else ""),
                source_link(source, data.raw_dir, j.page),
            )
            + "</li>"
            for j in event.judgements
        )
        rows.append(
            [
                esc(fmt_date(event.date)),
                _link(event.label, event_link(data, event)),
                _grade(event.grade, event.grade_note),
                f"<ul>{judgements}</ul>" if judgements else "none loaded",
            ]
        )
    return _table(
        ["date", "inspection", "overall grade", "judgements"], rows, "No graded inspection is loaded."
    )


def _visits(data: ReportData, events: list[Event]) -> str:
    rows = [
        [
            esc(fmt_date(event.date)),
            _link(event.label, event_link(data, event)),
            esc(event.theme or ("" if event.kind == "monitoring_visit" else "not stated")),
        ]
        for event in sorted(events, key=lambda e: e.date or dt.date.min, reverse=True)
    ]
    return _table(["date", "visit", "theme"], rows, "No visit letter is loaded.")


def _recommendations(data: ReportData, recommendations: list[Recommendation]) -> str:
    places = {e.report_id: e for e in data.inspections + data.visits}
    rows = []
    for rec in recommendations:
        event = places.get(rec.report_id)
        source = data.sources.get(rec.report_id)
        report = event.label if event else FRAMEWORKS.get(source.report_type if source else "", "report")
        when = fmt_date(event.date if event else source.publication_date if source else None)
        where = f"{report}, {when}" + (f", page {rec.page}" if rec.page else "")
        rows.append(
            [
                _link(where, source_link(source, data.raw_dir, rec.page)),
                esc(rec.number if rec.number is not None else ""),
                esc(TIMESCALE_LABELS.get(rec.timescale, rec.timescale or "")),
                esc("; ".join(rec.themes)),
                esc(rec.text or ""),
            ]
        )
    return _table(
        ["report", "number", "timescale", "themes", "recommendation"], rows, "No recommendation is loaded."
    )


def _neighbours(
    authority: Authority, names: dict[str, str], latest: dict[str, Event], pages: set[str]
) -> str:
    rows = []
    for rank, neighbour in enumerate(authority.neighbours, start=1):
        event = latest.get(neighbour)
        name = names.get(neighbour, neighbour)
        rows.append(
            [
                esc(rank),
                _link(name, authority_page(neighbour) if neighbour in pages else None),
                _grade(event.grade, event.grade_note) if event else "no graded inspection loaded",
                esc(f"{event.label}, {fmt_date(event.date)}" if event else ""),
            ]
        )
    return _table(
        ["", "neighbour", "latest grade", "inspection"], rows, "No statistical neighbours are recorded."
    )


def _missing(data: ReportData, authority_id: str) -> str:
    if data.reconciliation is None:
        return "<p>This warehouse holds no reconciliation with Ofsted's official statistics.</p>"
    rows = [
        [esc(fmt_date(date)), esc(RECONCILIATION_FRAMEWORKS.get(framework, framework or "other"))]
        for who, framework, date in sorted(
            data.missing_events, key=lambda m: (m[2] is None, m[2] or dt.date.min)
        )
        if who == authority_id
    ]
    return _table(["date", "event"], rows, "Every event the official statistics list has its report loaded.")


def render_authority_page(
    authority: Authority, data: ReportData, latest: dict[str, Event], pages: set[str]
) -> str:
    """One authority's page; `pages` are the authorities that have one, for the neighbours' links."""
    aid = authority.authority_id
    inspections = [e for e in data.inspections if e.authority_id == aid]
    visits = [e for e in data.visits if e.authority_id == aid]
    recommendations = [r for r in data.recommendations if r.authority_id == aid]
    names = {a.authority_id: a.name for a in data.authorities}
    event = latest.get(aid)
    status = "current authority" if authority.is_current else "former authority"
    summary = (
        f"Latest graded inspection: {_grade(event.grade, event.grade_note)}, {esc(event.label)}, "
        f"{esc(fmt_date(event.date))}."
        if event
        else "No graded inspection is loaded."
    )
    counts = (
        f"{plural(len(inspections), 'graded inspection')}, {plural(len(visits), 'visit letter')}, "
        f"{plural(len(recommendations), 'recommendation')} loaded."
    )
    body = (
        _section("inspections", "Graded inspections", _inspections(data, inspections))
        + _section("visits", "Visits", _visits(data, visits))
        + _section("recommendations", "Recommendations", _recommendations(data, recommendations))
        + _section(
            "neighbours",
            "Statistical neighbours, nearest first",
            _neighbours(authority, names, latest, pages),
        )
        + _section("missing", "Official events with no report loaded", _missing(data, aid))
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(authority.name)}: Ofsted children's services inspections</title>"
        f"<style>{STYLE}{PAGE_STYLE}</style></head><body><header>"
        f'<p class="back"><a href="../{REPORT_FILE}#chart-current-grades">All authorities</a></p>'
        f"<h1>{esc(authority.name)}</h1>"
        f'<p class="meta">{esc(aid)} · {esc(authority.region)} · {status}. {esc(counts)}</p>'
        f"<p>{summary}</p></header><main>{body}</main></body></html>\n"
    )


def write_authority_pages(report_dir: Path, data: ReportData) -> int:
    """Write every grid authority's page into `report_dir/authorities/`, replacing the folder whole; returns
    how many pages were written."""
    authorities = grid_authorities(data)
    latest = latest_grades(data)
    pages = {a.authority_id for a in authorities}
    final = report_dir / AUTHORITIES_DIR
    staging = report_dir / f".{AUTHORITIES_DIR}.{os.getpid()}.tmp"
    retired = report_dir / f".{AUTHORITIES_DIR}.{os.getpid()}.old"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        for authority in authorities:
            page = render_authority_page(authority, data, latest, pages)
            (staging / authority_page(authority.authority_id)).write_text(page, encoding="utf-8")
        # a folder cannot be renamed over a full one: the last build's steps aside for the moment of the swap
        if final.exists():
            os.replace(final, retired)
        os.replace(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(retired, ignore_errors=True)
    return len(authorities)
