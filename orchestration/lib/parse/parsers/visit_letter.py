"""Monitoring visit and focused visit letters.

A letter usually opens with Ofsted's address, the letter date, the addressee, their role and the council's
address, then "Dear ...", a subject line ("Monitoring visit of Surrey local authority children's
services") and a first paragraph that gives the visit dates, which visit it was ("the ninth monitoring
visit"), when the authority was last inspected and who the inspectors were. What the visit looked at
follows ("Inspectors looked at the local authority's arrangements for care leavers", or a list under
"Areas covered by the visit"); "Overall, ..." states the verdict; the letter is signed by the lead inspector.

Copies of a letter vary: the letterhead and subject line may be missing (the text starts at "This letter
summarises the findings of ..."), the address block may come before Ofsted's, the subject line may wrap
or carry trailing words, and the council's line in the address block may be run into a building or a
role. Each value is therefore read from whichever of these the letter has.
"""

from __future__ import annotations

import datetime as dt
import re

from orchestration.lib.parse.dates import (
    DATE_EXPRESSION_RE,
    MONTHS,
    SINGLE_DATE_RE,
    parse_date,
    parse_windows,
)
from orchestration.lib.parse.parsers.common import (
    Joined,
    find_line,
    list_section,
)
from orchestration.lib.parse.parsers.model import ParsedReport, Recommendation, Visit
from orchestration.lib.parse.parsers.people import clean_person, letter_people, letter_person, unaccented
from orchestration.lib.parse.parsers.visit_focus_areas import read_focus_areas
from orchestration.lib.parse.text import Line, collapse, split_sentences

ORDINALS = {
    word: number
    for number, word in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
        "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split(),
        start=1,
    )
}
_ROLE_WORDS = re.compile(r"director|executive|chief|interim|head|officer|corporate|strategic|assistant", re.I)
_SUBJECT_RE = re.compile(r"^(?:(?:subject|re)\s*:?\s*)?(monitoring|focused) visit\b", re.I)
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))

# Marks of a visit letter in its opening text (lower case): its subject line or its first sentence.
_LETTER_MARKS = (
    re.compile(r"\bdear\b.{0,400}?\b(monitoring|focused) visit\b"),
    re.compile(
        r"this letter summarises the (?:main )?findings of (?:the|a|an|this|our) "
        r"(?:\w+ )?(monitoring|focused) visit"
    ),
    re.compile(
        r"\b(monitoring|focused) visit (?:of|to|at) [^.]{0,120}?"
        r"(?:children'?s (?:social care )?services|local authority|children'?s trust|council)\b"
    ),
    re.compile(r"\bthis (?:was|is) the \w+ (monitoring|focused) visit\b"),
)


def letter_type(head: str) -> str | None:
    """monitoring_visit or focused_visit when the opening text (lower case, whitespace collapsed) is a
    visit letter, else None. A letter is known by its subject line or by its first sentence; an
    inspection report that mentions a visit near its top has its own title first."""
    text = head[:3000]
    found = [m for pattern in _LETTER_MARKS if (m := pattern.search(text))]
    if not found:
        return None
    first = min(found, key=lambda m: m.start(1))
    if re.search(r"\b(?:inspection|review) of\b", text[: first.start()]):
        return None
    return f"{first.group(1)}_visit"


# ---------------------------------------------------------------------------------------------------
# Dates written in other ways are respelled as "12 September 2016" before anything reads them.


