"""The Dagster code location: assembles the assets, checks, jobs, sensor, schedule and resources defined
under defs/, with the settings loaded once (orchestration/settings.py). Nothing else happens here."""

import dagster as dg

from . import settings
from .defs.ingest.assets import INGEST_ASSETS
from .defs.ingest.sensors import daily_schedule, raw_dir_sensor
from .defs.jobs import WAREHOUSE_JOB
from .defs.publish.assets import published_warehouse
from .defs.publish.report import published_report
from .defs.publish.workbook import published_workbook
from .defs.pull.assets import PULL_ASSETS, PULL_JOB
from .defs.quality.gx_checks import great_expectations_checks
from .defs.quality.hold_back import held_back_documents
from .defs.resources import resources_for
from .defs.transform.assets import warehouse_dbt_models

defs = dg.Definitions(
    assets=[
        *PULL_ASSETS,
        *INGEST_ASSETS,
        held_back_documents,
        warehouse_dbt_models,
        published_warehouse,
        published_report,
        published_workbook,
    ],
    asset_checks=[great_expectations_checks],
    jobs=[WAREHOUSE_JOB, PULL_JOB],
    sensors=[raw_dir_sensor],
    schedules=[daily_schedule],
    # every setting, from the environment and .env, loaded once and checked: a value that cannot be used
    # stops the code location from loading, with one line naming it; the launchpad can change any of
    # them for one run (resources: warehouse: config:)
    resources=resources_for() if settings.loaded() else {},
    # One writer: DuckDB allows a single process to hold the warehouse file, so a run's steps run one at a
    # time in one process; dagster.yaml lets one run go at a time.
    executor=dg.in_process_executor,
)
