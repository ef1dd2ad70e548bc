"""The Excel workbook beside the published file (ofsted.xlsx beside ofsted.duckdb), written again after
every publication.

As with the HTML report, a workbook that cannot be written never undoes a publication: the published file
and its Parquet copies are already in place when this step runs. The step then logs the error, records it
as an observation (which `make run`'s summary prints) and leaves the asset unmaterialised; `make export`
writes it again.
"""

import dagster as dg

from orchestration.lib.outputs.workbook import workbook_path_for, write_workbook

from ..progress import reporter
from ..resources import WarehouseResource
from .assets import PUBLISHED_KEY
from .standing import record_failure

WORKBOOK_KEY = dg.AssetKey(["published", "workbook"])


@dg.asset(
    key=WORKBOOK_KEY,
    deps=[PUBLISHED_KEY],
    group_name="published",
    kinds={"excel"},
    owners=["team:ofsted-warehouse"],
    output_required=False,
    description="The .xlsx named after PUBLISHED_DUCKDB_PATH, beside it (ofsted.xlsx): sheets Latest "
    "inspections, Inspections (a column per judgement), Recommendations (with themes), Visits (with theme "
    "and focus areas) and About (what each sheet holds, when it was published, how many reports, the "
    "documents held back); dates as Excel dates, frozen and filterable header rows, each row linked to its "
    "document at the page. Read from the published file after each publication; a failure here leaves the "
    "publication standing.",
)
def published_workbook(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    path = workbook_path_for(settings.published_duckdb_path)
    report = reporter(context)
    report(f"workbook: writing {path}")
    try:
        result = write_workbook(settings.published_duckdb_path, path, settings.raw_dir)
    except Exception as error:  # noqa: BLE001  (whatever went wrong, the publication stands)
        record_failure(context, WORKBOOK_KEY, path, error, "workbook not written", "make export")
        return
    yield dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "published_at": str(result.published_at) if result.published_at else "not recorded",
            "sheets": ", ".join(result.sheets),
            **{f"rows_{title.lower().replace(' ', '_')}": rows for title, rows in result.sheets.items()},
        }
    )
