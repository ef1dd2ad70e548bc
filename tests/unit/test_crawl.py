"""The crawl of Ofsted's reports site, against a loopback server laid out like it: authorities over two
listing pages, an abolished authority reached only through the reference list, a provider page that
answers 404, a dead link, a 503 with Retry-After, a download cut half-way, reports of kinds the warehouse
does not read, and a second crawl over an unchanged site."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from pathlib import Path

import pytest

from orchestration.lib.core import warehouse
from orchestration.lib.ingest.catalogue import authority_warning, pull_lock, write_catalogue
from orchestration.lib.ingest.crawl import (
    PullBusy,
    PullWriteError,
    SiteUnreachable,
    catalogue_rows,
    classify,
    crawl,
    file_id_of,
    parse_listing,
    parse_provider,
)
from orchestration.lib.ingest.http import PullOptions
from tests.fixtures.ofsted_site import RETRY_AFTER_SECONDS, Provider, Publication, serving

DELAY = 0.05
OPTIONS = PullOptions(
    delay_seconds=DELAY, timeout_seconds=5, attempts=3, backoff_seconds=0.05, contact="data@example.org"
)

REFERENCE = """gss_code,local_authority_name,ofsted_region,status,ofsted_urn
E08000016,Barnsley,"North East, Yorkshire and the Humber",current,80426
E06000022,Bath and North East Somerset,South West,current,80427
E06000058,"Bournemouth, Christchurch and Poole",South West,current,2532287
E10000021,Northamptonshire,East Midlands,abolished,80500
E10000099,Gone Shire,East Midlands,abolished,99999
E09000001,City of London,London,current,
"""

BARNSLEY = "ofsted/80426_barnsley"
BATH = "ofsted/80427_bath and north east somerset"
BCP = "ofsted/2532287_bournemouth, christchurch & poole"
# file id -> where it lands under RAW_DIR
EXPECTED_FILES = {
    "101": f"{BARNSLEY}/children's services inspection - 27 october 2023.pdf",
    "102": f"{BARNSLEY}/children's services focused visit - 01 march 2023.pdf",
    "103": f"{BARNSLEY}/area send full inspection - 05 may 2022.pdf",
    "105": f"{BATH}/children's services inspection - 10 january 2020.pdf",
    "106": f"{BATH}/local safeguarding children board review - 03 june 2016.pdf",
    "107": f"{BCP}/joint targeted area inspection - 12 july 2022.pdf",
    "108": f"{BCP}/children's services focused visit - 18 december 2019.pdf",
    "109": "ofsted/80500_northamptonshire/children's services inspection - 15 march 2019.pdf",
    "110": "ofsted/80600_newtown/children's services monitoring visit - 04 april 2024.pdf",
}


def site_layout() -> list[Provider]:
    return [
        Provider(
            "80426",
            "Barnsley",
            publications=[
                Publication("101", "Children's services inspection, pdf - 27 October 2023"),
                Publication("102", "Children's services focused visit,  pdf - 01 March 2023"),
                Publication("103", "Area SEND full inspection, pdf - 05 May 2022"),
                Publication("104", "Children's services monitoring visit, pdf - 02 February 2021", "dead"),
                Publication("111", "Annual performance assessment, pdf - 01 December 2008"),
            ],
        ),
        Provider(
            "80427",
            "Bath and North East Somerset",
            publications=[
                Publication("105", "Children's services inspection, pdf - 10 January 2020", "busy"),
                Publication("106", "Local Safeguarding Children Board review, pdf - 03 June 2016", "cut"),
            ],
        ),
        Provider(
            "2532287",
            "Bournemouth, Christchurch & Poole",
            publications=[
                Publication("107", "Joint targeted area inspection, pdf - 12 July 2022"),
                Publication("108", "Children's services focused visit, pdf - 18 December 2019"),
            ],
        ),
        Provider(
            "80600",
            "Newtown",
            publications=[
                Publication("110", "Children's services monitoring visit, pdf - 04 April 2024"),
            ],
        ),
        Provider(
            "80500",
            "Northamptonshire",
            listed=False,
            publications=[
                Publication("109", "Children's services inspection, pdf - 15 March 2019"),
            ],
        ),
    ]


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    path = tmp_path / "authorities.csv"
    path.write_text(REFERENCE, encoding="utf-8")
    return path


def files_under(raw: Path) -> dict[str, bytes]:
    """Every file the scan would read: RAW_DIR without the pull's own bookkeeping."""
    return {
        p.relative_to(raw).as_posix(): p.read_bytes()
        for p in raw.rglob("*")
        if p.is_file() and not p.relative_to(raw).parts[0].startswith(".")
    }


