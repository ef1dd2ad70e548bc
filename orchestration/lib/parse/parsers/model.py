"""What a parser returns for one report. A PDF may hold more than one report (a SIF report with the
safeguarding board's review bundled in), so a document parses to a list of these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


class NotAReport(Exception):
    """The document is not an Ofsted children's services report; the message says why."""


class NoText(NotAReport):
    """The document has no text to read (a scanned PDF); the message says what to do."""


@dataclass
class Evidence:
    field_name: str
    field_value: str | None
    page: int | None
    text: str


@dataclass
class JudgementStatement:
    area: str
    grade: str  # lower case, as worded ("adequate", "requires improvement to be good")
    kind: str  # summary | section_heading | main_findings | table | paragraph
    page: int | None
    evidence: str


@dataclass
class Recommendation:
    text: str
    timescale: str | None
    addressed_to: str = "local_authority"
    is_priority: bool = False
    page: int | None = None
    evidence: str = ""


@dataclass
class Visit:
    visit_type: str
    letter_date: dt.date | None = None
    visit_number: int | None = None
    addressee: str | None = None
    addressee_role: str | None = None
    previous_inspection_year: int | None = None
    progress_summary: str | None = None
    focus_areas: list[tuple[str, int | None]] = field(default_factory=list)


@dataclass
class Finding:
    kind: str  # strength | headline | main_finding | area_for_improvement | needs_to_improve
    text: str
    heading: str | None = None
    page: int | None = None
    evidence: str = ""


@dataclass
class JointInspection:
    theme: str | None = None
    theme_group: str | None = None
    partnership_name: str | None = None
    agencies: list[str] = field(default_factory=list)
    letter_date: dt.date | None = None
    layout: str | None = None  # '2016-2020' | '2022-'


@dataclass
class AreaSendInspection:
    partnership_name: str | None = None
    integrated_care_board: str | None = None
    outcome: str | None = None
    next_full_inspection_within: str | None = None
    monitoring_inspection_within: str | None = None
    previous_inspection_date: dt.date | None = None
    previous_inspection_text: str | None = None
    framework: str = "2023"
    not_read_reason: str | None = None


@dataclass
class ParsedReport:
    report_type: str
    title: str | None = None
    local_authority_as_written: str | None = None
    # the document's text, to tell which council a name several councils share means (a company running
    # the children's services of two councils); not stored
    authority_context: str | None = None
    publication_date: dt.date | None = None
    inspection_kind: str | None = None
    windows: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    lead_inspectors: list[str] = field(default_factory=list)
    inspectors: list[str] = field(default_factory=list)
    statements: list[JudgementStatement] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    visit: Visit | None = None
    joint_inspection: JointInspection | None = None
    area_send: AreaSendInspection | None = None
    findings: list[Finding] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def cite(self, field_name: str, value, page: int | None, text: str) -> None:
        """Where a field's value came from; a field cited again (a value corrected later in the document,
        such as a letter's mistyped year) keeps the latest citation, one per field."""
        cited = Evidence(field_name, None if value is None else str(value), page, text)
        for index, earlier in enumerate(self.evidence):
            if earlier.field_name == field_name:
                self.evidence[index] = cited
                return
        self.evidence.append(cited)

    def statements_by_area(self) -> dict[str, list[JudgementStatement]]:
        by_area: dict[str, list[JudgementStatement]] = {}
        for statement in self.statements:
            by_area.setdefault(statement.area, []).append(statement)
        return by_area

    def grades(self) -> dict[str, str | None]:
        """Each area's grade as worded, or None where its statements disagree (grades.chosen_grade)."""
        from .grades import chosen_grade

        return {
            area: chosen_grade([s.grade for s in found]) for area, found in self.statements_by_area().items()
        }
