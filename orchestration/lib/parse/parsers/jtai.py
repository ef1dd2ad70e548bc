"""Joint targeted area inspection (JTAI) letters, 2016 onwards: no grades.

Two layouts, told apart by the title:
- 2016-2020: "Joint targeted area inspection of the multi-agency response to <theme> in <area>", then
  "Key strengths", "Areas for improvement" (long findings, sometimes under sub-headings), sometimes
  "Area(s) for priority action", case studies and "Next steps".
- 2022-: "Joint targeted area inspection of <area>", the theme in the first sentence ("...of the
  multi-agency response to <theme> in <area>"), then "Headline findings", sometimes "Area(s) for priority
  action", "What needs to improve?", "Strengths" and "Main findings".

Areas for priority action and for improvement become recommendations; strengths, headline findings, main
findings and an old letter's areas for improvement become findings. The theme is kept in the letter's own
words and grouped with seed jtai_themes.
"""

from __future__ import annotations

import re

from orchestration.lib.core.vocabulary import SEEDS_DIR, seed_rows
from orchestration.lib.parse.dates import find_date_expression, parse_date, parse_windows
from orchestration.lib.parse.parsers.common import (
    Joined,
)
from orchestration.lib.parse.parsers.model import Finding, JointInspection, ParsedReport, Recommendation
from orchestration.lib.parse.parsers.sections import ListItem, heading_lines, listed_items, section_items
from orchestration.lib.parse.text import Line, collapse

THEMES_SEED = SEEDS_DIR / "jtai_themes.csv"

TITLE_RE = re.compile(r"^(?:#+\s*)?joint targeted area inspection (?:\(JTAI\) )?(?:of|in)\b", re.I)

HEADINGS = {
    "strengths": r"key strengths|strengths",
    "priority": r"areas? for priority actions?",
    "improvement": r"areas? for improvement",
    "needs_to_improve": r"what needs to improve\??",
    "headline": r"headline findings",
    "main": r"main findings",
    "case_study": r"(?:case|practice) study\b.{0,80}",
    "end": r"next steps|yours sincerely",
}
AGENCIES = (
    ("Ofsted", r"\bOfsted\b"),
    ("CQC", r"Care Quality Commission|\bCQC\b"),
    ("HMICFRS", r"Constabulary|\bHMIC"),
    ("HMI Probation", r"Probation"),
)


# a sentence that only mentions an earlier JTAI ("... since the Joint Targeted Area Inspection in 2017. These
# improvements ...") names a year or runs on past a full stop; a title names an area and stands alone
_MENTION_RE = re.compile(
    r"^\W*\w+ \w+ \w+ inspection (?:\(JTAI\) )?(?:of|in)\s+(?:\w+\s+){0,2}\d{4}\b|\.\s+\S", re.I
)


def is_title(line: Line) -> bool:
    return not line.is_blank and bool(TITLE_RE.match(line.text)) and not _MENTION_RE.search(line.text)


def parse(lines: list[Line], report: ParsedReport) -> None:
    joint = JointInspection()
    report.joint_inspection = joint
    # the whole text decides between councils that share a name (a company serving two)
    report.authority_context = " ".join(line.text for line in lines if not line.is_blank)
    title_at = next((i for i, line in enumerate(lines[:200]) if is_title(line)), -1)
    _read_letter_date(lines, title_at, report, joint)
    _read_partnership(lines, title_at, report, joint)
    if title_at < 0:
        return
    title_block = []
    for line in lines[title_at:]:
        if line.is_blank:
            break
        title_block.append(line)
    title = collapse(" ".join(line.text for line in title_block)).lstrip("# ")
    title = re.sub(r"(?<=[a-z])\d+$", "", title)  # a footnote mark after the area
    report.title = title
    report.cite("title", title, lines[title_at].page, title)
    after = title_at + len(title_block)
    opening = Joined.of([line for line in lines[after : after + 60]])
    _read_theme(title, opening.text, report, joint)
    _read_agencies_and_dates(opening, report, joint)
    _read_sections(lines, after, report)


def _read_letter_date(lines, title_at: int, report: ParsedReport, joint: JointInspection) -> None:
    for line in lines[: max(title_at, 0) or 40]:
        if line.is_blank:
            continue
        if re.fullmatch(r"\d{1,2}\s+[A-Za-z]+\s+\d{4}", line.text.strip()) and parse_date(line.text):
            joint.letter_date = parse_date(line.text)
            report.publication_date = joint.letter_date
            report.cite("letter_date", joint.letter_date, line.page, line.text)
            return