def _respell_dates(text: str) -> str:
    # 12/09/2016, 12.09.16: day first, as in every English letter
    def numeric(match: re.Match) -> str:
        day, month, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if not (1 <= day <= 31 and 1 <= month <= 12):
            return match.group(0)
        year = year + 2000 if year < 100 else year
        return f"{day} {dt.date(2000, month, 1).strftime('%B')} {year}"

    text = re.sub(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})\b", numeric, text)
    # "January 30, 2019" and "January 30th 2019"
    text = re.sub(
        rf"\b({_MONTH_ALT})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", r"\2 \1 \3", text, flags=re.I
    )
    # "30th of January"
    text = re.sub(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+of\s+({_MONTH_ALT})\b", r"\1 \2", text, flags=re.I)
    return text


def _respelled(lines: list[Line]) -> list[Line]:
    return [
        line
        if line.is_blank or not re.search(r"\d", line.text)
        else Line(line.page, _respell_dates(line.text), line.is_item, line.is_blank, line.mark)
        for line in lines
    ]


# ---------------------------------------------------------------------------------------------------
# The authority.

_NOT_A_NAME = (
    r"(?:The|House|Hall|Offices?|Centre|Center|Buildings?|Director|Directorate|Services|Service|Children'?s|"
    r"Executive|Road|Street|Square|Lane|Place|Civic|Town|County\s+Hall|People|Education|Families|"
    r"Care|Social)\b"
)
_NAME_WORD = rf"(?!{_NOT_A_NAME})[A-Z][\w'.]*(?:-[\w']+)*"
# capitalised words, with the small words of a place's name between them ("Kingston upon Thames")
_NAME = rf"{_NAME_WORD}(?:,?\s+(?:(?:and|upon|on|with|under|in|of|the)\s+)*{_NAME_WORD})*"
# A council as an address block names it: "Surrey County Council", "London Borough of Sutton", "City of
# York Council", "Royal Borough of Greenwich".
_COUNCIL_RE = re.compile(
    rf"(?:(?:The\s+)?(?:Royal|London|Metropolitan)\s+Borough\s+of\s+{_NAME}(?:\s+Council)?"
    rf"|City\s+of\s+{_NAME}\s+Council"
    rf"|{_NAME}\s+(?:(?:Metropolitan\s+)?(?:Borough|District)\s+|County\s+(?:Borough\s+)?|City\s+)?Council)\b"
)
_TRUST_RE = re.compile(r"\btrust\b|\bfor children\b|\bchildren first\b|\bcompany\b|\blimited\b|\bltd\b", re.I)
_ORG_WORDS = re.compile(
    r"\b(?:the|royal|london|metropolitan|borough|city|county|district|council|of|local authority)\b", re.I
)


def _core(name: str) -> str:
    """The place in an authority's name: "the London Borough of Sutton" and "Sutton Council" are both
    "sutton"."""
    name = unaccented(name).lower().replace("&", " and ")
    name = re.sub(r"[-,']|\bs\b", " ", name)
    return collapse(_ORG_WORDS.sub(" ", name))


def _tidy_name(name: str) -> str | None:
    name = collapse(name).strip(" ,.;:-–")
    name = re.sub(r"^the\s+", "", name, flags=re.I)
    name = re.sub(r"\s*\([A-Z]{2,6}\)", "", name)  # "Bournemouth, Christchurch and Poole (BCP)"
    name = re.sub(r"'s?$", "", name)  # "the London Borough of Lewisham's children's services"
    name = re.sub(r"\s+(?:local authority|children'?s)$", "", name, flags=re.I).strip()
    if not name or not name[0].isupper() or len(name) > 80 or re.search(r"\b(?:visit|letter)\b", name, re.I):
        return None
    return name


def _name_after_visit(text: str) -> str | None:
    """The authority in "Focused visit to Knowsley Metropolitan Borough Council children's services" or
    "... the monitoring visit to Surrey children's services on ...", with any trailing words dropped."""
    match = re.search(r"\b(?:monitoring|focused) visits? (?:of|to|at|in)\s+(.{2,160})", text, re.I)
    if not match:
        return None
    rest = match.group(1)
    for ending in (
        r"(?:'s)?\s+(?:local\s+authority\s+)?children'?s\s+(?:social\s+care\s+)?services\b",
        r"\s+local\s+authority\b",
        (
            rf"\s+(?:on|between|from|in)\s+\d|\s+\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH_ALT})\b"
            r"|\s*[(:–—]|\s+-\s|\.\s"
        ),
    ):
        cut = re.search(ending, rest, re.I)
        if cut:
            return _tidy_name(rest[: cut.start()])
    return _tidy_name(rest) if len(rest) < 80 else None


def _council_in(text: str) -> str | None:
    match = _COUNCIL_RE.search(text)
    return collapse(match.group(0)) if match else None


def _choose_authority(named: str | None, council: str | None, opening: str) -> str | None:
    """The subject line or first sentence says which authority was visited; the address block's council
    line, when it names the same place, gives its name in full. A trust or company running the services
    ("Achieving for Children") gives way to the council the letter names."""
    if named and _TRUST_RE.search(named):
        on_behalf = re.search(rf"\bon behalf of (?:the )?({_COUNCIL_RE.pattern}|{_NAME})", opening)
        services_in = re.search(
            rf"\bchildren'?s services in ({_NAME}) are (?:provided|delivered|run)\b", opening
        )
        for candidate in (council, on_behalf and on_behalf.group(1), services_in and services_in.group(1)):
            if candidate and not _TRUST_RE.search(candidate) and _core(candidate):
                return collapse(candidate)
        return named
    if named and council and _core(named) != _core(council):
        return named
    return council or named


# ---------------------------------------------------------------------------------------------------


def parse(lines: list[Line], report: ParsedReport, visit_type: str) -> ParsedReport:
    visit = Visit(visit_type=visit_type)
    report.visit = visit
    lines = _respelled(lines)
    dear = find_line(lines, r"^dear\b", 0, 150)
    opening_at = find_line(lines, r"\bthis letter summarises\b", 0, 200)
    if dear >= 0:
        head, body = lines[:dear], lines[dear + 1 :]
    elif opening_at >= 0:
        # no "Dear": the subject line, if any, sits just above the first sentence
        subject_at = find_line(lines, _SUBJECT_RE.pattern, max(opening_at - 6, 0), opening_at)
        split = subject_at if subject_at >= 0 else opening_at
        head, body = lines[:split], lines[split:]
    else:
        head, body = lines[:30], lines
    council = _letter_head(head, report, visit)

    subject = find_line(body, _SUBJECT_RE.pattern, 0, 12)
    named = None
    after_subject = 0
    if subject >= 0:
        text, after_subject = _subject_text(body, subject)
        report.title = text
        named = _name_after_visit(text)
        if named:
            report.cite("local_authority", named, body[subject].page, text)
    joined = Joined.of(body[after_subject:])
    opening = joined.text[:3000]
    if named is None:
        named = _name_after_visit(opening[:800])
        if named:
            report.cite("local_authority", named, joined.page_at(0), joined.sentence_at(0, 10))
    if named is None and council is None:
        services_in = re.search(rf"\bchildren'?s services in ({_NAME})", opening)
        named = services_in and _tidy_name(services_in.group(1))
    report.local_authority_as_written = _choose_authority(named, council, opening)
    report.authority_context = " ".join(line.text for line in lines if not line.is_blank)

    _visit_dates(opening, joined, report, visit)
    _numbers(opening, joined, report, visit)
    _inspectors(opening, joined, report)
    read_focus_areas(body[after_subject:], report, visit)
    _verdict(joined, report, visit)
    _signatory(lines, report)
    if not report.lead_inspectors and report.inspectors:
        # letters list the lead inspector first when they do not say who led
        report.lead_inspectors = report.inspectors[:1]
        report.cite("lead_inspector", report.inspectors[0], None, "first inspector named in the letter")
    found = sorted(
        (at, is_priority)
        for heading, is_priority in (
            (r"^areas? for priority action", True),
            (r"^what needs to improve", False),
        )
        if (at := find_line(body, heading)) >= 0
    )
    for index, (at, is_priority) in enumerate(found):
        # each list ends where the next one's heading starts at the latest
        end = found[index + 1][0] if index + 1 < len(found) else None
        for text, page, raw in list_section(body, at, end=end):
            report.recommendations.append(
                Recommendation(text=text, timescale=None, is_priority=is_priority, page=page, evidence=raw)
            )
    return report


def _subject_text(body: list[Line], at: int) -> tuple[str, int]:
    """The subject line, joined with the line it wraps onto ("... Council Children's" / "services"), and
    the index after it."""
    parts = [body[at].text]
    end = at + 1
    while (
        end < len(body)
        and len(parts) < 3
        and not body[end].is_blank
        and not re.search(r"\bservices\b|\btrust\b", " ".join(parts), re.I)
        and len(body[end].text) < 70
        and not re.match(r"(?:this|dear|her|his|the)\b", body[end].text, re.I)
    ):
        parts.append(body[end].text)
        end += 1
    return collapse(" ".join(parts)), end


def _letter_head(head: list[Line], report: ParsedReport, visit: Visit) -> str | None:
    """Letter date, addressee and role, and the council named in the address block (returned)."""
    text_lines = [line for line in head if not line.is_blank]
    date_at = next((i for i, l in enumerate(text_lines) if SINGLE_DATE_RE.fullmatch(l.text.strip())), -1)
    if date_at < 0:
        date_at = next((i for i, l in enumerate(text_lines) if SINGLE_DATE_RE.search(l.text)), -1)
    if date_at >= 0:
        visit.letter_date = parse_date(text_lines[date_at].text)
        report.cite("letter_date", visit.letter_date, text_lines[date_at].page, text_lines[date_at].text)
    # The addressee is the first line after the date when it is a person; an address block printed above
    # Ofsted's is found by its person-then-role pair.
    candidates = ([date_at + 1] if date_at >= 0 else []) + list(range(len(text_lines)))
    for at in candidates:
        if at >= len(text_lines) or not clean_person(unaccented(text_lines[at].text)):
            continue
        has_role = at + 1 < len(text_lines) and _ROLE_WORDS.search(text_lines[at + 1].text)
        if at != date_at + 1 and not has_role:
            continue
        visit.addressee = collapse(text_lines[at].text)
        report.cite("addressee", visit.addressee, text_lines[at].page, text_lines[at].text)
        if has_role:
            visit.addressee_role = collapse(text_lines[at + 1].text)
            report.cite(
                "addressee_role", visit.addressee_role, text_lines[at + 1].page, text_lines[at + 1].text
            )
        break
    # The council's line ("Surrey County Council", "Wiltshire Council County Hall"); a postal county
    # ("County Durham") or a building ("The Council House") is not one.
    for line in text_lines:
        if re.search(r"ofsted|piccadilly|kingsway|aviation house|www\.|@", line.text, re.I):
            continue
        council = _council_in(line.text)
        if council:
            report.cite("council_in_address", council, line.page, line.text)
            return council
    return None


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


def _shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


_NO_YEAR_RE = re.compile(
    rf"\d{{1,2}}(?:st|nd|rd|th)?(?:\s*(?:{_MONTH_ALT})\.?)?"
    rf"(?:\s*(?:-|–|—|to|until|and|,|&)\s*\d{{1,2}}(?:st|nd|rd|th)?(?:\s*(?:{_MONTH_ALT})\.?)?)*"
    rf"(?<=[a-z.])",
    re.I,
)


def _visit_dates(text: str, joined: Joined, report: ParsedReport, visit: Visit) -> None:
    """The visit's days from the first paragraph ("on 31 October and 1 November 2017", "between 29
    September and 1 October 2020", "on 30 and 31 January" with the year of the letter)."""
    text = re.sub(r"(?<=[a-z]),\s+and\s+(?=\d)", " and ", text)  # "29 and 30 September, and 1 October 2020"
    on_match = re.search(r"\b(?:on|between|from|during)\s+(?=\d{1,2}(?:st|nd|rd|th)?\b)", text)
    if not on_match:
        on_match = re.search(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH_ALT})\b", text, re.I)
        if not on_match:
            return
    start = on_match.end() if on_match.group(0)[:1].isalpha() else on_match.start()
    wording = None
    expression = DATE_EXPRESSION_RE.match(text, start)
    if expression:
        wording = expression.group(0)
    no_year = _NO_YEAR_RE.match(text, start)
    if (
        no_year
        and (expression is None or len(no_year.group(0)) > len(wording or "") + 6)
        and visit.letter_date
    ):
        # no year printed: the letter's own, or the one before when that would put the visit after it
        wording = f"{no_year.group(0)} {visit.letter_date.year}"
        expression = no_year
    if wording is None or expression is None:
        return
    windows = _windows(wording, text[on_match.start() : on_match.start() + 8])
    if not windows:
        return
    if (
        visit.letter_date
        and no_year is not None
        and expression is no_year
        and windows[0][0] > visit.letter_date
    ):
        windows = _windows(f"{no_year.group(0)} {visit.letter_date.year - 1}", "")
    windows = _mend_years(windows, report, visit)
    report.windows = windows
    position = expression.start()
    report.cite(
        "visit_dates",
        expression.group(0),
        joined.page_at(position),
        joined.sentence_at(position, position + len(expression.group(0))),
    )


