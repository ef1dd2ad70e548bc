"""Single inspection framework reports (2013-18), re-inspections, and reviews of the local safeguarding
children board (LSCB), alone or bundled in the same PDF as the local authority report.

Where values are:
- the first lines name the authority ("Derbyshire County Council") above the title;
- "Inspection date(s): 19 November 2013 – 11 December 2013" and "Lead inspector: Fiona J Millns";
- page 1: "The overall judgement is good." then the judgement table ("1. Children who need help and
  protection <tab> Good", "2.1 Adoption performance", ...) and "The judgement for the effectiveness of the
  Local Safeguarding Children Board (LSCB) is requires improvement.";
- "What does the Local Authority need to improve?": "Priority and immediate action" and "Areas for
  improvement", as bullets or numbered paragraphs; "What does the LSCB need to improve?" likewise, its
  items addressed to the board.
"""

from __future__ import annotations

import datetime as dt
import re

from orchestration.lib.parse.dates import MONTHS
from orchestration.lib.parse.parsers.common import (
    GRADE_PIECE,
    GRADE_RE,
    Joined,
    find_line,
    grade_table,
    list_section,
    name_above,
    normal_grade,
    read_inspection_dates,
    read_lead_inspectors,
    read_publication_date,
)
from orchestration.lib.parse.parsers.model import JudgementStatement, ParsedReport, Recommendation
from orchestration.lib.parse.text import Line, collapse

SIF_AREAS = [
    ("help_and_protection", r"children who need help and protection"),
    ("children_in_care", r"children looked after and achieving permanence"),
    ("adoption", r"adoption performance"),
    ("care_leavers", r"experiences and progress of care leavers"),
    ("leadership_management_governance", r"leadership,? management and governance"),
]


def parse(lines: list[Line], report: ParsedReport) -> ParsedReport:
    joined = Joined.of(lines)
    report.authority_context = joined.text
    head = lines[:80]
    title_at = find_line(
        head,
        r"inspection of services for children in need"
        r"|(?:review|inspection) of the effectiveness of the local safeguarding",
    )
    if title_at > 0:
        # the authority's name (or its children's trust's) sits above the title, sometimes wrapped
        block = name_above(head, title_at)
        if block:
            name = collapse(" ".join(l.text for l in block))
            report.local_authority_as_written = name
            report.cite("local_authority", name, block[0].page, name)
    report.inspection_kind = "reinspection" if _is_reinspection(joined) else "standard"
    _dates_and_inspectors(head, lines, report)
    read_publication_date(head, report)
    _judgements(lines, joined, report)
    _recommendations(lines, report)
    return report


def _dates_and_inspectors(head: list[Line], lines: list[Line], report: ParsedReport) -> None:
    read_inspection_dates(head, report)
    # the SIF report names its lead inspector at the end, under the inspection team
    read_lead_inspectors(lines, report)


# The framework's first inspections began in November 2013 and it inspected each authority once, so a
# previous inspection of the authority's children's services dated from then on was under the same
# framework, and this one is a re-inspection. Inspections of children's homes, fostering or adoption
# agencies are other inspections and do not count.
_SIF_BEGAN = dt.date(2013, 11, 1)
_DATED = r"(?:(?P<month>[a-z]+)\s+)?(?P<year>20\d\d)\b"
_PREVIOUS_INSPECTIONS = (
    # "The previous inspection of the local authority's safeguarding arrangements was in November 2013"
    re.compile(
        r"(?:previous|last|most recent) (?:full )?(?:ofsted )?inspection(?: report)? (?:of|for) "
        r"(?P<what>[^.]{0,160}?)(?:was|were) (?:carried out |published |undertaken )?in " + _DATED,
        re.I,
    ),
    # "Since the last inspection in 2015, when ...", "at the last inspection, in June 2014,"
    re.compile(
        r"(?:previous|last|most recent) (?:full )?(?:ofsted )?inspection(?P<what>)"
        r"(?: of children.s services)?,? in " + _DATED,
        re.I,
    ),
    # "... were judged inadequate when last inspected in 2015", "the council was previously inspected in"
    re.compile(r"(?:last|previously) inspected(?P<what>[^.]{0,40}?) in " + _DATED, re.I),
)
# "re-inspection", also with a hyphen of another kind or a line break after it ("Re- inspection")
_REINSPECTION = re.compile(r"\bre[-\u2010\u2011\u2013]?\s?inspection", re.I)
_NOT_CHILDREN_S_SERVICES = re.compile(
    r"children.{0,3}s homes?|fostering|adoption|residential|school|nursery|youth offending|academy|"
    r"provider|agency|college|home\b",
    re.I,
)


def _is_reinspection(joined: Joined) -> bool:
    """A re-inspection says so near the top ("Re-inspection of services ..."), names the previous single
    inspection, or dates a previous inspection of the authority's children's services within the
    framework's own years (even when it does not call itself one)."""
    if _REINSPECTION.search(joined.text[:3000]) or re.search(
        r"previous single inspection|(?:previous|last) inspection under the single inspection framework"
        r"|previous inspection of the local authority.{0,3}s services for children who need help and "
        r"protection|this is (?:a|the authority.s|the council.s|the local authority.s) re-?inspection",
        joined.text,
        re.I,
    ):
        return True
    for number, pattern in enumerate(_PREVIOUS_INSPECTIONS):
        for match in pattern.finditer(joined.text):
            # what was inspected: named after "inspection of", or before ("Its fostering service was last
            # inspected in 2015", "the children's home's last inspection in 2015")
            what = match.group("what")
            if number > 0:
                start = max(match.start() - 160, 0)
                start = max(joined.text.rfind(". ", start, match.start()), start)
                what += " " + joined.text[start : match.start()]
                # "... last inspection in 2014 of its fostering service"
                after = re.match(r"\s*,?\s*(?:of|for)\s+([^.,;]{0,60})", joined.text[match.end() :])
                what += " " + (after.group(1) if after else "")
            if _NOT_CHILDREN_S_SERVICES.search(what):
                continue
            year = int(match.group("year"))
            month = MONTHS.get((match.group("month") or "").lower())
            if month and dt.date(year, month, 1) >= _SIF_BEGAN:
                return True
            if not month and year >= _SIF_BEGAN.year + 1:
                return True
    return False


