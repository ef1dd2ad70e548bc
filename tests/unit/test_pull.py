"""The pull step against a local server that misbehaves in every way a report download can: each good
PDF lands in RAW_DIR once, each failure is recorded with its reason, and none stops the others."""

from __future__ import annotations

import csv
import hashlib
import json

import pytest

from orchestration.lib import files
from orchestration.lib.pull import ManifestEntry, PullOptions, load_state, pull, read_manifest, target_name
from tests.fixtures.report_server import serving
from tests.support import REPO, SHARED

OPTIONS = PullOptions(timeout_seconds=0.5, attempts=3, backoff_seconds=0.01, max_backoff_seconds=0.05,
                      max_bytes=1024 * 1024, deadline_seconds=30)
NAMES = ["good.pdf", "flaky.pdf", "missing.pdf", "slow.pdf", "login.pdf", "disguised.pdf", "big.pdf",
         "resumable.pdf"]


@pytest.fixture(scope="module")
def real_pdf(tmp_path_factory) -> bytes:
    corpus = SHARED / "corpus" / "pdf"
    if corpus.is_dir():
        return min(corpus.glob("*.pdf"), key=lambda p: p.stat().st_size).read_bytes()
    from tests.fixtures.pdf_render import render_text_report_to_pdf

    target = tmp_path_factory.mktemp("pdf") / "seed.pdf"
    render_text_report_to_pdf((REPO / "raw" / "003_115b63e9a6254de7.txt").read_text(encoding="utf-8"), target)
    return target.read_bytes()


@pytest.fixture
def server(real_pdf):
    big = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)
    with serving(real_pdf, big) as running:
        yield running


def write_manifest(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["url", "local_authority", "publication_date"])
        writer.writerows(rows)
    return path


def by_name(summary):
    return {outcome.url.rsplit("/", 1)[-1]: outcome for outcome in summary.outcomes}


def test_pull_keeps_good_pdfs_and_records_every_failure(server, real_pdf, tmp_path):
    raw = tmp_path / "raw"
    manifest = write_manifest(tmp_path / "m.csv", [[server.url(name), "", ""] for name in NAMES])
    waits: list[float] = []
    outcomes = by_name(pull(manifest, raw, OPTIONS, sleep=waits.append))

    for name in ("good.pdf", "flaky.pdf", "resumable.pdf"):
        assert outcomes[name].status == "downloaded", outcomes[name]
        assert (raw / name).read_bytes() == real_pdf
        assert outcomes[name].source_sha256 == hashlib.sha256(real_pdf).hexdigest()
    assert outcomes["flaky.pdf"].attempts == 2 and server.hits["flaky.pdf"] == 2
    # the cut-off download resumed from where it stopped instead of starting again
    assert server.ranges["resumable.pdf"] == [None, f"bytes={len(real_pdf) // 2}-"]

    failed = {name: outcome for name, outcome in outcomes.items() if outcome.status == "failed"}
    assert set(failed) == {"missing.pdf", "slow.pdf", "login.pdf", "disguised.pdf", "big.pdf"}
    assert failed["missing.pdf"].http_status == 404 and server.hits["missing.pdf"] == 1  # a 404 is final
    assert "did not answer in time" in failed["slow.pdf"].reason and failed["slow.pdf"].attempts == 3
    assert "text/html" in failed["login.pdf"].reason
    assert "HTML page" in failed["disguised.pdf"].reason
    assert "limit" in failed["big.pdf"].reason
    # backoff doubles between attempts: one wait each for the flaky and the cut-off file, two for the slow one
    assert sorted(waits) == [0.01, 0.01, 0.01, 0.02]

    # only complete, checked PDFs are visible to the warehouse; partial files and the record are hidden
    assert sorted(f.source_file for f in files.discover(raw, max_file_mb=5)) == [
        "flaky.pdf", "good.pdf", "resumable.pdf"
    ]
    state = load_state(raw)
    assert state[server.url("login.pdf")]["status"] == "failed"
    assert json.loads((raw / ".pull" / "downloads.json").read_text())[server.url("good.pdf")]["status"] == "downloaded"


