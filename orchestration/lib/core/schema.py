"""DuckDB tables written by the Python side of the warehouse.

`audit` records what happened to every input file and each publication, `raw` keeps downloads and
extracted page text keyed by content hash, `extracted` holds what the report parsers read, one table per
entity, with the page and evidence text each value came from, and `pipeline` keeps the bookkeeping that
lets a run skip work already done. dbt reads `extracted` and `audit` as sources; `audit` is published
beside the marts, the rest stays in the writer's file.
"""

from __future__ import annotations

SCHEMAS = ("audit", "raw", "extracted", "pipeline")

# Each table: ordered (column, DuckDB type). The order is the insert order used by the writers.
TABLES: dict[str, list[tuple[str, str]]] = {
    "audit.file_ledger": [
        ("source_file", "VARCHAR"),
        ("source_sha256", "VARCHAR"),
        ("size_bytes", "BIGINT"),
        ("media_kind", "VARCHAR"),  # pdf | text | null when the file type is not read
        # loaded | quarantined | duplicate | held_back | removed (no longer in RAW_DIR)
        ("status", "VARCHAR"),
        ("status_reason", "VARCHAR"),
        ("report_id", "VARCHAR"),
        ("first_seen_at", "TIMESTAMP"),
        ("extracted_at", "TIMESTAMP"),
        ("last_seen_at", "TIMESTAMP"),
        ("is_present", "BOOLEAN"),
    ],
    # One row per publication: readers find in their copy which state of the warehouse it holds.
    "audit.publications": [
        ("published_at", "TIMESTAMP"),
        ("run_id", "VARCHAR"),
        ("warehouse_fingerprint", "VARCHAR"),  # digest of everything the marts are built from
        ("published_path", "VARCHAR"),
        # What was renamed into place, so a later run can tell a damaged or changed copy: the published
        # file's size, modification time (ns) and SHA-256 (recorded in the working warehouse only: a file
        # cannot hold its own digest), and each Parquet copy's, as JSON {name: [size, mtime_ns, sha256]}.
        ("file_size", "BIGINT"),
        ("file_mtime_ns", "BIGINT"),
        ("file_sha256", "VARCHAR"),
        ("parquet_files", "VARCHAR"),
        ("verified_at", "TIMESTAMP"),  # when the published files' contents were last hashed and matched
    ],
    # What each publication added and removed, by report id, against the publication it replaced
    # (lib/publish/changes.py); the workbook's "What's new" sheet and the Atom feed read it.
    "audit.report_changes": [
        ("published_at", "TIMESTAMP"),
        ("run_id", "VARCHAR"),
        ("report_id", "VARCHAR"),
        ("change", "VARCHAR"),  # added | removed
        ("local_authority_id", "VARCHAR"),
        ("report_type", "VARCHAR"),
        ("source_file", "VARCHAR"),
    ],
    # One row per publication link seen on Ofsted's reports site (`make pull`), with what became of it.
    "audit.source_catalogue": [
        ("ofsted_urn", "VARCHAR"),
        ("local_authority_id", "VARCHAR"),
        ("kind", "VARCHAR"),  # the link text's kind, e.g. "Children's services inspection"
        ("publication_date", "DATE"),
        ("url", "VARCHAR"),
        ("file_id", "VARCHAR"),
        ("first_seen_at", "TIMESTAMP"),
        ("last_seen_at", "TIMESTAMP"),
        ("status", "VARCHAR"),  # downloaded | not_read | dead | refused | failed (lib/ingest/catalogue.py)
        ("status_reason", "VARCHAR"),
        ("source_file", "VARCHAR"),  # where it was saved, relative to RAW_DIR
        ("source_sha256", "VARCHAR"),
        ("document_kind", "VARCHAR"),  # the kind the link text names, e.g. joint_targeted_area_inspection
        ("listed_authority_name", "VARCHAR"),  # the heading of the provider page the link is on
        ("final_url", "VARCHAR"),  # where the file came from, after redirects
        ("document_authority_id", "VARCHAR"),  # the authority the parsed document names
    ],
    "raw.documents": [
        ("source_sha256", "VARCHAR"),
        ("media_kind", "VARCHAR"),  # pdf | text
        ("page_count", "INTEGER"),  # null for text files
        ("extractor_version", "VARCHAR"),
        ("extracted_at", "TIMESTAMP"),
        ("error", "VARCHAR"),  # why extraction failed; null when it worked
        ("failure_kind", "VARCHAR"),  # timeout | memory | changed: failures a later run may retry
        ("timeout_seconds", "DOUBLE"),  # the limits it was extracted under
        ("memory_mb", "INTEGER"),
    ],
    "raw.pages": [
        ("source_sha256", "VARCHAR"),
        ("page_number", "INTEGER"),
        ("page_text", "VARCHAR"),
    ],
    "extracted.reports": [
        ("report_id", "VARCHAR"),
        ("source_file", "VARCHAR"),
        ("source_sha256", "VARCHAR"),
        ("part_number", "INTEGER"),
        ("report_type", "VARCHAR"),
        ("parser_version", "VARCHAR"),
        ("title", "VARCHAR"),
        ("local_authority_as_written", "VARCHAR"),
        ("local_authority_id", "VARCHAR"),
        ("page_count", "INTEGER"),
        ("publication_date", "DATE"),
        ("inspection_kind", "VARCHAR"),
        ("inspection_start_date", "DATE"),
        ("inspection_end_date", "DATE"),
        ("lead_inspector", "VARCHAR"),
        ("inspectors", "VARCHAR"),
    ],
    "extracted.date_windows": [
        ("report_id", "VARCHAR"),
        ("window_number", "INTEGER"),
        ("start_date", "DATE"),
        ("end_date", "DATE"),
    ],
    "extracted.judgements": [
        ("report_id", "VARCHAR"),
        ("judgement_area", "VARCHAR"),
        ("grade", "VARCHAR"),  # null when the statements disagree
        ("statement_count", "INTEGER"),
        ("distinct_grade_count", "INTEGER"),
        ("grades_stated", "VARCHAR"),  # every grade stated for the area, '; '-joined, in document order
        ("page_number", "INTEGER"),
        ("evidence", "VARCHAR"),
    ],
    "extracted.judgement_statements": [
        ("report_id", "VARCHAR"),
        ("judgement_area", "VARCHAR"),
        ("statement_kind", "VARCHAR"),  # summary | section_heading | main_findings | table
        ("grade", "VARCHAR"),
        ("page_number", "INTEGER"),
        ("evidence", "VARCHAR"),
    ],
    "extracted.recommendations": [
        ("report_id", "VARCHAR"),
        ("recommendation_number", "INTEGER"),
        ("timescale", "VARCHAR"),
        ("addressed_to", "VARCHAR"),
        ("is_priority", "BOOLEAN"),
        ("recommendation_text", "VARCHAR"),  # without the national framework cross-reference
        ("page_number", "INTEGER"),
        ("evidence", "VARCHAR"),
        ("national_framework_kind", "VARCHAR"),  # outcome | enabler | principle | null
        ("national_framework_number", "INTEGER"),
        ("national_framework_as_written", "VARCHAR"),  # the cross-reference's words, as printed
    ],
    "extracted.visits": [
        ("report_id", "VARCHAR"),
        ("visit_type", "VARCHAR"),
        ("letter_date", "DATE"),
        ("visit_start_date", "DATE"),
        ("visit_end_date", "DATE"),
        ("visit_number", "INTEGER"),
        ("lead_inspector", "VARCHAR"),
        ("inspectors", "VARCHAR"),
        ("addressee", "VARCHAR"),
        ("addressee_role", "VARCHAR"),
        ("previous_inspection_year", "INTEGER"),
        ("progress_summary", "VARCHAR"),
    ],
    "extracted.visit_focus_areas": [
        ("report_id", "VARCHAR"),
        ("area_number", "INTEGER"),
        ("area_text", "VARCHAR"),
        ("page_number", "INTEGER"),
    ],
    # One row per joint targeted area inspection letter (no grades).
    "extracted.joint_inspections": [
        ("report_id", "VARCHAR"),
        ("theme", "VARCHAR"),  # the letter's own words, lower case
        ("theme_group", "VARCHAR"),  # code from seed jtai_themes
        ("partnership_name", "VARCHAR"),  # the safeguarding partnership the letter is addressed to
        ("agencies", "VARCHAR"),  # '; '-joined, from Ofsted; CQC; HMICFRS; HMI Probation
        ("letter_date", "DATE"),
        ("layout", "VARCHAR"),  # '2016-2020' | '2022-'
    ],
    # One row per area SEND inspection report.
    "extracted.area_send_inspections": [
        ("report_id", "VARCHAR"),
        ("partnership_name", "VARCHAR"),
        ("integrated_care_board", "VARCHAR"),
        ("outcome", "VARCHAR"),  # positive | inconsistent | systemic_failings (seed area_send_outcomes)
        ("next_full_inspection_within", "VARCHAR"),  # as the report states it: '5 years'
        ("monitoring_inspection_within", "VARCHAR"),  # '18 months'; null when none is stated
        ("previous_inspection_date", "DATE"),
        ("previous_inspection_text", "VARCHAR"),
        ("framework", "VARCHAR"),  # '2023' | '2016-2022' (the earlier local area SEND framework)
        ("not_read_reason", "VARCHAR"),  # why the report's content is not read; null when it is
    ],
    # Findings of JTAI letters and area SEND reports: strengths, headline and main findings, an old JTAI
    # letter's areas for improvement, with page and evidence.
    "extracted.findings": [
        ("report_id", "VARCHAR"),
        ("finding_number", "INTEGER"),
        ("finding_kind", "VARCHAR"),  # seed vocabulary/finding_kinds
        ("heading", "VARCHAR"),  # the sub-heading the finding sits under, where there is one
        ("finding_text", "VARCHAR"),
        ("page_number", "INTEGER"),
        ("evidence", "VARCHAR"),
    ],
    # Where each scalar value of a report came from: one row per (report, field).
    "extracted.evidence": [
        ("report_id", "VARCHAR"),
        ("field_name", "VARCHAR"),
        ("field_value", "VARCHAR"),
        ("page_number", "INTEGER"),
        ("evidence", "VARCHAR"),
    ],
    # What each content parsed into, under the parsing code and reference list of the time: a content
    # whose name, text and parse key are unchanged keeps its `extracted` rows and is not parsed again.
    "pipeline.parsed_contents": [
        ("source_sha256", "VARCHAR"),
        ("source_file", "VARCHAR"),  # the name it was loaded under (the first seen of its copies)
        ("parse_key", "VARCHAR"),  # digest of the parser version, the parsing code and the reference list
        ("extracted_at", "TIMESTAMP"),  # of the text it was parsed from; null when there was none yet
        ("status", "VARCHAR"),  # loaded | quarantined
        ("status_reason", "VARCHAR"),
        ("parsed_at", "TIMESTAMP"),
    ],
    # Documents a check about the document itself failed on: kept out of the marts, with the checks and
    # the values that failed them. Replaced by every run of the checks; a document parsed again leaves it.
    "pipeline.held_back": [
        ("source_sha256", "VARCHAR"),
        ("reasons", "VARCHAR"),
        ("held_at", "TIMESTAMP"),
    ],
    # A Great Expectations result per (table, content, suite and code): an unchanged table is not validated
    # again, and its earlier result, pass or fail, is reported.
    "pipeline.check_results": [
        ("table_name", "VARCHAR"),
        ("cache_key", "VARCHAR"),
        ("passed", "BOOLEAN"),
        ("outcome", "JSON"),
        ("run_id", "VARCHAR"),
        ("checked_at", "TIMESTAMP"),
    ],
}

EXTRACTED_TABLES = [name.split(".", 1)[1] for name in TABLES if name.startswith("extracted.")]


def create_statements() -> list[str]:
    statements = [f"CREATE SCHEMA IF NOT EXISTS {schema}" for schema in SCHEMAS]
    for table, columns in TABLES.items():
        cols = ", ".join(f"{name} {dtype}" for name, dtype in columns)
        statements.append(f"CREATE TABLE IF NOT EXISTS {table} ({cols})")
    return statements


def column_names(table: str) -> list[str]:
    return [name for name, _ in TABLES[table]]
