"""The Dagster code location: assembles the assets, checks and resources defined under defs/."""

import dagster as dg

from .defs.ingest.assets import file_ledger, pages, parse_reports
from .defs.publish.assets import published_warehouse
from .defs.transform.assets import dbt_resource, warehouse_dbt_models

defs = dg.Definitions(
    assets=[file_ledger, pages, parse_reports, warehouse_dbt_models, published_warehouse],
    resources={"dbt": dbt_resource()},
    # One writer: DuckDB allows a single process to hold the warehouse file, so steps run one at a time.
    executor=dg.in_process_executor,
)
