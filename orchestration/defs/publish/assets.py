"""Published layer: the file analysts and BI tools open, replaced only after every check passed."""

from pathlib import Path

import dagster as dg

from orchestration.lib.core.warehouse import insert_rows, utc_now
from orchestration.lib.publish.changes import Changes, changes_against, forget_unpublished, record_changes
from orchestration.lib.publish.fingerprint import (
    latest_publication,
    publication_problem,
    warehouse_fingerprint,
)
from orchestration.lib.publish.publication import (
    FileDigest,
    PublishResult,
    parquet_digests,
    parquet_digests_json,
    publish,
    table_checksums,
)

from .. import markdown
from ..progress import reporter
from ..resources import WarehouseResource
from ..transform.assets import warehouse_dbt_models

PUBLISHED_KEY = dg.AssetKey(["published", "warehouse"])
# every mart dbt builds: the publication waits for all of them
MART_KEYS = [key for key in warehouse_dbt_models.keys if key.path[0] == "marts"]
MART_TABLES = sorted(key.path[-1] for key in MART_KEYS)


@dg.asset(
    key=PUBLISHED_KEY,
    deps=[*MART_KEYS, dg.AssetKey(["audit", "file_ledger"])],
    group_name="published",
    kinds={"duckdb", "parquet"},
    owners=["team:ofsted-warehouse"],
    output_required=False,
    description="PUBLISHED_DUCKDB_PATH (schemas marts and audit, readable by DuckDB 1.1+) and a Parquet copy "
    "of every mart beside it. Runs only when every upstream step and blocking check succeeded, and only "
    "when something the marts are built from changed since the last publication (audit.publications). "
    "A publication that would remove more than half of the published reports is refused (the standing "
    "one is kept, and the refusal recorded as an observation) unless ALLOW_SHRINK=1.",
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    report = reporter(context)
    with warehouse.writer_lock(on_wait=report):
        # said already by the build step, which did not skip for this reason; kept for the summary and the UI
        again = _why_again(warehouse, settings.published_duckdb_path, settings.parquet_dir)
        with warehouse.connect() as con:
            for run_id in forget_unpublished(con, settings.published_duckdb_path):
                report(f"publish: forgot the publication of run {run_id}, which never reached readers")
            changes = changes_against(con, settings.published_duckdb_path)
        refused = changes.shrink_problem(settings.allow_shrink)
        if refused:
            # not an error of the run: a decision, which the summary prints and the exit status carries
            report(f"publish: {refused}")
            context.log_event(dg.AssetObservation(asset_key=PUBLISHED_KEY, metadata={"refused": refused}))
            return
        fingerprint = _record_publication(warehouse, context.run_id, settings.published_duckdb_path, changes)
        report(f"publish: writing {settings.published_duckdb_path} and its Parquet copies")
        try:
            result = publish(
                warehouse.path, settings.published_duckdb_path, settings.parquet_dir, context.run_id
            )
        except BaseException:
            # a publication already renamed into place keeps its row, whatever stopped the step after
            published = latest_publication(settings.published_duckdb_path)
            if (
                published is None
                or published.warehouse_fingerprint != fingerprint
                or published.run_id != context.run_id
            ):
                _forget_publication(warehouse, fingerprint, context.run_id)
            else:
                _record_digests_of_files(warehouse, context.run_id, settings)
            raise
        _record_digests(warehouse, context.run_id, result)
        # Read back from the writer's file, which holds exactly what was just copied: this process has
        # no business opening the readers' file (DuckDB would hand it a cached, replaced database).
        latest, checksums = _read_back(warehouse)
    context.log.info(f"published {result.path}")
    yield dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "parquet_dir": dg.MetadataValue.path(str(result.parquet_dir)),
            "warehouse_fingerprint": fingerprint,
            **({"republished_because": again} if again else {}),
            "reports_added": len(changes.added),
            "reports_removed": len(changes.removed),
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


def _record_publication(
    warehouse: WarehouseResource, run_id: str, published_path: Path, changes: Changes
) -> str:
    """The row, and the reports it adds and removes, go in before the copy, so the published file names
    the state it holds and what changed."""
    published_at = utc_now()
    with warehouse.connect() as con:
        fingerprint = warehouse_fingerprint(con, max_held_back_share=warehouse.settings().max_held_back_share)
        record_changes(con, changes, run_id, published_at)
        insert_rows(
            con,
            "audit.publications",
            [
                {
                    "published_at": published_at,
                    "run_id": run_id,
                    "warehouse_fingerprint": fingerprint,
                    "published_path": str(published_path),
                }
            ],
        )
    return fingerprint


def _why_again(warehouse: WarehouseResource, published_path: Path, parquet_dir: Path) -> str | None:
    """When this publication only repeats the one standing (same fingerprint), why: the published file
    or its Parquet copies no longer match what that publication wrote."""
    standing = latest_publication(published_path)
    if published_path.exists() and standing is None:
        return f"the published file {published_path} cannot be read"
    if standing is None:
        return None
    with warehouse.connect() as con:
        share = warehouse.settings().max_held_back_share
        if standing.warehouse_fingerprint != warehouse_fingerprint(con, max_held_back_share=share):
            return None
        return publication_problem(con, standing, published_path, parquet_dir)


def _record_digests(warehouse: WarehouseResource, run_id: str, result: PublishResult) -> None:
    """What was renamed into place, so the next run can check that readers still get it."""
    assert result.file is not None  # publish() records the file it renamed into place
    with warehouse.connect() as con:
        con.execute(
            """UPDATE audit.publications SET file_size = ?, file_mtime_ns = ?, file_sha256 = ?,
                      parquet_files = ?, verified_at = ?
               WHERE run_id = ?""",
            [
                result.file.size,
                result.file.mtime_ns,
                result.file.sha256,
                parquet_digests_json(result.parquet),
                utc_now(),
                run_id,
            ],
        )


def _record_digests_of_files(warehouse: WarehouseResource, run_id: str, settings) -> None:
    """The publication was renamed into place before the step stopped: its digests are taken from the
    files now in place, when they can be (else the next run finds none and publishes again)."""
    try:
        _record_digests(
            warehouse,
            run_id,
            PublishResult(
                settings.published_duckdb_path,
                settings.parquet_dir,
                {},
                FileDigest.of(settings.published_duckdb_path),
                parquet_digests(settings.parquet_dir),
            ),
        )
    except Exception:  # noqa: BLE001  (the step is failing already; the next run checks and republishes)
        pass


def _forget_publication(warehouse: WarehouseResource, fingerprint: str, run_id: str) -> None:
    with warehouse.connect() as con:
        con.execute(
            "DELETE FROM audit.publications WHERE run_id = ? AND warehouse_fingerprint = ?",
            [run_id, fingerprint],
        )
        con.execute("DELETE FROM audit.report_changes WHERE run_id = ?", [run_id])


def _read_back(warehouse: WarehouseResource) -> tuple[list[tuple], dict[str, str]]:
    """The ten latest inspections for the preview, and a checksum of every mart."""
    with warehouse.connect() as con:
        latest = con.execute(
            """SELECT coalesce(a.local_authority_name, i.local_authority_id), i.report_type,
                      coalesce(i.inspection_end_date::VARCHAR, 'not stated'),
                      coalesce(i.overall_effectiveness, '-')
               FROM marts.fct_inspections i
               LEFT JOIN marts.dim_local_authorities a USING (local_authority_id)
               ORDER BY i.inspection_end_date DESC NULLS LAST, 1 LIMIT 10"""
        ).fetchall()
        checksums = table_checksums(con, "marts")
    return latest, checksums
