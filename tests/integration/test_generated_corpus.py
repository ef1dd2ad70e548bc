"""A generated corpus of every family, as text and PDF, through the whole warehouse: the published marts
hold exactly what the generator says each report states (the check `make bench` runs at scale)."""

import pytest

from benchmarks.accuracy import compare
from benchmarks.generate import generate
from tests.support import build_warehouse

pytestmark = pytest.mark.integration


def test_a_generated_corpus_is_published_exactly_as_its_truth(tmp_path):
    raw = tmp_path / "raw"
    truth = generate(12, raw, seed=42, pdf_share=0.5, max_pages=8)
    assert {name.rsplit(".", 1)[1] for name in truth["documents"]} >= {"pdf", "txt"}
    build = build_warehouse(raw, tmp_path)
    assert build.result.success, [e.description for e in build.failed_checks()]
    con = build.published()
    try:
        accuracy = compare(con, truth)
        statuses = con.execute("SELECT status, count(*) FROM audit.file_ledger GROUP BY status").fetchall()
    finally:
        con.close()
    assert accuracy.problems == []
    assert accuracy.fields > 12 * 10
    assert statuses == [("loaded", 12)]
