"""extract_pdf_pages against PDFs rendered from the seed texts in four layouts, plus hand-made edge cases.

The seed texts are the ground truth: once the PDF's own furniture (running header, page numbers) is
removed, the extracted words must be the source's words in the same order. Rendering and extraction run
once per (seed, layout) for the whole module, which keeps the file well under the time budget.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from orchestration.lib.extract.pdf_text import _clean, _normalise_bullet, extract_pdf_pages
from tests.fixtures.pdf_render import derive_header, parse_report_text, render_text_report_to_pdf

SEEDS_DIR = Path("/work/shared/seeds")
SEEDS = sorted(SEEDS_DIR.glob("*.txt"))
LAYOUTS = ("a", "b", "c", "d")
CASES = [(seed, layout) for seed in SEEDS for layout in LAYOUTS]
CASE_IDS = [f"{seed.name[:3]}-{layout}" for seed, layout in CASES]

PAGE_NUMBER_LINE = re.compile(
    r"^(?:page\s*)?\d+(?:\s*(?:of|/)\s*\d+)?$|^[-–—]\s*\d+\s*[-–—]$",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[tuple[Path, str], list[str]]:
    """Pages extracted from each seed rendered in each layout, keyed by (seed path, layout)."""
    out_dir = tmp_path_factory.mktemp("pdfs")
    result = {}
    for seed, layout in CASES:
        pdf = render_text_report_to_pdf(
            seed.read_text(encoding="utf-8"), out_dir / f"{seed.stem}_{layout}.pdf", layout=layout
        )
        result[(seed, layout)] = extract_pdf_pages(pdf)
    return result


def source_words(text: str) -> list[str]:
    """The words the PDF must contain: the source minus Markdown, list markers and its own page furniture.

    Seeds 000 and 002 still carry the original PDF's running header between pages as plain lines
    ("Inspection of ... children / Surrey County Council / 9"). The PDF gets its own header, so those
    triples are not body text; they are cut here with a word-level pattern written independently of
    the renderer's line-based one. Everything else, cover and contents included, is compared.
    """
    title, authority = derive_header(text)
    text = re.sub(r"^[ \t]*- ", "", text, flags=re.MULTILINE).replace("**", "")
    flat = " ".join(text.split())
    flat = re.sub(rf"{re.escape(title)} {re.escape(authority)} \d+(?= |$)", " ", flat)
    return flat.split()


def extracted_words(pages: list[str]) -> list[str]:
    return "\n".join(pages).replace("•", " ").split()


def first_difference(expected: list[str], got: list[str]) -> str:
    for i, (a, b) in enumerate(zip(expected, got)):
        if a != b:
            window = slice(max(0, i - 8), i + 8)
            return f"word {i}: expected {' '.join(expected[window])!r}, got {' '.join(got[window])!r}"
    return f"lengths differ: expected {len(expected)} words, got {len(got)}"


def chunks(page: str) -> list[str]:
    """A page's blank-line separated blocks."""
    return [c for c in page.split("\n\n") if c.strip()]


def words_of(chunk: str) -> tuple[str, ...]:
    return tuple(chunk.replace("•", " ").split())


@pytest.mark.parametrize(("seed", "layout"), CASES, ids=CASE_IDS)
def test_words_in_source_order(extracted, seed, layout):
    expected = source_words(seed.read_text(encoding="utf-8"))
    got = extracted_words(extracted[(seed, layout)])
    assert got == expected, first_difference(expected, got)


@pytest.mark.parametrize(("seed", "layout"), CASES, ids=CASE_IDS)
def test_running_header_and_page_numbers_removed(extracted, seed, layout):
    text = seed.read_text(encoding="utf-8")
    pages = extracted[(seed, layout)]
    # Header removal needs the header on at least two pages; every seed is long enough.
    assert len(pages) >= 3
    title, authority = derive_header(text)
    lines = [ln.strip() for page in pages for ln in page.splitlines()]
    assert not [ln for ln in lines if PAGE_NUMBER_LINE.match(ln)]
    # The title or the authority may stand alone in the body (a heading, the cover, an address), so the
    # test is for the header as the PDF draws it on pages 2..n: the pair at the top of the page, or both
    # on one line. Any other leak would also break the word order checked above.
    standalone = {b.plain for b in parse_report_text(text)}
    for number, page in enumerate(pages[1:], start=2):
        first_line, first_chunk = page.splitlines()[0], chunks(page)[0]
        if first_line in (title, authority):
            assert first_chunk in standalone, f"header left on page {number}"
        assert not [ln for ln in page.splitlines() if title in ln and authority in ln], number


