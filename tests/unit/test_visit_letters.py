"""Monitoring and focused visit letters in the layouts their copies come in."""

import datetime as dt

import pytest

from orchestration.lib.parse.parsers import parse_document
from orchestration.lib.parse.parsers.visit_letter import letter_type

LETTERHEAD = """Ofsted
Piccadilly Gate\tT 0300 123 1231
Store Street\tTextphone 0161 618 8524
Manchester\tenquiries@ofsted.gov.uk
M1 2WD\twww.gov.uk/ofsted

"""

FOCUSED = (
    LETTERHEAD
    + """6 March 2024

Jonathan Jones
Executive Director, Children's Services
Knowsley Council
Huyton Municipal Buildings
Archway Road
L36 9YU

Dear Mr Jones

Focused visit to Knowsley children's services

This letter summarises the findings of the focused visit to Knowsley children's
services on 31 January and 1 February 2024. His Majesty's Inspectors for this visit
were Rebekah Tucker and Russel Breyer.

Inspectors looked at the local authority's arrangements for care leavers. This
included:

 \u25fc support into adulthood

 \u25fc quality and suitability of accommodation

 \u25fc care leavers with specific needs (for example, unaccompanied asylum seekers,
 young parents or those who have had contact with the criminal justice
 system).

This visit was carried out in line with the inspection of local authority children's
services (ILACS) framework. A range of evidence was considered, including
electronic records.

Headline findings

Care leavers benefit from personal advisers who know them well.

Yours sincerely

Rebekah Tucker
His Majesty's Inspector
"""
)


def _parse(text):
    [report] = parse_document([text], paged=False)
    return report


def test_focused_visit_letter_with_letterhead():
    report = _parse(FOCUSED)
    assert report.report_type == "focused_visit"
    assert report.local_authority_as_written == "Knowsley Council"
    assert report.visit.letter_date == dt.date(2024, 3, 6)
    assert report.windows == [(dt.date(2024, 1, 31), dt.date(2024, 2, 1))]
    assert report.inspectors == ["Rebekah Tucker", "Russel Breyer"]
    assert report.lead_inspectors == ["Rebekah Tucker"]
    assert [text for text, _ in report.visit.focus_areas] == [
        "care leavers",
        "support into adulthood",
        "quality and suitability of accommodation",
        "care leavers with specific needs (for example, unaccompanied asylum seekers, young parents or those "
        "who have had contact with the criminal justice system)",
    ]
    focus = [e.field_value for e in report.evidence if e.field_name == "visit_focus"]
    assert focus and focus[0].startswith(
        "Inspectors looked at the local authority's arrangements for care leavers"
    )


def test_address_block_building_is_not_the_authority_and_the_subject_wraps():
    letter = FOCUSED.replace("Knowsley Council\n", "Council House\n").replace(
        "Focused visit to Knowsley children's services",
        "Focused visit to Knowsley Metropolitan Borough Council Children's\nservices",
    )
    assert _parse(letter).local_authority_as_written == "Knowsley Metropolitan Borough Council"


def test_council_run_into_a_building_or_a_role_and_trailing_words_in_the_subject():
    letter = FOCUSED.replace(
        "Executive Director, Children's Services\nKnowsley Council\n",
        "Director of Children's Services Knowsley Council\n",
    )
    assert _parse(letter).local_authority_as_written == "Knowsley Council"
    letter = FOCUSED.replace(
        "Knowsley Council\nHuyton Municipal Buildings", "Knowsley Council Municipal Buildings"
    )
    assert _parse(letter).local_authority_as_written == "Knowsley Council"
    letter = FOCUSED.replace("Knowsley Council\n", "").replace(
        "Focused visit to Knowsley children's services",
        "Focused visit to Knowsley children's services L36 9YU",
    )
    assert _parse(letter).local_authority_as_written == "Knowsley"


def test_address_block_of_another_council_gives_way_to_the_subject():
    letter = FOCUSED.replace("Knowsley Council\n", "Westminster City Council\n").replace(
        "Focused visit to Knowsley children's services",
        "Focused visit to Kensington and Chelsea local authority children's services",
    )
    assert _parse(letter).local_authority_as_written == "Kensington and Chelsea"


def test_a_trust_named_instead_of_the_council():
    letter = (
        FOCUSED.replace("Knowsley Council\n", "")
        .replace("Focused visit to Knowsley children's services", "Focused visit to Achieving for Children")
        .replace(
            "the focused visit to Knowsley children's\nservices on",
            "the focused visit to Achieving for Children, which runs children's services on behalf of the "
            "Royal Borough of Kingston upon Thames, on",
        )
    )
    assert _parse(letter).local_authority_as_written == "Royal Borough of Kingston upon Thames"


