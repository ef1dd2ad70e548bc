"""Page text from PDF reports, cleaned for the report parsers.

`extract_pdf_pages(path)` returns one string per page, page 1 first (`mirror=False`: pdfminer's own code
path rather than pdf_layout.py's faster mirror of it, the same text). The format of each string:

* Lines come top to bottom (reading order for ordinary single-column pages). A "line" is a row of the
  page: every pdfminer text line whose vertical extent overlaps the row's, ordered left to right.
* Exactly one blank line separates two rows that belong to different pdfminer text boxes (LAParams
  defaults), so a paragraph's wrapped lines are adjacent and paragraphs, headings, list items and table
  rows set apart by vertical space are separated. pdfminer also starts a new box where a line is not
  aligned with the next (the first line of a hanging-indent bullet or numbered paragraph); such rows
  are kept together when they are as close and as tall as lines of one paragraph. Paragraphs set with
  no extra space between them come out without a blank line between them. A page never starts or ends
  with a blank line. A line that starts right of the page's text column (its most common left edge)
  begins with one space; no other line has leading spaces, and none has trailing spaces.
* Table rows: text pieces on the same row that are far apart horizontally (a label and, far to its
  right, its value such as "Overall effectiveness" ... "Adequate") are joined by ONE TAB:
  "Overall effectiveness\\tAdequate". Pieces close together are joined by a space. When a label wraps,
  the value sits on whichever label line shares its baseline.
* Bullets: a bullet glyph at the start of a line (•, ●, ▪, ◦, ■, Symbol/Wingdings private-use
  glyphs such as U+F0B7, "(cid:127)", "(cid:120)", "·", or "o" when it is a lone glyph or in a
  different font from the text) becomes "• " followed by the item text. A glyph that pdfminer emits
  as its own line or text box (different font, or far left of the text) is attached to the text row it
  sits on, or to the next row when it sits alone, so the item always reads "• ensure that ...".
* Ligatures (ﬁ ﬂ ﬀ ﬃ ﬄ ﬅ ﬆ) become letters, non-breaking spaces become spaces, runs of spaces
  collapse to one and trailing spaces are stripped. Curly quotes are left alone.
* Running headers and footers are removed: a text line in the top or bottom 10% of a page whose text,
  with each run of digits replaced by "#" and whitespace collapsed, occurs in that same edge zone on at
  least half of the pages and on at least two of them. A lone line repeated on one page of a two-page
  document is not "running", so two-page documents keep one-off edge lines. Page-number lines at the
  edges ("7", "Page 7", "Page 7 of 12", "7/12", "- 7 -") are always removed. The same text away from
  the edges is kept, and so is a top-edge line printed larger than the running header it repeats, or
  more than a line's height from where the header sits: the report's title on its title page, where
  the running header is the title.

Unreadable files raise pdfminer's own exception (PDFSyntaxError, PSEOF, PDFPasswordIncorrect, ...), or
ValueError when pdfminer finds no pages at all; the caller quarantines the file.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from pdfminer.layout import LAParams, LTChar, LTFigure, LTPage, LTTextBox, LTTextLineHorizontal
from pdfminer.utils import FileOrName

from orchestration.lib.extract.pdf_layout import layouts

# Fraction of the page height treated as header / footer zone.
EDGE_FRACTION = 0.10
# A bare page number ("4", "Page 4 of 30") may sit a little further in from the edge (Leeds 2015 prints
# it with its centre just above the bottom tenth of the page).
PAGE_NUMBER_FRACTION = 0.15
# Pieces on one row further apart than this many text heights are table cells, not words of a sentence.
TAB_GAP_FACTOR = 1.5

# all_texts: some generators wrap a whole page in a form XObject; without it that text never becomes
# lines and the page would come out empty.
# boxes_flow=None: pdfminer lists a page's text boxes top to bottom instead of first grouping them into
# a hierarchy for its reading order, a step that grows with the square of the boxes on a page. The
# text here is assembled by position (_rows) and uses boxes only to tell paragraphs apart, so the order
# pdfminer lists them in changes nothing (the same text from every report of the real corpus); it saves
# about 3% of extraction time, more on pages with many boxes.
_LAPARAMS = LAParams(all_texts=True, boxes_flow=None)

_CHAR_FIXES = str.maketrans(
    {
        "ﬁ": "fi",
        "ﬂ": "fl",
        "ﬀ": "ff",
        "ﬃ": "ffi",
        "ﬄ": "ffl",
        "ﬅ": "st",
        "ﬆ": "st",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2007": " ",
    }
)

# Glyphs that are bullets wherever they start a line. Private-use code points are what Word's Symbol
# and Wingdings bullets decode to; (cid:N) is what pdfminer prints when the font has no unicode map.
_BULLET_GLYPHS = (
    *"•●▪◦■□▫‣⁃∙·►▸➢",
    *"\uf0b7\uf0a7\uf0a8\uf076\uf0d8\uf0fc\uf06c\uf06e\uf0a1",
    *("(cid:127)", "(cid:120)", "(cid:149)", "(cid:183)"),
)
_LEADING_BULLET = re.compile(
    r"^(?:" + "|".join(re.escape(g) for g in sorted(_BULLET_GLYPHS, key=len, reverse=True)) + r")\s*"
)
# A lone "o" is a bullet only as a glyph on its own (Word's second-level list style); inside a line it
# is handled at character level, where the font change gives it away.
_LONE_GLYPHS = frozenset(_BULLET_GLYPHS) | {"o"}

_PAGE_NUMBER = re.compile(
    r"^(?:(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|[-–—]\s*\d{1,4}\s*[-–—])$", re.IGNORECASE
)
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


@dataclass
class _Piece:
    """One pdfminer text line, cleaned, with where it sits."""

    x0: float
    x1: float
    y0: float
    y1: float
    text: str
    box: int  # which pdfminer text box it came from: rows in different boxes are different paragraphs
    glyph: bool  # the whole piece is a bullet glyph

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 0.1)

    @property
    def centre(self) -> float:
        return (self.y0 + self.y1) / 2


def extract_pdf_pages(path: FileOrName, *, mirror: bool = True) -> list[str]:
    """Return cleaned text for each page of the PDF at `path` (or open binary file), page 1 first
    (format: module docstring). `mirror`: read the layout through pdf_layout.py's mirror of pdfminer
    (the setting PDF_LAYOUT_MIRROR), else through pdfminer's own `extract_pages`."""
    pages: list[tuple[tuple[float, float, float, float], list[_Piece]]] = []
    for layout in layouts(path, _LAPARAMS, mirror=mirror):
        pages.append((layout.bbox, list(_pieces(layout))))
    if not pages:
        raise ValueError("no pages found in the PDF")

    running = _running_keys(pages)
    where = _running_geometry(pages, running)
    out = []
    for bbox, pieces in pages:
        kept = [p for p in pieces if not _is_edge_furniture(p, bbox, running, where)]
        out.append(_page_text(kept))
    return out