@pytest.mark.parametrize(("seed", "layout"), CASES, ids=CASE_IDS)
def test_every_bullet_item_starts_a_line(extracted, seed, layout):
    items = [b for b in parse_report_text(seed.read_text(encoding="utf-8")) if b.kind == "bullet"]
    bullet_lines = [
        ln for page in extracted[(seed, layout)] for ln in page.splitlines() if ln.startswith("• ")
    ]
    assert [ln[2:].split()[:4] for ln in bullet_lines] == [b.plain.split()[:4] for b in items]
    # one leading space marks an indented line (hanging indents, lost bullets); never more than one
    assert not [
        ln for page in extracted[(seed, layout)] for ln in page.splitlines() if ln.startswith(("  ", "\t"))
    ]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_seed_000_within_three_months_list(extracted, layout):
    seed = SEEDS_DIR / "000_9f7ce6b861c02e06.txt"
    if (seed, layout) not in extracted:
        pytest.skip(f"{seed} not available")
    text = "\n".join(extracted[(seed, layout)])
    start = text.index("Within three months:")
    section = text[start : text.index("Within six months:", start)]
    item_lines = [ln for ln in section.splitlines() if ln.startswith("• ")]
    expected_starts = [
        "the leadership of the Surrey Safeguarding Children Board",
        "ensure the implementation of the existing agreement",
        "ensure that recent improvements in supervision",
        "ensure that assessments of children in need",
        "ensure that child in need and child protection plans",
        "ensure that effective consideration is given",
    ]
    assert len(item_lines) == len(expected_starts)
    for line, start_words in zip(item_lines, expected_starts):
        assert line.startswith("• " + start_words)


@pytest.mark.parametrize(("seed", "layout"), CASES, ids=CASE_IDS)
def test_paragraph_split_by_page_break_is_complete(extracted, seed, layout):
    """A paragraph cut by a page break: its two halves, end of one page + start of the next, are whole.

    Each source block (paragraph, list item, table row) should come out as one blank-line separated
    chunk, so a page's last chunk is either a whole block, or the first part of one whose rest is the
    next page's first chunk with nothing (header, page number) lost or inserted between.
    """
    blocks = parse_report_text(seed.read_text(encoding="utf-8"))
    whole = {tuple(b.plain.split()) for b in blocks if b.kind != "table"}
    whole |= {tuple(" ".join(row).split()) for b in blocks if b.kind == "table" for row in b.rows}
    pages = extracted[(seed, layout)]
    crossings = 0
    for page, next_page in pairwise(pages):
        tail, head = words_of(chunks(page)[-1]), words_of(chunks(next_page)[0])
        if tail in whole:
            continue
        crossings += 1
        assert tail + head in whole, (
            f"page ends with {' '.join(tail[-8:])!r}, next starts {' '.join(head[:8])!r}"
        )
    if len(pages) > 6:
        # Long reports always have some paragraph running over a page; make sure the check bit.
        assert crossings >= 1


# ---------------------------------------------------------------------------------------------------
# Hand-made PDFs

HEADER = "Inspection of local authority arrangements for the protection of children"


def _hand_made_pdf(path: Path) -> Path:
    width, height = A4
    c = canvas.Canvas(str(path), pagesize=A4)
    for n in (1, 2, 3):
        c.setFont("Helvetica", 9)
        c.drawString(72, height - 40, HEADER)
        c.drawString(72, 30, f"Ofsted report 2012/{n * 7} - Surrey County Council")  # digits vary per page
        c.drawRightString(width - 72, 30, str(n))
        c.setFont("Helvetica", 11)
        if n == 3:
            c.drawString(72, height - 60, "Annex A")  # in the header zone, but on one page only
        y = height - 120
        c.drawString(72, y, f"Body paragraph on page {n} starts here and")
        c.drawString(72, y - 14, "wraps onto a second line.")
        if n == 2:
            c.drawString(72, y - 60, HEADER)  # the header's text, mid-page: body text, kept
            c.setFont("Symbol", 14)
            c.drawString(72, y - 100, "\u2022")  # glyph in its own font, far left: its own text box
            c.drawString(72, y - 132, "\u2022")  # glyph drawn well above its text: a row of its own
            c.setFont("Helvetica", 11)
            c.drawString(100, y - 100, "ensure that plans are reviewed")
            c.drawString(100, y - 114, "every month")
            c.drawString(100, y - 140, "ensure that visits happen")
            c.setFont("Courier", 11)
            c.drawString(72, y - 170, "o")  # Word's second-level bullet: an "o" in another font
            c.setFont("Helvetica", 11)
            c.drawString(84, y - 170, "second level item")
            # Drawn in one string, pdfminer keeps glyph and text in one line: "(cid:127) merged item".
            c.drawString(72, y - 190, "\u2022 merged glyph item")
            c.drawString(72, y - 215, "Overall effectiveness")
            c.drawString(400, y - 215, "Adequate")
            c.drawString(72, y - 245, "Page 2 of 3")  # looks like a page number, but not at an edge
        c.showPage()
    c.save()
    return path