def test_address_block_printed_before_the_letterhead():
    letter = (
        """Ms Sally Hodges
Director of Children's Services
Solihull Metropolitan Borough Council
Manor Square

"""
        + LETTERHEAD
        + """9 March 2018

Dear Ms Hodges

Focused visit to Solihull children's services

This letter summarises the findings of a focused visit to Solihull children's services on
14 and 15 February 2018. The inspectors were Peter McEntee, HMI, and Pauline Higham, HMI.

Inspectors looked at the local authority's arrangements for young people leaving care.
"""
    )
    report = _parse(letter)
    assert report.visit.addressee == "Ms Sally Hodges"
    assert report.visit.addressee_role == "Director of Children's Services"
    assert report.local_authority_as_written == "Solihull Metropolitan Borough Council"
    assert report.inspectors == ["Peter McEntee", "Pauline Higham"]
    assert [text for text, _ in report.visit.focus_areas] == ["young people leaving care"]


MONITORING_BODY = """\
This letter summarises the findings of the monitoring visit to Surrey children's services on
31 October and 1 November 2017. This was the first monitoring visit since the local authority was
inspected in 2017. Her Majesty's inspectors for this visit were Máire Atherton and Linda Steele.

During the course of this visit, inspectors reviewed progress made in the area of help and protection,
including:

- The quality of early help support.
- The effectiveness of assessment and planning.

Overall, the local authority has made some progress in improving services for children.

Máire Atherton
Her Majesty's Inspector
"""


def test_body_only_monitoring_letter():
    assert letter_type(" ".join(MONITORING_BODY.lower().split())) == "monitoring_visit"
    report = _parse(MONITORING_BODY)
    assert report.report_type == "monitoring_visit"
    assert report.local_authority_as_written == "Surrey"
    assert report.windows == [(dt.date(2017, 10, 31), dt.date(2017, 11, 1))]
    assert report.visit.visit_number == 1
    assert report.visit.previous_inspection_year == 2017
    assert report.inspectors == ["Máire Atherton", "Linda Steele"]
    assert report.lead_inspectors == ["Máire Atherton"]
    assert [text for text, _ in report.visit.focus_areas] == [
        "progress made in the area of help and protection",
        "The quality of early help support",
        "The effectiveness of assessment and planning",
    ]
    assert report.visit.progress_summary.startswith("the local authority has made some progress")


def test_inspection_report_mentioning_a_visit_is_not_a_letter():
    head = (
        "inspection of surrey local authority children's services inspection dates: 6 to 10 february 2023 "
        "since the last inspection, the focused visit to surrey children's services in 2021 found ..."
    )
    assert letter_type(head) is None


def test_lead_inspector_on_site_named_at_the_end():
    letter = MONITORING_BODY.replace(
        "Her Majesty's inspectors for this visit were Máire Atherton and Linda Steele.",
        "Her Majesty's inspectors for this visit were Linda Steele and Donna Marriott.",
    ).replace("Máire Atherton\nHer Majesty's Inspector\n", "Lead inspector on site: Seán Ó Dálaigh\n")
    report = _parse(letter)
    assert report.lead_inspectors == ["Seán Ó Dálaigh"]
    assert report.inspectors == ["Seán Ó Dálaigh", "Linda Steele", "Donna Marriott"]


def test_numeric_letter_date_and_visit_days_without_a_year():
    letter = FOCUSED.replace("6 March 2024", "06/03/2024").replace(
        "31 January and 1 February 2024", "31 January and 1 February"
    )
    report = _parse(letter)
    assert report.visit.letter_date == dt.date(2024, 3, 6)
    assert report.windows == [(dt.date(2024, 1, 31), dt.date(2024, 2, 1))]


def test_days_without_a_year_in_the_year_before_the_letter():
    letter = FOCUSED.replace("6 March 2024", "8 January 2024").replace(
        "31 January and 1 February 2024", "11 and 12 December"
    )
    assert _parse(letter).windows == [(dt.date(2023, 12, 11), dt.date(2023, 12, 12))]


def test_other_spellings_and_mistyped_years():
    letter = FOCUSED.replace("31 January and 1 February 2024", "January 31st, 2024")
    assert _parse(letter).windows == [(dt.date(2024, 1, 31), dt.date(2024, 1, 31))]
    # the visit's year mistyped: the letter's date decides it
    letter = FOCUSED.replace("31 January and 1 February 2024", "31 January and 1 February 2014")
    assert _parse(letter).windows == [(dt.date(2024, 1, 31), dt.date(2024, 2, 1))]
    # the letter's year mistyped (the old year written in January)
    letter = FOCUSED.replace("6 March 2024", "21 January 2019").replace(
        "31 January and 1 February 2024", "18 and 19 December 2019"
    )
    report = _parse(letter)
    assert report.windows == [(dt.date(2019, 12, 18), dt.date(2019, 12, 19))]
    assert report.visit.letter_date == dt.date(2020, 1, 21)


