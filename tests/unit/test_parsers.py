"""Report parsers on small hand-written fixtures: each quirk of the renderings in its own test."""

import datetime as dt
from pathlib import Path

import pytest

from orchestration.lib.parse.dates import find_date_expression, parse_windows
from orchestration.lib.parse.parsers import NotAReport, parse_document
from orchestration.lib.parse.parsers.common import split_run_together

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

CP_TEMPLATE = """Inspection of local authority arrangements for the protection of children
Exampleshire County Council

Inspection dates: {dates}
Lead inspector: {lead}

Overall effectiveness

2. The overall effectiveness of the arrangements to protect children in Surrey County Council is judged
to be {summary_grade}.

Areas for improvement

3. In order to improve, the local authority and its partners should take the following action.

Immediately:

\u2022 ensure that strategy discussions are held promptly and recorded
in every case.

Within three months:

 ensure that supervision is regular and reflective, and that it is
recorded
 ensure that children are seen alone where appropriate and their views recorded\
 ensure that the out of hours service responds to concerns promptly

Within six months:

- develop a workforce strategy that retains experienced staff.

About this inspection

4. This inspection was unannounced.

The quality of practice

Adequate

Record of main findings

Overall effectiveness\t{table_grade}
The effectiveness of the help and protection provided to children, young people, families and carers\tAdequate
The quality of practice\tAdequate
Leadership and governance\tGood
"""


def cp_report(**values):
    fields = {
        "dates": "8 - 17 October 2012",
        "lead": "Jane Example HMI",
        "summary_grade": "adequate",
        "table_grade": "Adequate",
    }
    fields.update(values)
    [report] = parse_document([CP_TEMPLATE.format(**fields)], paged=False)
    return report


def test_child_protection_front_page_and_authority():
    report = cp_report()
    assert report.report_type == "child_protection_inspection"
    assert report.local_authority_as_written == "Surrey County Council"
    assert report.windows == [(dt.date(2012, 10, 8), dt.date(2012, 10, 17))]
    assert report.lead_inspectors == ["Jane Example"]


def test_recommendations_split_by_marks_and_run_together_items():
    report = cp_report()
    got = [(r.timescale, r.text) for r in report.recommendations]
    assert got == [
        ("immediately", "ensure that strategy discussions are held promptly and recorded in every case"),
        ("within_3_months", "ensure that supervision is regular and reflective, and that it is recorded"),
        ("within_3_months", "ensure that children are seen alone where appropriate and their views recorded"),
        ("within_3_months", "ensure that the out of hours service responds to concerns promptly"),
        ("within_6_months", "develop a workforce strategy that retains experienced staff"),
    ]


def test_every_statement_of_a_judgement_is_kept():
    report = cp_report()
    kinds = sorted((s.area, s.kind, s.grade) for s in report.statements)
    assert ("overall_effectiveness", "summary", "adequate") in kinds
    assert ("overall_effectiveness", "main_findings", "adequate") in kinds
    assert ("quality_of_practice", "section_heading", "adequate") in kinds
    assert ("leadership_and_governance", "main_findings", "good") in kinds


def test_disagreeing_statements_are_both_reported():
    report = cp_report(summary_grade="good", table_grade="Inadequate")
    grades = {s.grade for s in report.statements if s.area == "overall_effectiveness"}
    assert grades == {"good", "inadequate"}


def test_missing_front_page_leaves_dates_and_inspector_unset():
    text = CP_TEMPLATE.split("Overall effectiveness\n\n2.", 1)[1]
    text = "Inspection of local authority arrangements for the protection of children\n\n2." + text
    [report] = parse_document([text.format(summary_grade="adequate", table_grade="Adequate")], paged=False)
    assert report.windows == []
    assert report.lead_inspectors == []
    assert report.local_authority_as_written == "Surrey County Council"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("needs ensure that the out of hours service is available at night", 2),
        ("work to ensure that the service is consistent across the county", 1),
        ("the board should ensure that partners attend its meetings regularly", 1),
        ("review the arrangements and ensure that plans are clear and reviewed", 1),
    ],
)
def test_run_together_split_only_where_no_word_governs_the_verb(text, expected):
    assert (
        len(split_run_together("ensure that children are seen alone where appropriate and their " + text))
        == expected
    )


LETTER = """Ofsted, Piccadilly Gate, Manchester

12 March 2019

Mr Sam Example
Director of Children's Services
Sutton Council
Civic Offices

Dear Mr Example

Monitoring visit of the London Borough of Sutton children's services

This letter summarises the findings of the monitoring visit to Sutton children's services on 19 and
20 February 2019. The visit was the third monitoring visit since the local authority was judged
inadequate in 2017. The inspectors were Anne Example and Bob Example, Her Majesty's Inspectors.

Areas covered by the visit

Inspectors reviewed:

- The quality of assessments.
- Management oversight of practice.

Other evidence was considered.

Overall, the local authority is making steady progress in improving services for children.

Yours sincerely

Anne Example
Her Majesty's Inspector
"""


