"""The warehouse's value lists (report types, judgement areas, grades, timescales...), read from dbt seeds.

Each list is kept once, as a dbt seed: dbt_project/seeds/vocabulary/<list>.csv, and grade_scale.csv for
grades and the ways reports word them. Both kinds of check draw on those files:

- dbt tests compare a model's column with the seed in the warehouse (test `in_value_list`,
  dbt_project/tests/generic/in_value_list.sql), so the models' YAML names a seed, never a value;
- the Great Expectations suites name a list instead of spelling it out, with GX's own suite parameters:
  `"value_set": {"$PARAMETER": "report_types"}`; `expectations.validate_table` passes every list below as
  the parameters, read from the seeds when the suite runs.

Seeds rather than a Python module are the source because dbt can only test against a table, and a CSV is
where an analyst already looks up what a code means. Filling the suites when they run (rather than writing
the values into the JSON files) leaves nothing to regenerate and nothing that can fall out of step: adding
a value to a seed changes both checks at once. Parsers keep their wording patterns; tests assert that every
code they can emit is in these lists.
"""

from __future__ import annotations

import csv
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parents[3] / "dbt_project" / "seeds"


@dataclass(frozen=True)
class ValueList:
    """The values of `column` in a seed, optionally only the rows where `where_column` is `where_value`."""

    seed: str  # path under dbt_project/seeds
    column: str
    where_column: str | None = None
    where_value: str | None = None

    @property
    def path(self) -> Path:
        return SEEDS_DIR / self.seed


# List name (as the suites' $PARAMETER names it) -> where its values are kept. A list that is a part of
# another (visit types are the report types with a row in fct_visits) is read from the same rows, so
# each value is still written once.
VALUE_LISTS: dict[str, ValueList] = {
    "report_types": ValueList("vocabulary/report_types.csv", "report_type"),
    "graded_report_types": ValueList(
        "vocabulary/report_types.csv", "report_type", "fact_table", "fct_inspections"
    ),
    "visit_types": ValueList("vocabulary/report_types.csv", "report_type", "fact_table", "fct_visits"),
    "judgement_areas": ValueList("vocabulary/judgement_areas.csv", "judgement_area"),
    "grades": ValueList("grade_scale.csv", "grade"),
    # the parsers write a grade as the report words it, lower-cased; grade_scale maps each wording to a grade
    "grade_wordings": ValueList("grade_scale.csv", "grade_as_worded"),
    "timescales": ValueList("vocabulary/timescales.csv", "timescale"),
    "recommendation_addressees": ValueList("vocabulary/recommendation_addressees.csv", "addressed_to"),
    "inspection_kinds": ValueList("vocabulary/inspection_kinds.csv", "inspection_kind"),
    "statement_kinds": ValueList("vocabulary/statement_kinds.csv", "statement_kind"),
    "ledger_statuses": ValueList("vocabulary/ledger_statuses.csv", "status"),
    "catalogue_statuses": ValueList("vocabulary/catalogue_statuses.csv", "status"),
    "finding_kinds": ValueList("vocabulary/finding_kinds.csv", "finding_kind"),
    "area_send_outcomes": ValueList("vocabulary/area_send_outcomes.csv", "outcome"),
    "jtai_theme_groups": ValueList("jtai_themes.csv", "theme_group"),
    "national_framework_kinds": ValueList("national_framework.csv", "kind"),
    "event_kinds": ValueList("event_kinds.csv", "event_kind"),
}


class UnknownValueList(KeyError):
    """A name that is not one of VALUE_LISTS."""


def seed_rows(path: Path) -> list[dict[str, str]]:
    """A seed's rows; re-read when the file changes, so a long-running process sees an edited seed."""
    stat = path.stat()
    return _read_rows(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=32)
def _read_rows(path_str: str, _mtime_ns: int, _size: int) -> list[dict[str, str]]:
    with open(path_str, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def value_list(name: str) -> list[str]:
    """The list's values in the seed's order, each once; an empty cell is no value (dbt loads it as null)."""
    try:
        spec = VALUE_LISTS[name]
    except KeyError:
        raise UnknownValueList(f"no value list {name!r}; known lists: {', '.join(VALUE_LISTS)}") from None
    values: list[str] = []
    for row in seed_rows(spec.path):
        if spec.where_column and row.get(spec.where_column) != spec.where_value:
            continue
        value = row[spec.column]
        if value and value not in values:
            values.append(value)
    return values


def value_lists() -> dict[str, list[str]]:
    """Every list by name: the suite parameters the Great Expectations suites are validated with."""
    return {name: value_list(name) for name in VALUE_LISTS}


def digest() -> str:
    """SHA-256 over every seed a list is read from, so a cached check result is reused only while the lists
    it was checked against are unchanged."""
    sha = hashlib.sha256()
    for path in sorted({spec.path for spec in VALUE_LISTS.values()}):
        sha.update(path.relative_to(SEEDS_DIR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


if __name__ == "__main__":  # print the lists, e.g. to see what a suite parameter stands for
    for list_name, listed in value_lists().items():
        print(f"{list_name}: {', '.join(listed)}")