def by_file_id(raw: Path) -> dict[str, dict]:
    return {row["file_id"]: row for row in catalogue_rows(raw) if row.get("file_id")}


def page_requests(site) -> list:
    return [r for r in site.requests if not r.path.startswith("/v1/file/")]


def test_first_crawl_downloads_every_report_once_and_records_the_rest(tmp_path, reference):
    raw = tmp_path / "raw"
    with serving(site_layout()) as site:
        summary = crawl(raw, site.url, reference, OPTIONS)
        requests = list(site.requests)
        bodies = {fid: site.publication(fid).body for fid in EXPECTED_FILES}

    # every report arrived, whole, at Ofsted's name, and nothing else is in RAW_DIR
    assert files_under(raw) == {EXPECTED_FILES[fid]: body for fid, body in bodies.items()}
    assert summary.counts["downloaded"] == len(EXPECTED_FILES)
    assert summary.warnings == []
    for file_id in EXPECTED_FILES:
        assert file_id in {r.path.rsplit("/", 1)[-1] for r in requests}
    fetched = [r.path.rsplit("/", 1)[-1] for r in requests if r.path.startswith("/v1/file/")]
    assert sorted(fetched) == sorted(
        ["101", "102", "103", "104", "105", "105", "106", "106", "107", "108", "109", "110"]
    )

    # the 503 was retried only after the Retry-After it carried
    busy = [r for r in requests if r.path == "/v1/file/105"]
    assert [r.status for r in busy] == [503, 200]
    assert busy[1].at - busy[0].at >= RETRY_AFTER_SECONDS

    # the cut download was resumed from where it stopped, not fetched whole again
    cut = [r for r in requests if r.path == "/v1/file/106"]
    assert cut[0].headers.get("Range") is None
    assert cut[1].headers.get("Range", "").startswith("bytes=") and cut[1].status == 206
    assert not any((raw / ".pull" / "parts").glob("*"))

    # one request at a time, the configured gap apart, with an honest User-Agent
    arrivals = [r.at for r in requests]
    assert min(b - a for a, b in zip(arrivals, arrivals[1:])) >= DELAY - 0.002
    assert all(r.headers["User-Agent"].startswith("ofsted-warehouse/") for r in requests)
    assert all("contact: data@example.org" in r.headers["User-Agent"] for r in requests)

    # the abolished authority was reached through the reference list, and the 404 provider recorded
    assert "/provider/44/80500" in {r.path for r in requests}
    assert [r.status for r in requests if r.path == "/provider/44/99999"] == [404]

    rows = by_file_id(raw)
    assert {fid: rows[fid]["status"] for fid in rows} == {
        **{fid: "downloaded" for fid in EXPECTED_FILES},
        "104": "dead",
        "111": "not_read",
    }
    assert "Report not found" in rows["104"]["status_reason"] and rows["104"]["source_file"] is None
    assert "annual performance assessment" in rows["111"]["status_reason"]
    assert rows["111"]["document_kind"] == "annual_performance_assessment"
    assert rows["107"]["document_kind"] == "joint_targeted_area_inspection"
    assert rows["103"]["document_kind"] == "area_send_inspection"
    assert rows["101"]["listed_authority_name"] == "Barnsley"
    assert rows["101"]["final_url"] == f"{site.url}/v1/file/101"
    assert rows["101"]["source_file"] == EXPECTED_FILES["101"]
    assert rows["101"]["local_authority_id"] == "E08000016"
    assert rows["109"]["local_authority_id"] == "E10000021"
    assert rows["110"]["local_authority_id"] is None  # not in the reference list
    assert rows["102"]["kind"] == "Children's services focused visit"
    assert str(rows["102"]["publication_date"]) == "2023-03-01"
    assert rows["101"]["url"] == f"{site.url}/v1/file/101"
    import hashlib

    assert rows["108"]["source_sha256"] == hashlib.sha256(bodies["108"]).hexdigest()
    missing = [row for row in catalogue_rows(raw) if row["ofsted_urn"] == "99999"]
    assert len(missing) == 1 and missing[0]["status"] == "dead" and "404" in missing[0]["status_reason"]
    assert missing[0]["local_authority_id"] == "E10000099"


