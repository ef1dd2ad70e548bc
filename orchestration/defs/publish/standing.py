"""What the steps drawn from a publication (the report, the workbook) do when they fail: the published file
and its Parquet copies are already in place, so the failure never undoes them. The step logs the error,
records it as an observation on its asset (which `make run`'s summary prints) and leaves the asset
unmaterialised; the make target named in the message draws it again."""

import logging
from pathlib import Path

import dagster as dg

_terminal = logging.getLogger("ofsted_warehouse.progress")


def record_failure(
    context: dg.AssetExecutionContext, key: dg.AssetKey, path: Path, error: Exception, what: str, remedy: str
) -> None:
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
