"""Raw layer: the reports of Ofsted's reports site, crawled and downloaded into RAW_DIR, and the
catalogue of every publication link seen there (`audit.source_catalogue`)."""

import dagster as dg

from orchestration.lib.core.warehouse import replace_rows
from orchestration.lib.ingest.crawl import SiteUnreachable, catalogue_rows, crawl

from ... import settings as settings_module
from .. import markdown
from ..progress import reporter
from ..resources import WarehouseResource

OWNER = ["team:ofsted-warehouse"]
SHOWN_ROWS = 50  # the UI's tables stay readable; the whole list is in audit.source_catalogue


@dg.asset(
    key=["raw", "ofsted"],
    group_name="raw",
    kinds={"python", "duckdb"},
    owners=OWNER,
    description="Every report of every English council's children's services on Ofsted's reports site "
    "(OFSTED_REPORTS_URL), found through the listing of authorities and the reference list's URNs, and the "
    "new ones downloaded into RAW_DIR/ofsted/, one request every PULL_DELAY_SECONDS. Writes "
    "audit.source_catalogue: one row per publication link seen, downloaded, dead, skipped or failed.",
)
def ofsted_reports(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings()
    report = reporter(context)
    report(f"pull: crawling {settings.ofsted_reports_url} into {settings.raw_dir / 'ofsted'}")
    try:
        summary = crawl(
            settings.raw_dir,
            settings.ofsted_reports_url,
            settings_module.REFERENCE_AUTHORITIES_CSV,
            settings.pull_options(),
            progress=report,
        )
    except SiteUnreachable as error:
        raise dg.Failure(description=f"Ofsted's reports site could not be reached: {error}") from error
    for warning in summary.warnings:
        context.log.warning(warning)
    report(f"pull: {summary.line()}")
    rows = catalogue_rows(settings.raw_dir)
    with warehouse.connect(on_wait=report) as con:
        replace_rows(con, "audit.source_catalogue", rows)
    counts = summary.counts
    return dg.MaterializeResult(
        metadata={
            "site": settings.ofsted_reports_url,
            "raw_dir": str(settings.raw_dir),
            "authorities_visited": counts["providers"],
            "providers_not_found": counts["providers_not_found"],
            "publication_links": counts["links"],
            "downloaded": counts["downloaded"],
            "already_downloaded": counts["already"],
            "dead": counts["dead"],
            "skipped": counts["skipped"],
            "failed": counts["failed"],
            "requests": summary.requests_sent,
            "pages_unchanged": counts["not_modified"],
            "catalogue_rows": len(rows),
            "warnings": dg.MetadataValue.md(
                markdown.table(
                    ["warning"], [[w] for w in summary.warnings], "No warning: the site looks as expected."
                )
            ),
            "failures": dg.MetadataValue.md(
                markdown.table(
                    ["url", "what happened"], summary.failures[:SHOWN_ROWS], "Nothing failed or was dead."
                )
            ),
        }
    )


PULL_ASSETS = [ofsted_reports]

PULL_JOB = dg.define_asset_job(
    name="pull",
    selection=dg.AssetSelection.assets(ofsted_reports),
    description=(
        "Crawl Ofsted's reports site and download the new reports into RAW_DIR (what `make pull` does)."
    ),
)
