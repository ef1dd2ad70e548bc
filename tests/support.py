"""Helpers shared by the tests: building a warehouse in temporary folders and comparing it with gold."""

from __future__ import annotations

import contextlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
GOLD_SEEDS = REPO / "tests" / "fixtures" / "gold_seeds.json"


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
        from orchestration.lib.publish import open_published

        return open_published(self.published_path)


    def skipped_steps(self) -> list[str]:
        return [e.step_key for e in self.result.all_events if e.event_type_value == "STEP_SKIPPED"]


def build_warehouse(
    raw_dir: Path, work_dir: Path, published_path: Path | None = None, **settings: str
) -> Build:
    """Run the warehouse job (as `make run` and the sensor do) in this process over raw_dir, writing
    only under work_dir. settings: more environment variables for the run (EXTRACT_MEMORY_MB="256", ...)."""
    published_path = published_path or work_dir / "published" / "ofsted.duckdb"
    duckdb_path = work_dir / "warehouse.duckdb"
    with environment(
        RAW_DIR=str(raw_dir), DUCKDB_PATH=str(duckdb_path), PUBLISHED_DUCKDB_PATH=str(published_path), **settings
    ):
        from orchestration.definitions import defs

        result = defs.resolve_job_def("warehouse").execute_in_process(raise_on_error=False)
    return Build(result, raw_dir, duckdb_path, published_path)


def norm(value) -> str | None:
    """Gold's text comparison: NFKC, straight quotes, one space, no leading bullet or trailing stop, any case."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value))
    text = text.translate(str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'}))
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"^[-–•*\uf0b7]\s*", "", text)
    return text.rstrip(".").strip().lower()


def load_gold() -> dict:
    return json.loads(GOLD_SEEDS.read_text())["documents"]


def compare_with_gold(
    con: duckdb.DuckDBPyConnection, gold: dict, name_of=lambda source_file: source_file
) -> list[str]:
    """Every field of gold that the marts get wrong, as readable lines (empty when exact)."""
    problems: list[str] = []
    reports = {
        name_of(row[0]): row
        for row in con.execute(
            """SELECT source_file, report_id, report_type, local_authority_id, local_authority_as_written
               FROM marts.dim_reports"""
        ).fetchall()
    }
    for document, truth in gold.items():
        if document not in reports:
            problems.append(f"{document}: not in marts.dim_reports")
            continue
        _, report_id, report_type, authority_id, as_written = reports[document]

        def check(field, got, want):
            if isinstance(want, str) or isinstance(got, str):
                same = norm(got) == norm(want)
            else:
                same = got == want
            if not same:
                problems.append(f"{document}: {field} is {got!r}, gold says {want!r}")

        check("report_type", report_type, truth["report_type"])
        check("gss_code", authority_id, truth["gss_code"])
        check("local_authority_as_written", as_written, truth["local_authority_as_written"])
        name = con.execute(
            "SELECT local_authority_name FROM marts.dim_local_authorities WHERE local_authority_id = ?",
            [authority_id],
        ).fetchall()
        check("local_authority", name[0][0] if name else None, truth["local_authority"])
        if truth["report_type"] == "monitoring_visit":
            row = con.execute(
                """SELECT letter_date, visit_start_date, visit_end_date, visit_number, lead_inspector, inspectors,
                          addressee, addressee_role, previous_inspection_year, progress_summary, visit_id
                   FROM marts.fct_visits WHERE report_id = ?""",
                [report_id],
            ).fetchall()
            if not row:
                problems.append(f"{document}: no fct_visits row")
                continue
            (letter, start, end, number, lead, inspectors, addressee, role, previous, summary, visit_id) = (
                row[0]
            )
            check("letter_date", _iso(letter), truth["letter_date"])
            check("visit_start_date", _iso(start), truth["visit_start_date"])
            check("visit_end_date", _iso(end), truth["visit_end_date"])
            check("visit_number", number, truth["visit_number"])
            check("lead_inspector", lead, truth["lead_inspector"])
            check("inspectors", inspectors, "; ".join(truth["inspectors"]))
            check("addressee", addressee, truth["addressee"])
            check("addressee_role", role, truth["addressee_role"])
            check("previous_inspection_year", previous, truth["previous_inspection_year"])
            check("progress_summary", summary, truth["progress_summary"])
            areas = [
                r[0]
                for r in con.execute(
                    "SELECT area_text FROM marts.fct_visit_focus_areas WHERE visit_id = ? ORDER BY area_number",
                    [visit_id],
                ).fetchall()
            ]
            check("areas_covered count", len(areas), len(truth["areas_covered"]))
            for index, (got, want) in enumerate(zip(areas, truth["areas_covered"]), start=1):
                check(f"areas_covered[{index}]", got, want)
            continue
        row = con.execute(
            """SELECT inspection_start_date, inspection_end_date, lead_inspector, inspection_id
               FROM marts.fct_inspections WHERE report_id = ?""",
            [report_id],
        ).fetchall()
        if not row:
            problems.append(f"{document}: no fct_inspections row")
            continue
        start, end, lead, inspection_id = row[0]
        check("inspection_start_date", _iso(start), truth["inspection_start_date"])
        check("inspection_end_date", _iso(end), truth["inspection_end_date"])
        check("lead_inspector", lead, truth["lead_inspector"])
        judgements = dict(
            con.execute(
                "SELECT judgement_area, grade FROM marts.fct_judgements WHERE inspection_id = ?",
                [inspection_id],
            ).fetchall()
        )
        for area, grade in truth["judgements"].items():
            check(f"judgement {area}", judgements.get(area), grade)
        extra = set(judgements) - set(truth["judgements"])
        if extra:
            problems.append(f"{document}: judgements not in gold: {sorted(extra)}")
        recommendations = con.execute(
            """SELECT recommendation_number, timescale, recommendation_text FROM marts.fct_recommendations
               WHERE report_id = ? ORDER BY recommendation_number""",
            [report_id],
        ).fetchall()
        check("recommendation count", len(recommendations), len(truth["recommendations"]))
        for (number, timescale, text), want in zip(recommendations, truth["recommendations"]):
            check(f"recommendation {number} timescale", timescale, want["timescale"])
            check(f"recommendation {number} text", text, want["text"])
    return problems


def _iso(value):
    return value.isoformat() if value is not None else None