def test_a_second_crawl_of_an_unchanged_site_asks_conditionally_and_downloads_nothing(tmp_path, reference):
    raw = tmp_path / "raw"
    with serving(site_layout()) as site:
        crawl(raw, site.url, reference, OPTIONS)
        files_before = {name: (raw / name).stat().st_mtime_ns for name in files_under(raw)}
        catalogue_before = json.loads((raw / ".pull" / "catalogue.json").read_text())
        first = len(site.requests)
        summary = crawl(raw, site.url, reference, OPTIONS)
        second = site.requests[first:]

    assert summary.counts["downloaded"] == 0 and summary.counts["failed"] == 0
    # no file is requested again, not even the dead link
    assert not [r for r in second if r.path.startswith("/v1/file/")]
    assert {name: (raw / name).stat().st_mtime_ns for name in files_under(raw)} == files_before
    pages = [r for r in second if r.path != "/provider/44/99999"]
    assert pages and all(r.status == 304 for r in pages)
    listing = [r for r in pages if r.path == "/search"]
    providers = [r for r in pages if r.path.startswith("/provider/")]
    assert len(listing) == 2 and all("If-Modified-Since" in r.headers for r in listing)
    assert len(providers) == 5 and all("If-None-Match" in r.headers for r in providers)
    catalogue_after = json.loads((raw / ".pull" / "catalogue.json").read_text())
    assert {k: v["first_seen_at"] for k, v in catalogue_after.items()} == {
        k: v["first_seen_at"] for k, v in catalogue_before.items()
    }
    assert {k: v["status"] for k, v in catalogue_after.items()} == {
        k: v["status"] for k, v in catalogue_before.items()
    }


def test_a_provider_that_listed_publications_and_lists_none_now_is_a_warning(tmp_path, reference):
    raw = tmp_path / "raw"
    with serving(site_layout()) as site:
        crawl(raw, site.url, reference, OPTIONS)
        site.providers["80426"].publications = []
        summary = crawl(raw, site.url, reference, OPTIONS)
    assert len(summary.warnings) == 1
    assert "/provider/44/80426" in summary.warnings[0] and "lists none now" in summary.warnings[0]
    assert by_file_id(raw)["101"]["status"] == "downloaded"  # what was seen before stays in the catalogue


def test_a_listing_without_providers_is_a_warning_and_the_reference_is_still_visited(tmp_path, reference):
    raw = tmp_path / "raw"
    with serving(site_layout()) as site:
        site.listing_empty = True
        messages: list[str] = []
        summary = crawl(raw, site.url, reference, OPTIONS, progress=messages.append)
        visited = {r.path for r in site.requests}
    assert any("lists no provider" in w for w in summary.warnings)
    assert any(m.startswith("WARNING:") for m in messages)
    assert {"/provider/44/80426", "/provider/44/80500"} <= visited
    assert "/provider/44/80600" not in visited  # listed only, and the listing is empty


