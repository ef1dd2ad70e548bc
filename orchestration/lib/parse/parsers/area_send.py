"""Area SEND inspection reports: the 2023 framework read, the earlier framework recognised.

The 2023 framework's report ("Area SEND inspection of <area> Local Area Partnership") gives the
inspection dates, the date of the previous inspection, one outcome of three in its "Inspection outcome"
box with the next inspection it sets, the partnership's council and integrated care board, the inspection
team, and two tables: "Areas for priority action" (with the responsible body; only with the third outcome)
and "Areas for improvement".

Reports of the earlier local area SEND framework (2016-2022: "Joint local area SEND inspection in ...",
revisits, letters with or without a written statement of action) are typed area_send_inspection and
marked as not read, with the reason; the checks hold them back rather than publish a misreading.
"""

from __future__ import annotations

import re

from orchestration.lib.parse.dates import find_date_expression, parse_windows
from orchestration.lib.parse.parsers.common import (
    drop_glyphs,
    find_line,
    read_inspection_dates,
    split_people,
)
from orchestration.lib.parse.parsers.model import AreaSendInspection, Finding, ParsedReport, Recommendation
from orchestration.lib.parse.parsers.sections import ListItem, heading_lines, section_items
from orchestration.lib.parse.text import Line, collapse

TITLE_RE = re.compile(r"^(?:#+\s*)?area send (?:full )?(?:re)?inspection of\b", re.I)
EARLIER_RE = re.compile(
    r"^(?:#+\s*)?(?:(?:joint )?local area (?:send|special educational needs)[\w ,/()-]{0,40}"
    r"(?:inspection|revisit)\b|(?:joint )?local area send inspection in\b|send revisit\b)",
    re.I,
)
EARLIER_REASON = "earlier local area SEND framework (2016-2022): not yet read"
# The monitoring inspection that follows "widespread and/or systemic failings" reports progress, not one of
# the three outcomes: recognised and held back until it is read.
MONITORING_RE = re.compile(r"^(?:#+\s*)?area send monitoring (?:re)?inspection of\b", re.I)
MONITORING_REASON = "area SEND monitoring inspection (2023 framework): not yet read"

OUTCOMES = (
    ("systemic_failings", r"widespread\s+and/or\s+systemic\s+failings"),
    ("inconsistent", r"lead\s+to\s+inconsistent\s+experiences\s+and\s+outcomes"),
    ("positive", r"typically\s+lead\s+to\s+positive\s+experiences\s+and\s+outcomes"),
)
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "twelve": 12, "eighteen": 18,
}  # fmt: skip
HEADINGS = {
    "outcome": r"inspection outcome",
    "about": r"information about the local area partnership",
    "experience": r"what is it like to be a child or young person with send in this area\??",
    "effective": r"what is the area partnership doing that is effective\??",
    "better": r"what does the area partnership need to do better\??",
    "priority": r"areas for priority action",
    "improvement": r"areas for improvement",
    "details": r"local area partnership details",
    "information": r"information about this inspection",
    "team": r"inspection team",
    "end": r"if you are not happy with the inspection.*",
}


def is_title(line: Line) -> bool:
    return not line.is_blank and any(
        regex.match(line.text) for regex in (TITLE_RE, EARLIER_RE, MONITORING_RE)
    )


def parse(lines: list[Line], report: ParsedReport) -> None:
    send = AreaSendInspection()
    report.area_send = send
    # the whole text decides between councils that share a name (a company serving two)
    report.authority_context = " ".join(line.text for line in lines if not line.is_blank)
    top = [line for line in lines[:300] if not line.is_blank][:60]
    title_line = next((line for line in top if TITLE_RE.match(line.text)), None)
    if title_line is None:
        monitoring = next((line for line in top if MONITORING_RE.match(line.text)), None)
        earlier = monitoring or next((line for line in top if EARLIER_RE.match(line.text)), None)
        send.framework = "2023" if monitoring else "2016-2022"
        send.not_read_reason = MONITORING_REASON if monitoring else EARLIER_REASON
        if earlier is not None:
            report.title = collapse(earlier.text)
            found = re.search(
                r"\b(?:in|of)\s+(?:the\s+)?(.+?)(?:\s+local area partnership)?$", earlier.text, re.I
            )
            if found:
                report.local_authority_as_written = collapse(found.group(1))
        return
    at = lines.index(title_line)
    title = collapse(
        " ".join(l.text for l in lines[at : at + 3] if not l.is_blank and l.page == title_line.page)
    )
    title = re.split(r"\s+(?:inspection dates?|dates? of previous)\b", title, flags=re.I)[0].lstrip("# ")
    report.title = title
    partnership = re.search(r"inspection of\s+(?:the\s+)?(.+?local area partnership)", title, re.I)
    if partnership:
        send.partnership_name = collapse(partnership.group(1))
        report.cite("partnership_name", send.partnership_name, title_line.page, title)
    head = lines[at : at + 40]
    read_inspection_dates(head, report)
    _read_previous(head, report, send)
    headings = heading_lines(lines, HEADINGS, at)
    headings.append((len(lines), "end"))
    sections: dict[str, tuple[int, int]] = {}
    previous_key = None
    for (start, key), (end, _) in zip(headings, headings[1:]):
        if key == previous_key and key in sections:
            sections[key] = (sections[key][0], end)  # the table's header repeats the section's heading
        else:
            sections.setdefault(key, (start + 1, end))
        previous_key = key
    _read_outcome(lines, sections.get("outcome"), report, send)
    _read_partners(lines, sections, report, send)
    _read_team(lines, sections.get("team"), report)
    _read_findings(lines, sections, report)
    if "priority" in sections:
        _read_priority(lines, *sections["priority"], report)
    if "improvement" in sections:
        _read_improvement(lines, *sections["improvement"], report)


