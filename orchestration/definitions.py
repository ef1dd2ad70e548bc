"""The Dagster code location: assembles the assets, checks, job, sensor, schedule and resources defined
under defs/."""

import dagster as dg

from .defs.ingest.assets import INGEST_ASSETS
from .defs.ingest.sensors import daily_schedule, raw_dir_sensor
from .defs.jobs import BUILD_JOB, INGEST_JOB, WAREHOUSE_JOB
from .defs.publish.assets import published_warehouse
from .defs.publish.report import published_report
from .defs.transform.assets import dbt_resource, warehouse_dbt_models

defs = dg.Definitions(
    assets=[*INGEST_ASSETS, warehouse_dbt_models, published_warehouse, published_report],
    jobs=[WAREHOUSE_JOB, INGEST_JOB, BUILD_JOB],
    sensors=[raw_dir_sensor],
    schedules=[daily_schedule],
    resources={"dbt": dbt_resource()},
    # One writer: DuckDB allows a single process to hold the warehouse file, so a run's steps run one at a
    # time in one process; dagster.yaml lets one run go at a time.
    executor=dg.in_process_executor,
)
