"""A parsed report as rows of the `extracted` tables, each value with the page and text it came from."""

from __future__ import annotations

from orchestration.lib.parse.national_framework import split_reference
from orchestration.lib.parse.parsers import PARSER_VERSION
from orchestration.lib.parse.parsers.grades import CITATION_ORDER, distinct_grades
from orchestration.lib.parse.parsers.model import ParsedReport


def report_rows(
    rows, report: ParsedReport, report_id, part_number, source_file, sha256, page_count, resolver
):
    authority_id = resolver.resolve_or_placeholder(
        report.local_authority_as_written, report.authority_context
    )
    choice = resolver.explain_choice(report.local_authority_as_written, report.authority_context)
    if choice:  # a company serving several councils: which one the document is about, and why
        report.cite("local_authority_choice", authority_id, None, choice)
    start = min((w[0] for w in report.windows), default=None)
    end = max((w[1] for w in report.windows), default=None)
    rows["reports"].append(
        {
            "report_id": report_id,
            "source_file": source_file,
            "source_sha256": sha256,
            "part_number": part_number,
            "report_type": report.report_type,
            "parser_version": PARSER_VERSION,
            "title": report.title,
            "local_authority_as_written": report.local_authority_as_written,
            "local_authority_id": authority_id,
            "page_count": page_count,
            "publication_date": report.publication_date,
            "inspection_kind": report.inspection_kind,
            "inspection_start_date": start if report.visit is None else None,
            "inspection_end_date": end if report.visit is None else None,
            "lead_inspector": "; ".join(report.lead_inspectors) or None,
            "inspectors": "; ".join(report.inspectors) or None,
        }
    )
    for number, (window_start, window_end) in enumerate(report.windows, start=1):
        rows["date_windows"].append(
            {
                "report_id": report_id,
                "window_number": number,
                "start_date": window_start,
                "end_date": window_end,
            }
        )
    for statement in report.statements:
        rows["judgement_statements"].append(
            {
                "report_id": report_id,
                "judgement_area": statement.area,
                "statement_kind": statement.kind,
                "grade": statement.grade,
                "page_number": statement.page,
                "evidence": statement.evidence,
            }
        )
    grades = report.grades()
    for area, statements in report.statements_by_area().items():
        primary = min(statements, key=lambda s: CITATION_ORDER.get(s.kind, 9))
        rows["judgements"].append(
            {
                "report_id": report_id,
                "judgement_area": area,
                # disagreeing statements leave the grade unset: a check names the report, nothing is picked
                "grade": grades[area],
                "statement_count": len(statements),
                "distinct_grade_count": distinct_grades([s.grade for s in statements]),
                "grades_stated": "; ".join(s.grade for s in statements),
                "page_number": primary.page,
                "evidence": primary.evidence,
            }
        )
    for number, recommendation in enumerate(report.recommendations, start=1):
        # the national framework cross-reference ("(outcome 1, national framework)") becomes columns
        text, reference = split_reference(recommendation.text)
        rows["recommendations"].append(
            {
                "report_id": report_id,
                "recommendation_number": number,
                "timescale": recommendation.timescale,
                "addressed_to": recommendation.addressed_to,
                "is_priority": recommendation.is_priority,
                "recommendation_text": text,
                "page_number": recommendation.page,
                "evidence": recommendation.evidence,
                "national_framework_kind": reference and reference.kind,
                "national_framework_number": reference and reference.number,
                "national_framework_as_written": reference and reference.as_written,
            }
        )
    _inspection_rows(rows, report, report_id)
    if report.visit is not None:
        visit = report.visit
        rows["visits"].append(
            {
                "report_id": report_id,
                "visit_type": visit.visit_type,
                "letter_date": visit.letter_date,
                "visit_start_date": start,
                "visit_end_date": end,
                "visit_number": visit.visit_number,
                "lead_inspector": "; ".join(report.lead_inspectors) or None,
                "inspectors": "; ".join(report.inspectors) or None,
                "addressee": visit.addressee,
                "addressee_role": visit.addressee_role,
                "previous_inspection_year": visit.previous_inspection_year,
                "progress_summary": visit.progress_summary,
            }
        )
        for number, (text, page) in enumerate(visit.focus_areas, start=1):
            rows["visit_focus_areas"].append(
                {
                    "report_id": report_id,
                    "area_number": number,
                    "area_text": text,
                    "page_number": page,
                }
            )
    for item in report.evidence:
        rows["evidence"].append(
            {
                "report_id": report_id,
                "field_name": item.field_name,
                "field_value": item.field_value,
                "page_number": item.page,
                "evidence": item.text[:2000],
            }
        )


def _inspection_rows(rows, report: ParsedReport, report_id) -> None:
    """The rows of a JTAI letter or an area SEND report: its own table's row and its findings."""
    if report.joint_inspection is not None:
        joint = report.joint_inspection
        rows["joint_inspections"].append(
            {
                "report_id": report_id,
                "theme": joint.theme,
                "theme_group": joint.theme_group,
                "partnership_name": joint.partnership_name,
                "agencies": "; ".join(joint.agencies) or None,
                "letter_date": joint.letter_date,
                "layout": joint.layout,
            }
        )
    if report.area_send is not None:
        send = report.area_send
        rows["area_send_inspections"].append(
            {
                "report_id": report_id,
                "partnership_name": send.partnership_name,
                "integrated_care_board": send.integrated_care_board,
                "outcome": send.outcome,
                "next_full_inspection_within": send.next_full_inspection_within,
                "monitoring_inspection_within": send.monitoring_inspection_within,
                "previous_inspection_date": send.previous_inspection_date,
                "previous_inspection_text": send.previous_inspection_text,
                "framework": send.framework,
                "not_read_reason": send.not_read_reason,
            }
        )
    for number, finding in enumerate(report.findings, start=1):
        rows["findings"].append(
            {
                "report_id": report_id,
                "finding_number": number,
                "finding_kind": finding.kind,
                "heading": finding.heading,
                "finding_text": finding.text,
                "page_number": finding.page,
                "evidence": finding.evidence[:2000],
            }
        )