def test_monitoring_visit_letter():
    [report] = parse_document([LETTER], paged=False)
    visit = report.visit
    assert report.report_type == "monitoring_visit"
    assert visit.letter_date == dt.date(2019, 3, 12)
    assert report.windows == [(dt.date(2019, 2, 19), dt.date(2019, 2, 20))]
    assert visit.visit_number == 3
    assert visit.previous_inspection_year == 2017
    assert report.inspectors == ["Anne Example", "Bob Example"]
    assert report.lead_inspectors == ["Anne Example"]
    assert visit.addressee == "Mr Sam Example"
    assert visit.addressee_role == "Director of Children's Services"
    # the council's line in the address block names the authority
    assert report.local_authority_as_written == "Sutton Council"
    assert [text for text, _ in visit.focus_areas] == [
        "The quality of assessments",
        "Management oversight of practice",
    ]
    assert (
        visit.progress_summary
        == "the local authority is making steady progress in improving services for children"
    )


def test_not_an_ofsted_report():
    with pytest.raises(NotAReport, match="not|no Ofsted"):
        parse_document(["Minutes of the parish council meeting.\nApologies were received."], paged=False)
    with pytest.raises(NotAReport, match="no text"):
        parse_document(["  \n\n"], paged=True)


def test_ofsted_document_of_another_kind_is_other():
    [report] = parse_document(["Ofsted annual report 2019\n\nThis report covers schools."], paged=False)
    assert report.report_type == "other"


@pytest.mark.parametrize(
    "text, windows",
    [
        ("10-19 September 2012", [("2012-09-10", "2012-09-19")]),
        ("31 October and 1 November 2017", [("2017-10-31", "2017-11-01")]),
        (
            "19 November-11 December 2013 and 28 – 30 January 2014",
            [("2013-11-19", "2013-12-11"), ("2014-01-28", "2014-01-30")],
        ),
        (
            "5 to 9 December 2022 and 14 to 15 February 2023",
            [("2022-12-05", "2022-12-09"), ("2023-02-14", "2023-02-15")],
        ),
        ("on 15, 16 and 21 July 2025", [("2025-07-15", "2025-07-16"), ("2025-07-21", "2025-07-21")]),
        ("29 December 2014 to 2 January 2015", [("2014-12-29", "2015-01-02")]),
    ],
)
def test_date_windows(text, windows):
    got = parse_windows(find_date_expression(text))
    assert [(a.isoformat(), b.isoformat()) for a, b in got] == windows


def test_visit_letter_names_the_authority_from_its_subject_under_a_postal_county_and_mends_a_slipped_year():
    letter = (
        LETTER.replace("Sutton Council\nCivic Offices", "Town Hall\nDarlington\nCounty Durham")
        .replace("Monitoring visit of the London Borough of Sutton", "Focused visit to Darlington")
        .replace("19 and\n20 February 2019", "19 February 2018 to\n20 February 2019")
    )
    [report] = parse_document([letter], paged=False)
    assert report.local_authority_as_written == "Darlington"
    assert report.windows == [(dt.date(2019, 2, 19), dt.date(2019, 2, 20))]


SIF_FRONT = """Wirral Metropolitan Borough Council
Inspection of services for children in need of help and
protection, children looked after and care leavers

Inspection date: 4 July 2016 ─ 28 July 2016

Children's services in Wirral require improvement to be
good

1. Children who need help and protection Requires improvement

2. Children looked after and achieving
 Requires improvement
 permanence

 2.1 Adoption performance\tGood

Requires
 2.2 Experiences and progress of care leavers
improvement

1.\tLeadership, management and governance\tInadequate

The effectiveness of the Local Safeguarding Children Board (LSCB) is
inadequate

Lead inspector: Karen Wareing (HMI)
"""


def test_sif_front_page_tables_as_pdfminer_prints_them():
    [report] = parse_document([SIF_FRONT], paged=True)
    grades = {s.area: s.grade for s in report.statements if s.kind in ("table", "summary")}
    assert grades == {
        "overall_effectiveness": "requires improvement to be good",
        "help_and_protection": "requires improvement",
        "children_in_care": "requires improvement",
        "adoption": "good",
        "care_leavers": "requires improvement",
        "leadership_management_governance": "inadequate",
        "lscb": "inadequate",
    }
    assert report.windows == [(dt.date(2016, 7, 4), dt.date(2016, 7, 28))]
    assert report.lead_inspectors == ["Karen Wareing"]


