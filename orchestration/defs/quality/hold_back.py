"""Holding back: the step that decides, from the Great Expectations results of the extracted tables, which
documents are kept out of the marts, and writes that to the file ledger (lib/quality/hold_back.py).

A document whose own rows fail an expectation is held back with the checks and values that failed it; a
failure about a table as a whole, or one that would hold back more than MAX_HELD_BACK_SHARE of the
documents, is systemic: the step's check `publishable` then fails with ERROR severity, which stops dbt
and the publication. Held-back documents alone make it a warning.
"""

import dagster as dg

from orchestration.lib.core.digests import code_digest
from orchestration.lib.core.warehouse import utc_now
from orchestration.lib.ingest.files import printable_name
from orchestration.lib.quality import hold_back as gate
from orchestration.lib.quality.validation import check_table

from .. import markdown
from ..progress import reporter
from ..resources import WarehouseResource
from .gx_checks import KEYS

HELD_BACK_KEY = dg.AssetKey(["quality", "held_back_documents"])
CHECK_NAME = "publishable"


@dg.asset(
    key=HELD_BACK_KEY,
    deps=list(KEYS.values()),
    group_name="staging",
    kinds={"python", "duckdb"},
    owners=["team:ofsted-warehouse"],
    description="Which documents are held back (kept out of the marts, with the checks and values that "
    "failed them), decided from the Great Expectations results of the extracted tables and written to "
    "audit.file_ledger (status held_back) and pipeline.held_back. Its check `publishable` fails, stopping "
    "dbt and the publication, when a failure is systemic: about a table as a whole, or holding back more "
    "than MAX_HELD_BACK_SHARE of the documents.",
    check_specs=[
        dg.AssetCheckSpec(
            CHECK_NAME,
            asset=HELD_BACK_KEY,
            blocking=True,
            description="No systemic failure: every failed expectation is about a few documents, which "
            "are held back (a warning naming them); otherwise an error that withholds the publication.",
        )
    ],
)
def held_back_documents(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    report = reporter(context)
    with warehouse.connect(on_wait=report) as con:
        code = code_digest()
        # the checks' results, kept by the check step (an identical validation is never run twice)
        outcomes = [check_table(con, table, run_id=context.run.run_id, code=code) for table in KEYS]
        decision = gate.decide(outcomes, gate.documents_checked(con), settings.max_held_back_share)
        held_back = gate.apply(con, decision, utc_now())
    if held_back:
        report(f"checks: {len(held_back)} documents held back (kept out of the marts; see audit.file_ledger)")
        for name, reason in held_back:
            report(f"  held back {printable_name(name)}: {printable_name(reason or '')}")
    if decision.systemic:
        passed, severity = False, dg.AssetCheckSeverity.ERROR
        description = "; ".join(decision.systemic)
    elif held_back or decision.warnings:
        passed, severity = False, dg.AssetCheckSeverity.WARN
        parts = [f"{len(held_back)} documents held back"] if held_back else []
        description = "; ".join(parts + decision.warnings)
    else:
        passed, severity = True, dg.AssetCheckSeverity.ERROR
        description = "no document is held back"
    rows = [(printable_name(name), printable_name(reason or "")) for name, reason in held_back]
    return dg.MaterializeResult(
        metadata={
            "documents_held_back": len(held_back),
            "max_held_back_share": settings.max_held_back_share,
            "held_back_documents": dg.MetadataValue.md(
                markdown.table(["file", "why"], rows, "No document is held back.")
            ),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=CHECK_NAME,
                passed=passed,
                severity=severity,
                description=description[:2000],
                metadata={
                    "documents_held_back": len(held_back),
                    "systemic_failures": len(decision.systemic),
                    "max_held_back_share": settings.max_held_back_share,
                },
            )
        ],
    )
