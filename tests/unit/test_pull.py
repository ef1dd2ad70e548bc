"""The polite client and the download of one file (lib/ingest/http.py), and `make pull`'s entry point, against
the loopback stand-in for Ofsted's site."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import socket
import threading
import time
import tracemalloc
from dataclasses import replace

import pytest

from orchestration import pull as pull_command
from orchestration.lib.ingest.catalogue import pull_lock
from orchestration.lib.ingest.download import download_pdf
from orchestration.lib.ingest.http import (
    FetchError,
    PoliteClient,
    PullOptions,
    Throttle,
    retry_after,
    user_agent,
)
from orchestration.settings import Settings
from tests.fixtures.ofsted_site import Provider, Publication, bomb, serving

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
    assert (
        "dead (the report is not there; asked again after four weeks): 1\n"
        "    1 HTML page ('Report not found')"
    ) in out
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


# --- faults of the site (issue: nothing hung) ------------------------------------------------------------

# a deadline far shorter than a trickled answer, and far longer than any honest answer on loopback
FAST = PullOptions(delay_seconds=0.05, timeout_seconds=2.0, attempts=3, backoff_seconds=0.05)


def test_a_page_trickled_one_byte_at_a_time_is_abandoned_at_the_deadline():
    layout = [Provider("80426", "Barnsley", trickle=True)]
    with serving(layout) as site:
        with PoliteClient(FAST) as client:
            with pytest.raises(FetchError) as raised:
                with client.get(site.url + "/provider/44/80426") as response:
                    client.read_page(response)
        asked = [r for r in site.requests if r.path == "/provider/44/80426"]
    assert raised.value.outcome == "abandoned"
    assert "PULL_TIMEOUT_SECONDS" in raised.value.reason and "abandoned" in raised.value.reason
    assert len(asked) == 1  # a server that trickles is not asked again in the same pull


def test_a_server_trickling_its_headers_is_cut_off_at_the_deadline():
    """Each byte arrives well within the read timeout, so only a deadline on the whole request ends it."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        hung_up = threading.Event()

        def trickle() -> None:
            connection, _ = server.accept()
            with connection:
                connection.recv(4096)
                try:
                    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 2000:
                        connection.send(bytes([byte]))
                        time.sleep(0.05)
                except OSError:
                    hung_up.set()

        thread = threading.Thread(target=trickle, daemon=True)
        thread.start()
        options = replace(FAST, allowed_hosts=frozenset({f"127.0.0.1:{port}"}))
        with PoliteClient(options) as client:
            with pytest.raises(FetchError) as raised:
                with client.get(f"http://127.0.0.1:{port}/search"):
                    pass
        thread.join(timeout=10)
    assert raised.value.outcome == "abandoned" and "0 bytes received" in raised.value.reason
    assert hung_up.is_set()  # the client hung up long before the 2,000 bytes were sent


def test_a_file_trickled_one_byte_at_a_time_is_abandoned_and_its_bytes_kept(tmp_path):
    part = tmp_path / "1.part"
    layout = one_authority(Publication("1", "Children's services inspection, pdf - 1 May 2020", "trickle"))
    with serving(layout) as site:
        with PoliteClient(FAST) as client:
            outcome = download_pdf(client, site.file_url("1"), part)
        asked = site.file_requests("1")
    assert outcome.status == "failed" and "PULL_TIMEOUT_SECONDS" in outcome.cause
    assert "abandoned" in outcome.reason and "resumes" in outcome.reason
    assert len(asked) == 1
    assert part.read_bytes().startswith(b"%PDF")  # what arrived is kept for the next pull to resume


def test_a_gzip_bomb_page_is_refused_without_inflating_it():
    options = PullOptions(delay_seconds=0, timeout_seconds=30, page_max_bytes=1024 * 1024)
    with serving(one_authority()) as site:
        site.bomb_listing_page = 1
        bomb()  # made before memory is measured
        tracemalloc.start()
        try:
            with PoliteClient(options) as client:
                with pytest.raises(FetchError) as raised:
                    with client.get(site.url + "/search?q=&start=0&rows=100") as response:
                        client.read_page(response)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert raised.value.outcome == "refused" and "larger than 1 MB once decompressed" in raised.value.reason
    assert peak < 16 * 1024 * 1024  # the page inflates to 64 MB; no more than a few chunks are held


def test_a_pdf_labelled_as_html_is_taken_for_the_pdf_it_is(tmp_path):
    part = tmp_path / "1.part"
    publication = Publication("1", "Children's services inspection, pdf - 1 May 2020", "html_pdf")
    with serving(one_authority(publication)) as site:
        with PoliteClient(OPTIONS) as client:
            outcome = download_pdf(client, site.file_url("1"), part)
    assert outcome.status == "complete" and part.read_bytes() == publication.body


def test_a_temporarily_unavailable_page_with_status_200_is_a_failure_to_retry_not_a_dead_link(tmp_path):
    part = tmp_path / "1.part"
    publication = Publication("1", "Children's services inspection, pdf - 1 May 2020", "unavailable")
    with serving(one_authority(publication)) as site:
        with PoliteClient(OPTIONS) as client:
            first = download_pdf(client, site.file_url("1"), part)
            second = download_pdf(client, site.file_url("1"), part)
    assert first.status == "failed" and "temporarily unavailable" in first.reason
    assert "next pull tries again" in first.reason
    assert second.status == "complete"