def _windows(wording: str, introduced_by: str) -> list[tuple[dt.date, dt.date]]:
    if introduced_by.lower().startswith("between") and len(re.findall(r"\band\b|,", wording)) == 1:
        wording = re.sub(r"\band\b", "to", wording)  # "between 29 September and 1 October": one window
    return [_year_slip(start, end) for start, end in parse_windows(wording)]


def _mend_years(windows, report: ParsedReport, visit: Visit):
    """A letter follows its visit by weeks. When the letter's date comes before the visit, its year is the
    slip ("21 January 2019" for a December 2019 visit: the old year written in a new one); when the
    visit's year is more than a year from the letter's, the visit's is (the letter has it once, in its
    letterhead, and the visit's days and month are still right)."""
    letter = visit.letter_date
    if letter is None:
        return windows
    end = windows[-1][1]
    if letter < end:
        later = _shift_year(
            letter, end.year - letter.year + (1 if (letter.month, letter.day) < (end.month, end.day) else 0)
        )
        if 0 <= (later - end).days <= 240 and abs(end.year - letter.year) <= 1:
            visit.letter_date = later
            report.cite(
                "letter_date", later, None, f"letter dated {letter.isoformat()}, before the visit it reports"
            )
            return windows
    if abs(end.year - letter.year) > 1 or end > letter:
        shift = letter.year - end.year - (1 if (end.month, end.day) > (letter.month, letter.day) else 0)
        moved = [(_shift_year(a, shift), _shift_year(b, shift)) for a, b in windows]
        if 0 <= (letter - moved[-1][1]).days <= 240:
            return moved
    return windows


