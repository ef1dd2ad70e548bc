"""Progress lines for long steps: to the Dagster log (the UI) and to the `ofsted_warehouse.progress`
logger, which `make run` prints to the terminal."""

import logging

import dagster as dg

_terminal = logging.getLogger("ofsted_warehouse.progress")


def reporter(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext):
    def report(message: str) -> None:
        context.log.info(message)
        _terminal.info(message)

    return report