# ---------------------------------------------------------------------------------------------------
# Collecting pieces


def _lines(container, box: list[int]) -> Iterator[tuple[LTTextLineHorizontal, int]]:
    for obj in container:
        if isinstance(obj, LTTextBox):
            box[0] += 1
            for line in obj:
                if isinstance(line, LTTextLineHorizontal):
                    yield line, box[0]
        elif isinstance(obj, LTTextLineHorizontal):
            box[0] += 1
            yield obj, box[0]
        elif isinstance(obj, LTFigure):
            yield from _lines(obj, box)


def _pieces(layout: LTPage) -> Iterator[_Piece]:
    counter = [0]
    for line, box in _lines(layout, counter):
        raw = line.get_text()
        text = _clean(raw)
        if not text:
            continue
        glyph = text in _LONE_GLYPHS
        if glyph:
            text = "•"
        else:
            text = _normalise_bullet(text, line)
        yield _Piece(_ink_x0(line), line.x1, line.y0, line.y1, text, box, glyph)


def _ink_x0(line: LTTextLineHorizontal) -> float:
    """Left edge of the first visible character: a line drawn with leading spaces starts there."""
    for char in line:
        if isinstance(char, LTChar) and char.get_text().strip():
            return char.x0
    return line.x0


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text.translate(_CHAR_FIXES)).strip()


