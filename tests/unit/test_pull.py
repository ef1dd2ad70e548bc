"""The polite client and the download of one file (lib/ingest/http.py), and `make pull`'s entry point, against
the loopback stand-in for Ofsted's site."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import socket

import pytest

from orchestration import pull as pull_command
from orchestration.lib.ingest.http import (
    FetchError,
    PoliteClient,
    PullOptions,
    Throttle,
    download_pdf,
    retry_after,
    user_agent,
)
from orchestration.settings import Settings
from tests.fixtures.ofsted_site import Provider, Publication, serving

OPTIONS = PullOptions(delay_seconds=0.05, timeout_seconds=5, attempts=3, backoff_seconds=0.05)


def one_authority(*publications: Publication) -> list[Provider]:
    return [Provider("80426", "Barnsley", publications=list(publications))]


def test_the_user_agent_names_the_warehouse_its_version_and_the_contact():
    version = importlib.metadata.version("ofsted-warehouse")
    assert user_agent().startswith(f"ofsted-warehouse/{version} (+ofsted-warehouse")
    assert "contact" not in user_agent()
    assert user_agent("data@example.org").endswith("; contact: data@example.org)")
    assert user_agent("ménage\n").isascii()  # a header must stay printable ASCII


def test_retry_after_reads_seconds_and_dates():
    now = dt.datetime(2025, 1, 6, 9, 0, 0, tzinfo=dt.UTC)
    assert retry_after("120") == 120.0
    assert retry_after("Mon, 06 Jan 2025 09:00:30 GMT", now) == 30.0
    assert retry_after("Mon, 06 Jan 2025 08:00:00 GMT", now) == 0.0
    assert retry_after("soon") is None and retry_after(None) is None


def test_the_throttle_waits_out_the_rest_of_the_gap():
    now = [100.0]
    waits: list[float] = []
    throttle = Throttle(1.0, clock=lambda: now[0], sleep=waits.append)
    throttle.wait()  # nothing before: no wait
    throttle.done()
    now[0] += 0.25
    throttle.wait()
    assert waits == [0.75]


def test_requests_keep_the_configured_gap_measured_by_the_server():
    with serving(one_authority()) as site:
        with PoliteClient(PullOptions(delay_seconds=0.1)) as client:
            for _ in range(4):
                with client.get(site.url + "/provider/44/80426") as response:
                    assert response.status_code == 200
        arrivals = [r.at for r in site.requests]
    assert len(arrivals) == 4
    assert min(b - a for a, b in zip(arrivals, arrivals[1:])) >= 0.1 - 0.002


def test_a_retry_after_longer_than_we_wait_gives_up_without_waiting(tmp_path):
    waits: list[float] = []
    options = PullOptions(delay_seconds=0, attempts=3, max_wait_seconds=0.5)
    with serving(
        one_authority(Publication("1", "Children's services inspection, pdf - 1 May 2020", "busy"))
    ) as site:
        with PoliteClient(options, sleep=waits.append) as client:
            with pytest.raises(FetchError, match="asked to wait 1 s"):
                with client.get(site.file_url("1")):
                    pass
    assert waits == []


def test_a_dead_link_leaves_nothing_behind(tmp_path):
    part = tmp_path / ".pull" / "parts" / "1.part"
    with serving(
        one_authority(Publication("1", "Children's services inspection, pdf - 1 May 2020", "dead"))
    ) as site:
        with PoliteClient(OPTIONS) as client:
            outcome = download_pdf(client, site.file_url("1"), part)
    assert outcome.status == "dead" and "Report not found" in outcome.reason
    assert not part.exists()


def test_a_file_over_the_size_limit_is_refused(tmp_path):
    part = tmp_path / "1.part"
    with serving(one_authority(Publication("1", "Children's services inspection, pdf - 1 May 2020"))) as site:
        with PoliteClient(PullOptions(delay_seconds=0, max_bytes=100)) as client:
            outcome = download_pdf(client, site.file_url("1"), part)
    assert outcome.status == "refused" and "MAX_FILE_MB" in outcome.reason
    assert not part.exists()


def test_make_pull_runs_the_crawl_and_summarises(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("PULL_DELAY_SECONDS", "0.01")
    reference = tmp_path / "authorities.csv"
    reference.write_text(
        "gss_code,local_authority_name,status,ofsted_urn\nE08000016,Barnsley,current,80426\n"
    )
    layout = one_authority(
        Publication("1", "Children's services inspection, pdf - 27 October 2023"),
        Publication("2", "Children's services focused visit, pdf - 01 March 2023", "dead"),
    )
    with serving(layout) as site:
        monkeypatch.setenv("OFSTED_REPORTS_URL", site.url)
        assert pull_command.main(["--reference", str(reference)]) == 0
    out = capsys.readouterr().out
    assert "1 downloaded" in out and "1 dead" in out
    assert "  downloaded: 1 new; 0 already in RAW_DIR" in out
    assert "dead (the report is not there; asked again after four weeks): 1\n    1 HTML page ('Report not found')" in out
    assert (
        tmp_path
        / "raw"
        / "ofsted"
        / "80426_barnsley"
        / "children's services inspection - 27 october 2023.pdf"
    ).is_file()


def test_make_pull_fails_only_when_the_site_cannot_be_reached(tmp_path, monkeypatch, capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("PULL_DELAY_SECONDS", "0")
    monkeypatch.setenv("OFSTED_REPORTS_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setattr(
        Settings, "pull_options", lambda self: PullOptions(delay_seconds=0, backoff_seconds=0.01)
    )
    assert pull_command.main(["--reference", str(tmp_path / "none.csv")]) == 1
    assert "could not be fetched" in capsys.readouterr().err