def _read_previous(head: list[Line], report: ParsedReport, send: AreaSendInspection) -> None:
    at = find_line(head, r"^dates? of (?:the )?previous inspection")
    if at < 0:
        return
    taken = [head[at]]
    for line in head[at + 1 :]:
        if line.is_blank or re.match(r"^inspection outcome", line.text, re.I):
            break
        taken.append(line)
    text = collapse(" ".join(l.text for l in taken))
    text = re.sub(r"^dates? of (?:the )?previous inspection\s*:?\s*", "", text, flags=re.I)
    send.previous_inspection_text = text
    expression = find_date_expression(text)
    windows = parse_windows(expression) if expression else []
    if windows:
        send.previous_inspection_date = windows[0][0]
    report.cite("previous_inspection", text, head[at].page, collapse(" ".join(l.text for l in taken)))


def _interval(text: str) -> str | None:
    match = re.search(r"within\s+(?:approximately\s+|about\s+)?(\d+|[a-z]+)\s+(years?|months?)", text, re.I)
    if not match:
        return None
    number = match.group(1).lower()
    value = int(number) if number.isdigit() else NUMBER_WORDS.get(number)
    if value is None:
        return None
    unit = match.group(2).lower().rstrip("s")
    return f"{value} {unit}{'s' if value != 1 else ''}"


def _read_outcome(lines, span, report: ParsedReport, send: AreaSendInspection) -> None:
    if span is None:
        text_lines = [l for l in lines[:120] if not l.is_blank]
    else:
        text_lines = [l for l in lines[span[0] : span[1]] if not l.is_blank]
    text = collapse(" ".join(l.text for l in text_lines))
    found = [(m.start(), outcome) for outcome, pattern in OUTCOMES if (m := re.search(pattern, text, re.I))]
    if not found:
        return
    send.outcome = min(found)[1]
    page = text_lines[0].page if text_lines else None
    report.cite("outcome", send.outcome, page, text[:600])
    for sentence in re.split(r"(?<=\.)\s+", text):
        if re.search(r"monitoring inspection", sentence, re.I):
            send.monitoring_inspection_within = send.monitoring_inspection_within or _interval(sentence)
        elif re.search(r"next full|full (?:area send )?(?:re)?inspection", sentence, re.I):
            send.next_full_inspection_within = send.next_full_inspection_within or _interval(sentence)


def _cells(lines: list[Line], start: int, end: int) -> list[tuple[str, str]]:
    rows = []
    for line in lines[start:end]:
        if line.is_blank:
            continue
        left, _, right = line.text.partition("\t")
        rows.append((left.strip(), right.strip()))
    return rows


