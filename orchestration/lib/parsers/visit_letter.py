"""Monitoring visit and focused visit letters.

A letter opens with Ofsted's address, the letter date, the addressee, their role and the council's
address, then "Dear ...", a subject line ("Monitoring visit of Surrey local authority children's
services") and a first paragraph that gives the visit dates, which visit it was ("the ninth monitoring
visit"), when the authority was last inspected and who the inspectors were. The areas the visit covered
follow as a list; "Overall, ..." states the verdict; the letter is signed by the lead inspector.
"""

from __future__ import annotations

import re

from ..dates import SINGLE_DATE_RE, find_date_expression, parse_date, parse_windows
from ..text import Line, collapse, split_sentences
from .common import Joined, clean_person, find_line, group_items, list_section, split_people
from .model import ParsedReport, Recommendation, Visit

ORDINALS = {
    word: number
    for number, word in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
        "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split(),
        start=1,
    )
}
_ROLE_WORDS = re.compile(r"director|executive|chief|interim|head|officer|corporate|strategic|assistant", re.I)
_SUBJECT_RE = re.compile(r"^(monitoring|focused) visit\b", re.I)


def letter_type(head: str) -> str | None:
    """monitoring_visit or focused_visit when the opening text (lower case, whitespace collapsed) is a
    visit letter, else None."""
    dear = re.search(r"\bdear\b", head[:2500])
    if dear:
        subject = head[dear.start(): dear.start() + 400]
        if re.search(r"\bmonitoring visit\b", subject):
            return "monitoring_visit"
        if re.search(r"\bfocused visit\b", subject):
            return "focused_visit"
    return None


def parse(lines: list[Line], report: ParsedReport, visit_type: str) -> ParsedReport:
    visit = Visit(visit_type=visit_type)
    report.visit = visit
    dear = find_line(lines, r"^dear\b")
    head = lines[: dear if dear >= 0 else 30]
    _letter_head(head, report, visit)
    body = lines[dear + 1:] if dear >= 0 else lines
    subject = find_line(body, _SUBJECT_RE.pattern, 0, 12)
    if subject >= 0:
        report.title = body[subject].text
        named = re.sub(r"^(monitoring|focused) visit (?:of|to|at)\s+(?:the\s+)?", "", body[subject].text, flags=re.I)
        named = re.sub(r"\s+(?:local authority )?children'?s (?:social care )?services.*$", "", named, flags=re.I).strip()
        if report.local_authority_as_written is None and named and not re.search(r"\b(?:visit|letter)\b", named, re.I):
            report.local_authority_as_written = named
            report.cite("local_authority", named, body[subject].page, body[subject].text)
    joined = Joined.of(body[subject + 1:] if subject >= 0 else body)
    _first_paragraph(joined, report, visit)
    _focus_areas(body, visit)
    _verdict(joined, report, visit)
    _signatory(lines, report)
    if not report.lead_inspectors and report.inspectors:
        # letters list the lead inspector first when they do not say who led
        report.lead_inspectors = report.inspectors[:1]
        report.cite("lead_inspector", report.inspectors[0], None, "first inspector named in the letter")
    found = sorted((at, is_priority) for heading, is_priority in (
        (r"^areas? for priority action", True), (r"^what needs to improve", False))
        if (at := find_line(body, heading)) >= 0)
    for index, (at, is_priority) in enumerate(found):
        # each list ends where the next one's heading starts at the latest
        end = found[index + 1][0] if index + 1 < len(found) else None
        for text, page, raw in list_section(body, at, end=end):
            report.recommendations.append(
                Recommendation(text=text, timescale=None, is_priority=is_priority, page=page, evidence=raw))
    return report


def _letter_head(head: list[Line], report: ParsedReport, visit: Visit) -> None:
    date_at = next((i for i, l in enumerate(head) if not l.is_blank and SINGLE_DATE_RE.fullmatch(l.text.strip())), -1)
    if date_at < 0:
        date_at = next((i for i, l in enumerate(head) if not l.is_blank and SINGLE_DATE_RE.search(l.text)), -1)
    if date_at < 0:
        return
    visit.letter_date = parse_date(head[date_at].text)
    report.cite("letter_date", visit.letter_date, head[date_at].page, head[date_at].text)
    address = [l for l in head[date_at + 1:] if not l.is_blank]
    if address and clean_person(address[0].text):
        visit.addressee = collapse(address[0].text)
        report.cite("addressee", visit.addressee, address[0].page, address[0].text)
        if len(address) > 1 and _ROLE_WORDS.search(address[1].text):
            visit.addressee_role = collapse(address[1].text)
            report.cite("addressee_role", visit.addressee_role, address[1].page, address[1].text)
    # The council's own line ("Surrey County Council"); a postal county ("County Durham") is not one, and
    # the letter's subject names the authority then.
    for line in address[1:]:
        if re.search(r"\b(council|borough|city of)\b|\bcounty\b(?!\s+\w+\s*$)", line.text, re.I) and not re.match(
                r"^county\s+\w+\s*,?$", line.text.strip(), re.I):
            report.local_authority_as_written = collapse(line.text).rstrip(",")
            report.cite("local_authority", report.local_authority_as_written, line.page, line.text)
            break


