"""Raw layer: the reports of Ofsted's reports site, crawled and downloaded into RAW_DIR, and the
catalogue of every publication link seen there (`audit.source_catalogue`)."""

import dagster as dg

from orchestration.lib.ingest.catalogue import authority_warning, write_catalogue
from orchestration.lib.ingest.crawl import PullBusy, PullWriteError, SiteUnreachable, crawl

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
    "audit.source_catalogue: one row per publication link seen, downloaded, not_read, dead, refused or "
    "failed.",
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
        raise dg.Failure(description=f"Ofsted's reports site could not be reached: {error}") from None
    except (PullBusy, PullWriteError) as error:
        raise dg.Failure(description=f"pull: {error}") from None
    for warning in summary.warnings:
        context.log.warning(warning)
    for line in summary.lines():
        report(line)
    with warehouse.connect(on_wait=report) as con:
        disagreeing = write_catalogue(con, settings.raw_dir)
        rows = con.execute("SELECT count(*) FROM audit.source_catalogue").fetchall()[0][0]
    for row in disagreeing:
        context.log.warning(authority_warning(row))
    return dg.MaterializeResult(
        metadata={
            "site": settings.ofsted_reports_url,
            "raw_dir": str(settings.raw_dir),
            **summary.metadata(),
            "catalogue_rows": rows,
            "authority_disagreements": len(disagreeing),
            "summary": dg.MetadataValue.md("```\n" + "\n".join(summary.lines()) + "\n```"),
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