def _read_partnership(lines, title_at: int, report: ParsedReport, joint: JointInspection) -> None:
    for line in lines[: max(title_at, 0) or 60]:
        match = None if line.is_blank else re.match(r"^Dear\s+(.+?)[,.]?$", line.text.strip())
        if match:
            name = collapse(match.group(1))
            if not re.fullmatch(r"(?:the\s+)?(?:local\s+)?partners(?:hip)?s?|colleagues?|all", name, re.I):
                joint.partnership_name = name
                report.cite("partnership_name", name, line.page, line.text)
            return


def _area_cut(text: str) -> str:
    return collapse(re.sub(r"[\s.,;:]+$", "", text))


def _read_theme(title: str, opening: str, report: ParsedReport, joint: JointInspection) -> None:
    theme = area = None
    old = re.match(
        r"joint targeted area inspection of the multi-agency response to (.+) in (.+)$", title, re.I
    )
    if old:
        joint.layout = "2016-2020"
        theme, area = old.group(1), old.group(2)
    else:
        joint.layout = "2022-"
        new = re.match(r"joint targeted area inspection (?:\(JTAI\) )?(?:of|in) (?:the )?(.+)$", title, re.I)
        area = new.group(1) if new else None
        # "...of the multi-agency response to <theme> in <area>", or another wording of the response
        # ("the multi-agency identification and response to initial need and risk"), kept whole
        sentence = re.search(r"multi-agency (response to )?(.+?)(?:\.\s|\.$|$)", opening, re.I)
        if sentence:
            theme = _theme_without_area(sentence.group(2), area)
    if area:
        report.local_authority_as_written = _area_cut(area)
        report.cite("local_authority", report.local_authority_as_written, None, title)
    if theme:
        theme = collapse(re.sub(r"\s*\((?:often\s+)?referred to as[^)]*\)", "", theme))
        theme = theme.lower().strip(" ,.")
        joint.theme = theme
        report.cite("theme", theme, None, title if old else opening[:300])
        deep_dive = None
        if re.fullmatch(r"abuse and neglect", theme):
            match = re.search(
                r"deep[\s-]dive'?\s*(?:focus\s+)?(?:on|into|of)\s+(.{10,300}?)\.(?:\s|$)", opening, re.I
            )
            deep_dive = match.group(1) if match else None
        joint.theme_group = theme_group(deep_dive or theme)
        if joint.theme_group is None and deep_dive:
            joint.theme_group = theme_group(theme)


def _theme_without_area(text: str, area: str | None) -> str:
    """'children and families in Surrey who need help' -> 'children and families who need help';
    'identification of initial need and risk in Bedford borough Council for...' -> the words before."""
    text = collapse(text)
    if area:
        first = re.escape(area.split()[0]) if area.split() else ""
        match = re.search(
            rf"\s+in\s+(?:the\s+)?(?:{re.escape(area)}|{first}\S*)(?=\s+who\b|\s|$)", text, re.I
        )
        if match:
            rest = text[match.end() :]
            return (text[: match.start()] + (rest if re.match(r"\s+who\b", rest) else "")).strip()
    cut = re.search(r"\s+in\s+[A-Z]", text)
    return text[: cut.start()] if cut else text


def theme_group(words: str) -> str | None:
    """The seed's group for a theme's words: the first row (in file order) with a phrase in them."""
    words = words.lower().replace("'", "'")
    for row in seed_rows(THEMES_SEED):
        for phrase in filter(None, (p.strip() for p in row["phrases"].split(";"))):
            if re.search(rf"\b{re.escape(phrase)}", words):
                return row["theme_group"]
    return None


