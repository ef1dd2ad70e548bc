"""What the HTML report shows, read from the published file: authorities, graded inspections with their
judgements, visits, recommendations with their themes, each council's events (marts.fct_council_events,
when the published file has it), where each document opens, and what the warehouse covers.

Every query tolerates a file published by an older (or newer) warehouse: a missing column reads as NULL and
a missing table as no rows, so the report still draws, with less in it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

import duckdb

from orchestration.lib.outputs.documents import document_href

NO_REGION = "Region not known"
UNDATED = "date not stated"
ILACS_2026 = "ilacs_2026"
ILACS_2026_START = dt.date(2026, 4, 1)
NO_GRADE = "No graded inspection loaded"
NO_OVERALL_2026 = "2026 framework: no overall grade"
UNKNOWN_GRADE = "Other grade"
GRADES = ["Outstanding", "Good", "Adequate", "Requires improvement to be good", "Inadequate", "Not judged"]

FRAMEWORKS = {
    "child_protection_inspection": "Child protection (2012-13)",
    "looked_after_children_inspection": "Looked after children (2013)",
    "sif_inspection": "Single inspection framework (2013-18)",
    "lscb_review": "Safeguarding board review",
    "ilacs_inspection": "ILACS (2018-)",
    ILACS_2026: "ILACS 2026 framework (no overall grade)",
    "monitoring_visit": "Monitoring visit",
    "focused_visit": "Focused visit",
    "joint_targeted_area_inspection": "Joint targeted area inspection",
    "area_send_inspection": "Area SEND inspection",
    "other": "Other document",
}
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
    grade: str | None = None  # the overall effectiveness; None where the framework gives none
    label: str = ""
    report_id: str | None = None
    framework: str = ""  # a FRAMEWORKS key: the report type, or ILACS_2026
    worst: str | None = None  # the worst judgement, for an inspection without an overall grade
    judgements: list[Judgement] = field(default_factory=list)
    theme: str | None = None  # focused visits: Ofsted's category
    number: int | None = None  # visits: "the ninth monitoring visit"

    @property
    def category(self) -> str:
        """What a chart colours it by: the overall grade; a 2026-framework inspection is its own category,
        never coloured as the grade of its worst judgement."""
        if self.grade is not None:
            return self.grade if self.grade in GRADES else UNKNOWN_GRADE
        return NO_OVERALL_2026 if self.framework == ILACS_2026 else "No overall grade stated"

    @property
    def headline(self) -> str:
        """The outcome in words, as a table shows it."""
        if self.grade is not None:
            return self.grade
        if self.framework == ILACS_2026:
            order = list(AREA_LABELS)
            ordered = sorted(self.judgements, key=lambda j: order.index(j.area) if j.area in order else 99)
            judged = "; ".join(f"{AREA_LABELS.get(j.area, j.area)}: {j.grade}" for j in ordered if j.grade)
            return "No overall grade (2026 framework)" + (f". {judged}" if judged else "")
        return "No overall grade stated"


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
    report_date: dt.date | None = None


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
class CouncilEvent:
    """A row of marts.fct_council_events: one event of any kind in a council's story."""

    authority_id: str | None
    report_id: str | None
    kind: str | None
    kind_label: str | None
    report_type: str | None
    start: dt.date | None
    end: dt.date | None
    report_date: dt.date | None
    outcome: str | None
    url: str | None
    source_file: str | None


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
    # marts.fct_council_events; None when the published file has no such table
    council_events: list[CouncilEvent] | None = None
    # the RAW_DIR-relative files placed in documents/ beside the published file (None: not known)
    documents: set[str] | None = None


def best_date(*candidates: tuple[str, dt.date | None]) -> tuple[dt.date | None, str]:
    for column, value in candidates:
        if value is not None:
            return value, column
    return None, UNDATED


def fmt_date(value: dt.date | None) -> str:
    return value.isoformat() if value else UNDATED


def plural(count: int, singular: str, many: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
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


def select(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], rest: str = "") -> list[tuple]:
    """`SELECT columns FROM table rest`, with NULL for a column the published file lacks and no rows for a
    table it lacks."""
    present = columns_of(con, table)
    if not present:
        return []
    chosen = ", ".join(column if column in present else f"NULL AS {column}" for column in columns)
    return con.execute(f"SELECT {chosen} FROM {table} {rest}").fetchall()