def _numbers(text: str, joined: Joined, report: ParsedReport, visit: Visit) -> None:
    number = re.search(r"\bthe (\w+) monitoring visit\b", text, re.I) or re.search(
        r"\b(?:this|the visit) (?:was|is) the (\w+) (?:focused|monitoring) visit\b", text, re.I
    )
    if number and number.group(1).lower() in ORDINALS:
        visit.visit_number = ORDINALS[number.group(1).lower()]
    else:
        number = re.search(r"\b(\d{1,2})(?:st|nd|rd|th) monitoring visit\b", text, re.I)
        visit.visit_number = int(number.group(1)) if number else None
    if number and visit.visit_number:
        report.cite(
            "visit_number",
            visit.visit_number,
            joined.page_at(number.start()),
            joined.sentence_at(number.start(), number.end()),
        )
    previous = re.search(
        r"\b(?:was|were) (?:last )?(?:inspected|judged[^.]{0,40}?)\s+in\s+(?:\w+\s+)?((?:19|20)\d\d)\b",
        text,
        re.I,
    )
    if previous:
        visit.previous_inspection_year = int(previous.group(1))
        report.cite(
            "previous_inspection_year",
            visit.previous_inspection_year,
            joined.page_at(previous.start()),
            joined.sentence_at(previous.start(), previous.end()),
        )


