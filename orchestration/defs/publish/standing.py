"""What the outputs drawn from a publication (the report, the workbook, the feed) have in common.

`published_outputs` lists them with the function that draws each from the published file; `make run`
compares each with the standing publication after every run, and draws again any that is missing, was
drawn from another publication or has changed since (lib/publish/outputs.py). A new output adds itself
here.

When a step drawing one fails, the published file and its Parquet copies are already in place, so the
failure never undoes them. The step logs the error, records it as an observation on its asset (which
`make run`'s summary prints) and leaves the asset unmaterialised; the make target named in the message
draws it again, and so does the next `make run`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from orchestration.lib.publish.outputs import Output

from ...settings import Settings

_terminal = logging.getLogger("ofsted_warehouse.progress")


def published_outputs(settings: Settings) -> list[Output]:
    """Every output drawn from the publication at PUBLISHED_DUCKDB_PATH, with how to draw it again."""
    from orchestration.lib.outputs.feed import build_feed, feed_path_for
    from orchestration.lib.outputs.report.page import build_report
    from orchestration.lib.outputs.workbook import workbook_path_for, write_workbook

    published = settings.published_duckdb_path
    workbook = workbook_path_for(published)
    return [
        Output(
            "workbook",
            workbook,
            lambda: write_workbook(published, workbook, settings.raw_dir),
            "make export",
        ),
        Output(
            "report",
            settings.report_dir,
            lambda: build_report(published, settings.report_dir, settings.raw_dir),
            "make report",
        ),
        Output(
            "feed",
            feed_path_for(published),
            lambda: build_feed(published),
            "make export",
        ),
    ]


def record_failure(context, key, path: Path, error: Exception, what: str, remedy: str) -> None:
    import dagster as dg

    message = (
        f"{what}: {type(error).__name__}: {error}. The published warehouse is not affected; `{remedy}` "
        "does it again"
    )
    context.log.error(message)
    _terminal.error(message)
    context.log_event(
        dg.AssetObservation(
            asset_key=key,
            metadata={"error": f"{type(error).__name__}: {error}", "path": dg.MetadataValue.path(str(path))},
        )
    )