def test_a_download_cut_off_is_kept_aside_and_resumed_by_the_next_crawl(tmp_path, reference):
    raw = tmp_path / "raw"
    layout = [
        Provider(
            "80426",
            "Barnsley",
            publications=[
                Publication("201", "Children's services inspection, pdf - 27 October 2023", "cut"),
            ],
        )
    ]
    once = PullOptions(delay_seconds=DELAY, timeout_seconds=5, attempts=1, backoff_seconds=0.05)
    with serving(layout) as site:
        summary = crawl(raw, site.url, None, once)
        assert summary.counts["failed"] == 1
        assert files_under(raw) == {}  # half a PDF never lands where the scan reads
        assert [p.name for p in (raw / ".pull" / "parts").iterdir()] == ["201.part"]
        assert by_file_id(raw)["201"]["status"] == "failed"
        assert "resumes" in by_file_id(raw)["201"]["status_reason"]

        crawl(raw, site.url, None, OPTIONS)
        resumed = site.file_requests("201")[-1]
        body = site.publication("201").body
    assert resumed.headers.get("Range") == f"bytes={len(body) // 2}-"
    assert files_under(raw) == {
        "ofsted/80426_barnsley/children's services inspection - 27 october 2023.pdf": body
    }
    assert by_file_id(raw)["201"]["status"] == "downloaded"


def test_a_file_listed_by_two_authorities_is_fetched_once(tmp_path):
    raw = tmp_path / "raw"
    shared = "Children's services inspection, pdf - 27 October 2023"
    layout = [
        Provider("80426", "Barnsley", publications=[Publication("301", shared)]),
        Provider("80427", "Bath", publications=[Publication("301", shared)]),
    ]
    with serving(layout) as site:
        crawl(raw, site.url, None, OPTIONS)
        assert len(site.file_requests("301")) == 1
    rows = [row for row in catalogue_rows(raw) if row.get("file_id") == "301"]
    assert len(rows) == 2 and {row["status"] for row in rows} == {"downloaded"}
    assert len(files_under(raw)) == 1


def test_a_site_that_cannot_be_reached_stops_the_crawl(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits: list[float] = []
    with pytest.raises(SiteUnreachable):
        crawl(tmp_path / "raw", f"http://127.0.0.1:{port}", None, OPTIONS, sleep=waits.append)
    # bounded retries, each after a longer back-off (the other waits are the gap between requests)
    assert [w for w in waits if w >= OPTIONS.backoff_seconds * 2] == [OPTIONS.backoff_seconds * 2]
    assert len(waits) < 2 * OPTIONS.attempts


# --- pages and kinds, without a server ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name", "downloaded"),
    [
        ("Children's services inspection", "childrens_services_inspection", True),
        ("Children\u2019s services focused visit", "focused_visit", True),
        ("Children's services monitoring visit", "monitoring_visit", True),
        ("Children's services assurance visit", "focused_visit", True),
        ("Local Safeguarding Children Board review", "lscb_review", True),
        ("LSCB review", "lscb_review", True),
        ("Looked after children inspection", "looked_after_children_inspection", True),
        ("Child protection inspection", "child_protection_inspection", True),
        ("Safeguarding and looked after children inspection", "safeguarding_and_looked_after_children", True),
        ("Single inspection", "sif_inspection", True),
        ("Area SEND full inspection", "area_send_inspection", True),
        ("area send full inspection", "area_send_inspection", True),
        ("Area SEND inspection", "area_send_inspection", True),
        ("Local area SEND inspection", "area_send_inspection", True),
        ("Area SEND revisit", "area_send_inspection", True),
        ("Joint targeted area inspection", "joint_targeted_area_inspection", True),
        ("Joint area child protection inspection", "joint_targeted_area_inspection", True),
        ("Joint area review", "joint_area_review", False),
        ("Annual performance assessment", "annual_performance_assessment", False),
        ("Something new entirely", "unknown", False),
    ],
)
def test_each_kind_is_downloaded_or_recorded_as_not_read_by_one_table(kind, name, downloaded):
    assert classify(kind)[0] == name
    assert (classify(kind)[1] is None) is downloaded


