"""Great Expectations suites (expectations/*.json) run as blocking checks on the extracted tables."""

from __future__ import annotations

from typing import Iterator

import dagster as dg
import duckdb

CHECK_NAME = "great_expectations_suite"


def gx_check_specs(keys: list[dg.AssetKey]) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            name=CHECK_NAME,
            asset=key,
            blocking=True,
            description=f"expectations/extracted_{key.path[-1]}.json must pass before dbt reads the table.",
        )
        for key in keys
    ]


def gx_check_results(con: duckdb.DuckDBPyConnection, keys: list[dg.AssetKey]) -> Iterator[dg.AssetCheckResult]:
    from ...lib.expectations import suite_path_for, validate_table

    for key in keys:
        table = key.path[-1]
        frame = con.execute(f"SELECT * FROM extracted.{table}").df()
        try:
            result = validate_table(frame, suite_path_for(table))
        except Exception as error:  # a broken suite must fail its check, not pass silently
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=CHECK_NAME,
                passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
                description=f"the suite could not run: {type(error).__name__}: {error}",
            )
            continue
        failures = [failure.describe() for failure in result.failed]
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name=CHECK_NAME,
            passed=result.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description="; ".join(failures)[:2000] if failures else f"{result.evaluated} expectations passed",
            metadata={
                "suite": result.suite_name,
                "expectations_evaluated": result.evaluated,
                "expectations_failed": len(result.failed),
                "rows": len(frame),
                "failures": dg.MetadataValue.md("\n".join(f"- {line}" for line in failures) or "none"),
            },
        )
