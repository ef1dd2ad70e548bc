"""Which grade a report gives an area, from every statement of it.

A report states each judgement more than once (a table on the first page, a heading or a sentence in the
body). Wordings of one grade are one grade: "requires improvement" and "requires improvement to be good"
both mean the contract's "Requires improvement to be good". The wordings and the grade each stands for
are read from the dbt seed that normalises grades in the marts (dbt_project/seeds/grade_scale.csv), so
the parser and the marts agree on what counts as the same grade. Statements that still disagree leave the
area's grade unset: the document is held back with the grades it stated, nothing is picked.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

from orchestration.lib.parse.text import collapse

GRADE_SCALE_CSV = Path(__file__).resolve().parents[4] / "dbt_project" / "seeds" / "grade_scale.csv"

# The statement a judgement's page and evidence are cited from, when several state it: the report's
# own summary of its findings first, then the table of grades, then the body.
CITATION_ORDER = {"main_findings": 0, "table": 1, "section_heading": 2, "summary": 3, "paragraph": 4}


@functools.lru_cache(maxsize=1)
def _scale() -> dict[str, str]:
    with open(GRADE_SCALE_CSV, encoding="utf-8", newline="") as handle:
        return {row["grade_as_worded"]: row["grade"] for row in csv.DictReader(handle)}


def grade_meaning(worded: str) -> str:
    """The contract's grade a wording stands for; an unknown wording stands for itself."""
    key = collapse(worded).lower().rstrip(".")
    return _scale().get(key, key)


def chosen_grade(worded: list[str]) -> str | None:
    """The grade as first worded when every statement means the same grade, else None."""
    if not worded:
        return None
    meanings = {grade_meaning(grade) for grade in worded}
    return worded[0] if len(meanings) == 1 else None


def distinct_grades(worded: list[str]) -> int:
    return len({grade_meaning(grade) for grade in worded})