def test_provider_links_read_whatever_the_spacing_of_their_label():
    page = (
        """<html><body><h1>  Bournemouth,   Christchurch &amp; Poole </h1>
      <a class="publication-link" href="https://files.ofsted.gov.uk/v1/file/50123">"""
        """Children's services inspection
        <span class="nonvisual">Children's services inspection,  pdf - 29 January 2025</span></a>
      <a class="publication-link" href="/v1/file/50124"><span class="nonvisual">Children's services focused
        visit pdf - 1 March 2023</span></a>
      <a class="publication-link" href="/v1/file/50125"><span class="nonvisual">Something odd</span></a>
      <a href="/v1/file/50126">not a publication link</a></body></html>"""
    )
    parsed = parse_provider(page, "https://reports.ofsted.gov.uk/provider/44/2532287")
    assert parsed["heading"] == "Bournemouth, Christchurch & Poole"
    assert parsed["links"][:2] == [
        {
            "kind": "Children's services inspection",
            "date": "2025-01-29",
            "url": "https://files.ofsted.gov.uk/v1/file/50123",
            "file_id": "50123",
        },
        {
            "kind": "Children's services focused visit",
            "date": "2023-03-01",
            "url": "https://reports.ofsted.gov.uk/v1/file/50124",
            "file_id": "50124",
        },
    ]
    assert parsed["unreadable"] == ["Something odd"]
    assert len(parsed["links"]) == 3


def test_listing_pages_give_their_providers_and_the_next_page():
    page = (
        """<ul><li><a href="/provider/44/80426">Barnsley</a></li>
      <li><a href="https://reports.ofsted.gov.uk/provider/44/2532287">"""
        """Bournemouth, Christchurch &amp; Poole</a></li>
      <li><a href="/provider/16/123">a school</a></li></ul>
      <a class="pagination__next" href="/search?q=&amp;start=100&amp;rows=100">Next</a>"""
    )
    parsed = parse_listing(page, "https://reports.ofsted.gov.uk/search?q=&start=0&rows=100")
    assert parsed["providers"] == [["80426", "Barnsley"], ["2532287", "Bournemouth, Christchurch & Poole"]]
    assert parsed["next"] == "https://reports.ofsted.gov.uk/search?q=&start=100&rows=100"
    assert parse_listing("<p>no results</p>", "https://x/search")["next"] is None


def test_file_ids_come_from_the_file_address():
    assert file_id_of("https://files.ofsted.gov.uk/v1/file/50212345") == "50212345"
    assert file_id_of("https://example.org/report.pdf").startswith("url-")


# --- faults of the site and of RAW_DIR, crawl by crawl ---------------------------------------------------


def test_names_of_many_non_ascii_characters_are_cut_to_fit_kept_unique_and_crawling_goes_on(tmp_path):
    raw = tmp_path / "raw"
    long_name = "Conseil départemental de l'Étoile " + "é" * 140
    kind = "Children's services inspection " + "ü" * 140
    layout = [
        Provider(
            "80426",
            long_name,
            publications=[
                Publication("401", f"{kind} first, pdf - 01 May 2020"),
                Publication("402", f"{kind} second, pdf - 01 May 2020"),
            ],
        ),
        Provider(
            "80427",
            "Bath",
            publications=[Publication("403", "Children's services inspection, pdf - 1 May 2021")],
        ),
    ]
    with serving(layout) as site:
        summary = crawl(raw, site.url, None, OPTIONS)
    saved = files_under(raw)
    assert summary.counts["downloaded"] == 3 and len(saved) == 3
    for name in saved:
        assert all(len(part.encode()) <= 255 for part in name.split("/"))
    rows = by_file_id(raw)
    assert rows["401"]["source_file"] != rows["402"]["source_file"]
    assert rows["401"]["source_file"].startswith("ofsted/80426_conseil départemental")
    assert rows["403"]["status"] == "downloaded"  # the authority after it was crawled


def test_a_link_text_ending_as_pdf_leaves_no_stray_as_in_the_name(tmp_path):
    page = (
        '<h1>Barnsley</h1><a class="publication-link" href="/v1/file/7"><span class="nonvisual">'
        "Children's services inspection as pdf - 27 October 2023</span></a>"
    )
    parsed = parse_provider(page, "https://reports.ofsted.gov.uk/provider/44/80426")
    assert parsed["links"][0]["kind"] == "Children's services inspection" and parsed["unreadable"] == []