def _worst(judgements: list[Judgement]) -> str | None:
    graded = [j for j in judgements if j.rank is not None and j.area != "overall_effectiveness"]
    return max(graded, key=lambda j: j.rank or 0).grade if graded else None


def framework_of(kind: str, overall: str | None, judgements: list[Judgement], date: dt.date | None) -> str:
    """ILACS reports from April 2026 grade the four areas and give no overall effectiveness; an earlier one
    missing its overall grade is not taken for one of them."""
    areas = {j.area for j in judgements if j.rank is not None}
    from_2026 = date is None or date >= ILACS_2026_START
    if kind == "ilacs_inspection" and overall is None and areas and "overall_effectiveness" not in areas:
        return ILACS_2026 if from_2026 else kind
    return kind


def _read_events(con: duckdb.DuckDBPyConnection, data: ReportData) -> None:
    judgements: dict[str, list[Judgement]] = defaultdict(list)
    for inspection_id, area, grade, rank, page in select(
        con,
        "marts.fct_judgements",
        ["inspection_id", "judgement_area", "grade", "grade_rank", "page_number"],
        "ORDER BY ALL",
    ):
        judgements[inspection_id].append(Judgement(area, grade, rank, page))
    names = {a.authority_id: a.name for a in data.authorities}
    for row in select(
        con,
        "marts.fct_inspections",
        [
            "inspection_id",
            "report_id",
            "local_authority_id",
            "report_type",
            "inspection_start_date",
            "inspection_end_date",
            "publication_date",
            "overall_effectiveness",
            "inspection_kind",
        ],
    ):
        inspection_id, report_id, authority_id, kind, start, end, published, overall, inspection_kind = row
        date, dated_by = best_date(("last day", end), ("first day", start), ("publication", published))
        kind = kind or "other"
        own = judgements.get(inspection_id, [])
        framework = framework_of(kind, overall, own, date)
        label = FRAMEWORKS.get(framework, framework) + (f" ({inspection_kind})" if inspection_kind else "")
        data.inspections.append(
            Event(
                authority_id,
                names.get(authority_id) or authority_id or "Authority not identified",
                kind,
                date,
                dated_by,
                overall,
                label,
                report_id or inspection_id,
                framework,
                _worst(own) if overall is None else None,
                own,
            )
        )
    for row in select(
        con,
        "marts.fct_visits",
        [
            "report_id",
            "visit_id",
            "local_authority_id",
            "visit_type",
            "visit_start_date",
            "visit_end_date",
            "letter_date",
            "publication_date",
            "visit_number",
            "visit_theme",
        ],
    ):
        report_id, visit_id, authority_id, kind, start, end, letter, published, number, theme = row
        date, dated_by = best_date(
            ("last day", end), ("first day", start), ("letter", letter), ("publication", published)
        )
        kind = kind or "monitoring_visit"
        label = FRAMEWORKS.get(kind, kind) + (f" number {number}" if number else "")
        data.visits.append(
            Event(
                authority_id,
                names.get(authority_id) or authority_id or "Authority not identified",
                kind,
                date,
                dated_by,
                None,
                label,
                report_id or visit_id,
                kind,
                theme=theme,
                number=number,
            )
        )


