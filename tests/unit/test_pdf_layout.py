"""extract/pdf_layout.py against pdfminer itself: every character, and so every layout, exactly as pdfminer's
`extract_pages` makes it, whatever the text matrix; the pdfminer functions it mirrors are the ones it was
checked against; and PDF_LAYOUT_MIRROR=0 (pdfminer's own code path) reads the same text."""

from __future__ import annotations

import hashlib
import importlib
import inspect
import re
import subprocess
from pathlib import Path

import pytest
from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTChar, LTContainer
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from orchestration.lib.extract.pdf_layout import UPSTREAM_SOURCE_SHA256, Char, layouts
from orchestration.lib.extract.pdf_text import extract_pdf_pages
from orchestration.lib.extract.pool import Limits, extract_many
from orchestration.lib.ingest.files import discover
from tests.fixtures.pdf_render import render_text_report_to_pdf

LAPARAMS = LAParams(all_texts=True, boxes_flow=None)
SEEDS = Path(__file__).resolve().parents[2] / "raw"  # the seed reports, shipped as text


def _upstream(name: str):
    """pdfminer's function or method by its dotted name, e.g. pdfminer.layout.LTChar.__init__."""
    parts = name.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for part in parts[split:]:
            found = getattr(found, part)
        return found
    raise ImportError(name)


def _upstream_parts(name: str) -> tuple[str, str]:
    """("pdfminer.layout", "LTChar.__init__") of "pdfminer.layout.LTChar.__init__"."""
    parts = name.split(".")
    return ".".join(parts[:2]), ".".join(parts[2:])


@pytest.mark.parametrize("name", sorted(UPSTREAM_SOURCE_SHA256))
def test_the_pdfminer_code_mirrored_is_the_code_audited(name):
    try:
        source = inspect.getsource(_upstream(name))
    except (ImportError, AttributeError) as error:
        pytest.fail(f"pdfminer's {name} is gone ({error}): re-audit lib/extract/pdf_layout.py against it")
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    module, qualname = _upstream_parts(name)
    assert digest == UPSTREAM_SOURCE_SHA256[name], (
        f"pdfminer's {qualname} ({module}) changed: re-audit lib/extract/pdf_layout.py against it and update "
        f"the digest (UPSTREAM_SOURCE_SHA256) to {digest}"
    )


def test_the_docstring_names_every_function_mirrored():
    import orchestration.lib.extract.pdf_layout as pdf_layout

    entries = " ".join((pdf_layout.__doc__ or "").split()).split(" * ")
    for name in UPSTREAM_SOURCE_SHA256:
        module, qualname = _upstream_parts(name)
        owner, _, function = qualname.rpartition(".")
        where = f"{module}, class {owner}, method" if owner else f"{module}, function {function}:"
        assert any(
            entry.startswith(where) and re.search(rf"\b{re.escape(function)}\b", entry) for entry in entries
        ), f"the docstring of lib/extract/pdf_layout.py does not name {name} ({where} ... {function})"


class _Font:
    """What LTChar reads of a font."""

    fontname = "Test"

    def __init__(self, descent: float = -0.2, vertical: bool = False):
        self.descent, self.vertical = descent, vertical

    def is_vertical(self) -> bool:
        return self.vertical

    def get_descent(self) -> float:
        return self.descent


def _state(value):
    """A value as compared: objects without an equality of their own (pdfminer's graphic state, a copy
    per character) by their attributes, recursively."""
    if isinstance(value, (list, tuple)):
        return type(value)(_state(item) for item in value)
    if hasattr(value, "__dict__") and type(value).__eq__ is object.__eq__:
        return type(value).__name__, {key: _state(item) for key, item in vars(value).items()}
    return value


def _fields(char: LTChar) -> dict:
    """Every attribute of the character (`vars`), whatever pdfminer adds to LTChar. The text is compared
    as `get_text()` returns it: `Char` keeps it in an attribute of its own rather than pdfminer's private
    `_text`."""
    fields = {key: _state(value) for key, value in vars(char).items() if key not in ("text", "_text")}
    return fields | {"get_text()": char.get_text()}


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


def test_without_the_mirror_the_layouts_are_pdfminers_own(tmp_path):
    pdf = _layout_of_every_kind(tmp_path / "kinds.pdf")
    chars = [char for page in layouts(pdf, LAPARAMS, mirror=False) for char in _chars(page)]
    assert chars and not any(isinstance(char, Char) for char in chars)


@pytest.mark.slow
def test_the_seed_reports_read_the_same_with_and_without_the_mirror(tmp_path):
    seeds = sorted(SEEDS.glob("*.txt"))
    assert seeds, f"no seed reports in {SEEDS}"
    for index, seed in enumerate(seeds):
        pdf = render_text_report_to_pdf(
            seed.read_text(encoding="utf-8"), tmp_path / f"{seed.stem}.pdf", layout="abcd"[index % 4]
        )
        mirrored = extract_pdf_pages(pdf)
        assert len(mirrored) >= 2 and any(page.strip() for page in mirrored)
        assert extract_pdf_pages(pdf, mirror=False) == mirrored, seed.name


@pytest.mark.slow
def test_the_setting_reaches_the_extraction_processes(tmp_path, monkeypatch):
    """PDF_LAYOUT_MIRROR goes to the worker processes on their command line, with their limits; either way
    the text is the same."""
    seed = sorted(SEEDS.glob("*.txt"))[0]
    render_text_report_to_pdf(seed.read_text(encoding="utf-8"), tmp_path / "seed.pdf", layout="b")
    jobs = [(f.source_file, f.sha256, f.media_kind) for f in discover(tmp_path, max_file_mb=100)]
    commands = []
    real_popen = subprocess.Popen

    def recording(command, **kwargs):
        commands.append(command)
        return real_popen(command, **kwargs)

    monkeypatch.setattr("orchestration.lib.extract.pool.subprocess.Popen", recording)
    mirrored, own = (
        extract_many(tmp_path, jobs, Limits(120, 1024, pdf_layout_mirror=mirror), workers=1)
        for mirror in (True, False)
    )
    assert [command[-1] for command in commands] == ["1", "0"]
    assert [r.error for r in mirrored + own] == [None, None]
    assert own[0].pages == mirrored[0].pages == extract_pdf_pages(tmp_path / "seed.pdf")
