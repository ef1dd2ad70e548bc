"""Raw layer: the file ledger and the extracted page text; staging layer: the parsed `extracted` tables.

Each asset calls plain code in lib/ with the resources it is given; the checks of the extracted tables
are in defs/quality/.
"""

import dagster as dg

from orchestration.lib.core.schema import EXTRACTED_TABLES
from orchestration.lib.extract import store as extracting
from orchestration.lib.ingest import ledger
from orchestration.lib.ingest.catalogue import authority_warning, record_document_authorities, write_catalogue
from orchestration.lib.ingest.files import printable_name
from orchestration.lib.parse import documents as parsing
from orchestration.lib.publish.publication import recover_interrupted_publish

from ... import settings as settings_module
from .. import markdown
from ..progress import reporter
from ..resources import WarehouseResource

OWNER = ["team:ofsted-warehouse"]


LEDGER_KEY = dg.AssetKey(["audit", "file_ledger"])
CATALOGUE_KEY = dg.AssetKey(["audit", "source_catalogue"])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            LEDGER_KEY,
            group_name="raw",
            kinds={"python", "duckdb"},
            owners=OWNER,
            description="One row per file found under RAW_DIR: content hash, size, and what became of it "
            "(loaded, quarantined or held back with a reason, duplicate, removed).",
        ),
        dg.AssetSpec(
            CATALOGUE_KEY,
            group_name="raw",
            kinds={"python", "duckdb"},
            owners=OWNER,
            description="One row per publication link `make pull` saw on Ofsted's reports site, with what "
            "became of it (downloaded, dead, skipped, failed) and where its file is under RAW_DIR.",
        ),
    ],
    name="scan_raw_dir",
)
def scan_raw_dir(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    report = reporter(context)
    # a run starts by finishing or undoing what a publish killed part-way left behind
    for name in recover_interrupted_publish(settings.published_duckdb_path, settings.parquet_dir):
        report(f"publish: tidied {name}, left by a run that was stopped while publishing")
    rebuilt = warehouse.recover_damaged(on_wait=report)
    if rebuilt:
        report(rebuilt)
    report(f"scan: reading {settings.raw_dir}")
    with warehouse.connect(on_wait=report) as con:
        if settings.retry_failed:
            count = extracting.forget_failures(con)
            report(f"retry: {count} quarantined or held-back documents are read and checked again (RETRY=1)")
        summary = ledger.scan(con, settings.raw_dir, max_file_mb=settings.max_file_mb)
        for row in write_catalogue(con, settings.raw_dir):
            context.log.warning(authority_warning(row))
        catalogued = con.execute("SELECT count(*) FROM audit.source_catalogue").fetchall()[0][0]
    report(
        f"scan: {summary.seen} files ({summary.new} new, {summary.changed} changed, "
        f"{summary.removed} removed)"
    )
    yield dg.MaterializeResult(
        asset_key=LEDGER_KEY,
        metadata={
            "files_seen": summary.seen,
            "new": summary.new,
            "changed": summary.changed,
            "removed": summary.removed,
            "unreadable": summary.unreadable,
            "raw_dir": str(settings.raw_dir),
            "working_warehouse_rebuilt": rebuilt or "no: it was whole",
        },
    )
    yield dg.MaterializeResult(asset_key=CATALOGUE_KEY, metadata={"dagster/row_count": catalogued})


@dg.asset(
    key=["raw", "pages"],
    deps=[LEDGER_KEY],
    group_name="raw",
    kinds={"pdfminer", "duckdb"},
    owners=OWNER,
    description="Text of every document, page by page, keyed by content hash. Only new or changed "
    "contents are extracted; PDFs are read by a pool of child processes, each with a memory cap and a "
    "timeout per document.",
)
def pages(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    report = reporter(context)
    with warehouse.connect(on_wait=report) as con, warehouse.extraction_pool() as pool:
        summary = extracting.extract(con, pool, progress=report)
        total_pages = con.execute("SELECT count(*) FROM raw.pages").fetchall()[0][0]
    return dg.MaterializeResult(
        metadata={
            "documents_extracted": summary.extracted,
            "documents_failed": summary.failed,
            "documents_unchanged": summary.reused,
            "pages_extracted": summary.pages,
            "pages_total": total_pages,
        }
    )


EXTRACTED_SPECS = [
    dg.AssetSpec(
        key=["extracted", table],
        deps=[pages],
        group_name="staging",
        kinds={"python", "duckdb"},
        owners=OWNER,
        description=(
            f"Parsed from the report text: extracted.{table}, with the page and evidence of each value."
        ),
    )
    for table in EXTRACTED_TABLES
]


@dg.multi_asset(specs=EXTRACTED_SPECS, name="parse_reports")
def parse_reports(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Parse every new or changed document into the `extracted` tables; unchanged ones keep their rows.
    The tables are then audited by their Great Expectations checks (defs/quality/)."""
    report = reporter(context)
    with warehouse.connect(on_wait=report) as con:
        summary = parsing.parse(con, settings_module.REFERENCE_AUTHORITIES_CSV)
        for row in record_document_authorities(con):  # a document naming another authority than its listing
            context.log.warning(authority_warning(row))
        quarantined = con.execute(
            """SELECT source_file, status_reason FROM audit.file_ledger
               WHERE status = 'quarantined' AND is_present ORDER BY source_file"""
        ).fetchall()
    report(
        f"parse: {summary.parsed} documents parsed, {summary.kept} unchanged kept their rows; "
        f"{summary.loaded + summary.held_back} files read, {summary.quarantined} quarantined, "
        f"{summary.duplicate} duplicate; reports by type {dict(summary.reports_by_type)}"
    )
    for spec in EXTRACTED_SPECS:
        yield dg.MaterializeResult(asset_key=spec.key, metadata=_table_metadata(spec, summary, quarantined))


def _table_metadata(spec: dg.AssetSpec, summary: parsing.ParseSummary, quarantined: list) -> dict:
    table = spec.key.path[-1]
    metadata: dict = {"dagster/row_count": summary.rows.get(table, 0)}
    if table == "reports":
        metadata.update(
            files_read=summary.loaded + summary.held_back,
            files_quarantined=summary.quarantined,
            files_duplicate=summary.duplicate,
            documents_parsed=summary.parsed,
            documents_kept=summary.kept,
            quarantined_files=dg.MetadataValue.md(
                markdown.table(
                    ["file", "reason"],
                    [(printable_name(name), reason or "") for name, reason in quarantined],
                    "No file is quarantined.",
                )
            ),
        )
    return metadata


INGEST_ASSETS = [scan_raw_dir, pages, parse_reports]