def _normalise_bullet(text: str, line: LTTextLineHorizontal | None) -> str:
    m = _LEADING_BULLET.match(text)
    if m and m.end() < len(text):
        return "• " + text[m.end() :]
    if text.startswith("o ") and _first_char_is_foreign_glyph(line):
        return "• " + text[2:].lstrip()
    return text


def _first_char_is_foreign_glyph(line: LTTextLineHorizontal | None) -> bool:
    # "o ensure ..." is a Courier/Wingdings "o" bullet merged into the line; a real word "o" would be in
    # the same font as the text after it.
    if line is None:
        return False
    chars = [c for c in line if isinstance(c, LTChar)]
    return len(chars) >= 2 and chars[0].get_text() == "o" and chars[0].fontname != chars[1].fontname


# ---------------------------------------------------------------------------------------------------
# Running headers and footers


def _zone(piece: _Piece, bbox, fraction: float = EDGE_FRACTION) -> str | None:
    _, y0, _, y1 = bbox
    band = (y1 - y0) * fraction
    if piece.centre >= y1 - band:
        return "top"
    if piece.centre <= y0 + band:
        return "bottom"
    return None


def _key(text: str) -> str:
    return _DIGITS.sub("#", text)


def _running_keys(pages) -> set[tuple[str, str]]:
    n = len(pages)
    if n < 2:
        return set()
    seen: dict[tuple[str, str], set[int]] = defaultdict(set)
    for i, (bbox, pieces) in enumerate(pages):
        for p in pieces:
            zone = _zone(p, bbox)
            if zone:
                seen[(zone, _key(p.text))].add(i)
    # At least two pages, so a one-off title at the top of page 1 of a two-page letter survives.
    need = max(2, math.ceil(n / 2))
    # A footer that carries the page number ("...children board: Hull 3") may run on only part of the
    # document (the second of two reports in one PDF, on alternate pages): three pages are enough.
    numbered_need = min(need, 3)
    # (words and a number: a paragraph's own number, "22.", at the top of pages is not one)
    return {
        k
        for k, where in seen.items()
        if len(where) >= (numbered_need if "#" in k[1] and re.search(r"[a-z]{3}", k[1], re.I) else need)
    }


def _running_geometry(pages, running: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[float, float]]:
    """Where each running line usually sits: the median height above the page's bottom and the median
    text height of its occurrences after the first page (the first page is where a title page would be)."""
    found: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for bbox, pieces in pages[1:]:
        for p in pieces:
            zone = _zone(p, bbox)
            if zone and (zone, _key(p.text)) in running:
                found[(zone, _key(p.text))].append((p.centre - bbox[1], p.height))
    return {
        key: (statistics.median(c for c, _ in places), statistics.median(h for _, h in places))
        for key, places in found.items()
    }


def _is_edge_furniture(piece: _Piece, bbox, running: set[tuple[str, str]], where=None) -> bool:
    if _PAGE_NUMBER.match(piece.text) and _zone(piece, bbox, PAGE_NUMBER_FRACTION):
        return True
    zone = _zone(piece, bbox)
    if zone is None or (zone, _key(piece.text)) not in running:
        return False
    if zone == "top" and where and (zone, _key(piece.text)) in where:
        # A running header that repeats the report's title: on the title page the title itself is the
        # same text, printed larger or lower than the header. It is the title there, not furniture.
        centre, height = where[(zone, _key(piece.text))]
        if piece.height > 1.15 * height or abs(piece.centre - bbox[1] - centre) > height:
            return False
    return True