_TEAM_RES = (
    # "The inspectors were ...", "Her Majesty's Inspectors for this visit were ...", "The inspection team
    # was ...", "The lead inspector was ..."
    re.compile(
        r"\b(?:inspectors?|inspection team|visit team)(?: for this(?: visit)?)?"
        r"\s+(?:were|was|are|is)\s+(.+?)\.(?=\s|$)",
        re.I,
    ),
    # "The visit was conducted by ...", "... carried out by Linda Steele and Donna Marriott, Her Majesty's
    # Inspectors."
    re.compile(r"\b(?:carried out|conducted|undertaken|led)\s+by\s+(.+?)\.(?=\s|$)", re.I),
)
_LEAD_RE = re.compile(
    r"\blead inspector(?: on site| for (?:this|the) visit)?\s*(?:was|is|:|-|–)\s*"
    r"(.+?)(?=[.,;(\n]|\s+and\s|$)",
    re.I,
)
_LEADS_RE = re.compile(
    r"\b(?:joint )?lead inspectors(?: on site| for (?:this|the) visit)?\s*(?:were|are|:|-|–)\s*"
    r"(.+?)\.(?=\s|$)",
    re.I,
)


def _inspectors(text: str, joined: Joined, report: ParsedReport) -> None:
    matches = [m for pattern in _TEAM_RES if (m := pattern.search(text))]
    for team in sorted(matches, key=lambda m: m.start()):
        people, leads = letter_people(team.group(1))
        if people:
            report.inspectors = people
            report.cite(
                "inspectors", "; ".join(people), joined.page_at(team.start()), collapse(team.group(0))
            )
            if leads:
                report.lead_inspectors = leads
                report.cite("lead_inspector", leads[0], joined.page_at(team.start()), collapse(team.group(0)))
            break
    # "Lead inspector on site: Máire Atherton", in the first paragraph or at the end of the letter; every
    # lead inspector the letter names so ("The lead inspectors were A and B", a label for each)
    named: list[str] = []
    evidence: list[str] = []
    page = None
    for lead in sorted(
        [*_LEAD_RE.finditer(joined.text), *_LEADS_RE.finditer(joined.text)], key=lambda m: m.start()
    ):
        candidates: list[str | None] = []
        if lead.re is _LEADS_RE:
            candidates += letter_people(lead.group(1))[0]
        else:
            candidates.append(letter_person(lead.group(1)))
        found = [person for person in candidates if person and person not in named]
        if found:
            named += found
            evidence.append(collapse(lead.group(0)))
            if len(evidence) == 1:
                page = joined.page_at(lead.start())
    if named:
        report.lead_inspectors = named
        report.cite("lead_inspector", "; ".join(named), page, " ".join(evidence))
        for person in reversed(named):
            if person not in report.inspectors:
                report.inspectors.insert(0, person)  # kept in the letter's order when already named


