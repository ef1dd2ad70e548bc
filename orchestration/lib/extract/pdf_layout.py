"""pdfminer's page layouts (`LTPage`), exactly as `pdfminer.high_level.extract_pages` makes them, for
less CPU.

Extraction is the warehouse's slowest part, and pdfminer spends much of it, per character, in Python
function calls around a little arithmetic. Two of those places are written out here:

* The box of each character (`LTChar`, about a seventh of pdfminer's time on the real reports): the
  glyph's rectangle put through the text matrix, four corners each through a function call, then the
  least and greatest of them. Nearly every character of a report is upright and unrotated (no shear
  terms in the matrix, b = c = 0), where those sums reduce to two products. `Char` computes its box that
  way, with the same floating-point operations on the terms that are not zero, so every coordinate is
  exactly pdfminer's; any other matrix, and vertical writing, takes pdfminer's own arithmetic.
* Grouping a page's characters into text lines (`LTLayoutContainer.group_objects`): the same tests of
  two neighbouring characters without a method call for each, and each line's box taken once from its
  characters rather than widened after every one (`_Page`; text in figures keeps pdfminer's own).

Measured on 30 archive reports: 14.2-14.5 CPU s with pdfminer's own, 12.3-12.6 with these (an eighth
less); every page of the 411 real reports in ../shared reads the same either way.

`layouts` drives pdfminer through its documented parts (resource manager, page aggregator, page
interpreter), as `extract_pages` does, with an aggregator whose pages are `_Page`s and whose
`render_char` (the device's hook for each glyph) makes a `Char`. With `mirror=False` (the setting
PDF_LAYOUT_MIRROR=0) it is `extract_pages` itself, pdfminer's own code path throughout.
tests/unit/test_pdf_layout.py checks every attribute of every character, and every line and box, against
pdfminer's own, on pages with text turned, mirrored, raised and narrowed, and on real reports.

What is mirrored, and from where (pdfminer.six 20260107). Each is written out here rather than called,
so a new pdfminer that changes one of them must be read against this module again:

* pdfminer.layout, class LTChar, method __init__: `Char.__init__` (the box of an unrotated glyph).
* pdfminer.layout, class LTLayoutContainer, method group_objects: `_Page.group_objects` (horizontal
  writing).
* pdfminer.layout, class LTComponent, methods is_voverlap, voverlap, is_hoverlap and hdistance: the
  `halign` test written out in `_Page.group_objects`.
* pdfminer.layout, class LTTextLineHorizontal, method add: `_text_line` (word spaces, `LTAnno(" ")`).
* pdfminer.layout, class LTExpandableContainer, method add: `_text_line` (the line's box, taken once).
* pdfminer.converter, class PDFLayoutAnalyzer, method render_char: `_Aggregator.render_char` (a `Char`
  per glyph).
* pdfminer.converter, class PDFLayoutAnalyzer, method begin_page: `_Aggregator.begin_page` (the page it
  starts is remade as a `_Page`).
* pdfminer.high_level, function extract_pages: `layouts`.
* pdfminer.layout, class LTLayoutContainer, method analyze: not mirrored but relied on, as what gives
  `group_objects` a page's characters (and only those), in the order they were drawn.

`UPSTREAM_SOURCE_SHA256` holds the SHA-256 of each one's source (`inspect.getsource`) as it was when
this module was last checked against it; a test fails, naming the function, when pdfminer's differs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import BinaryIO, cast

from pdfminer.converter import PDFPageAggregator
from pdfminer.high_level import extract_pages
from pdfminer.layout import (
    LAParams,
    LTAnno,
    LTChar,
    LTComponent,
    LTContainer,
    LTPage,
    LTTextLine,
    LTTextLineHorizontal,
)
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.utils import FileOrName, open_filename

# pdfminer's functions this module mirrors (module docstring), and the SHA-256 of the source of each as it
# was audited against this module. Update a digest only after reading the new source against the mirror.
UPSTREAM_SOURCE_SHA256 = {
    "pdfminer.layout.LTChar.__init__": "95698f8d55dba6ca08c5d7427b8e8c3fa46f50bd08b6189e8cd01b6a21f32e5e",
    "pdfminer.layout.LTLayoutContainer.group_objects": (
        "083e7ddd50bd3ff1a93472effbced086cadb548f690c7fb14dff1a3831ec728d"
    ),
    "pdfminer.layout.LTLayoutContainer.analyze": (
        "6d04e0b04b49304acbc420c5c7bd2609a7971f021485f6482ceb50155dfb8175"
    ),
    "pdfminer.layout.LTComponent.is_voverlap": (
        "9dc3e0629ccf1a1544e4ac8b8cf5efb6093a1e37f1336c15a63d05082458c66f"
    ),
    "pdfminer.layout.LTComponent.voverlap": (
        "7583d01652ee13350cc148eef3208689e457ecf36590897c2d2bdc4f0baf37fe"
    ),
    "pdfminer.layout.LTComponent.is_hoverlap": (
        "27a0ede0efec1b8370aafaea5791dbe50888450314e537dea14020e15c1eacf7"
    ),
    "pdfminer.layout.LTComponent.hdistance": (
        "04dd83e7913048486b216edadd5274094f4527a1ea5bcf5ca02b9844db627fb8"
    ),
    "pdfminer.layout.LTTextLineHorizontal.add": (
        "69eb65ca44acc8286eaffc07040654c74bad55dcdec422a02c92260ef92740fd"
    ),
    "pdfminer.layout.LTExpandableContainer.add": (
        "044eafcee0623653a77a08a406f8dbc96ec835b0e1769398a7b65c1690649c0c"
    ),
    "pdfminer.converter.PDFLayoutAnalyzer.render_char": (
        "46aa7d7858ff406a298ea16259f855a9c120e98abb55b4ce1cd9de302cf4d8c8"
    ),
    "pdfminer.converter.PDFLayoutAnalyzer.begin_page": (
        "b84567a94723d5bcbb4c5531d7328ba2a2d0c363459d4594d7f0811e2ee0cde4"
    ),
    "pdfminer.high_level.extract_pages": "e4671c3448a7f2130ca5b773522d99579169b1af7d9fe49ac2c5ce8006018904",
}


class Char(LTChar):
    """pdfminer's `LTChar`, its box computed without the general matrix product when the text is upright
    and unrotated."""

    def __init__(self, matrix, font, fontsize, scaling, rise, text, textwidth, textdisp, ncs, graphicstate):
        a, b, c, d, e, f = matrix
        self.text = text
        if b != 0 or c != 0 or font.is_vertical():
            super().__init__(
                matrix, font, fontsize, scaling, rise, text, textwidth, textdisp, ncs, graphicstate
            )
            return
        self.matrix = matrix
        self.fontname = font.fontname
        self.ncs = ncs
        self.graphicstate = graphicstate
        adv = self.adv = textwidth * fontsize * scaling
        self.upright = a * d * scaling > 0 and b * c <= 0
        descent = font.get_descent() * fontsize
        # the glyph's rectangle is (0, descent + rise, adv, descent + rise + fontsize); with b = c = 0
        # its corners map to x in {e, a * adv + e} and y in {d * bottom + f, d * top + f}
        bottom, top = descent + rise, descent + rise + fontsize
        left, right = e, a * adv + e
        low, high = d * bottom + f, d * top + f
        x0, x1 = (left, right) if left <= right else (right, left)
        y0, y1 = (low, high) if low <= high else (high, low)
        self.x0, self.y0, self.x1, self.y1 = x0, y0, x1, y1
        self.width = x1 - x0
        self.height = self.size = y1 - y0
        self.bbox = (x0, y0, x1, y1)

    def get_text(self) -> str:
        return self.text


class _Page(LTPage):
    """pdfminer's page, grouping its characters into text lines as `LTLayoutContainer.group_objects`
    does for horizontal writing (`detect_vertical` off), with pdfminer's tests of two neighbouring
    characters written out and each line's box taken once, from all its characters, rather than widened
    character by character."""

    def group_objects(self, laparams: LAParams, objs: Iterable[LTComponent]) -> Iterator[LTTextLine]:
        if laparams.detect_vertical:
            yield from super().group_objects(laparams, objs)
            return
        overlap, margin, word_margin = laparams.line_overlap, laparams.char_margin, laparams.word_margin
        line: list[LTChar] = []
        previous = None
        for char in cast("Iterable[LTChar]", objs):  # `analyze` groups only the characters of a page
            if previous is not None:
                # pdfminer's `halign`: the two overlap vertically by more than line_overlap of the lower
                # one's height, and are closer horizontally than char_margin of the wider one's width
                aligned = char.y0 <= previous.y1 and previous.y0 <= char.y1
                if aligned:
                    aligned = min(previous.height, char.height) * overlap < min(
                        abs(previous.y0 - char.y1), abs(previous.y1 - char.y0)
                    )
                if aligned:
                    if char.x0 <= previous.x1 and previous.x0 <= char.x1:
                        distance: float = 0
                    else:
                        distance = min(abs(previous.x0 - char.x1), abs(previous.x1 - char.x0))
                    aligned = distance < max(previous.width, char.width) * margin
                if aligned and line:
                    line.append(char)
                elif line:
                    yield _text_line(line, word_margin)
                    line = []
                elif aligned:
                    line = [previous, char]
                else:
                    yield _text_line([previous], word_margin)
            previous = char
        assert previous is not None  # as pdfminer's: `analyze` groups a page only when it has characters
        yield _text_line(line or [previous], word_margin)


def _text_line(chars: list[LTChar], word_margin: float) -> LTTextLineHorizontal:
    """The line pdfminer's `LTTextLineHorizontal.add` makes of these characters, one by one: a space
    (`LTAnno`) before a character further than word_margin of its size from the one before."""
    line = LTTextLineHorizontal(word_margin)
    right = None
    for char in chars:
        if right is not None and word_margin and right < char.x0 - word_margin * max(char.width, char.height):
            LTContainer.add(line, LTAnno(" "))
        right = char.x1
        LTContainer.add(line, char)
    line.set_bbox(
        (
            min(char.x0 for char in chars),
            min(char.y0 for char in chars),
            max(char.x1 for char in chars),
            max(char.y1 for char in chars),
        )
    )
    return line


class _Aggregator(PDFPageAggregator):
    """pdfminer's page aggregator, making a `Char` for each glyph on a `_Page`."""

    def begin_page(self, page, ctm) -> None:
        super().begin_page(page, ctm)
        self.cur_item = _Page(self.pageno, self.cur_item.bbox)

    def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate) -> float:
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = self.handle_undefined_char(font, cid)
        item = Char(
            matrix,
            font,
            fontsize,
            scaling,
            rise,
            text,
            font.char_width(cid),
            font.char_disp(cid),
            ncs,
            graphicstate,
        )
        self.cur_item.add(item)
        return item.adv


def layouts(pdf: FileOrName, laparams: LAParams, *, mirror: bool = True) -> Iterator[LTPage]:
    """Each page's analysed layout, page 1 first (what `extract_pages(pdf, laparams=laparams)` yields):
    through this module's mirror of pdfminer's per-character code, or, with `mirror=False`, through
    `extract_pages` itself."""
    if not mirror:
        yield from extract_pages(pdf, laparams=laparams)
        return
    with open_filename(pdf, "rb") as handle:
        resources = PDFResourceManager(caching=True)
        device = _Aggregator(resources, laparams=laparams)
        interpreter = PDFPageInterpreter(resources, device)
        for page in PDFPage.get_pages(cast(BinaryIO, handle), caching=True):  # opened "rb", as pdfminer does
            interpreter.process_page(page)
            yield device.get_result()
