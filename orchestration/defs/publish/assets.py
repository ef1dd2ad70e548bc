"""Published layer: the file analysts and BI tools open, replaced only after every check passed."""


import dagster as dg

from ... import settings as settings_module
from ...lib.publish import publish

MART_TABLES = [
    "dim_local_authorities", "dim_reports", "fct_inspections", "fct_judgements",
    "fct_recommendations", "fct_visits", "fct_visit_focus_areas",
]


@dg.asset(
    key=["published", "warehouse"],
    deps=[dg.AssetKey(["marts", name]) for name in MART_TABLES] + [dg.AssetKey(["audit", "file_ledger"])],
    group_name="published",
    kinds={"duckdb", "parquet"},
    owners=["team:ofsted-warehouse"],
    description="PUBLISHED_DUCKDB_PATH (schemas marts and audit, readable by DuckDB 1.1+) and a Parquet copy "
    "of every mart beside it. Runs only when every upstream step and blocking check succeeded.",
)
def published_warehouse(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = settings_module.load()
    result = publish(settings.duckdb_path, settings.published_duckdb_path, settings.parquet_dir)
    context.log.info(f"published {result.path}")
    from ...lib.publish import open_published

    con = open_published(result.path)
    try:
        latest = con.execute(
            """SELECT i.local_authority_id, coalesce(a.local_authority_name, i.local_authority_id),
                      i.report_type, i.inspection_end_date, i.overall_effectiveness
               FROM marts.fct_inspections i
               LEFT JOIN marts.dim_local_authorities a USING (local_authority_id)
               ORDER BY i.inspection_end_date DESC NULLS LAST, 2 LIMIT 10"""
        ).fetchall()
    finally:
        con.close()
    preview = ["| authority | report type | ended | overall effectiveness |", "| --- | --- | --- | --- |"]
    preview += [f"| {name} | {kind} | {ended or 'not stated'} | {grade or '-'} |" for _, name, kind, ended, grade in latest]
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "parquet_dir": dg.MetadataValue.path(str(result.parquet_dir)),
            **{f"rows_{name.replace('.', '_')}": count for name, count in result.tables.items()},
            "latest_judgements": dg.MetadataValue.md("\n".join(preview)),
        }
    )
