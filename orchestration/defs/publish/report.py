"""The HTML report beside the published file, drawn again after every publication.

A report that cannot be built never undoes a publication: the published file and its Parquet copies are
already in place when this step runs. The step then logs the error, records it as an observation (which
`make run`'s summary prints) and leaves the asset unmaterialised; `make report` builds it again.
"""

import dagster as dg

from orchestration.lib.outputs.report.page import build_report
from orchestration.lib.publish.outputs import stamping

from ..progress import reporter
from ..resources import WarehouseResource
from .assets import PUBLISHED_KEY
from .standing import record_failure

REPORT_KEY = dg.AssetKey(["published", "report"])


@dg.asset(
    key=REPORT_KEY,
    deps=[PUBLISHED_KEY],
    group_name="published",
    kinds={"html", "vega"},
    owners=["team:ofsted-warehouse"],
    output_required=False,
    description="report/index.html beside PUBLISHED_DUCKDB_PATH: one page that opens from disk with no "
    "network (Vega-Lite charts written with Altair, Vega inlined) with what the warehouse covers, a filter "
    "bar (region, framework, years, council name) over every chart and the list of councils, overall "
    "effectiveness by framework and year (the 2026 framework, which gives no overall grade, in a category of "
    "its own), every authority's latest grade by region, each authority's inspections and visits over time, "
    "recommendation and focused visit themes by year, each chart with its figures as a table and a text "
    "alternative; and a page per authority in report/authorities/ with its timeline. Documents link to "
    "Ofsted's address, else relative to documents/ beside the published file. Read from the published file "
    "after each publication; a failure here leaves the publication standing.",
)
def published_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    report = reporter(context)
    report(f"report: drawing {settings.report_dir / 'index.html'}")
    try:
        with stamping(settings.published_duckdb_path, settings.report_dir):
            result = build_report(settings.published_duckdb_path, settings.report_dir, settings.raw_dir)
    except Exception as error:  # noqa: BLE001  (whatever went wrong, the publication stands)
        record_failure(
            context,
            REPORT_KEY,
            settings.report_dir / "index.html",
            error,
            "report not rebuilt",
            "make report",
        )
        return
    yield dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "published_at": str(result.published_at) if result.published_at else "not recorded",
            "authority_pages": result.authority_pages,
            **{f"marks_{chart.replace('-', '_')}": count for chart, count in result.marks.items()},
        }
    )
