"""Normalised lines of a report, whatever rendering it came from.

Reports reach the parsers as text per page: from pdfminer (PDF) or from a text rendering. Renderings
differ in how they mark list items: a bullet glyph, a Markdown dash, a private-use glyph, or (when the
glyph was lost) only a leading space before the item's first line. `to_lines` keeps that signal as
`Line.is_item` and gives every line its page number, so a parser can cite the page a value came from.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

BULLET_GLYPHS = "•●▪◦▫■□◼◾➢➤►▶✓✔\uf0b7\uf0a7\uf076\uf0d8\uf0fc·"
# Any private-use code point starting a line is a bullet: Symbol and Wingdings glyphs decode to them
# (U+F0B7, U+F02D, U+F0A7, ...), and no word starts with one.
_BULLET_RE = re.compile(
    r"^\s*(?:\(cid:\d+\)|[\ue000-\uf8ff" + re.escape(BULLET_GLYPHS) + r"]|[-–*](?=\s))\s*"
)
_REPLACEMENTS = (
    ("‘", "'"),
    ("’", "'"),
    ("‛", "'"),
    ("“", '"'),
    ("”", '"'),
    ("\u00a0", " "),
    ("\u2009", " "),
    ("\u200b", ""),
    ("\ufeff", ""),
    ("**", ""),
)


def normalise(text: str) -> str:
    """NFKC (ligatures to letters), straight quotes, no Markdown emphasis, no zero-width characters."""
    text = unicodedata.normalize("NFKC", text)
    for old, new in _REPLACEMENTS:  # str.replace: many times faster than str.translate with a table
        if old in text:
            text = text.replace(old, new)
    return text


def collapse(text: str) -> str:
    """Runs of whitespace as one space, none at either end (str.split's whitespace is regex \\s)."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Line:
    page: int | None  # 1-based page of a PDF; None for a text rendering
    text: str  # stripped, bullet glyph removed
    is_item: bool  # starts a list item: bullet glyph, Markdown dash, or an indent (see `mark`)
    is_blank: bool
    mark: str = ""  # "bullet" (a glyph or dash: certain) | "indent" (a leading space: a hint) | ""


def to_lines(pages: list[str], *, paged: bool) -> list[Line]:
    lines: list[Line] = []
    for index, page_text in enumerate(pages, start=1):
        page = index if paged else None
        for raw in normalise(page_text).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            raw = raw.rstrip()
            if not raw.strip():
                lines.append(Line(page, "", False, True))
                continue
            bullet = _BULLET_RE.match(raw)
            if bullet and raw[bullet.end() :].strip():
                lines.append(Line(page, raw[bullet.end() :].strip(), True, False, "bullet"))
                continue
            if bullet:  # a glyph alone on its line: the item's text follows on the next line
                lines.append(Line(page, "", True, True, "bullet"))
                continue
            indented = raw[:1] in (" ", "\t")
            lines.append(Line(page, raw.strip(), indented, False, "indent" if indented else ""))
    return _attach_lone_bullets(lines)


def _attach_lone_bullets(lines: list[Line]) -> list[Line]:
    out: list[Line] = []
    pending = False
    for line in lines:
        if line.is_blank and line.is_item:
            pending = True
            continue
        if pending and not line.is_blank:
            line = Line(line.page, line.text, True, False, "bullet")
            pending = False
        out.append(line)
    return out


def joined(lines: list[Line]) -> str:
    """Text of several lines as one string, hyphenation at line ends left as printed."""
    return collapse(" ".join(line.text for line in lines if not line.is_blank))


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", text) if s.strip()]