def test_hand_made_pdf_headers_footers_bullets_and_rows(tmp_path):
    pages = extract_pdf_pages(_hand_made_pdf(tmp_path / "hand.pdf"))
    assert pages == [
        "Body paragraph on page 1 starts here and\nwraps onto a second line.",
        "\n".join(  # noqa: FLY002 - one line per list entry reads like the page
            [
                "Body paragraph on page 2 starts here and",
                "wraps onto a second line.",
                "",
                HEADER,
                "",
                "• ensure that plans are reviewed",
                " every month",  # drawn right of the text column: one space marks the indent
                "",
                "• ensure that visits happen",
                "",
                "• second level item",
                "",
                "• merged glyph item",
                "",
                "Overall effectiveness\tAdequate",
                "",
                "Page 2 of 3",
            ]
        ),
        "Annex A\n\nBody paragraph on page 3 starts here and\nwraps onto a second line.",
    ]


@pytest.mark.parametrize(("seed", "layout"), CASES[:4], ids=CASE_IDS[:4])
def test_the_order_pdfminer_lists_boxes_in_changes_nothing(extracted, seed, layout, tmp_path, monkeypatch):
    """Boxes are listed without pdfminer's reading-order grouping (boxes_flow=None); with that grouping
    (pdfminer's default) every page comes out the same, because text is assembled by position."""
    from pdfminer.layout import LAParams

    from orchestration.lib.extract import pdf_text

    assert pdf_text._LAPARAMS.boxes_flow is None
    pdf = render_text_report_to_pdf(seed.read_text(encoding="utf-8"), tmp_path / "again.pdf", layout=layout)
    monkeypatch.setattr(pdf_text, "_LAPARAMS", LAParams(all_texts=True))
    assert extract_pdf_pages(pdf) == extracted[(seed, layout)]
    hand_made = _hand_made_pdf(tmp_path / "hand.pdf")
    grouped = extract_pdf_pages(hand_made)
    monkeypatch.undo()
    assert extract_pdf_pages(hand_made) == grouped


def test_single_page_keeps_edge_lines_except_page_number(tmp_path):
    path = tmp_path / "one.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.drawString(72, A4[1] - 40, HEADER)
    c.drawString(72, 400, "Body.")
    c.drawCentredString(A4[0] / 2, 30, "- 1 -")
    c.showPage()
    c.save()
    assert extract_pdf_pages(path) == [f"{HEADER}\n\nBody."]


def test_text_normalisation():
    assert _clean("e\ufb03cient \ufb01nal \ufb02ow\u00a0and  more   ") == "efficient final flow and more"
    for glyph in ("\uf0b7", "(cid:127)", "(cid:120)", "●", "▪", "◦", "·", "•"):
        assert _normalise_bullet(f"{glyph} ensure that", None) == "• ensure that"
        assert _normalise_bullet(f"{glyph}ensure that", None) == "• ensure that"
    assert _normalise_bullet("o ensure that", None) == "o ensure that"  # no font evidence: a word


def test_truncated_pdf_raises(tmp_path):
    whole = _hand_made_pdf(tmp_path / "whole.pdf").read_bytes()
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(Exception) as info:
        extract_pdf_pages(truncated)
    assert type(info.value).__module__.startswith("pdfminer") or isinstance(info.value, ValueError)


@pytest.mark.parametrize("content", [b"", b"<html><body>Not found</body></html>\n" * 20])
def test_non_pdf_raises(tmp_path, content):
    path = tmp_path / "not.pdf"
    path.write_bytes(content)
    with pytest.raises(Exception) as info:
        extract_pdf_pages(path)
    assert type(info.value).__module__.startswith("pdfminer") or isinstance(info.value, ValueError)
