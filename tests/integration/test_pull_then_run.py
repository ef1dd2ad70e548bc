"""`make pull` then the warehouse: a crawl of the loopback stand-in for Ofsted's site leaves reports in
RAW_DIR and a catalogue the run publishes as audit.source_catalogue."""

from __future__ import annotations

import dagster as dg

from orchestration import settings as settings_module
from orchestration.defs.pull.assets import ofsted_reports
from orchestration.defs.resources import WarehouseResource
from orchestration.lib.core import warehouse
from orchestration.lib.ingest.catalogue import pull_lock, write_catalogue
from orchestration.lib.ingest.crawl import crawl
from orchestration.lib.ingest.files import discover
from orchestration.lib.ingest.http import PullOptions
from tests.fixtures.ofsted_site import Provider, Publication, serving

REFERENCE = (
    "gss_code,local_authority_name,status,ofsted_urn\n"
    "E08000016,Barnsley,current,80426\n"
    "E10000021,Northamptonshire,abolished,80500\n"
)


def layout() -> list[Provider]:
    return [
        Provider(
            "80426",
            "Barnsley",
            publications=[
                Publication("1", "Children's services inspection, pdf - 27 October 2023"),
                Publication("2", "Children's services focused visit, pdf - 01 March 2023", "dead"),
                Publication("3", "Annual performance assessment, pdf - 05 May 2022"),
            ],
        ),
        Provider("80500", "Northamptonshire", listed=False),
    ]


def test_the_catalogue_round_trips_into_the_warehouse_and_the_scan_sees_only_reports(tmp_path):
    raw = tmp_path / "raw"
    reference = tmp_path / "authorities.csv"
    reference.write_text(REFERENCE, encoding="utf-8")
    with serving(layout()) as site:
        crawl(raw, site.url, reference, PullOptions(delay_seconds=0.01))

    with warehouse.connect(tmp_path / "w.duckdb") as con:
        assert write_catalogue(con, raw) == []
        stored = con.execute(
            "SELECT file_id, status, local_authority_id, publication_date, source_file, source_sha256 "
            "FROM audit.source_catalogue ORDER BY file_id"
        ).fetchall()
    assert [(r[0], r[1], r[2], str(r[3])) for r in stored] == [
        ("1", "downloaded", "E08000016", "2023-10-27"),
        ("2", "dead", "E08000016", "2023-03-01"),
        ("3", "not_read", "E08000016", "2022-05-05"),
    ]
    # the scan reads the downloaded report by the name the catalogue gives, and none of the bookkeeping
    scanned = {found.source_file: found for found in discover(raw, max_file_mb=100)}
    assert set(scanned) == {stored[0][4]}
    assert scanned[stored[0][4]].sha256 == stored[0][5]


def test_the_asset_crawls_and_writes_the_catalogue(tmp_path, monkeypatch):
    reference = tmp_path / "authorities.csv"
    reference.write_text(REFERENCE, encoding="utf-8")
    monkeypatch.setattr(settings_module, "REFERENCE_AUTHORITIES_CSV", reference)
    with serving(layout()) as site:
        warehouse = WarehouseResource(
            raw_dir=str(tmp_path / "raw"),
            duckdb_path=str(tmp_path / "w.duckdb"),
            published_duckdb_path=str(tmp_path / "published" / "ofsted.duckdb"),
            pull_delay_seconds=0.01,
            ofsted_reports_url=site.url,
        )
        result = dg.materialize(
            [ofsted_reports], instance=dg.DagsterInstance.ephemeral(), resources={"warehouse": warehouse}
        )
    assert result.success
    metadata = result.asset_materializations_for_node("raw__ofsted")[0].metadata
    assert (
        metadata["downloaded"].value == 1 and metadata["dead"].value == 1 and metadata["not_read"].value == 1
    )
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        assert con.execute("SELECT count(*) FROM audit.source_catalogue").fetchall()[0][0] == 3


def test_the_asset_fails_with_one_line_while_another_pull_holds_raw_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(settings_module, "REFERENCE_AUTHORITIES_CSV", tmp_path / "none.csv")
    with serving(layout()) as site:
        warehouse = WarehouseResource(
            raw_dir=str(tmp_path / "raw"), duckdb_path=str(tmp_path / "w.duckdb"), ofsted_reports_url=site.url
        )
        with pull_lock(tmp_path / "raw"):
            result = dg.materialize(
                [ofsted_reports],
                instance=dg.DagsterInstance.ephemeral(),
                resources={"warehouse": warehouse},
                raise_on_error=False,
            )
        assert site.requests == []
    assert not result.success
    failure = result.failure_data_for_node("raw__ofsted")
    assert "another pull is already working" in failure.user_failure_data.description


class RenderedReport(Publication):
    """A publication whose file is a seed report printed as a PDF, so the run after the pull loads it."""

    pdf: bytes = b""

    @property
    def body(self) -> bytes:
        return self.pdf


def test_the_next_run_publishes_the_pulled_report_with_its_catalogue_row_and_source_url(tmp_path):
    from tests.fixtures.pdf_render import render_text_report_to_pdf
    from tests.support import REPO, build_warehouse

    surrey = (REPO / "raw" / "000_9f7ce6b861c02e06.txt").read_text(encoding="utf-8")
    report = RenderedReport("71", "Children's services inspection, pdf - 01 November 2012")
    report.pdf = render_text_report_to_pdf(surrey, tmp_path / "surrey.pdf").read_bytes()
    # a report of Sutton listed on Surrey's page: loaded as Sutton, and the disagreement recorded
    sutton = (REPO / "raw" / "001_6185718e885c3be8.txt").read_text(encoding="utf-8")
    misplaced = RenderedReport("72", "Children's services inspection, pdf - 01 June 2013")
    misplaced.pdf = render_text_report_to_pdf(sutton, tmp_path / "sutton.pdf").read_bytes()
    reference = tmp_path / "authorities.csv"
    reference.write_text("gss_code,local_authority_name,status,ofsted_urn\nE10000030,Surrey,current,80567\n")
    raw = tmp_path / "raw"
    with serving([Provider("80567", "Surrey", publications=[report, misplaced])]) as site:
        crawl(raw, site.url, reference, PullOptions(delay_seconds=0.01))

    build = build_warehouse(raw, tmp_path / "work")
    assert build.result.success, [e.description for e in build.failed_checks()]
    con = build.published()
    try:
        catalogue = con.execute(
            "SELECT status, source_file, url, local_authority_id, document_authority_id, status_reason "
            "FROM audit.source_catalogue ORDER BY file_id"
        ).fetchall()
        reports = con.execute(
            "SELECT source_file, local_authority_id, source_url FROM marts.dim_reports ORDER BY source_url"
        ).fetchall()
    finally:
        con.close()
    assert [row[0] for row in catalogue] == ["downloaded", "downloaded"]
    source_file = catalogue[0][1]
    assert source_file.startswith("ofsted/80567_surrey/") and source_file.endswith(".pdf")
    # the report is published from the file the crawl saved, and says where it was downloaded from
    assert reports[0] == (source_file, "E10000030", catalogue[0][2])
    assert catalogue[0][2].endswith("/v1/file/71")
    assert catalogue[0][3:] == ("E10000030", "E10000030", None)
    # the document's own authority wins, and the catalogue says it differs from the listing
    assert reports[1][1] == "E09000029"
    assert catalogue[1][3:5] == ("E10000030", "E09000029")
    assert "names authority E09000029" in catalogue[1][5] and "E10000030 (Surrey)" in catalogue[1][5]
