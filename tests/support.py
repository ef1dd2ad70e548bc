"""Helpers shared by the tests: building a warehouse in temporary folders and comparing it with gold."""

from __future__ import annotations

import contextlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
GOLD_SEEDS = REPO / "tests" / "fixtures" / "gold_seeds.json"
# the judgement areas ../shared/archive/expected.csv gives a column each (from Ofsted's statistics)
ARCHIVE_GRADE_AREAS = [
    "overall_effectiveness",
    "impact_of_leaders",
    "help_and_protection",
    "children_in_care",
    "children_in_care_and_care_leavers",
    "care_leavers",
    "adoption",
    "leadership_management_governance",
    "lscb",
]


@contextlib.contextmanager
def environment(**values: str):
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass
class Build:
    result: object
    raw_dir: Path
    duckdb_path: Path
    published_path: Path

    @property
    def parquet_dir(self) -> Path:
        return self.published_path.parent / "parquet"

    def failed_checks(self) -> list:
        return [e for e in self.result.get_asset_check_evaluations() if not e.passed]

    def published(self) -> duckdb.DuckDBPyConnection:
        from orchestration.lib.publish.publication import open_published

        return open_published(self.published_path)

    def skipped_steps(self) -> list[str]:
        return [e.step_key for e in self.result.all_events if e.event_type_value == "STEP_SKIPPED"]


def build_warehouse(
    raw_dir: Path, work_dir: Path, published_path: Path | None = None, **settings: str
) -> Build:
    """Run the warehouse job (as `make run` and the sensor do) in this process over raw_dir, writing
    only under work_dir, with the run history of work_dir/.dagster (each warehouse has its own, as under
    `make run`). settings: more settings for the run, by name (EXTRACT_MEMORY_MB="256", ...), passed
    to it as its resources."""
    import dagster as dg

    from orchestration import settings as settings_module
    from orchestration.defs.resources import resources_for

    published_path = published_path or work_dir / "published" / "ofsted.duckdb"
    duckdb_path = work_dir / "warehouse.duckdb"
    pinned = settings_module.load(
        {
            "RAW_DIR": str(raw_dir),
            "DUCKDB_PATH": str(duckdb_path),
            "PUBLISHED_DUCKDB_PATH": str(published_path),
            **settings,
        },
        env_file=None,
    )
    from orchestration.definitions import defs

    history = work_dir / ".dagster"
    history.mkdir(parents=True, exist_ok=True)
    with dg.DagsterInstance.local_temp(str(history)) as instance:
        result = defs.resolve_job_def("warehouse").execute_in_process(
            instance=instance, resources=resources_for(pinned), raise_on_error=False
        )
    return Build(result, raw_dir, duckdb_path, published_path)


