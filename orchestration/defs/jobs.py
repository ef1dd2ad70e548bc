"""Jobs. The sensor, the schedule and the UI run `warehouse`, every asset from the pull to the published
file. `make run` runs the same assets in two parts, `ingest` and then, only when the extracted tables
changed, `build_and_publish`: a rerun over unchanged input then never loads dbt nor plans its ~80
checks, which is most of the cost of a run that has nothing to do."""

import dagster as dg

from ..lib.schema import EXTRACTED_TABLES

INGEST_SELECTION = dg.AssetSelection.keys(
    "raw/downloads", "audit/file_ledger", "raw/pages", *[f"extracted/{table}" for table in EXTRACTED_TABLES]
)

WAREHOUSE_JOB = dg.define_asset_job(
    name="warehouse",
    selection=dg.AssetSelection.all(),
    description="Pull (when PULL_MANIFEST is set), scan RAW_DIR, extract new content, parse, check, build the "
    "marts with dbt and publish. A run over unchanged input skips dbt and publishing.",
)

INGEST_JOB = dg.define_asset_job(
    name="ingest",
    selection=INGEST_SELECTION,
    description="Pull, scan RAW_DIR, extract new content, parse and check the extracted tables; the first "
    "half of `make run`.",
)

BUILD_JOB = dg.define_asset_job(
    name="build_and_publish",
    selection=dg.AssetSelection.all() - INGEST_SELECTION,
    description="dbt seeds, staging and marts with their tests, then publishing and the HTML report; the "
    "second half of `make run`, run only when the extracted tables changed.",
)