def _read_partners(lines, sections, report: ParsedReport, send: AreaSendInspection) -> None:
    about = sections.get("about")
    if about:
        text = collapse(" ".join(l.text for l in lines[about[0] : about[1]] if not l.is_blank))
        first = re.split(r"\s+(?:is|are)\s+(?:jointly\s+)?responsible\b", text)[0]
        parts = [collapse(p) for p in re.split(r",\s*|\s+and\s+(?=NHS\b|[A-Z])", first) if p.strip()]
        board = next((p for p in parts if re.search(r"integrated care board|\bICB\b", p, re.I)), None)
        if board:
            send.integrated_care_board = board
    if send.partnership_name:
        # the area the report's title names ("Area SEND inspection of Bedford Borough Local Area Partnership")
        report.local_authority_as_written = re.sub(
            r"\s+local area partnership$", "", send.partnership_name, flags=re.I
        )
        report.cite("local_authority", report.local_authority_as_written, None, report.title or "")
    details = sections.get("details")
    if details and (report.local_authority_as_written is None or send.integrated_care_board is None):
        rows = _cells(lines, *details)
        if len(rows) >= 2 and re.search(r"local authority", rows[0][0], re.I):
            left, right = rows[1]
            if len(rows) > 2 and rows[2][0] and not re.search(r",|\bdirector\b|\bdcs\b", rows[2][0], re.I):
                left = f"{left} {rows[2][0]}"
            report.local_authority_as_written = report.local_authority_as_written or collapse(left)
            send.integrated_care_board = send.integrated_care_board or collapse(right) or None


def _read_team(lines, span, report: ParsedReport) -> None:
    """Every lead inspector in the "Inspection team" table, Ofsted's first: 'Name (Ofsted); Name (CQC)'."""
    if span is None:
        return
    leads: dict[str, list[str]] = {"Ofsted": [], "CQC": []}
    previous: list[str] = []
    for line in lines[span[0] : span[1]]:
        if line.is_blank:
            continue
        cells = [c.strip() for c in line.text.split("\t") if c.strip()]
        if len(cells) == 1:
            # both cells run together: split before the CQC inspector's name
            cells = re.split(r"(?<=inspector)\s+(?=[A-Z][\w'-]+ [\w' -]+?,?\s*CQC)", cells[0], flags=re.I)
        for index, cell in enumerate(cells):
            if not re.search(r"\blead\b", cell, re.I):
                continue
            # the name as printed, a title ("Dr", "Mr") kept: the cell up to its first comma or role word
            name = collapse(re.split(r",|\s+(?:HMI|Ofsted|CQC|lead)\b", cell, flags=re.I)[0])
            role_only = re.fullmatch(r"(?:HMI|Ofsted|CQC|lead|inspector|\s)*", name, re.I)
            if role_only and len(previous) == len(cells):
                # the role on a line of its own, under the name ("Jane Smith, Ofsted HMI" / "Lead inspector")
                cell = f"{previous[index]} {cell}"
                name = collapse(re.split(r",|\s+(?:HMI|Ofsted|CQC|lead)\b", previous[index], flags=re.I)[0])
            body = "CQC" if re.search(r"\bCQC\b|care quality", cell) else "Ofsted"
            plain = re.sub(r"^(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+", "", name)
            if split_people(plain) and name not in leads[body]:
                leads[body].append(name)
        previous = cells
    named = [f"{person} ({body})" for body in ("Ofsted", "CQC") for person in leads[body]]
    if named:
        report.lead_inspectors = named
        report.cite("lead_inspector", "; ".join(named), lines[span[0]].page, "; ".join(named))


def _read_findings(lines, sections, report: ParsedReport) -> None:
    for key, kind in (
        ("experience", "main_finding"),
        ("effective", "strength"),
        ("better", "needs_to_improve"),
    ):
        if key not in sections:
            continue
        items = section_items(lines, *sections[key])
        bullets = [item for item in items if item.is_bullet]
        for item in bullets if key != "experience" else items:
            if len(item.raw) > 30:
                report.findings.append(Finding(kind, item.text, item.heading, item.page, item.raw[:1000]))


def _addressee(body: str) -> str:
    council = re.search(r"council|borough|city|county|children'?s trust", body, re.I)
    board = re.search(r"integrated care board|\bICB\b|\bNHS\b", body, re.I)
    if council and not board:
        return "local_authority"
    if board and not council:
        return "integrated_care_board"
    return "local_area_partnership"


_BODY_DONE = re.compile(r"(?:council|board|\bICB|trust|partnership|services?|\))$", re.I)


# Where a row's action starts on the line that also prints the start of its body ("Halton Borough Council
# and Leaders at Halton local authority ..."): the words saying who is to act.
_ACTION_START = re.compile(
    r"\b(?:(?:Area|Health|Local authority|Local area|Partnership|Senior|Strategic|System|Education)\s+)?"
    r"(?:leaders|Leaders)\b|\bThe (?:local area )?partnership\b|\bCommissioners\b"
)
_BODY_WORDS = {"and", "of", "upon", "on", "for", "&"}


