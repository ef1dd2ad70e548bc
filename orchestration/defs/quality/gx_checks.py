"""Great Expectations suites (expectations/*.json) run as blocking checks on the extracted tables."""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg
import duckdb

from ...lib.checks import CheckOutcome, check_table
from ...lib.files import printable_name
from ...lib.fingerprint import code_digest

CHECK_NAME = "great_expectations_suite"


def gx_check_specs(keys: list[dg.AssetKey]) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            name=CHECK_NAME,
            asset=key,
            blocking=True,
            description=f"expectations/extracted_{key.path[-1]}.json must pass before dbt reads the table. "
            "The result names each failing expectation and the files behind the failing rows.",
        )
        for key in keys
    ]


def gx_check_results(
    con: duckdb.DuckDBPyConnection, keys: list[dg.AssetKey], run_id: str | None = None
) -> Iterator[dg.AssetCheckResult]:
    code = code_digest()
    for key in keys:
        yield check_result(key, check_table(con, key.path[-1], run_id=run_id, code=code))


def check_result(key: dg.AssetKey, outcome: CheckOutcome) -> dg.AssetCheckResult:
    metadata = {
        "suite": outcome.suite,
        "expectations_evaluated": outcome.evaluated,
        "expectations_failed": len(outcome.failures),
        "rows": outcome.rows,
        "failures": dg.MetadataValue.md("\n".join(f"- {line}" for line in outcome.failures) or "none"),
        "failing_files": dg.MetadataValue.md("\n".join(f"- {printable_name(name)}" for name in outcome.failing_files) or "none"),
        "validated_at": outcome.checked_at,
        # an unchanged table is not validated again: its earlier result stands
        "reused_earlier_result": outcome.reused,
    }
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=CHECK_NAME,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=outcome.description,
        metadata=metadata,
    )
