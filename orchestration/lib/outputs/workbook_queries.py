"""The queries of the workbook's data sheets, each with its title and a description for the About sheet.
Optional sheets (Timeline, from marts.fct_council_events) are given only when the published file has their
table; otherwise `left_out` says why. Columns a published file lacks are read as NULL where a sheet can do
without them."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

LINK_COLUMN = "report"
# Columns a query returns only to build the link; they are not written as columns of their own.
LINK_SOURCE_URL, LINK_SOURCE_FILE, LINK_PAGE = "link_source_url", "link_source_file", "link_page"
LINK_FIELDS = (LINK_SOURCE_URL, LINK_SOURCE_FILE, LINK_PAGE)

# Judgement areas in the order the sheets show them: the headline first, then ILACS, SIF, and the
# 2012-13 frameworks. An area the warehouse gains later is appended after these.
JUDGEMENT_AREAS = (
    "overall_effectiveness",
    "impact_of_leaders",
    "help_and_protection",
    "children_in_care",
    "care_leavers",
    "children_in_care_and_care_leavers",
    "adoption",
    "leadership_management_governance",
    "lscb",
    "quality_of_practice",
    "leadership_and_governance",
    "capacity_to_improve",
    "outcomes_for_looked_after_children",
    "quality_of_provision",
    "leadership_and_management",
)

# A report's date: an inspection's last day, a visit's last day or letter, else its publication date.
_REPORT_DATE = "coalesce(i.inspection_end_date, v.visit_end_date, v.letter_date, d.publication_date)"


@dataclass(frozen=True)
class Sheet:
    title: str
    description: str
    query: str


def _judgement_areas(con: duckdb.DuckDBPyConnection) -> list[str]:
    found = {
        row[0] for row in con.execute("SELECT DISTINCT judgement_area FROM marts.fct_judgements").fetchall()
    }
    return [*JUDGEMENT_AREAS, *sorted(found - set(JUDGEMENT_AREAS) - {None})]


def columns_of(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    """The columns of a table of the published file; empty when it has no such table."""
    return {
        row[0]
        for row in con.execute(
            """SELECT column_name FROM information_schema.columns
               WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ?""",
            [schema, table],
        ).fetchall()
    }


def _pick(present: set[str], alias: str, columns: list[str]) -> str:
    """`alias.column` for each column the table has, NULL under its name for each it lacks."""
    return ", ".join(f"{alias}.{c}" if c in present else f"NULL AS {c}" for c in columns)


def _neighbours(con: duckdb.DuckDBPyConnection) -> str:
    """Each authority's statistical neighbours, nearest first: from the bridge table
    marts.dim_statistical_neighbours when the file has it, else from the list on dim_local_authorities."""
    if {"local_authority_id", "neighbour_rank", "neighbour_id"} <= columns_of(
        con, "marts", "dim_statistical_neighbours"
    ):
        source = (
            "SELECT local_authority_id, neighbour_rank, neighbour_id FROM marts.dim_statistical_neighbours"
        )
    else:
        source = """SELECT local_authority_id,
                           generate_subscripts(statistical_neighbours, 1) AS neighbour_rank,
                           unnest(statistical_neighbours) AS neighbour_id
                    FROM marts.dim_local_authorities"""
    return f"""SELECT n.local_authority_id,
                      string_agg(coalesce(a.local_authority_name, n.neighbour_id), '; '
                                 ORDER BY n.neighbour_rank) AS statistical_neighbour_names,
                      string_agg(n.neighbour_id, '; ' ORDER BY n.neighbour_rank)
                          AS statistical_neighbour_codes
               FROM ({source}) AS n
               LEFT JOIN marts.dim_local_authorities AS a ON a.local_authority_id = n.neighbour_id
               GROUP BY n.local_authority_id"""


TIMELINE_COLUMNS = [
    "local_authority_id",
    "report_date",
    "event_kind_label",
    "headline_outcome",
    "event_start_date",
    "event_end_date",
    "report_type",
    "event_kind",
    "report_id",
    "event_id",
]


def _timeline(con: duckdb.DuckDBPyConnection, left_out: dict[str, str]) -> list[Sheet]:
    present = columns_of(con, "marts", "fct_council_events")
    if not present:
        left_out["Timeline"] = (
            "marts.fct_council_events is not in this published file (a warehouse without the council "
            "timeline): no Timeline sheet."
        )
        return []
    return [
        Sheet(
            "Timeline",
            "One row per event of every council, newest first within each council: graded inspections of "
            "each framework, monitoring and focused visits, joint targeted area inspections and area SEND "
            "inspections, with the headline outcome in words (marts.fct_council_events).",
            f"""SELECT a.local_authority_name, {_pick(present, "e", TIMELINE_COLUMNS)},
                       {"e.document_url" if "document_url" in present else "NULL"} AS {LINK_SOURCE_URL},
                       {"e.source_file" if "source_file" in present else "NULL"} AS {LINK_SOURCE_FILE},
                       NULL AS {LINK_PAGE}
                FROM marts.fct_council_events AS e
                LEFT JOIN marts.dim_local_authorities AS a USING (local_authority_id)
                ORDER BY a.local_authority_name, e.local_authority_id,
                         {"e.report_date" if "report_date" in present else "1"} DESC NULLS LAST""",
        )
    ]


def sheets(con: duckdb.DuckDBPyConnection, left_out: dict[str, str]) -> list[Sheet]:
    """The data sheets of the published file open on `con`, in order."""
    areas = _judgement_areas(con)
    # a successor council shown with the inspection of the authority it replaced says so
    inherited = (
        """WHEN l.inspection_id IS NOT NULL
                AND l.inspected_as_local_authority_id IS DISTINCT FROM l.local_authority_id
               THEN 'graded inspection of the authority it replaced ('
                    || l.inspected_as_local_authority_id || ')'"""
        if "inspected_as_local_authority_id" in columns_of(con, "marts", "fct_latest_inspections")
        else ""
    )
    grades = ",\n".join(
        f"max(j.grade) FILTER (WHERE j.judgement_area = '{area}') AS {area}" for area in areas
    )
    # the page a headline came from: the overall effectiveness, else the first judgement of the report
    headline_page = """coalesce(min(j.page_number) FILTER (WHERE j.judgement_area = 'overall_effectiveness'),
                                min(j.page_number))"""
    return [
        Sheet(
            "Latest inspections",
            "One row per current authority: what the warehouse holds for it in words (what_is_loaded: a "
            "council with no report loaded says so), its latest graded inspection under any framework (the "
            "April 2026 ILACS framework, which has no overall effectiveness, included; never an LSCB "
            "review), the inspection of the authority it replaced where it has none of its own "
            "(inspected_as_local_authority_id), every judgement as a column, the latest visit since, how "
            "many of its statistical neighbours were last judged outstanding, good, requires improvement, "
            "inadequate or not graded, and the neighbours by name, nearest first, with their codes beside "
            "(marts.fct_latest_inspections).",
            f"""WITH pages AS (
                    SELECT inspection_id, {headline_page} AS page_number
                    FROM marts.fct_judgements AS j GROUP BY inspection_id
                ),
                neighbours AS ({_neighbours(con)}),
                reports AS (
                    SELECT local_authority_id, count(*) AS reports FROM marts.dim_reports GROUP BY ALL
                )
                SELECT l.local_authority_id, l.local_authority_name,
                       CASE {inherited}
                           WHEN l.inspection_id IS NOT NULL THEN 'graded inspection loaded'
                           WHEN coalesce(r.reports, 0) = 0 THEN 'NO REPORT LOADED for this council'
                           ELSE 'no graded inspection loaded; ' || r.reports || ' other report'
                                || CASE WHEN r.reports = 1 THEN '' ELSE 's' END
                       END AS what_is_loaded,
                       l.* EXCLUDE (local_authority_id, local_authority_name),
                       n.statistical_neighbour_names, n.statistical_neighbour_codes,
                       d.source_url AS {LINK_SOURCE_URL}, d.source_file AS {LINK_SOURCE_FILE},
                       p.page_number AS {LINK_PAGE}
                FROM marts.fct_latest_inspections AS l
                LEFT JOIN neighbours AS n USING (local_authority_id)
                LEFT JOIN reports AS r USING (local_authority_id)
                LEFT JOIN marts.dim_reports AS d ON d.report_id = l.inspection_id
                LEFT JOIN pages AS p ON p.inspection_id = l.inspection_id
                ORDER BY l.local_authority_name, l.local_authority_id""",
        ),
        Sheet(
            "Inspections",
            "One row per graded inspection report of any framework (LSCB reviews included), with a column "
            "per judgement area: only the areas of the inspection's framework are filled "
            "(marts.fct_inspections with marts.fct_judgements).",
            f"""WITH wide AS (
                    SELECT j.inspection_id, {grades}, {headline_page} AS page_number
                    FROM marts.fct_judgements AS j GROUP BY j.inspection_id
                )
                SELECT i.inspection_id, a.local_authority_name, i.local_authority_id, i.report_type,
                       i.inspection_kind, i.inspection_start_date, i.inspection_end_date, i.publication_date,
                       i.lead_inspector, {", ".join(f"w.{area}" for area in areas)}, i.source_file,
                       d.source_url AS {LINK_SOURCE_URL}, d.source_file AS {LINK_SOURCE_FILE},
                       w.page_number AS {LINK_PAGE}
                FROM marts.fct_inspections AS i
                LEFT JOIN marts.dim_local_authorities AS a USING (local_authority_id)
                LEFT JOIN marts.dim_reports AS d ON d.report_id = i.report_id
                LEFT JOIN wide AS w ON w.inspection_id = i.inspection_id
                ORDER BY a.local_authority_name, coalesce(i.inspection_end_date, i.publication_date),
                         i.inspection_id""",
        ),
        Sheet(
            "Recommendations",
            "One row per recommendation, area for improvement or area for priority action of any report, "
            "with its themes ('; '-separated) and the date of its report (marts.fct_recommendations).",
            f"""SELECT r.recommendation_id, a.local_authority_name, r.local_authority_id, r.report_id,
                       r.report_type, {_REPORT_DATE} AS report_date, r.recommendation_number, r.timescale,
                       r.addressed_to, r.is_priority, r.themes, r.recommendation_text,
                       d.source_url AS {LINK_SOURCE_URL}, d.source_file AS {LINK_SOURCE_FILE},
                       r.page_number AS {LINK_PAGE}
                FROM marts.fct_recommendations AS r
                LEFT JOIN marts.dim_local_authorities AS a USING (local_authority_id)
                LEFT JOIN marts.dim_reports AS d ON d.report_id = r.report_id
                LEFT JOIN marts.fct_inspections AS i ON i.report_id = r.report_id
                LEFT JOIN marts.fct_visits AS v ON v.report_id = r.report_id
                ORDER BY a.local_authority_name, report_date, r.report_id, r.recommendation_number""",
        ),
        Sheet(
            "Visits",
            "One row per monitoring or focused visit letter, with a focused visit's theme and the areas the "
            "letter says the visit covered, numbered in the letter's order (marts.fct_visits with "
            "marts.fct_visit_focus_areas).",
            f"""WITH areas AS (
                    SELECT visit_id,
                           string_agg(area_number || '. ' || area_text, '; ' ORDER BY area_number)
                               AS focus_areas,
                           min(page_number) AS page_number
                    FROM marts.fct_visit_focus_areas GROUP BY visit_id
                )
                SELECT v.visit_id, a.local_authority_name, v.local_authority_id, v.visit_type, v.visit_number,
                       v.letter_date, v.visit_start_date, v.visit_end_date, v.lead_inspector, v.inspectors,
                       v.visit_theme, f.focus_areas, v.progress_summary, v.preceding_inspection_id,
                       v.source_file,
                       d.source_url AS {LINK_SOURCE_URL}, d.source_file AS {LINK_SOURCE_FILE},
                       f.page_number AS {LINK_PAGE}
                FROM marts.fct_visits AS v
                LEFT JOIN marts.dim_local_authorities AS a USING (local_authority_id)
                LEFT JOIN marts.dim_reports AS d ON d.report_id = v.report_id
                LEFT JOIN areas AS f ON f.visit_id = v.visit_id
                ORDER BY a.local_authority_name, coalesce(v.visit_start_date, v.letter_date), v.visit_id""",
        ),
        *_timeline(con, left_out),
    ]
