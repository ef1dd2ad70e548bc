"""The default limits leave genuine reports plenty of room: a real report needs about 45 MB (measured
peak resident size of the extraction child over the whole corpus; 60 MB of address space suffices), so
each is extracted here under a quarter of the default EXTRACT_MEMORY_MB."""

from __future__ import annotations

from pathlib import Path

from orchestration import settings as settings_module
from orchestration.lib.extract.pool import Limits, extract_many
from orchestration.lib.ingest.files import discover
from tests.fixtures.pdf_render import render_text_report_to_pdf
from tests.support import REPO


def extract_all(root: Path, limits: Limits, names: list[str] | None = None):
    files = [
        f
        for f in discover(root, max_file_mb=100)
        if f.media_kind and (names is None or f.source_file in names)
    ]
    return extract_many(root, [(f.source_file, f.sha256, f.media_kind) for f in files], limits)


def test_the_documented_defaults(monkeypatch):
    for name in ("EXTRACT_TIMEOUT_SECONDS", "EXTRACT_MEMORY_MB", "MAX_FILE_MB"):
        monkeypatch.delenv(name, raising=False)
    settings = settings_module.load()
    assert (settings.extract_timeout_seconds, settings.extract_memory_mb, settings.max_file_mb) == (
        120,
        1024,
        100,
    )


def test_rendered_reports_extract_under_a_quarter_of_the_default_memory_cap(tmp_path):
    for seed in sorted((REPO / "raw").glob("*.txt"))[:2]:
        render_text_report_to_pdf(seed.read_text(encoding="utf-8"), tmp_path / f"{seed.stem}.pdf")
    results = extract_all(tmp_path, Limits(120, 1024 // 4))
    assert [r.error for r in results] == [None, None]
    assert all(r.page_count and r.page_count > 1 for r in results)


def test_the_largest_real_reports_extract_under_a_quarter_of_the_default_memory_cap(shared_dir):
    corpus = shared_dir / "corpus" / "pdf"
    largest = sorted(corpus.glob("*.pdf"), key=lambda p: p.stat().st_size)[-3:]
    results = extract_all(corpus, Limits(120, 1024 // 4), [p.name for p in largest])
    assert [r.error for r in results] == [None, None, None]
    assert sum(r.page_count for r in results) > 60


def test_retry_is_off_unless_asked_for(monkeypatch):
    monkeypatch.delenv("RETRY", raising=False)
    assert settings_module.load().retry_failed is False
    for value, expected in (("1", True), ("yes", True), ("0", False), ("", False), ("false", False)):
        monkeypatch.setenv("RETRY", value)
        assert settings_module.load().retry_failed is expected, value