def _year_slip(start, end):
    """A visit lasts days, not a year: "24 October 2022 to 25 October 2023" is a slip of the start's
    year, so the start takes the end's year when that makes a window of a month or less."""
    if (end - start).days > 31 and start.year != end.year:
        try:
            moved = start.replace(year=end.year)
        except ValueError:  # 29 February
            return start, end
        if moved <= end and (end - moved).days <= 31:
            return moved, end
    return start, end


def _first_paragraph(joined: Joined, report: ParsedReport, visit: Visit) -> None:
    text = joined.text[:2500]
    on_match = re.search(r"\b(?:on|between|from)\s+(\d{1,2}(?:st|nd|rd|th)?\s)", text)
    expression = find_date_expression(text[on_match.start(1):] if on_match else text)
    if expression:
        wording = expression
        if on_match and on_match.group(0).lower().startswith("between") and len(re.findall(r"\band\b|,", expression)) == 1:
            wording = re.sub(r"\band\b", "to", expression)  # "between 29 September and 1 October": one window
        windows = [_year_slip(start, end) for start, end in parse_windows(wording)]
        if windows:
            report.windows = windows
            position = text.find(expression)
            report.cite("visit_dates", expression, joined.page_at(position), joined.sentence_at(position, position + len(expression)))
    number = re.search(r"\bthe (\w+) monitoring visit\b", text, re.I)
    if number and number.group(1).lower() in ORDINALS:
        visit.visit_number = ORDINALS[number.group(1).lower()]
        report.cite("visit_number", visit.visit_number, joined.page_at(number.start()), joined.sentence_at(number.start(), number.end()))
    else:
        number = re.search(r"\b(\d{1,2})(?:st|nd|rd|th) monitoring visit\b", text, re.I)
        if number:
            visit.visit_number = int(number.group(1))
            report.cite("visit_number", visit.visit_number, joined.page_at(number.start()), joined.sentence_at(number.start(), number.end()))
    previous = re.search(r"\b(?:was|were) (?:last )?(?:inspected|judged[^.]{0,40}?)\s+in\s+(?:\w+\s+)?((?:19|20)\d\d)\b", text, re.I)
    if previous:
        visit.previous_inspection_year = int(previous.group(1))
        report.cite("previous_inspection_year", visit.previous_inspection_year, joined.page_at(previous.start()), joined.sentence_at(previous.start(), previous.end()))
    team = re.search(
        r"\b(?:[Tt]he (?:inspectors|inspection team|visit was carried out by|lead inspector)|"
        r"[Ii]nspectors for this visit|(?:Her|His) Majesty's Inspectors(?= were))\s+(?:were|was|are|is)?\s*([^.]+)\.", text)
    if team:
        people = split_people(team.group(1))
        if people:
            report.inspectors = people
            report.cite("inspectors", "; ".join(people), joined.page_at(team.start()), collapse(team.group(0)))
    lead = re.search(r"\blead inspector (?:was|is)\s+([^.,;]+)", text, re.I)
    if lead and clean_person(lead.group(1)):
        report.lead_inspectors = [clean_person(lead.group(1))]
        report.cite("lead_inspector", report.lead_inspectors[0], joined.page_at(lead.start()), collapse(lead.group(0)))


def _focus_areas(body: list[Line], visit: Visit) -> None:
    start = find_line(body, r"^areas? covered by (?:the|this) visit|^areas? of focus|^focus of (?:the|this) visit")
    if start < 0:
        return
    section: list[Line] = []
    seen_item = False
    for line in body[start + 1:]:
        if line.is_blank:
            section.append(line)
            continue
        if line.is_item:
            seen_item = True
            section.append(line)
        elif seen_item and line.text[:1].isupper() and section and section[-1].is_blank:
            break  # a paragraph after the list
        elif seen_item:
            section.append(line)
    items = [item for item in group_items(section) if any(l.is_item for l in item)]
    for item in items:
        text = collapse(" ".join(l.text for l in item)).rstrip(".;")
        visit.focus_areas.append((text, item[0].page))


def _verdict(joined: Joined, report: ParsedReport, visit: Visit) -> None:
    for sentence in split_sentences(joined.text):
        if re.match(r"overall,", sentence, re.I) and "progress" in sentence.lower():
            summary = re.sub(r"^overall,\s*", "", sentence, flags=re.I).rstrip(".")
            visit.progress_summary = summary
            position = joined.text.find(sentence)
            report.cite("progress_summary", summary, joined.page_at(position), sentence)
            return


def _signatory(lines: list[Line], report: ParsedReport) -> None:
    closing = find_line(lines, r"^yours (?:sincerely|faithfully)")
    if closing < 0:
        return
    for line in lines[closing + 1: closing + 6]:
        if line.is_blank:
            continue
        name = clean_person(line.text)
        if name:
            if not report.lead_inspectors:
                report.lead_inspectors = [name]
                report.cite("lead_inspector", name, line.page, line.text)
            if name not in report.inspectors:
                report.inspectors.append(name)
        return
