"""extract/pdf_layout.py against pdfminer itself: every character, and so every layout, exactly as pdfminer's
`extract_pages` makes it, whatever the text matrix."""

from __future__ import annotations

from pathlib import Path

import pytest
from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTChar, LTContainer
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from orchestration.lib.extract.pdf_layout import Char, layouts
from tests.fixtures.pdf_render import render_text_report_to_pdf

LAPARAMS = LAParams(all_texts=True, boxes_flow=None)
SEEDS = Path(__file__).resolve().parents[2] / "raw"  # the seed reports, shipped as text
CHAR_FIELDS = (
    "bbox",
    "x0",
    "y0",
    "x1",
    "y1",
    "width",
    "height",
    "size",
    "adv",
    "upright",
    "matrix",
    "fontname",
)


class _Font:
    """What LTChar reads of a font."""

    fontname = "Test"

    def __init__(self, descent: float = -0.2, vertical: bool = False):
        self.descent, self.vertical = descent, vertical

    def is_vertical(self) -> bool:
        return self.vertical

    def get_descent(self) -> float:
        return self.descent


def _fields(char: LTChar) -> dict:
    return {name: getattr(char, name) for name in CHAR_FIELDS} | {"text": char.get_text()}


@pytest.mark.parametrize(
    "matrix",
    [
        (11.0, 0.0, 0.0, 11.0, 72.0, 700.5),  # upright text
        (9.5, 0.0, 0.0, -9.5, 40.25, 100.0),  # flipped vertically
        (-12.0, 0.0, 0.0, 12.0, 300.0, 20.0),  # mirrored
        (0.0, 10.0, -10.0, 0.0, 500.0, 300.0),  # turned a quarter
        (8.66, 5.0, -5.0, 8.66, 100.0, 100.0),  # turned 30 degrees
        (10.0, 0.0, 2.0, 10.0, 50.0, 60.0),  # slanted
    ],
)
@pytest.mark.parametrize("scaling", [1.0, 0.85])
@pytest.mark.parametrize("rise", [0.0, 3.5])
def test_char_is_pdfminers_char_for_any_matrix(matrix, scaling, rise):
    font = _Font()
    args = (matrix, font, 1.0, scaling, rise, "a", 0.556, None, None, None)
    assert _fields(Char(*args)) == _fields(LTChar(*args))


def test_vertical_writing_is_pdfminers_own():
    args = (
        (10.0, 0.0, 0.0, 10.0, 5.0, 5.0),
        _Font(vertical=True),
        1.0,
        1.0,
        0.0,
        "a",
        1.0,
        (None, 880),
        None,
        None,
    )
    assert _fields(Char(*args)) == _fields(LTChar(*args))


def _chars(item):
    if isinstance(item, LTChar):
        yield item
    elif isinstance(item, LTContainer):
        for child in item:
            yield from _chars(child)


def _structure(item, depth=0):
    """Every container below `item`: its kind, depth, box and text."""
    for child in item:
        if isinstance(child, LTContainer):
            yield type(child).__name__, depth, child.bbox, getattr(child, "get_text", str)()
            yield from _structure(child, depth + 1)


def _layout_of_every_kind(path: Path) -> Path:
    """Text upright, turned, mirrored, raised, narrowed, and inside a form XObject."""
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica", 11)
    c.drawString(72, 780, "Overall effectiveness")
    c.drawString(400, 780, "Requires improvement to be good")
    text = c.beginText(72, 740)
    text.setFont("Times-Roman", 10)
    text.setHorizScale(80)
    text.textOut("narrowed ")
    text.setRise(4)
    text.textOut("raised")
    c.drawText(text)
    c.saveState()
    c.translate(300, 400)
    c.rotate(90)
    c.drawString(0, 0, "turned a quarter")
    c.rotate(-60)
    c.drawString(0, 20, "turned thirty degrees")
    c.restoreState()
    c.saveState()
    c.translate(500, 200)
    c.scale(-1, 1)
    c.drawString(0, 0, "mirrored")
    c.restoreState()
    c.beginForm("panel")
    c.drawString(72, 100, "text drawn in a form")
    c.endForm()
    c.doForm("panel")
    c.showPage()
    c.save()
    return path


def _pdfs(tmp_path: Path) -> list[Path]:
    pdfs = [_layout_of_every_kind(tmp_path / "kinds.pdf")]
    for seed in sorted(SEEDS.glob("*.txt"))[:2]:
        pdfs.append(
            render_text_report_to_pdf(
                seed.read_text(encoding="utf-8"), tmp_path / f"{seed.stem}.pdf", layout="b"
            )
        )
    return pdfs


def test_layouts_are_pdfminers_layouts(tmp_path):
    for pdf in _pdfs(tmp_path):
        ours, theirs = list(layouts(pdf, LAPARAMS)), list(extract_pages(pdf, laparams=LAPARAMS))
        assert len(ours) == len(theirs) > 0
        for mine, reference in zip(ours, theirs, strict=True):
            mine_chars, reference_chars = list(_chars(mine)), list(_chars(reference))
            assert len(mine_chars) == len(reference_chars) > 0
            assert all(isinstance(char, Char) for char in mine_chars)
            for a, b in zip(mine_chars, reference_chars, strict=True):
                assert _fields(a) == _fields(b), (pdf.name, a, b)
            # and so the lines and boxes pdfminer groups them into, word spaces and all
            assert list(_structure(mine)) == list(_structure(reference))


def test_real_reports_read_as_pdfminer_reads_them(shared_dir):
    pdfs = sorted((shared_dir / "corpus" / "pdf").glob("*.pdf"), key=lambda p: p.stat().st_size)[:3]
    assert pdfs, "no PDFs in the shared corpus"
    for pdf in pdfs:
        for mine, reference in zip(
            layouts(pdf, LAPARAMS), extract_pages(pdf, laparams=LAPARAMS), strict=True
        ):
            assert [_fields(c) for c in _chars(mine)] == [_fields(c) for c in _chars(reference)]
            assert list(_structure(mine)) == list(_structure(reference))