def test_looked_after_children_2013_template():
    """The 2013 template: "Reporting inspector", grades written "Grade 3 (Adequate)", five judgements and
    areas for improvement by timescale (a document written to the published template, not a real report)."""
    text = (FIXTURES / "reports" / "looked_after_children_2013.txt").read_text(encoding="utf-8")
    [report] = parse_document([text], paged=False)
    assert report.report_type == "looked_after_children_inspection"
    assert report.lead_inspectors == ["Jane Doe"]
    assert report.windows == [(dt.date(2013, 3, 11), dt.date(2013, 3, 22))]
    table = {s.area: s.grade for s in report.statements if s.kind == "main_findings"}
    assert table == {
        "overall_effectiveness": "adequate",
        "capacity_to_improve": "good",
        "outcomes_for_looked_after_children": "adequate",
        "quality_of_provision": "adequate",
        "leadership_and_management": "good",
    }
    assert [(r.timescale, r.text[:24]) for r in report.recommendations] == [
        ("immediately", "ensure that all looked a"),
        ("within_3_months", "ensure that pathway plan"),
        ("within_3_months", "improve the timeliness o"),
        ("within_6_months", "review the sufficiency s"),
    ]


def test_a_board_review_bundled_after_the_authority_report_is_a_second_report():
    authority = (
        SIF_FRONT + "\nWhat does the local authority need to improve?\n\nAreas for improvement\n\n"
        "1. Ensure that plans are reviewed.\n\n2. Improve supervision.\n\n" + "Filler paragraph.\n\n" * 30
    )
    board = (
        "Wirral Safeguarding\nChildren Board\n\nInspection of the effectiveness of the local safeguarding\n"
        "children board\n\nInspection date: 4 July 2016 ─ 28 July 2016\n\n"
        "Report published: 20 September 2016\n\n"
        "The Local Safeguarding Children Board is inadequate\n\nWhat does the LSCB need to improve?\n\n"
        "Areas for improvement\n\n• Ensure that audits are completed.\n\n• Review the training offer.\n\n"
        "Inspection judgement about the LSCB\n"
    )
    reports = parse_document([authority, board], paged=True)
    assert [r.report_type for r in reports] == ["sif_inspection", "lscb_review"]
    sif_report, review = reports
    assert [r.addressed_to for r in sif_report.recommendations] == ["local_authority"] * 2
    assert [r.text for r in review.recommendations] == [
        "Ensure that audits are completed",
        "Review the training offer",
    ]
    assert [(s.area, s.grade) for s in review.statements] == [("lscb", "inadequate")]
    assert review.local_authority_as_written == "Wirral Safeguarding Children Board"
    assert review.publication_date == dt.date(2016, 9, 20)


def test_ilacs_section_heading_wrapped_before_to_be_good():
    text = (
        "Inspection of Example local authority children's services\n\n"
        "Inspection dates: 6 to 10 February 2023\n\n"
        "The experiences and progress of children who need help and protection: requires improvement\n"
        "to be good\n\nChildren are seen.\n"
    )
    [report] = parse_document([text], paged=False)
    assert [(s.area, s.grade) for s in report.statements if s.kind == "section_heading"] == [
        ("help_and_protection", "requires improvement to be good")
    ]


_SIF_IMPROVE = """What does the Local Authority need to improve?

Priority and immediate action

{priority}

Areas for improvement

\u2022 Ensure that there are no delays in accommodating children when they need to be looked after.
\u2022 Improve the timeliness of initial health assessments.

What does the LSCB need to improve?

Priority and immediate action

{board_priority}

Areas for improvement

\u2022 Evaluate the impact of training on practice.

Information about this inspection
"""


@pytest.mark.parametrize(
    ("priority", "board_priority"),
    [
        ("There are no areas of priority action.", "There are no areas for priority or immediate action."),
        (
            "\u2022 There are no areas for priority action.",
            "\u2022 No areas were identified for immediate improvement.",
        ),
        ("None.", "Not applicable"),
        ("\u2022 None identified", "\u2022 There are no recommendations for priority action"),
    ],
)
def test_a_sentence_saying_there_is_nothing_to_list_is_not_a_recommendation(priority, board_priority):
    text = (
        "Examplesham Borough Council\nInspection of services for children in need of help and protection, "
        "children looked after and care leavers\n\n"
        + _SIF_IMPROVE.format(priority=priority, board_priority=board_priority)
    )
    [report] = parse_document([text], paged=False)
    items = [(r.addressed_to, r.is_priority, r.text) for r in report.recommendations]
    assert items == [
        (
            "local_authority",
            False,
            "Ensure that there are no delays in accommodating children when they need to be looked after",
        ),
        ("local_authority", False, "Improve the timeliness of initial health assessments"),
        ("lscb", False, "Evaluate the impact of training on practice"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "No child should wait too long for an assessment",
        "Improve the areas of priority action",
        "Nominate a lead",
    ],
)
def test_an_item_that_asks_for_something_is_kept(text):
    from orchestration.lib.parse.parsers.common import says_nothing_to_list

    assert not says_nothing_to_list(text)