def _split_line(text: str, first: bool) -> tuple[str, str]:
    """(body, action) of a line printing both cells without a tab between them: the action starts with
    who is to act on a row's first line, else at the first word in lower case that a name would not hold
    ("Merseyside Integrated Care the shared strategic ...")."""
    if first and (match := _ACTION_START.search(text)) and match.start() > 0:
        return text[: match.start()].strip(), text[match.start() :].strip()
    words = text.split()
    for index, word in enumerate(words):
        if index and word[:1].islower() and word not in _BODY_WORDS:
            return " ".join(words[:index]), " ".join(words[index:])
    return text, ""


def _read_priority(lines: list[Line], start: int, end: int, report: ParsedReport) -> None:
    """The table of areas for priority action: responsible body | action. The cells' text comes line by
    line, the two columns side by side (a tab between them only where they stand apart). A row starts on
    a line at the left margin, starting with a capital, after a line that ends a sentence, when the
    responsible body read so far is a whole name (or a blank line separates the rows)."""
    rows: list[dict] = []
    after_blank = False
    body_so_far = last_action = ""
    for line in lines[start:end]:
        if line.is_blank:
            after_blank = True
            continue
        text = line.text.strip()
        if re.match(r"^(?:responsible body|areas? for priority action\s*$)", text, re.I):
            after_blank = False
            continue  # the table's header
        left, tab, right = text.partition("\t")
        new_row = not rows or (
            re.search(r"[.)]$", last_action)
            and line.mark != "indent"
            and text[:1].isupper()
            and (after_blank or _BODY_DONE.search(body_so_far))
        )
        if new_row:
            rows.append({"actions": [], "bodies": [], "page": line.page, "raw": []})
            body_so_far = ""
        row = rows[-1]
        row["raw"].append(text.replace("\t", " "))
        if tab:
            body, action = left.strip(), right.strip()
        elif line.mark == "indent":
            body, action = "", text
        elif len(text) < 35 and not re.search(r"[.:;]$", text):
            body, action = text, ""  # a line of the body's cell alone ("Trust")
        else:
            body, action = _split_line(text, first=bool(new_row))
        if body:
            body_so_far = body
            row["bodies"].append(body)
        if action:
            last_action = action
            row["actions"].append(action)
        after_blank = False
    for row in rows:
        text = drop_glyphs(" ".join(row["actions"]))  # a cell's own bullets separate sub-items
        if len(text) < 20:
            continue
        body = collapse(" ".join(row["bodies"]))
        report.recommendations.append(
            Recommendation(
                text=text,
                timescale=None,
                addressed_to=_addressee(body),
                is_priority=True,
                page=row["page"],
                evidence=collapse(f"{body} | {text}")[:1000],
            )
        )


# The first words of a row of the improvement table: who is to act ("Area leaders need", "The local
# area partnership should", "Leaders at NHS South West London ICB should").
_OPENER = re.compile(
    r"^(?:the\s+)?(?:[\w'&-]+\s+){0,3}?(?:leaders|partnership|partners|commissioners|local area|"
    r"local authority|ICB|integrated care board)\b[^.]{0,60}?\b(?:should|must|needs?|to)\b",
    re.I,
)


def _read_improvement(lines: list[Line], start: int, end: int, report: ParsedReport) -> None:
    """The table of areas for improvement: one row per item. Rows are paragraphs; where the table prints
    no space between rows, a row ends with a short last line that ends a sentence."""
    block = [l for l in lines[start:end]]
    width = max((len(l.text) for l in block if not l.is_blank), default=0)
    items: list[ListItem] = []
    current: ListItem | None = None
    previous: Line | None = None
    for line in block:
        if line.is_blank:
            if current is not None and previous is not None and re.search(r"[.)]$", previous.text):
                current = None
            continue
        text = line.text.strip()
        if re.fullmatch(r"areas? for improvement", text, re.I):
            continue
        if current is not None and line.mark == "bullet":
            current.lines.append(line)  # the item's own list ("This is to ensure that: • ...")
        elif (
            current is not None
            and previous is not None
            and (
                not re.search(r"[.)]$", previous.text)
                or (len(previous.text) > 0.8 * width and not _OPENER.match(text))
                or previous.mark == "bullet"
                and not text[:1].isupper()
            )
        ):
            current.lines.append(line)
        else:
            current = ListItem([line], False, None)
            items.append(current)
        previous = line
    for item in items:
        if len(item.raw) < 20:
            continue
        report.recommendations.append(
            Recommendation(
                text=item.text,
                timescale=None,
                addressed_to=_addressee(item.raw[:120])
                if re.search(r"\b(?:ICB|NHS)\b", item.raw[:80])
                else "local_area_partnership",
                is_priority=False,
                page=item.page,
                evidence=item.raw[:1000],
            )
        )
