"""The pipeline over the real Ofsted PDFs in ../shared/corpus, compared field by field with expected.csv.

Prints a table of accuracy per field. The floor asserted here is the accuracy the parsers have reached;
it only ever moves up, so a change that breaks a family of reports fails the suite."""

import csv
from collections import defaultdict

import pytest

from tests.integration.test_archive_accuracy import nothing_to_list_items
from tests.support import build_warehouse

pytestmark = pytest.mark.integration

ACCURACY_FLOOR = 1.0
TYPES = {
    "sif": "sif_inspection",
    "sif_reinspection": "sif_inspection",
    "ilacs_standard": "ilacs_inspection",
    "ilacs_short": "ilacs_inspection",
    "focused_visit": "focused_visit",
}
KINDS = {
    "sif": "standard",
    "sif_reinspection": "reinspection",
    "ilacs_standard": "standard",
    "ilacs_short": "short",
}
AREAS = [
    "overall_effectiveness",
    "impact_of_leaders",
    "help_and_protection",
    "children_in_care",
    "care_leavers",
    "children_in_care_and_care_leavers",
    "adoption",
    "leadership_management_governance",
    "lscb",
]


def test_corpus_accuracy(shared_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("corpus")
    build = build_warehouse(shared_dir / "corpus" / "pdf", work)
    expected = list(csv.DictReader(open(shared_dir / "corpus" / "expected.csv", encoding="utf-8")))
    con = build.published() if build.result.success else None
    if con is None:
        pytest.fail(f"the corpus run failed its checks: {[e.description for e in build.failed_checks()]}")
    scores: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    wrong: list[str] = []
    try:
        # a sentence saying there is nothing to list is never a recommendation
        nothing = nothing_to_list_items(con)
        for row in expected:
            report = con.execute(
                """SELECT r.report_id, r.report_type, a.local_authority_name, i.inspection_kind,
                          coalesce(i.inspection_start_date, v.visit_start_date),
                          coalesce(i.inspection_end_date, v.visit_end_date),
                          coalesce(i.lead_inspector, v.lead_inspector)
                   FROM marts.dim_reports r
                   LEFT JOIN marts.dim_local_authorities a USING (local_authority_id)
                   LEFT JOIN marts.fct_inspections i ON i.report_id = r.report_id
                   LEFT JOIN marts.fct_visits v ON v.report_id = r.report_id
                   WHERE r.source_file = ? ORDER BY r.part_number LIMIT 1""",
                [row["file"]],
            ).fetchall()
            got = (
                dict(
                    zip(["report_id", "report_type", "authority", "kind", "start", "end", "lead"], report[0])
                )
                if report
                else {}
            )

            def score(field, value, want):
                ok = (value or "") == (want or "")
                scores[field][0] += ok
                scores[field][1] += 1
                if not ok:
                    wrong.append(f"{row['file']}: {field} = {value!r}, expected {want!r}")

            score("report_type", got.get("report_type"), TYPES[row["doc_type"]])
            if row["doc_type"] in KINDS:
                score("inspection_kind", got.get("kind"), KINDS[row["doc_type"]])
            score("local_authority", got.get("authority"), row["local_authority"])
            score("start_date", str(got.get("start") or ""), row["inspection_start_date"])
            score("end_date", str(got.get("end") or ""), row["inspection_end_date"])
            windows = con.execute(
                """SELECT string_agg(window_start_date || '/' || window_end_date, ';' ORDER BY window_number)
                   FROM marts.fct_date_windows WHERE report_id = ?""",
                [got.get("report_id")],
            ).fetchall()[0][0]
            score("visit and inspection windows", windows, row["inspection_windows"])
            if row["inspectors_named"]:
                named = con.execute(
                    "SELECT inspectors FROM marts.fct_visits WHERE report_id = ?", [got.get("report_id")]
                ).fetchall()
                score("inspectors named (visits)", named[0][0] if named else None, row["inspectors_named"])
            score(
                "lead_inspectors",
                got.get("lead"),
                "; ".join(p.strip() for p in row["lead_inspectors"].split(";")),
            )
            # a PDF may hold two reports (a SIF report and the board's review): the file's truth covers both
            grades = dict(
                con.execute(
                    """SELECT judgement_area, lower(grade) FROM marts.fct_judgements j
                   JOIN marts.fct_inspections i USING (inspection_id) WHERE i.source_file = ?""",
                    [row["file"]],
                ).fetchall()
            )
            if row["doc_type"] != "focused_visit":
                for area in AREAS:
                    score(f"grade {area}", grades.get(area), row[area].lower() or None)
            counts = dict(
                con.execute(
                    """SELECT addressed_to, count(*) FROM marts.fct_recommendations
                   JOIN marts.dim_reports r USING (report_id) WHERE r.source_file = ? GROUP BY 1""",
                    [row["file"]],
                ).fetchall()
            )
            score(
                "recommendations (authority)",
                str(counts.get("local_authority", 0)),
                row["what_needs_to_improve_count"] or "0",
            )
            if row["doc_type"].startswith("sif"):
                score(
                    "recommendations (LSCB)",
                    str(counts.get("lscb", 0)),
                    row["lscb_recommendations_count"] or "0",
                )
    finally:
        con.close()
    right = sum(a for a, _ in scores.values())
    total = sum(b for _, b in scores.values())
    print("\nfield accuracy over the corpus")
    for field, (a, b) in scores.items():
        print(f"  {field:<45} {a:>3}/{b:<3} {a / b:6.1%}")
    print(f"  {'all fields':<45} {right:>3}/{total:<3} {right / total:6.1%}")
    print("\n".join(wrong))
    assert right / total >= ACCURACY_FLOOR
    assert nothing == []
