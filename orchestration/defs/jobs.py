"""The one job: every asset, from the pull to the published file. Sensors and schedules run it whole;
each step skips the work that is already done (see lib/fingerprint.py and lib/checks.py)."""

import dagster as dg

WAREHOUSE_JOB = dg.define_asset_job(
    name="warehouse",
    selection=dg.AssetSelection.all(),
    description="Pull (when PULL_MANIFEST is set), scan RAW_DIR, extract new content, parse, check, build the "
    "marts with dbt and publish. A run over unchanged input skips dbt and publishing.",
)
