"""`make pull` then the warehouse: a crawl of the loopback stand-in for Ofsted's site leaves reports in
RAW_DIR and a catalogue the run publishes as audit.source_catalogue."""

from __future__ import annotations

import dagster as dg

from orchestration import settings as settings_module
from orchestration.defs.pull.assets import ofsted_reports
from orchestration.defs.resources import WarehouseResource
from orchestration.lib import warehouse
from orchestration.lib.crawl import catalogue_rows, crawl
from orchestration.lib.files import discover
from orchestration.lib.pull import PullOptions
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
                Publication("3", "Area SEND full inspection, pdf - 05 May 2022"),
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

    rows = catalogue_rows(raw)
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        warehouse.replace_rows(con, "audit.source_catalogue", rows)
        stored = con.execute(
            "SELECT file_id, status, local_authority_id, publication_date, source_file, source_sha256 "
            "FROM audit.source_catalogue ORDER BY file_id"
        ).fetchall()
    assert [(r[0], r[1], r[2], str(r[3])) for r in stored] == [
        ("1", "downloaded", "E08000016", "2023-10-27"),
        ("2", "dead", "E08000016", "2023-03-01"),
        ("3", "skipped", "E08000016", "2022-05-05"),
    ]
    # the scan reads the downloaded report by the name the catalogue gives, and none of the bookkeeping
    scanned = {found.source_file: found for found in discover(raw, max_file_mb=100)}
    assert set(scanned) == {stored[0][4]}
    assert scanned[stored[0][4]].sha256 == stored[0][5]


def test_the_asset_crawls_and_writes_the_catalogue(tmp_path, monkeypatch):
    reference = tmp_path / "authorities.csv"
    reference.write_text(REFERENCE, encoding="utf-8")
    monkeypatch.setattr(settings_module, "REFERENCE_AUTHORITIES_CSV", reference)
    monkeypatch.setenv("RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("PULL_DELAY_SECONDS", "0.01")
    with serving(layout()) as site:
        monkeypatch.setenv("OFSTED_REPORTS_URL", site.url)
        result = dg.materialize(
            [ofsted_reports], instance=dg.DagsterInstance.ephemeral(), resources={"warehouse": WarehouseResource()}
        )
    assert result.success
    metadata = result.asset_materializations_for_node("raw__ofsted")[0].metadata
    assert (
        metadata["downloaded"].value == 1 and metadata["dead"].value == 1 and metadata["skipped"].value == 1
    )
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        assert con.execute("SELECT count(*) FROM audit.source_catalogue").fetchall()[0][0] == 3