def test_a_second_pull_requests_only_what_it_does_not_have(server, real_pdf, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "resumable.pdf").write_bytes(real_pdf)  # already there, put by hand
    manifest = write_manifest(
        tmp_path / "m.csv", [[server.url(name), "", ""] for name in ("good.pdf", "missing.pdf", "resumable.pdf")]
    )
    pull(manifest, raw, OPTIONS, sleep=lambda s: None)
    second = by_name(pull(manifest, raw, OPTIONS, sleep=lambda s: None))
    assert server.hits["good.pdf"] == 1
    assert server.hits["resumable.pdf"] == 0
    assert second["good.pdf"].status == second["resumable.pdf"].status == "present"
    assert server.hits["missing.pdf"] == 2  # a failure is tried again on the next pull
    assert second["missing.pdf"].status == "failed"


def test_a_partial_download_left_by_an_earlier_pull_is_resumed(server, real_pdf, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / ".good.pdf.part").write_bytes(real_pdf[:1000])
    manifest = write_manifest(tmp_path / "m.csv", [[server.url("good.pdf"), "", ""]])
    # the test server ignores Range for this file: the client must notice and start again
    outcome = by_name(pull(manifest, raw, OPTIONS, sleep=lambda s: None))["good.pdf"]
    assert outcome.status == "downloaded"
    assert server.ranges["good.pdf"] == ["bytes=1000-"]
    assert (raw / "good.pdf").read_bytes() == real_pdf
    assert not (raw / ".good.pdf.part").exists()


def test_manifest_rows_name_their_files_and_bad_rows_are_recorded(tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "URL,Local Authority,Publication Date\n"
        "https://files.ofsted.gov.uk/v1/file/50212345,Surrey,2023-05-02\n"
        "https://example.org/reports/Leeds%20ILACS%202019.pdf,,\n"
        "ftp://example.org/report.pdf,,\n"
        "https://example.org/x.pdf,Kent,02/05/2023\n"
        ",,\n",
        encoding="utf-8",
    )
    entries, problems = read_manifest(manifest)
    assert [target_name(e) for e in entries] == ["2023-05-02_surrey_50212345.pdf", "Leeds-ILACS-2019.pdf"]
    reasons = {p.url: p.reason for p in problems}
    assert "not an http(s) URL" in reasons["ftp://example.org/report.pdf"]
    assert "YYYY-MM-DD" in reasons["https://example.org/x.pdf"]
    assert target_name(ManifestEntry("https://example.org/")).endswith(".pdf")

    (tmp_path / "bad.csv").write_text("link\nhttps://example.org/a.pdf\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'url' column"):
        read_manifest(tmp_path / "bad.csv")


def test_the_downloads_asset_pulls_only_when_a_manifest_is_given(server, tmp_path):
    import dagster as dg
    import duckdb

    from orchestration.defs.ingest.assets import downloads
    from tests.support import environment

    raw, db = tmp_path / "raw", tmp_path / "w.duckdb"
    raw.mkdir()
    manifest = write_manifest(
        tmp_path / "m.csv",
        [[server.url("good.pdf"), "Surrey", "2023-05-02"], [server.url("missing.pdf"), "Kent", ""]],
    )
    with environment(RAW_DIR=str(raw), DUCKDB_PATH=str(db), PULL_MANIFEST=""):
        idle = dg.materialize([downloads])
    with environment(RAW_DIR=str(raw), DUCKDB_PATH=str(db), PULL_MANIFEST=str(manifest)):
        pulled = dg.materialize([downloads])

    def metadata(result):
        return result.get_asset_materialization_events()[0].materialization.metadata

    assert "not set" in metadata(idle)["pulled"].value
    assert metadata(pulled)["downloaded"].value == 1 and metadata(pulled)["failed"].value == 1
    assert server.url("missing.pdf") in metadata(pulled)["failures"].value
    assert (raw / "2023-05-02_surrey_good.pdf").is_file()
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT source_file, status, http_status, publication_date::VARCHAR FROM raw.downloads ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    assert rows == [("2023-05-02_surrey_good.pdf", "downloaded", 200, "2023-05-02"), ("kent_missing.pdf", "failed", 404, None)]
