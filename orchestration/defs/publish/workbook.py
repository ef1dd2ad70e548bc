"""The Excel workbook beside the published file (ofsted.xlsx beside ofsted.duckdb), and the Atom feed of
the reports the publication added (ofsted.atom beside it), written again after every publication.

As with the HTML report, a workbook that cannot be written never undoes a publication: the published file
and its Parquet copies are already in place when this step runs. The step then logs the error, records it
as an observation (which `make run`'s summary prints) and leaves the asset unmaterialised; `make export`
writes it again.
"""

from typing import Any

import dagster as dg

from orchestration.lib.outputs.feed import build_feed, feed_path_for
from orchestration.lib.outputs.workbook import workbook_path_for, write_workbook
from orchestration.lib.publish.outputs import stamping

from ..progress import reporter
from ..resources import WarehouseResource
from .assets import PUBLISHED_KEY
from .standing import record_failure

WORKBOOK_KEY = dg.AssetKey(["published", "workbook"])


@dg.asset(
    key=WORKBOOK_KEY,
    deps=[PUBLISHED_KEY],
    group_name="published",
    kinds={"excel", "atom"},
    owners=["team:ofsted-warehouse"],
    output_required=False,
    description="The .xlsx named after PUBLISHED_DUCKDB_PATH, beside it (ofsted.xlsx): sheets Latest "
    "inspections (what is loaded for each council in words, its neighbours by name), Inspections (a column "
    "per judgement), Recommendations (with themes), Visits (with theme and focus areas), Timeline (from "
    "marts.fct_council_events), What's new (from audit.report_changes) and About (what each sheet holds, "
    "when it was published, the councils with no report, the documents held back); dates as Excel dates, "
    "frozen and filterable header rows, set up to print, each row linked to its document (Ofsted's address, "
    "else relative to documents/ beside the published file). Then ofsted.atom beside it: an Atom entry per "
    "report the latest publication added. Read from the published file after each publication; a failure "
    "here leaves the publication standing.",
)
def published_workbook(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    path = workbook_path_for(settings.published_duckdb_path)
    report = reporter(context)
    report(f"workbook: writing {path}")
    try:
        with stamping(settings.published_duckdb_path, path):
            result = write_workbook(settings.published_duckdb_path, path, settings.raw_dir)
    except Exception as error:  # noqa: BLE001  (whatever went wrong, the publication stands)
        record_failure(context, WORKBOOK_KEY, path, error, "workbook not written", "make export")
        return
    try:
        with stamping(settings.published_duckdb_path, feed_path_for(settings.published_duckdb_path)):
            feed = build_feed(settings.published_duckdb_path)
        feed_metadata: dict[str, Any] = {
            "feed": dg.MetadataValue.path(str(feed.path)),
            "feed_entries": feed.entries,
        }
        if feed.note:
            feed_metadata["feed_note"] = feed.note
    except Exception as error:  # noqa: BLE001  (the workbook stands without its feed; make export retries)
        context.log.warning(f"feed not written: {type(error).__name__}: {error}")
        feed_metadata = {"feed": f"not written: {type(error).__name__}: {error}"}
    yield dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "published_at": str(result.published_at) if result.published_at else "not recorded",
            "sheets": ", ".join(result.sheets),
            **{f"rows_{_key(title)}": rows for title, rows in result.sheets.items()},
            **feed_metadata,
        }
    )


def _key(title: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in title.lower()).strip("_")
