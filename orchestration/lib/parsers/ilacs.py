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

from ..text import Line, collapse
from .common import (
    GRADE_RE,
    find_line,
    grade_table,
    list_section,
    normal_grade,
    read_inspection_dates,
    split_people,
)
from .model import JudgementStatement, ParsedReport, Recommendation

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


def parse(lines: list[Line], report: ParsedReport) -> ParsedReport:
    head = lines[:60]
    title_at = find_line(head, r"^inspection of ")
    if title_at >= 0:
        title = collapse(" ".join(l.text for l in head[title_at:title_at + 3] if not l.is_blank))
        report.title = title
        match = re.search(r"inspection of (?:the )?(.+?) local authority children'?s", title, re.I)
        if match:
            report.local_authority_as_written = match.group(1).strip()
            report.cite("local_authority", report.local_authority_as_written, head[title_at].page, title)
        else:  # 2018-19 reports name the council on the line above the title
            above = [l for l in head[:title_at] if not l.is_blank]
            if above:
                report.local_authority_as_written = above[-1].text
                report.cite("local_authority", above[-1].text, above[-1].page, above[-1].text)
    _front_page(head, report)
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


def _front_page(head: list[Line], report: ParsedReport) -> None:
    read_inspection_dates(head, report)
    lead_at = find_line(head, r"^lead inspectors?\s*:?")
    if lead_at >= 0:
        following = [l.text for l in head[lead_at:lead_at + 3] if not l.is_blank]
        text = following[0]
        # "Lead inspectors: A, His Majesty's Inspector, and" wraps onto the next line
        if len(following) > 1 and re.search(r"\band\s*$|,\s*$", text):
            text += " " + following[1]
        rest = re.split(r"lead inspectors?\s*:?", text, maxsplit=1, flags=re.I)[1]
        people = split_people(rest)
        if people:
            report.lead_inspectors = people
            report.cite("lead_inspector", "; ".join(people), head[lead_at].page, text)


def _table(lines: list[Line], report: ParsedReport) -> None:
    start = find_line(lines[:200], r"^judgement\s+grade$")
    if start >= 0:
        report.statements.extend(grade_table(lines, start + 1, _LABEL_START, area_of))


_LABEL_START = re.compile(r"^(?:the impact of leaders|the experiences and progress|overall effectiveness)", re.I)


_HEADING_RE = re.compile(
    rf"^((?:the )?(?:impact of leaders|experiences and progress of|overall effectiveness).{{0,160}}?)\s*:\s*{GRADE_RE}\s*$",
    re.I,
)


def _headings(lines: list[Line], report: ParsedReport) -> None:
    text_lines = [l for l in lines if not l.is_blank]
    for index, line in enumerate(text_lines):
        if not re.match(r"^(?:the )?(?:impact of leaders|experiences and progress of|overall effectiveness)", line.text, re.I):
            continue
        candidate = line.text
        for following in text_lines[index + 1: index + 3]:
            # "...: requires improvement" may wrap before "to be good"
            if _HEADING_RE.match(candidate) and not (
                    re.search(r"requires? improvement\s*$", candidate, re.I)
                    and re.match(r"to be good\b", following.text.strip(), re.I)):
                break
            candidate = f"{candidate} {following.text}"
        match = _HEADING_RE.match(candidate)
        if match:
            area = area_of(match.group(1))
            if area:
                report.statements.append(JudgementStatement(area, normal_grade(match.group(2)), "section_heading", line.page, candidate[:300]))