def read_report_data(con: duckdb.DuckDBPyConnection) -> ReportData:
    """What the pages need, from the `marts` (and, when present, `audit`) schemas of `con`'s catalog."""
    data = ReportData()
    rows = select(con, "audit.publications", ["published_at", "run_id"], "ORDER BY published_at DESC LIMIT 1")
    if rows:
        data.published_at, data.run_id = rows[0]
    data.report_count = con.execute("SELECT count(*) FROM marts.dim_reports").fetchall()[0][0]
    for report_id, kind, authority_id, source_file, url, published, report_date in select(
        con,
        "marts.dim_reports",
        [
            "report_id",
            "report_type",
            "local_authority_id",
            "source_file",
            "source_url",
            "publication_date",
            "report_date",
        ],
    ):
        data.sources[report_id] = Source(
            report_id, kind, authority_id, source_file, url, published, report_date
        )
    data.authorities = [
        Authority(authority_id, name or authority_id, region or NO_REGION, bool(current), list(near or []))
        for authority_id, name, region, current, near in select(
            con,
            "marts.dim_local_authorities",
            [
                "local_authority_id",
                "local_authority_name",
                "ofsted_region",
                "is_current",
                "statistical_neighbours",
            ],
            "WHERE local_authority_id IS NOT NULL ORDER BY local_authority_name",
        )
    ]
    _read_events(con, data)
    themes: dict[str, list[str]] = defaultdict(list)
    for recommendation_id, theme in select(
        con, "marts.fct_recommendation_themes", ["recommendation_id", "theme"], "ORDER BY ALL"
    ):
        themes[recommendation_id].append(theme)
    data.recommendations = [
        Recommendation(report_id, authority_id, number, timescale, text, page, themes.get(rid, []))
        for rid, report_id, authority_id, number, timescale, text, page in select(
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
    data.held_back = select(
        con, "audit.file_ledger", ["source_file", "status_reason"], "WHERE status = 'held_back' ORDER BY ALL"
    )
    if columns_of(con, "marts.fct_official_reconciliation"):
        data.reconciliation = dict(
            con.execute(
                "SELECT match_status, count(*) FROM marts.fct_official_reconciliation GROUP BY ALL"
            ).fetchall()
        )
        data.missing_events = con.execute(
            """SELECT local_authority_id, framework, coalesce(inspection_or_visit_date, publication_date)
               FROM marts.fct_official_reconciliation WHERE match_status = 'no_report' ORDER BY ALL"""
        ).fetchall()
    if columns_of(con, "marts.fct_council_events"):
        data.council_events = [
            CouncilEvent(*row)
            for row in select(
                con,
                "marts.fct_council_events",
                [
                    "local_authority_id",
                    "report_id",
                    "event_kind",
                    "event_kind_label",
                    "report_type",
                    "event_start_date",
                    "event_end_date",
                    "report_date",
                    "headline_outcome",
                    "document_url",
                    "source_file",
                ],
                "ORDER BY local_authority_id"
                + "".join(
                    f", {column} DESC NULLS LAST"
                    for column in ("report_date", "event_start_date")
                    if column in columns_of(con, "marts.fct_council_events")
                ),
            )
        ]
    return data


# ---------------------------------------------------------------------------------------------- derived


def source_link(
    data: ReportData, report_id: str | None, page: int | None = None, prefix: str = ""
) -> str | None:
    """Where a report opens: its Ofsted address, else its copy in the published documents folder (relative,
    behind `prefix`), at the page when it is a PDF."""
    source = data.sources.get(report_id) if report_id else None
    if source is None:
        return None
    return document_href(source.source_url, source.source_file, page, prefix=prefix, available=data.documents)


def event_link(data: ReportData, event: Event, prefix: str = "") -> str | None:
    """An inspection's or visit's report, opened at the page of its overall (else its first) judgement."""
    pages = [j.page for j in event.judgements if j.page and j.area == "overall_effectiveness"]
    pages = pages or sorted(j.page for j in event.judgements if j.page)
    return source_link(data, event.report_id, pages[0] if pages else None, prefix)


def latest_inspections(data: ReportData) -> dict[str, Event]:
    """Each authority's latest graded inspection (an overall grade, or a 2026-framework inspection with its
    judgements): latest known date first, undated last."""
    latest: dict[str, Event] = {}
    for event in data.inspections:
        if event.authority_id is None or (event.grade is None and event.worst is None):
            continue
        if event.kind == "lscb_review":
            continue
        held = latest.get(event.authority_id)
        if held is None or (event.date or dt.date.min) > (held.date or dt.date.min):
            latest[event.authority_id] = event
    return latest


def listed_authorities(data: ReportData) -> list[Authority]:
    """The authorities with a page of their own: every current one, every former one with a report, and
    any a report names that the dimension lacks."""
    with_reports = {e.authority_id for e in data.inspections + data.visits}
    known = {a.authority_id for a in data.authorities}
    authorities = [a for a in data.authorities if a.is_current or a.authority_id in with_reports]
    names = {e.authority_id: e.authority_name for e in data.inspections + data.visits}
    unknown = sorted(i for i in with_reports - known if i is not None)
    extra = [Authority(i, names[i], NO_REGION, True) for i in unknown]
    return authorities + extra


def authority_page(authority_id: str) -> str:
    """The file name of an authority's page in the `authorities/` folder (a GSS code is already safe)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", authority_id) + ".html"