def _read_agencies_and_dates(opening: Joined, report: ParsedReport, joint: JointInspection) -> None:
    text = opening.text
    match = re.search(
        r"[^.]*\bOfsted\b[^.]*?(?:undertook|carried out|conducted)[^.]*\.|"
        r"[^.]*(?:carried out|undertaken|conducted) by[^.]*\bOfsted\b[^.]*\.",
        text,
    )
    if match:
        sentence = match.group(0)
        joint.agencies = [name for name, pattern in AGENCIES if re.search(pattern, sentence)]
        report.cite("agencies", "; ".join(joint.agencies), opening.page_at(match.start()), sentence[:500])
    dated = re.search(r"(?:\bbetween\b|took place\b|\bfrom\b)[^.]{0,80}?\d{1,2}[^.]{0,60}", text, re.I)
    if not dated:
        return
    sentence = re.sub(r"^between\s+(.+?)\s+and\s+", r"\1 to ", dated.group(0), flags=re.I)
    sentence = re.sub(r"^(?:took place\s+)?from\s+", "", sentence, flags=re.I)
    expression = find_date_expression(sentence)
    windows = parse_windows(expression) if expression else []
    yearless = re.match(
        r"^\s*(\d{1,2}(?:\s+[A-Z][a-z]+)?\s+to\s+\d{1,2}\s+[A-Z][a-z]+)\b(?!\s+\d{4})", sentence
    )
    if not windows and yearless and joint.letter_date:
        # "Between 20 and 24 June": the year is the letter's (or the one before, for a letter in January)
        expression = yearless.group(1)
        year = joint.letter_date.year
        windows = parse_windows(f"{expression} {year}")
        if windows and windows[0][0] > joint.letter_date:
            windows = parse_windows(f"{expression} {year - 1}")
    if windows:
        report.windows = [(windows[0][0], windows[-1][1])]
        report.cite("inspection_dates", expression, opening.page_at(dated.start()), dated.group(0))


def _addressee(intro: str, item: str) -> str:
    """Who an area for action is addressed to where the letter says: one agency named as the one that
    must act, else the safeguarding partnership."""
    said = re.search(r"(?:required|needed) (?:by|from) ([^.]+)", intro, re.I)
    target = said.group(1) if said else item[:80]
    if re.match(r"^(?:the\s+)?police\b", target, re.I) or (said and re.search(r"\bpolice\b", target, re.I)):
        return "police"
    if re.match(r"^(?:the\s+)?(?:\S+\s+){0,6}(?:NHS|health|hospital|foundation trust)\b", target, re.I) and (
        said or re.match(r"^(?:health|NHS)\b", target, re.I)
    ):
        return "health"
    return "safeguarding_partnership"


def _read_sections(lines: list[Line], after: int, report: ParsedReport) -> None:
    headings = heading_lines(lines, HEADINGS, after)
    headings.append((len(lines), "end"))
    seen: set[str] = set()
    for position, ((start, key), (end, _)) in enumerate(zip(headings, headings[1:])):
        if key in ("end", "case_study") or key in seen:
            continue
        seen.add(key)
        if key in ("headline", "main"):
            # findings in prose go on after a case study's box; a list ends at one
            end = next(at for at, later in headings[position + 1 :] if later != "case_study")
            items = section_items(lines, start + 1, end)
            items = [item for item in items if not (item.heading is None and _STUDY.match(item.raw))]
        else:
            items = section_items(lines, start + 1, end)
        if key == "headline" or key == "main":
            kind = "headline" if key == "headline" else "main_finding"
            for item in items:
                if item.is_bullet or len(item.raw) <= 60:
                    continue
                if item.heading and _STUDY.match(item.heading):
                    if not _NUMBERED.match(item.raw):
                        continue  # the case study's own story, not a finding
                    item.heading = None  # the numbered findings go on after the box
                report.findings.append(_finding(kind, item))
            continue
        if key == "strengths":
            for item in listed_items(items):
                report.findings.append(_finding("strength", item))
            continue
        intro = " ".join(item.raw for item in items if not item.is_bullet)
        for item in listed_items(items):
            text = item.text
            report.recommendations.append(
                Recommendation(
                    text=text,
                    timescale=None,
                    addressed_to=_addressee(intro, text),
                    is_priority=key == "priority",
                    page=item.page,
                    evidence=item.raw[:1000],
                )
            )
            if key == "improvement":  # an old letter's area for improvement is a finding as written
                report.findings.append(_finding("area_for_improvement", item))


_STUDY = re.compile(r"^(?:case|practice) study\b", re.I)
_NUMBERED = re.compile(r"^\d{1,3}\.\s+")


def _finding(kind: str, item: ListItem) -> Finding:
    """A finding as written, without the paragraph number of a 2022- letter's main findings."""
    return Finding(kind, _NUMBERED.sub("", item.text), item.heading, item.page, item.raw[:1000])
