"""The 2012-13 inspection template: child protection inspections (2012-13) and, on the same layout,
the 2013 inspections of looked after children services.

Where values are:
- front page: "Inspection dates: 10-19 September 2012", "Lead inspector Simon Rushall" or "Reporting
  inspector" (a report printed without its front page states neither, and they stay null);
- paragraph 2: "The overall effectiveness of the arrangements to protect children in <authority> is judged
  to be <grade>" names the authority as the report writes it and states the overall grade;
- body section headings, each followed by its grade on its own line;
- "Record of main findings": every judgement again, label then grade;
- "Areas for improvement": items under "Immediately:", "Within three months:", "Within six months:".
Each judgement is therefore stated two or three times; every statement is kept so a check can compare them.
"""

from __future__ import annotations

import re

from orchestration.lib.parse.parsers.common import (
    GRADE_RE,
    TIMESCALE_HEADINGS,
    TIMESCALE_RE,
    Joined,
    find_line,
    items_to_texts,
    next_text_line,
    normal_grade,
    read_inspection_dates,
    read_lead_inspectors,
    read_publication_date,
    title_lines,
)
from orchestration.lib.parse.parsers.model import JudgementStatement, ParsedReport, Recommendation
from orchestration.lib.parse.text import Line, collapse

CHILD_PROTECTION_AREAS = {
    "overall_effectiveness": ["overall effectiveness"],
    "help_and_protection": [
        (
            "the effectiveness of the help and protection provided to children, "
            "young people, families and carers"
        ),
    ],
    "quality_of_practice": ["the quality of practice"],
    "leadership_and_governance": ["leadership and governance"],
}
LOOKED_AFTER_AREAS = {
    "overall_effectiveness": ["overall effectiveness"],
    "capacity_to_improve": ["capacity to improve", "capacity for improvement"],
    "outcomes_for_looked_after_children": [
        "outcomes for looked after children and young people",
        "outcomes for looked after children and care leavers",
        "outcomes for looked after children",
    ],
    "quality_of_provision": ["quality of provision"],
    "leadership_and_management": ["leadership and management"],
}

_GRADE_WORD = re.compile(rf"^(?:grade\s*\d\s*\(?\s*)?{GRADE_RE}\s*\)?\s*\.?$", re.I)
_SUMMARY_RE = re.compile(
    r"overall effectiveness of (?:the )?(?:local authority's )?(?:arrangements|services)"
    r" (?:to protect children|for looked after children)(?: and young people)?"
    r" (?:in|provided by|of) (?P<authority>.{3,80}?) is (?:judged to be |judged |rated |)"
    rf"(?:grade\s*\d\s*\(?)?(?P<grade>{GRADE_RE})\b",
    re.I,
)


def _label_pattern(label: str) -> str:
    return r"\s+".join(re.escape(word) for word in label.split())


def parse(lines: list[Line], report: ParsedReport, areas: dict[str, list[str]]) -> ParsedReport:
    joined = Joined.of(lines)
    report.authority_context = joined.text
    findings_at = _last_heading(lines, r"^record of main findings\s*$")
    _front_page(lines, report)
    _summary_statements(joined, report)
    if report.local_authority_as_written is None:
        _authority_under_title(lines, report)
    _section_heading_statements(lines, report, areas, stop=findings_at if findings_at >= 0 else len(lines))
    if findings_at >= 0:
        _main_findings(lines[findings_at + 1 :], report, areas)
    _areas_for_improvement(lines, report)
    return report


def _last_heading(lines: list[Line], pattern: str) -> int:
    found, position = -1, 0
    while True:
        position = find_line(lines, pattern, position)
        if position < 0:
            return found
        found, position = position, position + 1


def _front_page(lines: list[Line], report: ParsedReport) -> None:
    head = lines[:120]
    read_inspection_dates(head, report)
    read_publication_date(head, report)
    read_lead_inspectors(lines, report)


_TITLE_RE = (
    r"^inspection of (?:local authority arrangements for the protection of children"
    r"|looked after children'?s? services)"
)


def _authority_under_title(lines: list[Line], report: ParsedReport) -> None:
    """The name printed on its own line(s) under the title, wrapped or not ("Inspection of looked after
    children" / "services" / "Blackpool Council"): read when no sentence names the authority."""
    title_at = find_line(lines[:80], r"^inspection of (?:local authority arrangements|looked after children)")
    if title_at < 0:
        return
    taken = title_lines(lines, title_at, _TITLE_RE + r"\b")
    after = next(i for i in range(title_at, len(lines)) if lines[i] is taken[-1]) + 1
    title = collapse(" ".join(l.text for l in taken))
    name_lines: list[Line] = []
    rest = re.sub(_TITLE_RE, "", title, flags=re.I).strip()
    for line in lines[after : after + 6]:
        if line.is_blank:
            if name_lines:
                break
            continue
        if len(line.text) > 70 or re.search(
            r"[.:;]$|^(?:inspection dates?|lead|reporting|age group)\b", line.text, re.I
        ):
            break
        name_lines.append(line)
        if len(name_lines) == 2:
            break
    name = collapse(" ".join([rest] + [l.text for l in name_lines]))
    if name:
        report.local_authority_as_written = name
        report.cite("local_authority", name, taken[0].page if taken else None, f"{title} {name}")