def _judgements(lines: list[Line], joined: Joined, report: ParsedReport) -> None:
    text = joined.text
    overall = re.search(
        rf"(?:the overall judgement is (?:that )?(?:children'?s services )?(?:are )?|"
        rf"children'?s services in [\w ,'&.-]{{2,60}}? (?:are|is) |"
        rf"children'?s services in [\w ,'&.-]{{2,60}}? (?=requires? improvement)){GRADE_RE}",
        text,
        re.I,
    )
    if overall:
        report.statements.append(
            JudgementStatement(
                "overall_effectiveness",
                normal_grade(overall.group(1)),
                "summary",
                joined.page_at(overall.start()),
                joined.sentence_at(overall.start(), overall.end()),
            )
        )
    lscb = re.search(
        rf"local safeguarding children board(?: \(lscb\))? "
        rf"(?:is (?:judged to be |judged |rated )?)?{GRADE_RE}",
        text,
        re.I,
    )
    if lscb:
        report.statements.append(
            JudgementStatement(
                "lscb",
                normal_grade(lscb.group(1)),
                "summary",
                joined.page_at(lscb.start()),
                joined.sentence_at(lscb.start(), lscb.end()),
            )
        )
    first = next((i for i, l in enumerate(lines[:300]) if not l.is_blank and _SIF_LABEL.match(l.text)), -1)
    if first >= 0:
        # a grade may be printed just above its label
        # ("Requires" / "1. Children who need ..." / "improvement")
        above = first - 1
        while above > 0 and lines[above].is_blank:
            above -= 1
        # ...but not the end of a sentence above the table ("... require improvement to be" / "good")
        if (
            above >= 0
            and GRADE_PIECE.match(lines[above].text.strip())
            and (above == 0 or lines[above - 1].is_blank)
        ):
            first = above
        report.statements.extend(grade_table(lines, first, _SIF_LABEL, _area_of))


_SIF_LABEL = re.compile(
    r"^\d(?:\.\d)?\.?\s+"
    r"(?:children who need|children looked after|adoption|experiences and progress|leadership)",
    re.I,
)


def _area_of(label: str) -> str | None:
    for area, pattern in SIF_AREAS:
        if re.search(pattern, label, re.I):
            return area
    return None


def _recommendations(lines: list[Line], report: ParsedReport) -> None:
    """2013-15 reports ask "What does the Local Authority (or LSCB) need to improve?" with priority and
    other areas beneath; from 2015 each section has a plain "Recommendations" list, the authority's first
    and the board's second."""
    sections = []
    for pattern, addressed_to in (
        (r"^what does the local authority need to improve", "local_authority"),
        (r"^what does the (?:lscb|local safeguarding children board) need to improve", "lscb"),
    ):
        start = _heading(lines, pattern)
        if start < 0 and addressed_to == "lscb":
            # 2014 reports put the board's areas straight under its section's title
            start = _heading(lines, r"^section 2:? the effectiveness (?:of )?(?:the )?local safeguarding")
        if start >= 0:
            sections.append((start, addressed_to))
    if not sections:
        plain = [
            i
            for i, l in enumerate(lines)
            if not l.is_blank and re.fullmatch(r"recommendations", l.text.strip(), re.I)
        ]
        sections = list(zip(plain[:2], ("local_authority", "lscb")))
    for start, addressed_to in sections:
        end = _section_end(lines, start)
        subs = []
        for sub_heading, is_priority in (
            (r"^priority and immediate action", True),
            (r"^areas? for improvement", False),
        ):
            sub = find_line(lines, sub_heading, start, end)
            if sub >= 0:
                subs.append((sub, is_priority))
        if not subs:
            subs = [(start, False)]
        subs.sort()
        for index, (sub, is_priority) in enumerate(subs):
            sub_end = subs[index + 1][0] if index + 1 < len(subs) else end
            for text, page, raw in list_section(lines, sub, end=sub_end):
                report.recommendations.append(
                    Recommendation(
                        text=text,
                        timescale=None,
                        addressed_to=addressed_to,
                        is_priority=is_priority,
                        page=page,
                        evidence=raw,
                    )
                )


def _heading(lines: list[Line], pattern: str) -> int:
    """A heading's line in the body, skipping its entry in the contents (which ends in a page number)."""
    start = find_line(lines, pattern)
    while start >= 0 and re.search(r"\d\s*$", lines[start].text):
        start = find_line(lines, pattern, start + 1)
    return start


def _section_end(lines: list[Line], start: int) -> int:
    end = find_line(
        lines,
        r"^(information about this|summary for children|inspection judgements about|"
        r"the experiences and progress|what the inspection judgements mean|section \d|"
        r"inspection findings|key strengths and weaknesses)",
        start + 1,
    )
    return end if end >= 0 else len(lines)