def test_focus_stated_inline_and_visit_number_of_a_focused_visit():
    letter = FOCUSED.replace(
        "Inspectors looked at the local authority's arrangements for care leavers. This\nincluded:",
        "The focus of this visit was on planning and achieving permanence for children. Inspectors "
        "considered the experiences and progress of: children in long-term foster care; children\n"
        "returning home.\n\nThis was the second focused visit since the inspection in 2021.\n\nOther:",
    )
    report = _parse(letter)
    areas = [text for text, _ in report.visit.focus_areas]
    assert areas[:3] == [
        "planning and achieving permanence for children",
        "children in long-term foster care",
        "children returning home",
    ]
    assert report.visit.visit_number == 2


def test_a_value_corrected_later_in_the_letter_keeps_one_citation():
    """A letter dated before its own visit is re-dated; its evidence names the correction, once."""
    from orchestration.lib.parse.parsers.model import ParsedReport

    report = ParsedReport(report_type="focused_visit")
    report.cite("letter_date", "2019-01-21", 1, "21 January 2019")
    report.cite("letter_date", "2020-01-21", None, "letter dated 2019-01-21, before the visit it reports")
    assert [(e.field_name, e.field_value) for e in report.evidence] == [("letter_date", "2020-01-21")]


def _authority_of(report):
    from orchestration.lib.parse.authorities import resolver_for
    from orchestration.settings import REFERENCE_AUTHORITIES_CSV

    return resolver_for(REFERENCE_AUTHORITIES_CSV).resolve(
        report.local_authority_as_written, report.authority_context
    )


@pytest.mark.parametrize(
    ("subject", "code"),
    [
        ("Monitoring visit to Sandwell Children's Trust", "E08000028"),
        ("Monitoring visit of Birmingham Children's Trust", "E08000025"),
        ("Monitoring visit to Doncaster Children's Services Trust", "E08000017"),
        ("Focused visit to Bradford Children and Families Trust", "E08000032"),
        ("Focused visit to Derby City Council children's services", "E06000015"),
        ("Focused visit to Bristol City Council's children's services", "E06000023"),
        ("Monitoring visit to Slough Children First", "E06000039"),
        ("Focused visit to Together for Children Sunderland", "E08000024"),
        ("Focused visit to Brighter Futures for Children", "E06000038"),
        ("Focused visit to Dudley MBC children's services", "E08000027"),
        ("Focused visit to Wakefield District children's services", "E08000036"),
        ("Focused visit to the London Borough of Lewisham children's services", "E09000023"),
        ("Focused visit to South Tyneside Metropolitan Borough children's services", "E08000023"),
    ],
)
def test_a_trust_or_a_council_suffix_in_the_subject_resolves_to_the_council(subject, code):
    letter = FOCUSED.replace("Knowsley Council\n", "").replace(
        "Focused visit to Knowsley children's services", subject
    )
    assert _authority_of(_parse(letter)) == code


def test_a_company_serving_two_councils_is_read_as_the_council_the_letter_is_about():
    letter = (
        FOCUSED.replace("Knowsley Council\n", "")
        .replace("Focused visit to Knowsley children's services", "Focused visit to Achieving for Children")
        .replace("Care leavers benefit", "Care leavers in Richmond benefit")
        .replace(
            "Inspectors looked at",
            "Achieving for Children also serves Kingston. In Richmond, inspectors looked at",
        )
    )
    report = _parse(letter)
    assert report.local_authority_as_written == "Achieving for Children"
    assert _authority_of(report) == "E09000027"


@pytest.mark.parametrize(
    ("team", "leads", "inspectors"),
    [
        (
            "The lead inspectors were Rebekah Tucker and Russel Breyer.",
            ["Rebekah Tucker", "Russel Breyer"],
            ["Rebekah Tucker", "Russel Breyer"],
        ),
        (
            "His Majesty's Inspectors for this visit were Rebekah Tucker and Russel Breyer (lead inspectors) "
            "and Jo Bloggs.",
            ["Rebekah Tucker", "Russel Breyer"],
            ["Rebekah Tucker", "Russel Breyer", "Jo Bloggs"],
        ),
        (
            "His Majesty's Inspectors for this visit were Rebekah Tucker (lead inspector) and Russel Breyer.",
            ["Rebekah Tucker"],
            ["Rebekah Tucker", "Russel Breyer"],
        ),
        (
            "Lead inspector: Rebekah Tucker. Lead inspector: Russel Breyer. The visit looked at care.",
            ["Rebekah Tucker", "Russel Breyer"],
            ["Rebekah Tucker", "Russel Breyer"],
        ),
    ],
)
def test_every_lead_inspector_a_letter_names_is_kept(team, leads, inspectors):
    letter = FOCUSED.replace(
        "His Majesty's Inspectors for this visit\nwere Rebekah Tucker and Russel Breyer.", team
    )
    report = _parse(letter)
    assert report.lead_inspectors == leads
    assert report.inspectors == inspectors
