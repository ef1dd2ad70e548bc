"""Raw layer: downloads, the file ledger and the extracted page text; staging layer: the parsed
`extracted` tables, each audited by its Great Expectations suite."""


import datetime as dt
import logging
from pathlib import Path

import dagster as dg
from pydantic import Field

from ... import settings as settings_module
from ...lib import dbt_warm, pipeline, warehouse
from ...lib.files import printable_name
from ...lib.fingerprint import Publication, latest_publication, warehouse_fingerprint
from ...lib.publish import recover_interrupted_publish
from ...lib.pull import load_state, pull
from ...lib.schema import EXTRACTED_TABLES
from .. import markdown
from ..progress import reporter
from ..publish.assets import PUBLISHED_KEY
from ..quality.gx_checks import CHECK_NAME, gx_check_results, gx_check_specs

log = logging.getLogger("ofsted_warehouse")

OWNER = ["team:ofsted-warehouse"]


class PullConfig(dg.Config):
    manifest: str = Field(
        default="",
        description="CSV of report URLs (url, optional local_authority, publication_date) to download into "
        "RAW_DIR first. Empty: the PULL_MANIFEST variable, and nothing is pulled when that is unset too.",
    )


@dg.asset(
    key=["raw", "downloads"],
    group_name="raw",
    kinds={"python", "duckdb"},
    owners=OWNER,
    description="Reports downloaded into RAW_DIR from the URLs of a manifest (PULL_MANIFEST): one row per URL "
    "with its latest outcome. Nothing is downloaded twice; failures are recorded with their reason.",
)
def downloads(context: dg.AssetExecutionContext, config: PullConfig) -> dg.MaterializeResult:
    settings = settings_module.load()
    report = reporter(context)
    manifest = Path(config.manifest) if config.manifest else settings.pull_manifest
    metadata: dict = {"raw_dir": str(settings.raw_dir)}
    if manifest is None:
        metadata["pulled"] = "nothing: PULL_MANIFEST is not set"
    else:
        report(f"pull: downloading the reports listed in {manifest}")
        summary = pull(manifest, settings.raw_dir, settings.pull_options(), progress=report)
        failures = [(o.url, o.reason or "") for o in summary.outcomes if o.status == "failed"]
        report(f"pull: {summary.count('downloaded')} downloaded, {summary.count('present')} already present, "
               f"{len(failures)} failed")
        metadata.update(
            manifest=str(manifest),
            downloaded=summary.count("downloaded"),
            already_present=summary.count("present"),
            failed=len(failures),
            failures=dg.MetadataValue.md(markdown.table(["url", "reason"], failures, "No download failed.")),
        )
    rows = [_download_row(record) for record in load_state(settings.raw_dir).values()]
    with warehouse.connect(settings.duckdb_path, on_wait=report) as con:
        warehouse.replace_rows(con, "raw.downloads", rows)
    metadata["urls_recorded"] = len(rows)
    return dg.MaterializeResult(metadata=metadata)


def _download_row(record: dict) -> dict:
    return {
        **record,
        "status_reason": record.get("reason"),
        "updated_at": dt.datetime.fromisoformat(record["updated_at"]).replace(tzinfo=None)
        if record.get("updated_at") else None,
    }