def test_a_file_the_user_deleted_is_downloaded_again(tmp_path):
    raw = tmp_path / "raw"
    layout = [
        Provider(
            "80426",
            "Barnsley",
            publications=[Publication("501", "Children's services inspection, pdf - 27 October 2023")],
        )
    ]
    with serving(layout) as site:
        crawl(raw, site.url, None, OPTIONS)
        (target,) = files_under(raw)
        (raw / target).unlink()
        summary = crawl(raw, site.url, None, OPTIONS)
        asked = site.file_requests("501")
    assert len(asked) == 2 and (raw / target).is_file()
    assert summary.counts["downloaded_again"] == 1 and by_file_id(raw)["501"]["status"] == "downloaded"
    assert any("again, no longer in RAW_DIR" in line for line in summary.lines())


def test_a_passing_outage_is_tried_again_by_the_next_pull_and_a_pdf_labelled_html_is_kept(tmp_path):
    raw = tmp_path / "raw"
    layout = [
        Provider(
            "80426",
            "Barnsley",
            publications=[
                Publication("601", "Children's services inspection, pdf - 27 October 2023", "unavailable"),
                Publication("602", "Children's services focused visit, pdf - 01 March 2023", "html_pdf"),
            ],
        )
    ]
    with serving(layout) as site:
        first = crawl(raw, site.url, None, OPTIONS)
        after_first = by_file_id(raw)
        crawl(raw, site.url, None, OPTIONS)
    assert (
        after_first["601"]["status"] == "failed"
        and "temporarily unavailable" in after_first["601"]["status_reason"]
    )
    assert after_first["602"]["status"] == "downloaded"
    assert (
        first.causes[
            (
                "failed",
                "HTML page ('Service temporarily unavailable')",
            )
        ]
        == 1
    )
    assert by_file_id(raw)["601"]["status"] == "downloaded"


def test_a_dead_link_is_asked_again_after_four_weeks(tmp_path):
    raw = tmp_path / "raw"
    layout = [
        Provider(
            "80426",
            "Barnsley",
            publications=[
                Publication("701", "Children's services inspection, pdf - 27 October 2023", "dead")
            ],
        )
    ]
    with serving(layout) as site:
        crawl(raw, site.url, None, OPTIONS)
        crawl(raw, site.url, None, OPTIONS)
        assert len(site.file_requests("701")) == 1  # not asked again within four weeks
        catalogue = raw / ".pull" / "catalogue.json"
        rows = json.loads(catalogue.read_text())
        for row in rows.values():
            row["checked_at"] = "2020-01-01T00:00:00"
        catalogue.write_text(json.dumps(rows))
        crawl(raw, site.url, None, OPTIONS)
        assert len(site.file_requests("701")) == 2


def test_a_trickling_provider_page_is_abandoned_and_the_crawl_goes_on(tmp_path):
    raw = tmp_path / "raw"
    layout = [
        Provider("80426", "Barnsley", trickle=True),
        Provider(
            "80427",
            "Bath",
            publications=[Publication("801", "Children's services inspection, pdf - 1 May 2021")],
        ),
    ]
    options = PullOptions(delay_seconds=DELAY, timeout_seconds=2.0, attempts=3, backoff_seconds=0.05)
    with serving(layout) as site:
        summary = crawl(raw, site.url, None, options)
    assert by_file_id(raw)["801"]["status"] == "downloaded"
    assert any("/provider/44/80426" in w and "abandoned" in w for w in summary.warnings)
    assert any("PAGE NOT READ: abandoned" in line for line in summary.lines())


def test_a_gzip_bomb_listing_page_is_refused_and_the_crawl_goes_on(tmp_path, reference):
    raw = tmp_path / "raw"
    with serving(site_layout()) as site:
        site.bomb_listing_page = 2
        summary = crawl(raw, site.url, reference, replace(OPTIONS, page_max_bytes=1024 * 1024))
        visited = {r.path for r in site.requests}
    assert any("once decompressed" in w for w in summary.warnings)
    assert {"/provider/44/80426", "/provider/44/80427", "/provider/44/80500"} <= visited