# ---------------------------------------------------------------------------------------------------
# Rows and paragraphs


def _rows(pieces: list[_Piece]) -> list[list[_Piece]]:
    rows: list[list[_Piece]] = []
    # every field in the key: pieces drawn at the same place come out in an order that does not depend
    # on the order pdfminer listed them in
    for p in sorted(pieces, key=lambda p: (-p.centre, p.x0, p.x1, p.y0, p.text)):
        if rows:
            ref = rows[-1][0]
            overlap = min(ref.y1, p.y1) - max(ref.y0, p.y0)
            if overlap >= 0.5 * min(ref.height, p.height):
                rows[-1].append(p)
                continue
        rows.append([p])
    for row in rows:
        row.sort(key=lambda p: (p.x0, -p.centre, p.x1, p.y0, p.text))
    return rows


def _row_text(row: list[_Piece]) -> str:
    parts: list[str] = []
    prev: _Piece | None = None
    for p in row:
        if prev is None:
            parts.append(p.text)
        elif prev.glyph:
            # The glyph and its item text: one space, however far apart they are drawn.
            parts.append(" " + p.text)
        else:
            gap = p.x0 - prev.x1
            parts.append(("\t" if gap > TAB_GAP_FACTOR * min(p.height, prev.height) else " ") + p.text)
        prev = p
    text = "".join(parts).rstrip()
    if text.startswith("• • "):  # a glyph piece next to a line that already had its own glyph
        text = text[2:]
    return text


def _left_margin(rows: list[list[_Piece]]) -> float | None:
    """The x where most rows of the page start: the text column's left edge."""
    starts = [round(row[0].x0) for row in rows if not row[0].glyph]
    if not starts:
        return None
    counts: dict[int, int] = defaultdict(int)
    for x in starts:
        counts[x] += 1
    return float(max(counts.items(), key=lambda item: (item[1], -item[0]))[0])


def _page_text(pieces: list[_Piece]) -> str:
    lines: list[str] = []
    prev: list[_Piece] = []
    pending_bullet = False
    rows = _rows(pieces)
    margin = _left_margin(rows)
    for row in rows:
        if all(p.glyph for p in row):
            # A glyph alone on its row (often drawn larger or offset): it belongs to the next row.
            pending_bullet = True
            continue
        text = _row_text(row)
        if pending_bullet and not text.startswith("• "):
            text = "• " + text
        pending_bullet = False
        # A row starting right of the text column keeps one leading space: in a list whose bullet glyphs
        # were lost, that indent is all that marks where an item starts.
        if margin is not None and not text.startswith("• ") and row[0].x0 - margin > 0.2 * row[0].height:
            text = " " + text
        # Glyphs sit in their own boxes, so they must not decide paragraph breaks.
        body = [p for p in row if not p.glyph]
        if lines and _new_paragraph(prev, body):
            lines.append("")
        lines.append(text)
        prev = body
    return "\n".join(lines)


def _new_paragraph(prev: list[_Piece], row: list[_Piece]) -> bool:
    if {p.box for p in prev} & {p.box for p in row}:
        return False
    # pdfminer also splits a box where consecutive lines are not left-, right- or centre-aligned: the
    # first line of a hanging-indent list item or numbered paragraph, an indented first line. Undo that
    # when the rows are as close and as tall as lines of one paragraph (pdfminer's own tolerances).
    prev_h = max(p.height for p in prev)
    row_h = max(p.height for p in row)
    d = _LAPARAMS.line_margin * max(prev_h, row_h)
    gap = min(p.y0 for p in prev) - max(p.y1 for p in row)
    return gap > d or abs(prev_h - row_h) > d
