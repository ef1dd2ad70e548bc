"""A page per authority beside the report: `report/authorities/<GSS code>.html`, reached from the grid and
the list of councils.

Each page gives the authority's timeline (every event of every kind from marts.fct_council_events, newest
first, with its headline outcome in words; from the inspections and visits loaded when the published file
has no such table), its graded inspections with every judgement (each linking to the report at the page that
states it), its visit letters, its recommendations with their themes, the official events the warehouse
holds no report of, and its statistical neighbours by name (code beside) with their latest grades. The pages
are plain HTML: no script, no network.

The folder is written whole under a temporary name inside the report folder and renamed into place, so a
reader never finds some pages of one build beside others of the last.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from orchestration.lib.outputs.documents import document_href
from orchestration.lib.outputs.report.charts import GRADE_FILL
from orchestration.lib.outputs.report.data import (
    AREA_LABELS,
    FRAMEWORKS,
    NO_GRADE,
    RECONCILIATION_FRAMEWORKS,
    Authority,
    Event,
    ReportData,
    authority_page,
    event_link,
    fmt_date,
    latest_inspections,
    listed_authorities,
    plural,
    source_link,
)
from orchestration.lib.outputs.report.markup import Link, Raw, document, esc, table

AUTHORITIES_DIR = "authorities"
REPORT_FILE = "index.html"
TIMESCALE_LABELS = {
    "immediately": "Immediately",
    "within_3_months": "Within 3 months",
    "within_6_months": "Within 6 months",
}


def grade_swatch(category: str) -> str:
    """A colour swatch as the grid draws the category (a 2026-framework inspection in its own colour)."""
    fill = GRADE_FILL.get(category, "#c9c9c9")
    return f'<span class="swatch" style="background:{fill}" aria-hidden="true"></span>'


def _section(anchor: str, heading: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{esc(heading)}</h2>{body}</section>'


def _table(headers: list[str], rows: Sequence[Sequence[object]], empty_text: str) -> str:
    return table(headers, rows, summary=None) if rows else f'<p class="empty">{esc(empty_text)}</p>'


def _newest_first(events: list[Event]) -> list[Event]:
    return sorted(events, key=lambda e: e.date or dt.date.min, reverse=True)


def _timeline(data: ReportData, authority_id: str, own: list[Event], prefix: str) -> str:
    if data.council_events is None:
        rows = [
            [
                fmt_date(e.date),
                Link(e.label, event_link(data, e, prefix)),
                Raw(grade_swatch(e.category) + esc(e.headline))
                if e in data.inspections
                else e.theme or "not graded",
            ]
            for e in _newest_first(own)
        ]
        note = (
            '<p class="note">This published file has no council timeline (marts.fct_council_events): the '
            "inspections and visits loaded are listed instead.</p>"
        )
        return note + _table(["date", "event", "outcome"], rows, "No inspection or visit is loaded.")
    rows = []
    for event in (e for e in data.council_events if e.authority_id == authority_id):
        source = data.sources.get(event.report_id or "")
        href = document_href(
            event.url or (source.source_url if source else None),
            event.source_file or (source.source_file if source else None),
            prefix=prefix,
            available=data.documents,
        )
        dates = fmt_date(event.start) + (
            f" to {fmt_date(event.end)}" if event.end and event.end != event.start else ""
        )
        rows.append(
            [
                fmt_date(event.report_date or event.end or event.start),
                Link(
                    event.kind_label or FRAMEWORKS.get(event.report_type or "", event.kind or "event"), href
                ),
                dates if event.start else "",
                event.outcome or "",
            ]
        )
    return _table(["date", "event", "dates", "headline outcome"], rows, "No event is recorded.")


def _inspections(data: ReportData, events: list[Event], prefix: str) -> str:
    rows = []
    for event in _newest_first(events):
        items = []
        order = list(AREA_LABELS)
        for j in sorted(
            event.judgements, key=lambda j: order.index(j.area) if j.area in order else len(order)
        ):
            href = source_link(data, event.report_id, j.page, prefix)
            text = f"{AREA_LABELS.get(j.area, j.area)}: {j.grade or 'not stated'}" + (
                f" (page {j.page})" if j.page else ""
            )
            items.append(
                f'<li><a href="{esc(href)}">{esc(text)}</a></li>' if href else f"<li>{esc(text)}</li>"
            )
        judgements = "".join(items)
        rows.append(
            [
                fmt_date(event.date),
                Link(event.label, event_link(data, event, prefix)),
                Raw(grade_swatch(event.category) + esc(event.headline)),
                Raw(f"<ul>{judgements}</ul>") if judgements else "none loaded",
            ]
        )
    return _table(
        ["date", "inspection", "overall grade", "judgements"], rows, "No graded inspection is loaded."
    )


def _visits(data: ReportData, events: list[Event], prefix: str) -> str:
    rows = [
        [
            fmt_date(e.date),
            Link(e.label, event_link(data, e, prefix)),
            e.theme or ("" if e.kind == "monitoring_visit" else "not stated"),
        ]
        for e in _newest_first(events)
    ]
    return _table(["date", "visit", "theme"], rows, "No visit letter is loaded.")


def _recommendations(data: ReportData, authority_id: str, prefix: str) -> str:
    places = {e.report_id: e for e in data.inspections + data.visits}
    rows = []
    for rec in (r for r in data.recommendations if r.authority_id == authority_id):
        event = places.get(rec.report_id)
        source = data.sources.get(rec.report_id or "")
        report = (
            event.label if event else FRAMEWORKS.get((source.report_type if source else "") or "", "report")
        )
        when = fmt_date(
            event.date if event else source.report_date or source.publication_date if source else None
        )
        where = f"{report}, {when}" + (f", page {rec.page}" if rec.page else "")
        rows.append(
            [
                Link(where, source_link(data, rec.report_id, rec.page, prefix)),
                rec.number if rec.number is not None else "",
                TIMESCALE_LABELS.get(rec.timescale or "", rec.timescale or ""),
                "; ".join(rec.themes),
                rec.text or "",
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
        rows.append(
            [
                rank,
                Link(
                    names.get(neighbour, neighbour), authority_page(neighbour) if neighbour in pages else None
                ),
                neighbour,
                Raw(
                    grade_swatch(event.category if event else NO_GRADE)
                    + esc(event.headline if event else NO_GRADE)
                ),
                f"{event.label}, {fmt_date(event.date)}" if event else "",
            ]
        )
    return _table(
        ["rank", "neighbour", "code", "latest grade", "inspection"],
        rows,
        "No statistical neighbours are recorded.",
    )


def _missing(data: ReportData, authority_id: str) -> str:
    if data.reconciliation is None:
        return "<p>This warehouse holds no reconciliation with Ofsted's official statistics.</p>"
    rows = [
        [fmt_date(date), RECONCILIATION_FRAMEWORKS.get(framework or "", framework or "other")]
        for who, framework, date in sorted(
            data.missing_events, key=lambda m: (m[2] is None, m[2] or dt.date.min)
        )
        if who == authority_id
    ]
    return _table(["date", "event"], rows, "Every event the official statistics list has its report loaded.")


def render_authority_page(
    authority: Authority, data: ReportData, latest: dict[str, Event], pages: set[str], prefix: str = "../../"
) -> str:
    """One authority's page; `pages` are the authorities that have one, for the neighbours' links; `prefix`
    leads from the authorities folder to the published file's folder."""
    aid = authority.authority_id
    inspections = [e for e in data.inspections if e.authority_id == aid]
    visits = [e for e in data.visits if e.authority_id == aid]
    recommendations = sum(r.authority_id == aid for r in data.recommendations)
    names = {a.authority_id: a.name for a in data.authorities}
    event = latest.get(aid)
    status = "current authority" if authority.is_current else "former authority"
    summary = (
        f"Latest graded inspection: {grade_swatch(event.category)}{esc(event.headline)}, {esc(event.label)}, "
        f"{esc(fmt_date(event.date))}."
        if event
        else "No graded inspection is loaded."
    )
    counts = (
        f"{plural(len(inspections), 'graded inspection')}, {plural(len(visits), 'visit letter')}, "
        f"{plural(recommendations, 'recommendation')} loaded."
    )
    body = (
        f'<header><p class="back"><a href="../{REPORT_FILE}#councils">All authorities</a></p>'
        f"<h1>{esc(authority.name)}</h1>"
        f'<p class="meta">{esc(aid)} · {esc(authority.region)} · {status}. {esc(counts)}</p>'
        f"<p>{summary}</p></header><main>"
        + _section("timeline", "Timeline, newest first", _timeline(data, aid, inspections + visits, prefix))
        + _section("inspections", "Graded inspections", _inspections(data, inspections, prefix))
        + _section("visits", "Visits", _visits(data, visits, prefix))
        + _section("recommendations", "Recommendations", _recommendations(data, aid, prefix))
        + _section(
            "neighbours",
            "Statistical neighbours, nearest first",
            _neighbours(authority, names, latest, pages),
        )
        + _section("missing", "Official events with no report loaded", _missing(data, aid))
        + "</main>"
    )
    return document(f"{authority.name}: Ofsted children's services inspections", body)


def write_authority_pages(report_dir: Path, data: ReportData, prefix: str = "../../") -> int:
    """Write every listed authority's page into `report_dir/authorities/`, replacing the folder whole;
    returns how many pages were written."""
    authorities = listed_authorities(data)
    latest = latest_inspections(data)
    pages = {a.authority_id for a in authorities}
    final = report_dir / AUTHORITIES_DIR
    staging = report_dir / f".{AUTHORITIES_DIR}.{os.getpid()}.tmp"
    retired = report_dir / f".{AUTHORITIES_DIR}.{os.getpid()}.old"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        for authority in authorities:
            page = render_authority_page(authority, data, latest, pages, prefix)
            (staging / authority_page(authority.authority_id)).write_text(page, encoding="utf-8")
        # a folder cannot be renamed over a full one: the last build's steps aside for the moment of the swap
        if final.exists():
            os.replace(final, retired)
        os.replace(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(retired, ignore_errors=True)
    return len(authorities)
