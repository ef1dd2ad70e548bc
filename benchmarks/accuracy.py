"""The published marts against a generated corpus's truth (benchmarks/generate.py), field by field.

`compare(con, truth)` returns how many fields were checked, how many matched and a readable line for
each mismatch. Text compares as the gold files do (tests/support.py `norm`: NFKC, straight quotes, one
space, no leading bullet nor trailing full stop, any case); everything else exactly.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support import norm  # noqa: E402


@dataclass
class Accuracy:
    fields: int = 0
    matched: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.matched / self.fields if self.fields else 1.0

    def check(self, document: str, name: str, got, want) -> None:
        self.fields += 1
        same = norm(got) == norm(want) if isinstance(want, str) or isinstance(got, str) else got == want
        if same:
            self.matched += 1
        else:
            self.problems.append(f"{document}: {name} is {got!r}, truth says {want!r}")


def _iso(value):
    return value.isoformat() if value is not None else None


def compare(con: duckdb.DuckDBPyConnection, truth: dict) -> Accuracy:
    result = Accuracy()
    reports = {
        row[0]: row[1:]
        for row in con.execute(
            """SELECT r.source_file, r.report_id, r.report_type, r.local_authority_id, r.local_authority_as_written,
                      a.local_authority_name
               FROM marts.dim_reports r LEFT JOIN marts.dim_local_authorities a USING (local_authority_id)"""
        ).fetchall()
    }
    for document, want in truth["documents"].items():
        if document not in reports:
            result.check(document, "loaded", False, True)
            continue
        report_id, report_type, authority_id, as_written, authority_name = reports[document]
        check = lambda name, got, expected: result.check(document, name, got, expected)  # noqa: E731
        check("report_type", report_type, want["report_type"])
        check("gss_code", authority_id, want["gss_code"])
        check("local_authority", authority_name, want["local_authority"])
        check("local_authority_as_written", as_written, want["local_authority_as_written"])
        if want["report_type"] in ("monitoring_visit", "focused_visit"):
            _visit(con, report_id, want, check)
        else:
            _inspection(con, report_id, want, check)
        _recommendations(con, report_id, want, check)
    return result


def _visit(con, report_id, want, check) -> None:
    rows = con.execute(
        """SELECT letter_date, visit_start_date, visit_end_date, visit_number, lead_inspector, inspectors,
                  progress_summary, visit_id, visit_type, addressee, addressee_role, previous_inspection_year
           FROM marts.fct_visits WHERE report_id = ?""",
        [report_id],
    ).fetchall()
    check("fct_visits row", len(rows), 1)
    if not rows:
        return
    letter, start, end, number, lead, inspectors, summary, visit_id, visit_type, addressee, role, previous = rows[0]
    check("visit_type", visit_type, want["report_type"])
    check("letter_date", _iso(letter), want["letter_date"])
    check("visit_start_date", _iso(start), want["visit_start_date"])
    check("visit_end_date", _iso(end), want["visit_end_date"])
    check("visit_number", number, want["visit_number"])
    check("lead_inspector", lead, want["lead_inspector"])
    check("inspectors", inspectors, "; ".join(want["inspectors"]))
    check("progress_summary", summary, want["progress_summary"])
    check("addressee", addressee, want["addressee"])
    check("addressee_role", role, want["addressee_role"])
    check("previous_inspection_year", previous, want["previous_inspection_year"])
    areas = [row[0] for row in con.execute(
        "SELECT area_text FROM marts.fct_visit_focus_areas WHERE visit_id = ? ORDER BY area_number", [visit_id]
    ).fetchall()]
    check("areas_covered count", len(areas), len(want["areas_covered"]))
    for index, (got, expected) in enumerate(zip(areas, want["areas_covered"]), start=1):
        check(f"areas_covered[{index}]", got, expected)


def _inspection(con, report_id, want, check) -> None:
    rows = con.execute(
        """SELECT inspection_start_date, inspection_end_date, lead_inspector, inspection_kind, inspection_id
           FROM marts.fct_inspections WHERE report_id = ?""",
        [report_id],
    ).fetchall()
    check("fct_inspections row", len(rows), 1)
    if not rows:
        return
    start, end, lead, kind, inspection_id = rows[0]
    check("inspection_start_date", _iso(start), want["inspection_start_date"])
    check("inspection_end_date", _iso(end), want["inspection_end_date"])
    check("lead_inspector", lead, want["lead_inspector"])
    check("inspection_kind", kind, want["inspection_kind"])
    judgements = dict(con.execute(
        "SELECT judgement_area, grade FROM marts.fct_judgements WHERE inspection_id = ?", [inspection_id]
    ).fetchall())
    for area, grade in want["judgements"].items():
        check(f"judgement {area}", judgements.get(area), grade)
    check("judgement areas", sorted(judgements), sorted(want["judgements"]))


def _recommendations(con, report_id, want, check) -> None:
    rows = con.execute(
        """SELECT recommendation_number, timescale, addressed_to, is_priority, recommendation_text
           FROM marts.fct_recommendations WHERE report_id = ? ORDER BY recommendation_number""",
        [report_id],
    ).fetchall()
    check("recommendation count", len(rows), len(want["recommendations"]))
    for (number, timescale, addressed_to, is_priority, text), expected in zip(rows, want["recommendations"]):
        check(f"recommendation {number} timescale", timescale, expected["timescale"])
        check(f"recommendation {number} addressed_to", addressed_to, expected["addressed_to"])
        check(f"recommendation {number} is_priority", is_priority, expected["is_priority"])
        check(f"recommendation {number} text", text, expected["text"])