def _verdict(joined: Joined, report: ParsedReport, visit: Visit) -> None:
    for sentence in split_sentences(joined.text):
        if re.match(r"overall,", sentence, re.I) and "progress" in sentence.lower():
            summary = re.sub(r"^overall,\s*", "", sentence, flags=re.I).rstrip(".")
            visit.progress_summary = summary
            position = joined.text.find(sentence)
            report.cite("progress_summary", summary, joined.page_at(position), sentence)
            return


def _signatory(lines: list[Line], report: ParsedReport) -> None:
    """The letter's signature: the name under "Yours sincerely", or, where that line is missing, a name
    above "Her Majesty's Inspector" / "Lead inspector" among the letter's last lines."""
    text_lines = [line for line in lines if not line.is_blank]
    closing = next(
        (i for i, l in enumerate(text_lines) if re.match(r"yours (?:sincerely|faithfully)", l.text, re.I)), -1
    )
    candidates = text_lines[closing + 1 : closing + 4] if closing >= 0 else []
    if closing < 0:
        tail = text_lines[-25:]
        for index, line in enumerate(tail):
            if (
                re.fullmatch(
                    r"(?:(?:Her|His) Majesty'?s Inspector|HMI|Senior HMI|Lead inspector)\.?", line.text, re.I
                )
                and index
            ):
                candidates = [tail[index - 1]]
            elif re.search(r"(?:(?:Her|His) Majesty'?s Inspector|\bHMI)\W*$", line.text) and letter_person(
                line.text
            ):
                candidates = [line]
    for line in candidates:
        name = letter_person(line.text)
        if not name:
            continue
        if not report.lead_inspectors:
            report.lead_inspectors = [name]
            report.cite("lead_inspector", name, line.page, line.text)
        if name not in report.inspectors:
            report.inspectors.append(name)
        return
