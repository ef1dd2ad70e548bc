"""The one job that builds the warehouse. The UI, the RAW_DIR sensor, the daily schedule and `make run`
all run it: scan RAW_DIR, extract new content, parse, check, hold back, build the marts with dbt and
publish. A run
over unchanged input skips dbt and publishing (defs/transform/assets.py)."""

import dagster as dg

from .pull.assets import PULL_ASSETS

WAREHOUSE_JOB = dg.define_asset_job(
    name="warehouse",
    # crawling Ofsted's site is its own job (`make pull`, the daily schedule): a build reads RAW_DIR only
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*PULL_ASSETS),
    description="Scan RAW_DIR, extract new content, parse, check with Great Expectations, hold back the "
    "documents that failed a check about themselves, build the marts with dbt and publish. A run over "
    "unchanged input skips dbt and publishing. Settings (RAW_DIR, PUBLISHED_DUCKDB_PATH, "
    "MAX_HELD_BACK_SHARE, ...) can be changed for one run under resources: warehouse: config:.",
)