def _summary_statements(joined: Joined, report: ParsedReport) -> None:
    for match in _SUMMARY_RE.finditer(joined.text):
        page = joined.page_at(match.start())
        sentence = joined.sentence_at(match.start(), match.end())
        if report.local_authority_as_written is None:
            authority = re.sub(r"^(?:the\s+)?(?:\d+\.\s+)?", "", match.group("authority"), flags=re.I)
            authority = re.sub(r"\s+\d+\.\s+", " ", authority).strip()
            report.local_authority_as_written = authority
            report.cite("local_authority", authority, page, sentence)
        report.statements.append(
            JudgementStatement(
                "overall_effectiveness", normal_grade(match.group("grade")), "summary", page, sentence
            )
        )


def _match_label(lines: list[Line], index: int, areas: dict[str, list[str]]) -> tuple[str, int] | None:
    """An area label starting at line `index` (possibly wrapped over up to four lines): (area, last line)."""
    longest = max((len(label) for labels in areas.values() for label in labels), default=0)
    window: list[str] = []
    position = index
    while position < len(lines) and len(window) < 4:
        if not lines[position].is_blank:
            window.append(lines[position].text)
            text = collapse(" ".join(window)).lower().rstrip(" :")
            if len(text) > longest + 1:  # already longer than any label: more lines cannot make one
                return None
            for area, labels in areas.items():
                if text in labels:
                    return area, position
        position += 1
    return None


def _section_heading_statements(lines, report, areas, stop: int) -> None:
    lines = lines[:stop]
    for index in range(stop):
        if lines[index].is_blank:
            continue
        label = _match_label(lines, index, areas)
        if not label:
            continue
        area, last = label
        following = next_text_line(lines, last)
        if following >= 0:
            grade = _GRADE_WORD.match(lines[following].text)
            if grade:
                evidence = collapse(" ".join(l.text for l in lines[index : following + 1] if not l.is_blank))
                report.statements.append(
                    JudgementStatement(
                        area, normal_grade(grade.group(1)), "section_heading", lines[following].page, evidence
                    )
                )


def _main_findings(lines: list[Line], report: ParsedReport, areas: dict[str, list[str]]) -> None:
    """Label and grade pairs from the record of main findings. A layout that prints every label before
    every grade is paired in order; otherwise each grade belongs to the label just before it."""
    joined = Joined.of(lines)
    text = joined.text
    found: list[tuple[int, int, str]] = []  # (start, end, area)
    for area, labels in areas.items():
        for label in labels:
            for match in re.finditer(r"(?<![a-z])" + _label_pattern(label) + r"(?![a-z])", text, re.I):
                if not any(s <= match.start() < e for s, e, _ in found):
                    found.append((match.start(), match.end(), area))
    found.sort()
    grades = [
        m
        for m in re.finditer(r"(?<![a-z])" + GRADE_RE + r"(?![a-z])", text, re.I)
        if not any(s <= m.start() < e for s, e, _ in found)
    ]
    if not found or not grades:
        return
    pairs: list[tuple[str, re.Match]] = []
    if grades[0].start() > found[-1][1]:
        pairs = [(area, grade) for (_, _, area), grade in zip(found, grades)]
    else:
        for i, (start, end, area) in enumerate(found):
            limit = found[i + 1][0] if i + 1 < len(found) else len(text)
            grade = next((g for g in grades if end <= g.start() < limit), None)
            if grade:
                pairs.append((area, grade))
    seen = set()
    for area, grade in pairs:
        if area in seen:
            continue
        seen.add(area)
        label_start = next(s for s, _, a in found if a == area)
        evidence = collapse(text[label_start : grade.end()])[:400]
        report.statements.append(
            JudgementStatement(
                area, normal_grade(grade.group(1)), "main_findings", joined.page_at(grade.start()), evidence
            )
        )


_END_OF_LIST = re.compile(
    r"^(?:\d+\.\s|about this inspection|service information|overall effectiveness\s*$|contents\s*$)", re.I
)


def _areas_for_improvement(lines: list[Line], report: ParsedReport) -> None:
    start = 0
    while True:
        start = find_line(lines, r"^areas for improvement\s*$", start)
        if start < 0:
            return
        first_heading = find_line(lines, TIMESCALE_RE.pattern, start + 1, start + 40)
        if first_heading >= 0:
            break
        start += 1
    timescale = None
    block: list[Line] = []
    recommendations: list[Recommendation] = []

    def flush() -> None:
        for text, page, raw in items_to_texts(block):
            recommendations.append(Recommendation(text=text, timescale=timescale, page=page, evidence=raw))
        block.clear()

    for line in lines[first_heading:]:
        heading = TIMESCALE_RE.match(line.text) if not line.is_blank else None
        if heading:
            flush()
            timescale = TIMESCALE_HEADINGS[collapse(heading.group(1)).lower()]
            continue
        if not line.is_blank and _END_OF_LIST.match(line.text):
            break
        block.append(line)
    flush()
    report.recommendations = recommendations