@dg.asset(
    key=["audit", "file_ledger"],
    deps=[downloads],
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
    with warehouse.connect(settings.duckdb_path, on_wait=report) as con:
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
    "contents are extracted; PDFs are read in child processes with a memory cap and a timeout. As the "
    "last documents are read, a dbt process is readied for the build that follows (lib/dbt_warm.py).",
)
def pages(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = settings_module.load()
    report = reporter(context)
    with warehouse.connect(settings.duckdb_path, on_wait=report) as con:
        summary = pipeline.extract(
            con,
            settings.raw_dir,
            timeout_seconds=settings.extract_timeout_seconds,
            memory_mb=settings.extract_memory_mb,
            workers=settings.extract_workers,
            progress=report,
            warm_up=_load_what_follows,
            on_drain=lambda: dbt_warm.start(settings_module.DBT_PROJECT_DIR, settings.duckdb_path),
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


def _load_what_follows() -> None:
    """Imports the checks and the dbt step will need (Great Expectations alone takes seconds), done
    while PDFs are being extracted rather than after."""
    try:
        from orchestration.lib.expectations import import_great_expectations

        import_great_expectations()
        from orchestration.definitions import defs  # dbt's manifest, for the build that follows
        from orchestration.defs.jobs import BUILD_JOB

        defs.resolve_job_def(BUILD_JOB.name)  # the asset graph, built once and cached
    except Exception:  # noqa: BLE001  the step that needs it will import it again and report the error
        log.debug("warm-up import failed", exc_info=True)


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
    # Subsettable so that a run over unchanged input can leave the tables unmaterialised: dbt and
    # publishing downstream are then skipped, which is what makes such a run take seconds.
    can_subset=True,
)
def parse_reports(context: dg.AssetExecutionContext):
    """Write the parsed tables, audit each with its Great Expectations suite (blocking), and let the
    marts be built and published only when that changes what the published file would hold."""
    settings = settings_module.load()
    report = reporter(context)
    with warehouse.connect(settings.duckdb_path, on_wait=report) as con:
        summary = pipeline.parse(con, settings_module.REFERENCE_AUTHORITIES_CSV)
        report(
            f"parse: {summary.parsed} documents parsed, {summary.kept} unchanged kept their rows; "
            f"{summary.loaded} files loaded, {summary.quarantined} quarantined, {summary.duplicate} duplicate; "
            f"reports by type {dict(summary.reports_by_type)}"
        )
        quarantined = con.execute(
            """SELECT source_file, status_reason FROM audit.file_ledger
               WHERE status = 'quarantined' AND is_present ORDER BY source_file"""
        ).fetchall()
        selected_checks = [
            spec.key for spec in EXTRACTED_SPECS
            if dg.AssetCheckKey(spec.key, CHECK_NAME) in context.selected_asset_check_keys
        ]
        report("checks: validating the extracted tables with Great Expectations (unchanged tables keep their result)")
        checks = list(gx_check_results(con, selected_checks, run_id=context.run_id))
        fingerprint = warehouse_fingerprint(con)
    standing = _standing_publication(settings, fingerprint, checks)
    if standing is not None:
        report(
            f"unchanged: nothing the marts are built from changed since the publication of "
            f"{standing.published_at:%Y-%m-%d %H:%M:%S} UTC; dbt and publishing are skipped"
        )
        context.log_event(dg.AssetObservation(asset_key=PUBLISHED_KEY, metadata={
            "unchanged": True,
            "published_at": standing.published_at.isoformat(sep=" ", timespec="seconds"),
            "warehouse_fingerprint": fingerprint,
        }))
    else:
        for spec in EXTRACTED_SPECS:
            if spec.key in context.selected_asset_keys:
                yield dg.MaterializeResult(asset_key=spec.key, metadata=_table_metadata(spec, summary, quarantined))
    yield from checks


def _standing_publication(
    settings: settings_module.Settings, fingerprint: str, checks: list[dg.AssetCheckResult]
) -> Publication | None:
    """The publication that already holds what this run would publish, if any: same fingerprint, every
    check passing, and both the file and its Parquet copies still in place."""
    published = latest_publication(settings.published_duckdb_path)
    if published is None or published.warehouse_fingerprint != fingerprint:
        return None
    if not all(check.passed for check in checks) or not settings.parquet_dir.is_dir():
        return None
    return published


def _table_metadata(spec: dg.AssetSpec, summary: pipeline.ParseSummary, quarantined: list) -> dict:
    table = spec.key.path[-1]
    metadata: dict = {"dagster/row_count": summary.rows.get(table, 0)}
    if table == "reports":
        metadata.update(
            files_loaded=summary.loaded,
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


INGEST_ASSETS = [downloads, file_ledger, pages, parse_reports]
