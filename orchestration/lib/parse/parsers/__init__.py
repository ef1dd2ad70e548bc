"""Report parsers: recognise which kind of Ofsted report a document is and read it.

`parse_document` is the one entry point. Each family of reports has its own module; this file only
decides which one applies, from the title and subject lines at the top of the document.
"""

from __future__ import annotations

import re

from orchestration.lib.parse import national_framework
from orchestration.lib.parse.parsers import area_send, ilacs, inspection_2012_13, jtai, sif, visit_letter
from orchestration.lib.parse.parsers.model import NotAReport, NoText, ParsedReport
from orchestration.lib.parse.text import Line, collapse, to_lines

PARSER_VERSION = "2026.12.1"
# Seeds the parsers read (JTAI theme groups, the national framework's numbers): what a document parses
# to depends on them as on the code, so they are part of the parse key (documents.parse_key).
PARSER_SEEDS = (jtai.THEMES_SEED, national_framework.FRAMEWORK_SEED)

_TITLES = [
    (
        "child_protection_inspection",
        r"inspection of local authority arrangements for the protection of children",
    ),
    ("looked_after_children_inspection", r"inspection of looked after children'?s? services"),
    ("sif_inspection", r"inspection of services for children in need of help and protection"),
    ("lscb_review", r"(?:review|inspection) of the effectiveness of the local safeguarding children board"),
    # "Inspection of <name> local authority children's services", also without "local authority"
    # ("Inspection of Buckinghamshire Council children's services"), or with the name above a title that
    # names none ("Inspection of children's social care services", 2018-19)
    (
        "ilacs_inspection",
        r"inspection of (?!looked after)(?:the )?[\w ,'&.-]{0,70}?children'?s (?:(?:social care )?services"
        r"|(?:services )?trust(?! (?:fostering|adoption|residential|children'?s home|home|secure)))"
        r"|inspection of (?:(?!how |whether |that |puts? |which )[\w,'&.-]+ ){1,5}?"
        r"(?:children and families trust|children first)\b"
        r"(?! (?:fostering|adoption|residential|children'?s home|home|secure))",
    ),
]
# When two titles match at the same place, the earlier in this list wins (its wording is more specific).
_ORDER = {pattern: index for index, (_, pattern) in enumerate(_TITLES)}
_OFSTED_MARKS = re.compile(r"ofsted|her majesty's inspector|his majesty's inspector|crown copyright", re.I)


def detect_type(lines: list[Line]) -> str:
    # JTAI letters and area SEND reports are told by their own title line near the top: a letter's
    # subject line or a report's heading, never a phrase inside a sentence
    top = [line for line in lines[:250] if not line.is_blank][:60]
    if any(jtai.is_title(line) for line in top):
        return "joint_targeted_area_inspection"
    if any(area_send.is_title(line) for line in top):
        return "area_send_inspection"
    head = collapse(" ".join(l.text for l in lines[:250] if not l.is_blank))[:6000].lower()
    letter = visit_letter.letter_type(head)
    if letter is not None:
        return letter
    positions = [
        (m.start(), _ORDER[pattern], kind)
        for kind, pattern in _TITLES
        if (m := re.search(pattern, head[:3000]))
    ]
    if positions:
        return min(positions)[2]
    if _OFSTED_MARKS.search(head) or _OFSTED_MARKS.search(" ".join(l.text for l in lines[-80:])):
        return "other"
    raise NotAReport(
        "no Ofsted report title, letter subject or Ofsted mark found in the text; "
        "check that this is an Ofsted children's services report"
    )


_BOARD_TITLE = re.compile(r"^(?:review|inspection) of the effectiveness of the local safeguarding\b", re.I)


def _bundled_board_review(lines: list[Line]) -> int:
    """Where a board review printed as a report of its own starts inside a SIF report's PDF: its title
    line opens a new page (or follows Ofsted's closing copyright block), under the board's name. Returns
    the index of the first line of the name, or -1."""
    for index, line in enumerate(lines):
        if (
            index < 60
            or line.is_blank
            or not _BOARD_TITLE.match(line.text)
            or re.search(r"\d\s*$", line.text)
        ):
            continue
        start = index
        while start > 0 and lines[start - 1].is_blank:
            start -= 1
        while (
            start > 0
            and not lines[start - 1].is_blank
            and lines[start - 1].page == line.page
            and len(lines[start - 1].text) < 60
            and not re.search(r"[.:]$", lines[start - 1].text)
        ):
            start -= 1  # the board's name above its title
        start = next(i for i in range(start, index + 1) if not lines[i].is_blank)
        new_page = lines[start].page is not None and lines[start - 1].page != lines[start].page
        after_copyright = any(
            re.search(r"crown copyright", l.text, re.I) for l in lines[max(start - 30, 0) : start]
        )
        if new_page or after_copyright:
            return start
    return -1


def parse_document(pages: list[str], *, paged: bool) -> list[ParsedReport]:
    """Parse one document's page texts into the reports it holds."""
    lines = to_lines(pages, paged=paged)
    if not any(not line.is_blank for line in lines):
        if paged:
            raise NoText(
                "the PDF has no text layer (its pages are images, as in a scan): run OCR on it, "
                "for example with ocrmypdf, and put the result in RAW_DIR"
            )
        raise NoText("the file holds no text: put the report's text in it")
    report_type = detect_type(lines)
    report = ParsedReport(report_type=report_type)
    if report_type == "child_protection_inspection":
        inspection_2012_13.parse(lines, report, inspection_2012_13.CHILD_PROTECTION_AREAS)
    elif report_type == "looked_after_children_inspection":
        inspection_2012_13.parse(lines, report, inspection_2012_13.LOOKED_AFTER_AREAS)
    elif report_type in ("sif_inspection", "lscb_review"):
        second = _bundled_board_review(lines) if report_type == "sif_inspection" else -1
        if second > 0:
            # two reports in one PDF: the authority's, then the board's with its own title page
            board = ParsedReport(report_type="lscb_review")
            sif.parse(lines[second:], board)
            sif.parse(lines[:second], report)
            return [report, board]
        sif.parse(lines, report)
    elif report_type == "ilacs_inspection":
        ilacs.parse(lines, report)
    elif report_type in ("monitoring_visit", "focused_visit"):
        visit_letter.parse(lines, report, report_type)
    elif report_type == "joint_targeted_area_inspection":
        jtai.parse(lines, report)
    elif report_type == "area_send_inspection":
        area_send.parse(lines, report)
    return [report]


__all__ = ["PARSER_SEEDS", "PARSER_VERSION", "NoText", "NotAReport", "ParsedReport", "parse_document"]
