"""The benchmark's corpus generator: seeded, every family, and what it writes reads back as its truth."""

from collections import Counter

import pytest

from benchmarks.generate import FAMILIES, corpus_digest, generate
from orchestration.lib.extract.pdf_text import extract_pdf_pages
from orchestration.lib.parse.parsers import parse_document


def test_the_same_seed_gives_the_same_bytes_and_truth_and_another_seed_does_not(tmp_path):
    first = generate(9, tmp_path / "a" / "raw", seed=5, pdf_share=0.4, max_pages=3)
    again = generate(9, tmp_path / "b" / "raw", seed=5, pdf_share=0.4, max_pages=3)
    other = generate(9, tmp_path / "c" / "raw", seed=6, pdf_share=0.4, max_pages=3)
    assert corpus_digest(tmp_path / "a" / "raw") == corpus_digest(tmp_path / "b" / "raw")
    assert (tmp_path / "a" / "raw.truth.json").read_bytes() == (
        tmp_path / "b" / "raw.truth.json"
    ).read_bytes()
    assert first == again
    assert corpus_digest(tmp_path / "a" / "raw") != corpus_digest(tmp_path / "c" / "raw")
    assert other["documents"] != first["documents"]


def test_every_family_is_generated_in_text_and_pdf(tmp_path):
    truth = generate(40, tmp_path / "raw", seed=3, pdf_share=0.5, max_pages=2)
    documents = truth["documents"]
    assert {d["report_type"] for d in documents.values()} == {family for family, _ in FAMILIES}
    kinds = Counter(name.rsplit(".", 1)[1] for name in documents)
    assert kinds["pdf"] and kinds["txt"] and kinds["md"]
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == sorted(documents)


def _parsed(path, paged):
    pages = extract_pdf_pages(path) if paged else [path.read_text(encoding="utf-8")]
    return parse_document(pages, paged=paged)[0]


@pytest.mark.parametrize("pdf_share", [0.0, 1.0])
def test_each_family_reads_back_as_its_truth(tmp_path, pdf_share):
    truth = generate(len(FAMILIES), tmp_path / "raw", seed=11, pdf_share=pdf_share, max_pages=8)
    for name, want in truth["documents"].items():
        report = _parsed(tmp_path / "raw" / name, paged=name.endswith(".pdf"))
        assert report.report_type == want["report_type"], name
        assert report.local_authority_as_written == want["local_authority_as_written"], name
        assert "; ".join(report.lead_inspectors) == want["lead_inspector"], name
        assert [(r.text, r.timescale, r.addressed_to, r.is_priority) for r in report.recommendations] == [
            (r["text"], r["timescale"], r["addressed_to"], r["is_priority"]) for r in want["recommendations"]
        ], name
        if report.visit is None:
            grades = {s.area for s in report.statements}
            assert grades == set(want["judgements"]), name
        else:
            assert report.visit.letter_date.isoformat() == want["letter_date"], name
            assert [text for text, _ in report.visit.focus_areas] == want["areas_covered"], name


def test_pdf_reports_have_realistic_page_counts(tmp_path):
    truth = generate(7, tmp_path / "raw", seed=2, pdf_share=1.0)
    pages = {
        d["report_type"]: len(extract_pdf_pages(tmp_path / "raw" / name))
        for name, d in truth["documents"].items()
    }
    assert all(4 <= count <= 45 for count in pages.values()), pages
    assert pages["sif_inspection"] >= 20
