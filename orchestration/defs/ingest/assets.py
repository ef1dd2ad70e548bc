"""Raw layer: the file ledger and the extracted page text; staging layer: the parsed `extracted` tables."""


import dagster as dg

from ... import settings as settings_module
from ...lib import pipeline, warehouse
from ...lib.files import printable_name
from ...lib.publish import recover_interrupted_publish
from ...lib.schema import EXTRACTED_TABLES
from ..progress import reporter
from ..quality.gx_checks import gx_check_results, gx_check_specs

OWNER = ["team:ofsted-warehouse"]


@dg.asset(
    key=["audit", "file_ledger"],
    group_name="raw",
    kinds={"python", "duckdb"},
    owners=OWNER,
    description="One row per file found under RAW_DIR: content hash, size, and what became of it "
    "(loaded, quarantined with a reason, duplicate, removed).",
)
def file_ledger(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = settings_module.load()
    report = reporter(context)
    # a run starts by finishing or undoing what a publish killed part-way left behind
    for name in recover_interrupted_publish(settings.published_duckdb_path, settings.parquet_dir):
        report(f"publish: tidied {name}, left by a run that was stopped while publishing")
    report(f"scan: reading {settings.raw_dir}")
    with warehouse.connect(settings.duckdb_path) as con:
        summary = pipeline.scan(con, settings.raw_dir, max_file_mb=settings.max_file_mb)
    report(f"scan: {summary.seen} files ({summary.new} new, {summary.changed} changed, {summary.removed} removed)")
    return dg.MaterializeResult(
        metadata={
            "files_seen": summary.seen,
            "new": summary.new,
            "changed": summary.changed,
            "removed": summary.removed,
            "unreadable": summary.unreadable,
            "raw_dir": str(settings.raw_dir),
        }
    )


@dg.asset(
    key=["raw", "pages"],
    deps=[file_ledger],
    group_name="raw",
    kinds={"pdfminer", "duckdb"},
    owners=OWNER,
    description="Text of every document, page by page, keyed by content hash. Only new or changed "
    "contents are extracted; PDFs are read in child processes with a memory cap and a timeout.",
)
def pages(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = settings_module.load()
    with warehouse.connect(settings.duckdb_path) as con:
        summary = pipeline.extract(
            con,
            settings.raw_dir,
            timeout_seconds=settings.extract_timeout_seconds,
            memory_mb=settings.extract_memory_mb,
            workers=settings.extract_workers,
            progress=reporter(context),
        )
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
        description=f"Parsed from the report text: extracted.{table}, with the page and evidence of each value.",
    )
    for table in EXTRACTED_TABLES
]


@dg.multi_asset(
    specs=EXTRACTED_SPECS,
    check_specs=gx_check_specs([spec.key for spec in EXTRACTED_SPECS]),
    name="parse_reports",
)
def parse_reports(context: dg.AssetExecutionContext):
    """Write the parsed tables, then audit each with its Great Expectations suite (blocking)."""
    settings = settings_module.load()
    report = reporter(context)
    with warehouse.connect(settings.duckdb_path) as con:
        summary = pipeline.parse(con, settings_module.REFERENCE_AUTHORITIES_CSV)
        report(
            f"parse: {summary.loaded} files loaded, {summary.quarantined} quarantined, "
            f"{summary.duplicate} duplicate; reports by type {dict(summary.reports_by_type)}"
        )
        quarantined = con.execute(
            """SELECT source_file, status_reason FROM audit.file_ledger
               WHERE status = 'quarantined' AND is_present ORDER BY source_file"""
        ).fetchall()
        for spec in EXTRACTED_SPECS:
            table = spec.key.path[-1]
            metadata = {"rows": summary.rows.get(table, 0)}
            if table == "reports":
                metadata.update(
                    files_loaded=summary.loaded,
                    files_quarantined=summary.quarantined,
                    files_duplicate=summary.duplicate,
                    quarantined_files=dg.MetadataValue.md(_quarantine_table(quarantined)),
                )
            yield dg.MaterializeResult(asset_key=spec.key, metadata=metadata)
        report("checks: validating the extracted tables with Great Expectations")
        yield from gx_check_results(con, [spec.key for spec in EXTRACTED_SPECS])


def _quarantine_table(rows: list[tuple[str, str]]) -> str:
    if not rows:
        return "No file is quarantined."
    lines = ["| file | reason |", "| --- | --- |"]
    lines += [f"| {_cell(printable_name(name))} | {_cell(reason or '')} |" for name, reason in rows]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "/")