def norm(value) -> str | None:
    """Gold's text comparison: NFKC, straight quotes, one space, no leading bullet or trailing stop, any
    case."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value))
    text = text.translate(str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'}))
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"^[-–•*\uf0b7]\s*", "", text)
    return text.rstrip(".").strip().lower()


def load_gold() -> dict:
    return json.loads(GOLD_SEEDS.read_text())["documents"]


@dataclass
class Accuracy:
    """Fields compared, fields right, and a readable line for each one wrong."""

    fields: int = 0
    matched: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.matched / self.fields if self.fields else 1.0


def compare_with_truth(
    con: duckdb.DuckDBPyConnection,
    documents: dict,
    name_of=lambda source_file: source_file,
    source: str = "truth",
) -> Accuracy:
    """Every field a truth file states (gold_seeds.json, or a generated corpus's truth) against the marts.
    Text compares with `norm`, everything else exactly; a field the truth does not state is not compared."""
    result = Accuracy()
    reports = {
        name_of(row[0]): row[1:]
        for row in con.execute(
            """SELECT r.source_file, r.report_id, r.report_type, r.local_authority_id,
                      r.local_authority_as_written, a.local_authority_name
               FROM marts.dim_reports r LEFT JOIN marts.dim_local_authorities a USING (local_authority_id)"""
        ).fetchall()
    }
    for document, want in documents.items():

        def check(name, got, expected, document=document):
            result.fields += 1
            if isinstance(expected, str) or isinstance(got, str):
                same = norm(got) == norm(expected)
            else:
                same = got == expected
            if same:
                result.matched += 1
            else:
                result.problems.append(f"{document}: {name} is {got!r}, {source} says {expected!r}")

        if document not in reports:
            check("in marts.dim_reports", False, True)
            continue
        report_id, report_type, authority_id, as_written, authority_name = reports[document]
        check("report_type", report_type, want["report_type"])
        check("gss_code", authority_id, want["gss_code"])
        check("local_authority", authority_name, want["local_authority"])
        check("local_authority_as_written", as_written, want["local_authority_as_written"])
        if want["report_type"] in ("monitoring_visit", "focused_visit"):
            _compare_visit(con, report_id, want, check)
        else:
            _compare_inspection(con, report_id, want, check)
        if "recommendations" in want:
            _compare_recommendations(con, report_id, want["recommendations"], check)
    return result


def compare_with_gold(
    con: duckdb.DuckDBPyConnection, gold: dict, name_of=lambda source_file: source_file
) -> list[str]:
    """Every field of gold that the marts get wrong, as readable lines (empty when exact)."""
    return compare_with_truth(con, gold, name_of, source="gold").problems


def _compare_visit(con, report_id, want, check) -> None:
    rows = con.execute(
        """SELECT visit_type, letter_date, visit_start_date, visit_end_date, visit_number, lead_inspector,
                  inspectors, addressee, addressee_role, previous_inspection_year, progress_summary, visit_id
           FROM marts.fct_visits WHERE report_id = ?""",
        [report_id],
    ).fetchall()
    check("fct_visits rows", len(rows), 1)
    if not rows:
        return
    visit_type, letter, start, end, number, lead, inspectors, addressee, role, previous, summary, visit_id = (
        rows[0]
    )
    check("visit_type", visit_type, want["report_type"])
    check("letter_date", _iso(letter), want["letter_date"])
    check("visit_start_date", _iso(start), want["visit_start_date"])
    check("visit_end_date", _iso(end), want["visit_end_date"])
    check("visit_number", number, want["visit_number"])
    check("lead_inspector", lead, want["lead_inspector"])
    check("inspectors", inspectors, "; ".join(want["inspectors"]))
    check("addressee", addressee, want["addressee"])
    check("addressee_role", role, want["addressee_role"])
    check("previous_inspection_year", previous, want["previous_inspection_year"])
    check("progress_summary", summary, want["progress_summary"])
    areas = [
        row[0]
        for row in con.execute(
            "SELECT area_text FROM marts.fct_visit_focus_areas WHERE visit_id = ? ORDER BY area_number",
            [visit_id],
        ).fetchall()
    ]
    check("areas_covered count", len(areas), len(want["areas_covered"]))
    for index, (got, expected) in enumerate(zip(areas, want["areas_covered"]), start=1):
        check(f"areas_covered[{index}]", got, expected)


def _compare_inspection(con, report_id, want, check) -> None:
    rows = con.execute(
        """SELECT inspection_start_date, inspection_end_date, lead_inspector, inspection_kind, inspection_id
           FROM marts.fct_inspections WHERE report_id = ?""",
        [report_id],
    ).fetchall()
    check("fct_inspections rows", len(rows), 1)
    if not rows:
        return
    start, end, lead, kind, inspection_id = rows[0]
    check("inspection_start_date", _iso(start), want["inspection_start_date"])
    check("inspection_end_date", _iso(end), want["inspection_end_date"])
    check("lead_inspector", lead, want["lead_inspector"])
    if "inspection_kind" in want:
        check("inspection_kind", kind, want["inspection_kind"])
    judgements = dict(
        con.execute(
            "SELECT judgement_area, grade FROM marts.fct_judgements WHERE inspection_id = ?", [inspection_id]
        ).fetchall()
    )
    for area, grade in want["judgements"].items():
        check(f"judgement {area}", judgements.get(area), grade)
    check("judgement areas", sorted(judgements), sorted(want["judgements"]))


def _compare_recommendations(con, report_id, wanted: list[dict], check) -> None:
    rows = con.execute(
        """SELECT recommendation_number, timescale, addressed_to, is_priority, recommendation_text
           FROM marts.fct_recommendations WHERE report_id = ? ORDER BY recommendation_number""",
        [report_id],
    ).fetchall()
    check("recommendation count", len(rows), len(wanted))
    for (number, timescale, addressed_to, is_priority, text), expected in zip(rows, wanted):
        check(f"recommendation {number} timescale", timescale, expected["timescale"])
        for name, got in (("addressed_to", addressed_to), ("is_priority", is_priority)):
            if name in expected:
                check(f"recommendation {number} {name}", got, expected[name])
        check(f"recommendation {number} text", text, expected["text"])


def _iso(value):
    return value.isoformat() if value is not None else None


def extract_with(
    con: duckdb.DuckDBPyConnection,
    raw: Path,
    *,
    timeout_seconds=60,
    memory_mb=1024,
    workers=None,
    clock=None,
):
    """The extract step without Dagster: a pool of extraction processes over raw, closed afterwards.
    `clock`: what the timeout is measured on (tests/fixtures/clocks.py), else the machine's clock."""
    from orchestration.lib.extract import store as extracting
    from orchestration.lib.extract.pool import ExtractionPool, Limits

    options = {} if clock is None else {"clock": clock}
    pool = ExtractionPool(Path(raw).resolve(), Limits(timeout_seconds, memory_mb), workers, **options)
    try:
        return extracting.extract(con, pool)
    finally:
        pool.close()