def test_a_redirect_on_the_site_is_followed_after_the_delay_and_its_final_address_kept(tmp_path):
    part = tmp_path / "1.part"
    publication = Publication("1", "Children's services inspection, pdf - 1 May 2020", "redirect")
    with serving(one_authority(publication)) as site:
        options = PullOptions(delay_seconds=0.1, allowed_hosts=frozenset({site.url.split("//")[1]}))
        with PoliteClient(options) as client:
            outcome = download_pdf(client, site.file_url("1"), part)
        hops = [r for r in site.requests if r.path.startswith("/v1/file/1")]
    assert outcome.status == "complete" and outcome.final_url == site.file_url("1") + "/moved"
    assert [r.status for r in hops] == [302, 200]
    assert hops[1].at - hops[0].at >= 0.1 - 0.002  # the redirect waited its turn like any request


def test_a_redirect_off_the_site_is_refused_and_not_followed(tmp_path):
    part = tmp_path / "1.part"
    publication = Publication("1", "Children's services inspection, pdf - 1 May 2020", "offsite")
    with serving(one_authority(publication)) as site:
        options = PullOptions(delay_seconds=0, allowed_hosts=frozenset({site.url.split("//")[1]}))
        with PoliteClient(options) as client:
            outcome = download_pdf(client, site.file_url("1"), part)
        paths = [r.path for r in site.requests]
    assert outcome.status == "refused" and "outside Ofsted's site" in outcome.reason
    assert outcome.cause == "redirected off Ofsted's site"
    assert paths == ["/v1/file/1"]
    assert not part.exists()


def test_a_redirect_loop_is_bounded_and_keeps_the_delay(tmp_path):
    part = tmp_path / "1.part"
    publication = Publication("1", "Children's services inspection, pdf - 1 May 2020", "loop")
    with serving(one_authority(publication)) as site:
        options = PullOptions(
            delay_seconds=0.05, max_redirects=5, allowed_hosts=frozenset({site.url.split("//")[1]})
        )
        with PoliteClient(options) as client:
            outcome = download_pdf(client, site.file_url("1"), part)
        arrivals = [r.at for r in site.requests]
    assert outcome.status == "refused" and outcome.cause == "redirect loop"
    assert len(arrivals) <= options.max_redirects + 1
    assert min(b - a for a, b in zip(arrivals, arrivals[1:])) >= 0.05 - 0.002


def test_only_hosts_of_ofsteds_site_are_allowed():
    with PoliteClient(PullOptions()) as client:
        assert client.allowed("https://files.ofsted.gov.uk/v1/file/50212345")
        assert client.allowed("https://reports.ofsted.gov.uk/provider/44/80426")
        assert client.allowed("https://assets.ofsted.gov.uk/report.pdf")
        assert not client.allowed("https://example.org/report.pdf")
        assert not client.allowed("https://ofsted.gov.uk.example.org/report.pdf")
        assert not client.allowed("https://example.org/files.ofsted.gov.uk/report.pdf")
        assert not client.allowed("ftp://files.ofsted.gov.uk/x")


# --- one pull at a time, and write failures ---------------------------------------------------------------


def _pull_env(monkeypatch, raw, site_url, reference):
    monkeypatch.setenv("RAW_DIR", str(raw))
    monkeypatch.setenv("PULL_DELAY_SECONDS", "0.01")
    monkeypatch.setenv("OFSTED_REPORTS_URL", site_url)
    reference.write_text(
        "gss_code,local_authority_name,status,ofsted_urn\nE08000016,Barnsley,current,80426\n"
    )
    return ["--reference", str(reference)]


def test_a_second_pull_on_the_same_raw_dir_says_one_is_running_and_touches_nothing(
    tmp_path, monkeypatch, capsys
):
    raw = tmp_path / "raw"
    layout = one_authority(Publication("1", "Children's services inspection, pdf - 27 October 2023"))
    with serving(layout) as site:
        argv = _pull_env(monkeypatch, raw, site.url, tmp_path / "authorities.csv")
        with pull_lock(raw):  # the first pull, still running
            assert pull_command.main(argv) == 1
        assert site.requests == []
        assert pull_command.main(argv) == 0  # once it has finished, the next pull goes ahead
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "another pull is already working on" in err[0] and "pid " in err[0]
    assert "Traceback" not in err[0]


def test_a_raw_dir_that_cannot_be_written_ends_the_pull_with_one_line(tmp_path, monkeypatch, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / ".pull").write_text("a file where the pull keeps its folder")
    with serving(one_authority()) as site:
        argv = _pull_env(monkeypatch, raw, site.url, tmp_path / "authorities.csv")
        assert pull_command.main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("pull: cannot write ") and "RAW_DIR" in err[0]


def test_a_write_failure_part_way_stops_the_pull_with_one_line(tmp_path, monkeypatch, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "ofsted").write_text("a file where the reports' folder should be")
    layout = one_authority(Publication("1", "Children's services inspection, pdf - 27 October 2023"))
    with serving(layout) as site:
        argv = _pull_env(monkeypatch, raw, site.url, tmp_path / "authorities.csv")
        assert pull_command.main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write" in err[0] and "a file stands where a folder should be" in err[0]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; run as a user")
def test_a_read_only_raw_dir_ends_the_pull_with_one_line(tmp_path, monkeypatch, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    raw.chmod(0o555)
    try:
        with serving(one_authority()) as site:
            argv = _pull_env(monkeypatch, raw, site.url, tmp_path / "authorities.csv")
            assert pull_command.main(argv) == 1
    finally:
        raw.chmod(0o755)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write" in err[0] and "may not write" in err[0]
