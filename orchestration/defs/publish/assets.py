"""Published layer: the file analysts and BI tools open, replaced only after every check passed."""

from pathlib import Path

import dagster as dg

from ... import settings as settings_module
from ...lib import warehouse
from ...lib.fingerprint import warehouse_fingerprint
from ...lib.publish import publish, table_checksums
from .. import markdown
from ..progress import reporter

PUBLISHED_KEY = dg.AssetKey(["published", "warehouse"])
MART_TABLES = [
    "dim_local_authorities", "dim_reports", "fct_inspections", "fct_judgements",
    "fct_recommendations", "fct_recommendation_themes", "dim_recommendation_theme_phrases",
    "fct_visits", "fct_visit_focus_areas", "fct_date_windows",
]


@dg.asset(
    key=PUBLISHED_KEY,
    deps=[dg.AssetKey(["marts", name]) for name in MART_TABLES] + [dg.AssetKey(["audit", "file_ledger"])],
    group_name="published",
    kinds={"duckdb", "parquet"},
    owners=["team:ofsted-warehouse"],
    description="PUBLISHED_DUCKDB_PATH (schemas marts and audit, readable by DuckDB 1.1+) and a Parquet copy "
    "of every mart beside it. Runs only when every upstream step and blocking check succeeded, and only "
    "when something the marts are built from changed since the last publication (audit.publications).",
)
def published_warehouse(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = settings_module.load()
    report = reporter(context)
    with warehouse.writer_lock(settings.duckdb_path, on_wait=report):
        fingerprint = _record_publication(settings.duckdb_path, context.run_id, settings.published_duckdb_path)
        report(f"publish: writing {settings.published_duckdb_path} and its Parquet copies")
        try:
            result = publish(settings.duckdb_path, settings.published_duckdb_path, settings.parquet_dir)
        except BaseException:
            _forget_publication(settings.duckdb_path, fingerprint, context.run_id)
            raise
        # Read back from the writer's file, which holds exactly what was just copied: this process has
        # no business opening the readers' file (DuckDB would hand it a cached, replaced database).
        latest, checksums = _read_back(settings.duckdb_path)
    context.log.info(f"published {result.path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "parquet_dir": dg.MetadataValue.path(str(result.parquet_dir)),
            "warehouse_fingerprint": fingerprint,
            **{f"rows_{name.replace('.', '_')}": count for name, count in result.tables.items()},
            # equal between two runs exactly when the mart's content is
            **{f"checksum_marts_{table}": checksum for table, checksum in checksums.items()},
            "latest_judgements": dg.MetadataValue.md(
                markdown.table(
                    ["authority", "report type", "ended", "overall effectiveness"],
                    latest,
                    "No graded inspection is loaded.",
                )
            ),
        }
    )


def _record_publication(duckdb_path: Path, run_id: str, published_path: Path) -> str:
    """The row goes in before the copy, so the published file names the state it holds."""
    with warehouse.connect(duckdb_path) as con:
        fingerprint = warehouse_fingerprint(con)
        warehouse.insert_rows(con, "audit.publications", [{
            "published_at": warehouse.utc_now(), "run_id": run_id,
            "warehouse_fingerprint": fingerprint, "published_path": str(published_path),
        }])
    return fingerprint


def _forget_publication(duckdb_path: Path, fingerprint: str, run_id: str) -> None:
    with warehouse.connect(duckdb_path) as con:
        con.execute(
            "DELETE FROM audit.publications WHERE run_id = ? AND warehouse_fingerprint = ?", [run_id, fingerprint]
        )


def _read_back(duckdb_path: Path) -> tuple[list[tuple], dict[str, str]]:
    """The ten latest inspections for the preview, and a checksum of every mart."""
    with warehouse.connect(duckdb_path) as con:
        latest = con.execute(
            """SELECT coalesce(a.local_authority_name, i.local_authority_id), i.report_type,
                      coalesce(i.inspection_end_date::VARCHAR, 'not stated'), coalesce(i.overall_effectiveness, '-')
               FROM marts.fct_inspections i
               LEFT JOIN marts.dim_local_authorities a USING (local_authority_id)
               ORDER BY i.inspection_end_date DESC NULLS LAST, 1 LIMIT 10"""
        ).fetchall()
        checksums = table_checksums(con, "marts")
    return latest, checksums
