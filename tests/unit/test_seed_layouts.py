"""The seed reports printed as PDFs in every layout of tests/fixtures/pdf_render.py, read back with the
project's own extractor and parsers, field by field against gold (tests/fixtures/gold_seeds.json).

The layouts differ in page size, fonts, bullets, line width (a narrow column wraps names and titles that
a wide one keeps on one line) and running headers (one of them repeats the report's title at the top of
every page, where page 1 prints the title itself). The seeds must come out exact in each of them, and
as text too. Rendering and extraction run once per (seed, layout) for the whole module.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from orchestration.lib.extract.pdf_text import extract_pdf_pages
from orchestration.lib.parse.authorities import resolver_for
from orchestration.lib.parse.parsers import parse_document
from orchestration.settings import REFERENCE_AUTHORITIES_CSV
from tests.fixtures.pdf_render import render_text_report_to_pdf
from tests.support import REPO, load_gold, norm

SEEDS = sorted((REPO / "raw").glob("*.txt"))
LAYOUTS = ("text", "a", "b", "c", "d")
CASES = [(seed, layout) for seed in SEEDS for layout in LAYOUTS]
CASE_IDS = [f"{seed.name[:3]}-{layout}" for seed, layout in CASES]


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> dict[tuple[Path, str], list]:
    out_dir = tmp_path_factory.mktemp("layouts")
    result = {}
    for seed, layout in CASES:
        text = seed.read_text(encoding="utf-8")
        if layout == "text":
            result[(seed, layout)] = parse_document([text], paged=False)
            continue
        pdf = render_text_report_to_pdf(text, out_dir / f"{seed.stem}_{layout}.pdf", layout=layout)
        result[(seed, layout)] = parse_document(extract_pdf_pages(pdf), paged=True)
    return result


@pytest.fixture(scope="module")
def resolver():
    return resolver_for(REFERENCE_AUTHORITIES_CSV)


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def differences(report, want: dict, resolver) -> list[str]:
    """Every field gold states that the parsed report gets wrong, as readable lines."""
    problems: list[str] = []

    def check(name: str, got, expected) -> None:
        same = (
            norm(got) == norm(expected)
            if isinstance(expected, str) or isinstance(got, str)
            else got == expected
        )
        if not same:
            problems.append(f"{name} is {got!r}, gold says {expected!r}")

    check("report_type", report.report_type, want["report_type"])
    check("local_authority_as_written", report.local_authority_as_written, want["local_authority_as_written"])
    check("gss_code", resolver.resolve(report.local_authority_as_written), want["gss_code"])
    starts = [start for start, _ in report.windows]
    ends = [end for _, end in report.windows]
    lead = "; ".join(report.lead_inspectors) or None
    if want["report_type"] in ("monitoring_visit", "focused_visit"):
        visit = report.visit
        check("letter_date", _iso(visit.letter_date), want["letter_date"])
        check("visit_start_date", _iso(min(starts, default=None)), want["visit_start_date"])
        check("visit_end_date", _iso(max(ends, default=None)), want["visit_end_date"])
        check("visit_number", visit.visit_number, want["visit_number"])
        check("lead_inspector", lead, want["lead_inspector"])
        check("inspectors", "; ".join(report.inspectors), "; ".join(want["inspectors"]))
        check("addressee", visit.addressee, want["addressee"])
        check("addressee_role", visit.addressee_role, want["addressee_role"])
        check("previous_inspection_year", visit.previous_inspection_year, want["previous_inspection_year"])
        check("progress_summary", visit.progress_summary, want["progress_summary"])
        areas = [text for text, _ in visit.focus_areas]
        check("areas_covered", [norm(a) for a in areas], [norm(a) for a in want["areas_covered"]])
    else:
        check("inspection_start_date", _iso(min(starts, default=None)), want["inspection_start_date"])
        check("inspection_end_date", _iso(max(ends, default=None)), want["inspection_end_date"])
        check("lead_inspector", lead, want["lead_inspector"])
        grades = report.grades()
        check("judgement areas", sorted(grades), sorted(want["judgements"]))
        for area, grade in want["judgements"].items():
            check(f"judgement {area}", grades.get(area), grade)
    if "recommendations" in want:
        got = report.recommendations
        check("recommendation count", len(got), len(want["recommendations"]))
        for number, (recommendation, expected) in enumerate(zip(got, want["recommendations"]), start=1):
            check(f"recommendation {number} timescale", recommendation.timescale, expected["timescale"])
            check(f"recommendation {number} text", recommendation.text, expected["text"])
    return problems


@pytest.mark.parametrize(("seed", "layout"), CASES, ids=CASE_IDS)
def test_seed_is_exact_in_every_layout(parsed, resolver, seed, layout):
    reports = parsed[(seed, layout)]
    assert len(reports) == 1
    assert differences(reports[0], load_gold()[seed.name], resolver) == []


def test_title_page_keeps_a_title_that_the_running_header_repeats(tmp_path):
    """Layout "c" prints the title at the top of page 1 where later pages carry it as their running
    header: the extractor drops the header and keeps the title."""
    seed = next(s for s in SEEDS if s.name.startswith("002"))
    pdf = render_text_report_to_pdf(seed.read_text(encoding="utf-8"), tmp_path / "title.pdf", layout="c")
    pages = extract_pdf_pages(pdf)
    title = "Inspection of local authority arrangements for the protection of children"
    assert pages[0].splitlines()[0] == title
    assert all(title not in page for page in pages[1:])
