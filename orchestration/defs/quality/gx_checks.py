"""The Great Expectations suites (expectations/*.json) as checks of the extracted tables.

The checks observe and report: one check step validates every table (an unchanged table keeps its earlier
result, lib/quality/validation.py) and says, for each, which expectations failed and on which documents.
A check that found failures is a warning. Deciding what follows from them (which documents are held back,
and whether a failure is systemic and withholds the publication) is the step after it,
`quality/held_back_documents` (hold_back.py), which reads these results. The checks are blocking so that
step always runs after them; as they never fail with ERROR severity, they never stop a run themselves.
"""

import dagster as dg

from orchestration.lib.core.digests import code_digest
from orchestration.lib.core.schema import EXTRACTED_TABLES
from orchestration.lib.quality.validation import CheckOutcome, check_table

from ..progress import reporter
from ..resources import WarehouseResource

CHECK_NAME = "great_expectations_suite"
KEYS = {table: dg.AssetKey(["extracted", table]) for table in EXTRACTED_TABLES}


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            name=CHECK_NAME,
            asset=key,
            blocking=True,
            description=f"expectations/extracted_{table}.json on every row; a failure is reported as a "
            "warning naming the documents whose rows failed. What is held back is decided by "
            "quality/held_back_documents.",
        )
        for table, key in KEYS.items()
    ],
    name="great_expectations_checks",
    can_subset=True,
)
def great_expectations_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    report = reporter(context)
    report("checks: Great Expectations on the extracted tables (unchanged tables keep their result)")
    selected = set(context.selected_asset_check_keys)
    with warehouse.connect(on_wait=report) as con:
        code = code_digest()
        for table, key in KEYS.items():
            if dg.AssetCheckKey(key, CHECK_NAME) in selected:
                yield result(check_table(con, table, run_id=context.run.run_id, code=code))


def result(outcome: CheckOutcome) -> dg.AssetCheckResult:
    documents = sorted({report_id for finding in outcome.findings for report_id in finding.documents})
    description = outcome.description
    if not outcome.passed and documents:
        description = f"{len(documents)} documents fail it: {description}"
    return dg.AssetCheckResult(
        asset_key=KEYS[outcome.table],
        check_name=CHECK_NAME,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=description[:2000],
        metadata={
            "suite": outcome.suite,
            "expectations_evaluated": outcome.evaluated,
            "expectations_failed": len(outcome.failures),
            "rows": outcome.rows,
            "failures": dg.MetadataValue.md("\n".join(f"- {line}" for line in outcome.failures) or "none"),
            "documents_failing": len(documents),
            "failing_files": dg.MetadataValue.md(
                "\n".join(f"- {name}" for name in outcome.failing_files) or "none"
            ),
            "validated_at": outcome.checked_at,
            # an unchanged table is not validated again: its earlier result stands
            "reused_earlier_result": outcome.reused,
        },
    )
