"""The Great Expectations suites (expectations/*.json) as blocking checks of the extracted tables.

One check step validates every table (an unchanged table keeps its earlier result) and then applies the
verdict at the grain of a document (lib/quality/hold_back.py):
a document whose own rows fail is held back, with the
checks and values that failed it, and the check reports it as a warning; a failure about a table as a whole,
or one that would hold back more than MAX_HELD_BACK_SHARE of the documents, fails the check with ERROR
severity, which stops dbt and the publication.
"""

import dagster as dg

from orchestration.lib.core.digests import code_digest
from orchestration.lib.core.schema import EXTRACTED_TABLES
from orchestration.lib.core.warehouse import utc_now
from orchestration.lib.ingest.files import printable_name
from orchestration.lib.quality import hold_back as gate
from orchestration.lib.quality.validation import CheckOutcome, check_table

from ... import settings as settings_module
from .. import markdown
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
            description=f"expectations/extracted_{table}.json on every row. "
            "A document whose rows fail is held "
            "back (a warning naming it); a failure of the table as a whole, or of more than "
            "MAX_HELD_BACK_SHARE of the documents, is an error that stops the build.",
        )
        for table, key in KEYS.items()
    ],
    name="great_expectations_checks",
    can_subset=True,
)
def great_expectations_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    settings = settings_module.load()
    report = reporter(context)
    selected = {key for key in context.selected_asset_check_keys}
    report("checks: Great Expectations on the extracted tables (unchanged tables keep their result)")
    with warehouse.connect(on_wait=report) as con:
        code = code_digest()
        # every table takes part in the verdict, whichever checks were selected: what holds a document
        # back is all of its rows
        outcomes = [check_table(con, table, run_id=context.run.run_id, code=code) for table in KEYS]
        decision = gate.decide(outcomes, gate.documents_checked(con), settings.max_held_back_share)
        held_back = gate.apply(con, decision, utc_now())
    if held_back:
        report(f"checks: {len(held_back)} documents held back (kept out of the marts; see audit.file_ledger)")
        for name, reason in held_back:
            report(f"  held back {printable_name(name)}: {printable_name(reason or '')}")
    for outcome in outcomes:
        if dg.AssetCheckKey(KEYS[outcome.table], CHECK_NAME) in selected:
            yield _result(outcome, decision)


def _result(outcome: CheckOutcome, decision: gate.Decision) -> dg.AssetCheckResult:
    verdict = decision.by_table.get(outcome.table, {})
    systemic, warnings, held = (
        verdict.get("systemic", []),
        verdict.get("warnings", []),
        verdict.get("held_back", []),
    )
    if systemic:
        passed, severity = False, dg.AssetCheckSeverity.ERROR
        description = "; ".join(systemic)[:2000]
    elif held or warnings:
        passed, severity = False, dg.AssetCheckSeverity.WARN
        parts = [f"{len(held)} documents held back"] if held else []
        description = "; ".join(parts + warnings)[:2000]
    else:
        passed, severity = True, dg.AssetCheckSeverity.ERROR
        description = outcome.description
    return dg.AssetCheckResult(
        asset_key=KEYS[outcome.table],
        check_name=CHECK_NAME,
        passed=passed,
        severity=severity,
        description=description,
        metadata={
            "suite": outcome.suite,
            "expectations_evaluated": outcome.evaluated,
            "expectations_failed": len(outcome.failures),
            "rows": outcome.rows,
            "failures": dg.MetadataValue.md("\n".join(f"- {line}" for line in outcome.failures) or "none"),
            "documents_held_back": len(held),
            "held_back_documents": dg.MetadataValue.md(
                markdown.table(
                    ["report", "why"],
                    [(report_id, "; ".join(decision.held_back[report_id])) for report_id in held],
                    "No document is held back by this table's checks.",
                )
            ),
            "validated_at": outcome.checked_at,
            # an unchanged table is not validated again: its earlier result stands
            "reused_earlier_result": outcome.reused,
        },
    )
