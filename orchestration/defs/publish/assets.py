"""Published layer: the file analysts and BI tools open, replaced only after every check passed."""


import dagster as dg
import duckdb

from ... import settings as settings_module
from ...lib.publish import publish, table_checksums
from ..progress import reporter

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
    report = reporter(context)
    report(f"publish: writing {settings.published_duckdb_path} and its Parquet copies")
    result = publish(settings.duckdb_path, settings.published_duckdb_path, settings.parquet_dir)
    context.log.info(f"published {result.path}")
    # read back from the writer's file: this process has no business opening the readers' file
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        latest = con.execute(
            """SELECT i.local_authority_id, coalesce(a.local_authority_name, i.local_authority_id),
                      i.report_type, i.inspection_end_date, i.overall_effectiveness
               FROM marts.fct_inspections i
               LEFT JOIN marts.dim_local_authorities a USING (local_authority_id)
               ORDER BY i.inspection_end_date DESC NULLS LAST, 2 LIMIT 10"""
        ).fetchall()
        checksums = table_checksums(con, "marts")
    finally:
        con.close()
    preview = ["| authority | report type | ended | overall effectiveness |", "| --- | --- | --- | --- |"]
    preview += [f"| {name} | {kind} | {ended or 'not stated'} | {grade or '-'} |" for _, name, kind, ended, grade in latest]
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "parquet_dir": dg.MetadataValue.path(str(result.parquet_dir)),
            **{f"rows_{name.replace('.', '_')}": count for name, count in result.tables.items()},
            # equal between two runs exactly when the mart's content is
            **{f"checksum_marts_{table}": checksum for table, checksum in checksums.items()},
            "latest_judgements": dg.MetadataValue.md("\n".join(preview)),
        }
    )