def test_a_link_to_another_host_is_refused_and_recorded(tmp_path):
    raw = tmp_path / "raw"
    layout = [
        Provider(
            "80426",
            "Barnsley",
            publications=[
                Publication("901", "Children's services inspection, pdf - 1 May 2021", "elsewhere")
            ],
        )
    ]
    with serving(layout) as site:
        summary = crawl(raw, site.url, None, OPTIONS)
        asked = site.file_requests("901")
    row = by_file_id(raw)["901"]
    assert asked == [] and row["status"] == "refused" and "outside Ofsted's site" in row["status_reason"]
    assert summary.causes[("refused", "link off Ofsted's site")] == 1


def test_a_crawl_while_another_pull_holds_raw_dir_does_nothing(tmp_path):
    raw = tmp_path / "raw"
    with serving(site_layout()) as site:
        with pull_lock(raw):
            with pytest.raises(PullBusy, match="another pull is already working"):
                crawl(raw, site.url, None, OPTIONS)
        assert site.requests == []


def test_the_summary_counts_each_outcome_by_reason_in_a_few_lines(tmp_path, reference):
    raw = tmp_path / "raw"
    with serving(site_layout()) as site:
        summary = crawl(raw, site.url, reference, OPTIONS)
    lines = summary.lines()
    assert sum("HTTP 404" in line for line in lines) == 1
    assert "  authorities' pages not found (HTTP 404): 1 (URN 99999)" in lines
    assert "  not read by the warehouse (recorded, not downloaded): 1" in lines
    assert "    1 annual performance assessment" in lines
    assert "    1 HTML page ('Report not found')" in lines
    assert len(lines) < 12


def test_a_document_naming_another_authority_than_its_listing_is_recorded_and_returned(tmp_path, reference):
    raw = tmp_path / "raw"
    with serving(site_layout()) as site:
        crawl(raw, site.url, reference, OPTIONS)
    rows = by_file_id(raw)
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        con.execute(
            "INSERT INTO extracted.reports (report_id, source_file, source_sha256, local_authority_id) "
            "VALUES ('r1', ?, ?, 'E06000022'), ('r2', ?, ?, 'E08000016')",
            [
                rows["101"]["source_file"],
                rows["101"]["source_sha256"],
                rows["102"]["source_file"],
                rows["102"]["source_sha256"],
            ],
        )
        disagreeing = write_catalogue(con, raw)
        stored = dict(
            con.execute(
                "SELECT file_id, status_reason FROM audit.source_catalogue WHERE file_id IN ('101', '102')"
            ).fetchall()
        )
    assert [(r["local_authority_id"], r["document_authority_id"]) for r in disagreeing] == [
        ("E08000016", "E06000022")
    ]
    assert "names authority E06000022" in stored["101"] and "Barnsley" in stored["101"]
    assert stored["102"] is None
    assert "listed on the page of E08000016 (Barnsley)" in authority_warning(disagreeing[0])


def test_catalogues_of_earlier_pulls_read_with_the_new_statuses(tmp_path):
    raw = tmp_path / "raw"
    (raw / ".pull").mkdir(parents=True)
    old = {
        "80426 https://x/v1/file/1": {"status": "skipped", "file_id": "1", "ofsted_urn": "80426"},
        "provider 99999": {"status": "skipped", "ofsted_urn": "99999"},
    }
    (raw / ".pull" / "catalogue.json").write_text(json.dumps(old))
    assert sorted(row["status"] for row in catalogue_rows(raw)) == ["dead", "not_read"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full to stand for a full disk")
def test_a_full_disk_stops_the_crawl_with_a_message_not_a_failed_download(tmp_path):
    raw = tmp_path / "raw"
    parts = raw / ".pull" / "parts"
    parts.mkdir(parents=True)
    (parts / "951.part").symlink_to("/dev/full")  # every write to it fails: no space left on device
    layout = [
        Provider(
            "80426",
            "Barnsley",
            publications=[Publication("951", "Children's services inspection, pdf - 1 May 2021")],
        )
    ]
    with serving(layout) as site:
        with pytest.raises(PullWriteError, match="the disk is full"):
            crawl(raw, site.url, None, OPTIONS)
        assert len(site.file_requests("951")) == 1  # not retried as if the site had cut it off
