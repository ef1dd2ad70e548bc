"""Report parsers: recognise which kind of Ofsted report a document is and read it.

`parse_document` is the one entry point. Each family of reports has its own module; this file only
decides which one applies, from the title and subject lines at the top of the document.
"""

from __future__ import annotations

import re

from ..text import Line, collapse, to_lines
from . import ilacs, inspection_2012, sif, visit_letter
from .model import NotAReport, NoText, ParsedReport

PARSER_VERSION = "2026.11.1"

_TITLES = [
    ("child_protection_inspection", r"inspection of local authority arrangements for the protection of children"),
    ("looked_after_children_inspection", r"inspection of looked after children'?s? services"),
    ("sif_inspection", r"inspection of services for children in need of help and protection"),
    ("lscb_review", r"review of the effectiveness of the local safeguarding children board"),
    ("ilacs_inspection", r"inspection of (?:the )?[\w ,'&.-]{0,60}?local authority children'?s (?:social care )?services"),
    ("ilacs_inspection", r"inspection of children'?s social care services"),
]
_OFSTED_MARKS = re.compile(r"ofsted|her majesty's inspector|his majesty's inspector|crown copyright", re.I)


def detect_type(lines: list[Line]) -> str:
    head = collapse(" ".join(l.text for l in lines[:250] if not l.is_blank))[:6000].lower()
    dear = re.search(r"\bdear\b", head[:2500])
    if dear:
        subject = head[dear.start(): dear.start() + 400]
        if re.search(r"\bmonitoring visit\b", subject):
            return "monitoring_visit"
        if re.search(r"\bfocused visit\b", subject):
            return "focused_visit"
    positions = [(m.start(), kind) for kind, pattern in _TITLES if (m := re.search(pattern, head[:3000]))]
    if positions:
        return min(positions)[1]
    if _OFSTED_MARKS.search(head) or _OFSTED_MARKS.search(" ".join(l.text for l in lines[-80:])):
        return "other"
    raise NotAReport(
        "no Ofsted report title, letter subject or Ofsted mark found in the text; "
        "check that this is an Ofsted children's services report"
    )


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
        inspection_2012.parse(lines, report, inspection_2012.CHILD_PROTECTION_AREAS)
    elif report_type == "looked_after_children_inspection":
        inspection_2012.parse(lines, report, inspection_2012.LOOKED_AFTER_AREAS)
    elif report_type in ("sif_inspection", "lscb_review"):
        sif.parse(lines, report)
    elif report_type == "ilacs_inspection":
        ilacs.parse(lines, report)
    elif report_type in ("monitoring_visit", "focused_visit"):
        visit_letter.parse(lines, report, report_type)
    return [report]


__all__ = ["PARSER_VERSION", "NoText", "NotAReport", "ParsedReport", "parse_document"]
