"""pdfminer's page layouts (`LTPage`), as `pdfminer.high_level.extract_pages` makes them, for less CPU.

Extraction is the warehouse's slowest part, and about a seventh of pdfminer's time on the real reports
goes into the box of each character (`LTChar`): the glyph's rectangle put through the text matrix, four
corners each through a function call, then the least and greatest of them. Nearly every character of a
report is upright and unrotated (the matrix has no shear terms, b = c = 0), where those sums reduce to
two products. `Char` is an `LTChar` that computes its box that way, with the same floating-point
operations on the terms that are not zero, so every coordinate is exactly pdfminer's; any other matrix,
and vertical writing, takes pdfminer's own arithmetic. Measured on 30 archive reports: 14.5 CPU s with
pdfminer's characters, 13.0 with these (a tenth less); every page of the 411 real reports in ../shared
reads the same either way.

`layouts` drives pdfminer through its documented parts (resource manager, page aggregator, page
interpreter), as `extract_pages` does, with an aggregator whose `render_char` (the device's hook for each
glyph) makes a `Char`. tests/unit/test_pdf_layout.py checks each attribute against pdfminer's `LTChar`.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import BinaryIO

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LAParams, LTChar, LTPage
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.utils import open_filename


class Char(LTChar):
    """pdfminer's `LTChar`, its box computed without the general matrix product when the text is upright
    and unrotated."""

    def __init__(self, matrix, font, fontsize, scaling, rise, text, textwidth, textdisp, ncs, graphicstate):
        a, b, c, d, e, f = matrix
        if b != 0 or c != 0 or font.is_vertical():
            super().__init__(
                matrix, font, fontsize, scaling, rise, text, textwidth, textdisp, ncs, graphicstate
            )
            return
        self._text = text
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


class _Aggregator(PDFPageAggregator):
    """pdfminer's page aggregator, making a `Char` for each glyph."""

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


def layouts(pdf: pathlib.Path | str | BinaryIO, laparams: LAParams) -> Iterator[LTPage]:
    """Each page's analysed layout, page 1 first (what `extract_pages(pdf, laparams=laparams)` yields)."""
    with open_filename(pdf, "rb") as handle:
        resources = PDFResourceManager(caching=True)
        device = _Aggregator(resources, laparams=laparams)
        interpreter = PDFPageInterpreter(resources, device)
        for page in PDFPage.get_pages(handle, caching=True):
            interpreter.process_page(page)
            yield device.get_result()
