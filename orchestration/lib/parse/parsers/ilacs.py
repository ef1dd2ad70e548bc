"""Inspections of local authority children's services (ILACS, 2018-): standard and short inspections.

Where values are:
- title "Inspection of <authority> local authority children's services", then "Inspection dates: 6 to
  10 February 2023" and "Lead inspector(s): Tom Anthony, His Majesty's Inspector[, and ...]";
- the judgement table on page 1: "Judgement <tab> Grade", each label wrapped over two lines with its
  grade on the first; three sub-judgements to 2022 (children in care and care leavers together), four
  from 2023, and from April 2026 no overall effectiveness;
- each judgement restated as a section heading: "The experiences and progress of children in care:
  good" (kept as a second statement so a disagreement fails a check);
- "What needs to improve?" (short inspections: "What needs to improve in this area...") as bullets.
"""

from __future__ import annotations

import re

from orchestration.lib.parse.parsers.common import (
    GRADE_RE,
    find_line,
    grade_table,
    list_section,
    name_above,
    normal_grade,
    read_inspection_dates,
    read_lead_inspectors,
    title_lines,
)
from orchestration.lib.parse.parsers.model import JudgementStatement, ParsedReport, Recommendation
from orchestration.lib.parse.text import Line, collapse

# Order matters: the longer phrases first.
ILACS_AREAS = [
    ("children_in_care_and_care_leavers", r"children in care and care leavers"),
    ("impact_of_leaders", r"impact of leaders"),
    ("help_and_protection", r"children who need help and protection"),
    ("children_in_care", r"children in care"),
    ("care_leavers", r"care leavers"),
    ("overall_effectiveness", r"overall effectiveness"),
]


def area_of(label: str) -> str | None:
    for area, pattern in ILACS_AREAS:
        if re.search(pattern, label, re.I):
            return area
    return None


# a title naming the trust or company that runs the children's services: "Inspection of Bradford
# Children and Families Trust", "Inspection of Slough Children First", "... Birmingham Children's Trust"
_TRUST_END = r"children\s+and\s+families\s+trust|children'?s\s+(?:services\s+)?trust|children\s+first"
_TITLE_END = rf"children'?s\s+(?:social\s+care\s+)?services|(?:{_TRUST_END})\s*$"
_TITLE_NAME = re.compile(
    r"^(?:re-?)?inspection of (?:the )?(?P<name>.*?)\s*(?:\blocal authority\s+)?"
    rf"(?:children'?s\s+(?:social\s+care\s+)?services|(?P<trust>{_TRUST_END})\s*$)",
    re.I,
)


def parse(lines: list[Line], report: ParsedReport) -> ParsedReport:
    head = lines[:60]
    report.authority_context = " ".join(line.text for line in lines if not line.is_blank)
    title_at = find_line(head, r"^inspection of ")
    if title_at >= 0:
        _authority(head, title_at, report)
    _front_page(lines, report)
    # Reports do not say "short": a short inspection is one week on site, a standard one two weeks.
    if report.windows:
        on_site = sum((end - start).days + 1 for start, end in report.windows)
        report.inspection_kind = "short" if on_site <= 7 else "standard"
    _table(lines, report)
    _headings(lines, report)
    start = find_line(lines, r"^what needs to improve")
    if start >= 0:
        for text, page, raw in list_section(lines, start):
            report.recommendations.append(Recommendation(text=text, timescale=None, page=page, evidence=raw))
    return report


def _authority(head: list[Line], title_at: int, report: ParsedReport) -> None:
    """The title names the authority, wrapped over as many lines as it takes ("Inspection of
    Leicestershire County" / "Council local authority children's" / "services", "Inspection of
    Buckinghamshire Council children's services"); a title that names none ("Inspection of children's
    social care services", 2018-19) has the council's name above it, possibly wrapped too."""
    taken = title_lines(head, title_at, _TITLE_END)
    title = collapse(" ".join(l.text for l in taken))
    report.title = title
    match = _TITLE_NAME.match(title)
    name = match.group("name").strip(" ,") if match else ""
    if match and match.group("trust"):
        name = f"{name} {match.group('trust')}"  # the trust's whole name, which the resolver reads
    if name and name.lower() not in ("local authority", "local authority's"):
        report.local_authority_as_written = name
        report.cite("local_authority", name, taken[0].page, title)
        return
    above = name_above(head, title_at)
    if above:
        name = collapse(" ".join(l.text for l in above))
        report.local_authority_as_written = name
        report.cite("local_authority", name, above[0].page, name)


def _front_page(lines: list[Line], report: ParsedReport) -> None:
    read_inspection_dates(lines[:60], report)
    read_lead_inspectors(lines, report)


def _table(lines: list[Line], report: ParsedReport) -> None:
    start = find_line(lines[:200], r"^judgement\s+grade$")
    if start >= 0:
        report.statements.extend(grade_table(lines, start + 1, _LABEL_START, area_of))


_LABEL_START = re.compile(
    r"^(?:the impact of leaders|the experiences and progress|overall effectiveness)", re.I
)


_HEADING_RE = re.compile(
    rf"^((?:the )?(?:impact of leaders|experiences and progress of|overall effectiveness).{{0,160}}?)"
    rf"\s*:\s*{GRADE_RE}\s*$",
    re.I,
)


def _headings(lines: list[Line], report: ParsedReport) -> None:
    text_lines = [l for l in lines if not l.is_blank]
    for index, line in enumerate(text_lines):
        if not re.match(
            r"^(?:the )?(?:impact of leaders|experiences and progress of|overall effectiveness)",
            line.text,
            re.I,
        ):
            continue
        candidate = line.text
        for following in text_lines[index + 1 : index + 3]:
            # "...: requires improvement" may wrap before "to be good"
            if _HEADING_RE.match(candidate) and not (
                re.search(r"requires? improvement\s*$", candidate, re.I)
                and re.match(r"to be good\b", following.text.strip(), re.I)
            ):
                break
            candidate = f"{candidate} {following.text}"
        match = _HEADING_RE.match(candidate)
        if match:
            area = area_of(match.group(1))
            if area:
                report.statements.append(
                    JudgementStatement(
                        area, normal_grade(match.group(2)), "section_heading", line.page, candidate[:300]
                    )
                )
