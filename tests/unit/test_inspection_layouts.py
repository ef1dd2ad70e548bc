"""Inspection reports (SIF, ILACS, 2012-13 templates) in layouts the parsers must read whatever the line
breaks: each fixture is a few lines written the way a family of real reports prints them."""

from __future__ import annotations

import datetime as dt

import pytest

from orchestration.lib.parse.dates import find_date_expression, mend_slipped_years, parse_windows
from orchestration.lib.parse.parsers import parse_document
from orchestration.lib.parse.parsers.common import clean_person


def parse(text: str, *pages: str):
    [report] = parse_document([text, *pages], paged=bool(pages))
    return report


ILACS_BODY = """
Inspection dates: 6 December 2021 to 17 December 2021

Lead inspector: Nick Stacey, Her Majesty's Inspector

Judgement\tGrade

The impact of leaders on social work\tRequires improvement to be good
practice with children and families

Overall effectiveness\tRequires improvement to be good

Children's services are improving. Ofsted
"""


def test_ilacs_title_without_local_authority_names_the_council():
    report = parse("Inspection of Buckinghamshire Council\nchildren's services\n" + ILACS_BODY)
    assert report.report_type == "ilacs_inspection"
    assert report.local_authority_as_written == "Buckinghamshire Council"
    assert report.inspection_kind == "standard"
    assert report.grades()["overall_effectiveness"] == "requires improvement to be good"


@pytest.mark.parametrize(
    ("head", "authority"),
    [
        (
            "Inspection of East Riding of\nYorkshire local authority children's\nservices\n",
            "East Riding of Yorkshire",
        ),
        (
            "Inspection of Leicestershire County\nCouncil local authority children's\nservices\n",
            "Leicestershire County Council",
        ),
        (
            "St Helens Metropolitan Borough\nCouncil\n\nInspection of children's social care services\n",
            "St Helens Metropolitan Borough Council",
        ),
        (
            "Medway Children's Services\n\nInspection of local authority children's services\n",
            "Medway Children's Services",
        ),
        ("Inspection of the Isle of Wight local\nauthority children's services\n", "Isle of Wight"),
    ],
)
def test_ilacs_authority_wrapped_in_or_above_the_title(head, authority):
    report = parse(head + ILACS_BODY)
    assert report.report_type == "ilacs_inspection"
    assert report.local_authority_as_written == authority


def test_looked_after_title_is_not_taken_for_ilacs():
    report = parse(
        "Inspection of looked after children's services\nBlackpool Council\n\n"
        "Inspection dates: 11-22 March 2013\n"
    )
    assert report.report_type == "looked_after_children_inspection"


def test_looked_after_2013_authority_on_its_own_line_under_a_two_line_title():
    text = (
        "Inspection of looked after children\nservices\nBlackpool Borough\nCouncil\n\n"
        "Inspection dates: 11-22 March 2013\nReporting inspector Jane Doe HMI\n\nPublished: 14 June 2013\n"
    )
    report = parse(text)
    assert report.local_authority_as_written == "Blackpool Borough Council"
    assert report.publication_date == dt.date(2013, 6, 14)
    assert report.lead_inspectors == ["Jane Doe"]


SIF_PAGE_1 = """Oldham Borough Council
Inspection of services for children in need of help and
protection, children looked after and care leavers

Inspection date: 22 May 2015 – 18 June 2015

Report published: 3 August 2015

Children's services in Oldham require improvement to be good

1.\tChildren who need help and protection\tRequires improvement

2.\tChildren looked after and achieving
 Requires improvement
 permanence

 2.1 Adoption performance\tGood

1 Ofsted produces this report under its power to combine reports in accordance with section 152 of
the Education and Inspections Act 2006."""

SIF_PAGE_2 = """ 2.2 Experiences and progress of care leavers\tRequires improvement

3.\tLeadership, management and governance\tInadequate

Executive summary

Leaders know their services well.

Lead inspector: Máire O'Neill"""


def test_sif_table_with_tab_cells_split_over_a_page_break_after_a_footnote():
    report = parse(SIF_PAGE_1, SIF_PAGE_2)
    table = {s.area: s.grade for s in report.statements if s.kind == "table"}
    assert table == {
        "help_and_protection": "requires improvement",
        "children_in_care": "requires improvement",
        "adoption": "good",
        "care_leavers": "requires improvement",
        "leadership_management_governance": "inadequate",
    }
    assert report.local_authority_as_written == "Oldham Borough Council"
    assert report.lead_inspectors == ["Máire O'Neill"]
    assert report.publication_date == dt.date(2015, 8, 3)
    assert report.inspection_kind == "standard"


def test_a_footnote_without_a_page_break_ends_the_table():
    report = parse(SIF_PAGE_1 + "\n\n2.2 Experiences and progress of care leavers\tGood\n")
    table = {s.area for s in report.statements if s.kind == "table"}
    assert table == {"help_and_protection", "children_in_care", "adoption"}


def test_sif_reinspection_known_from_the_previous_inspection_it_dates():
    text = SIF_PAGE_1.replace("22 May 2015 – 18 June 2015", "24 November 2015 - 17 December 2015") + (
        "\n\nPrevious Ofsted inspections\n\n"
        "• The previous inspection of the local authority's safeguarding "
        "arrangements was in November 2013. The local authority was judged to be inadequate.\n"
    )
    assert parse(text, SIF_PAGE_2).inspection_kind == "reinspection"
    earlier = text.replace("November 2013", "May 2012")
    assert parse(earlier, SIF_PAGE_2).inspection_kind == "standard"
    homes = text.replace("the local authority's safeguarding arrangements", "its children's homes")
    assert parse(homes, SIF_PAGE_2).inspection_kind == "standard"


@pytest.mark.parametrize(
    ("line", "lead"),
    [
        ("Lead inspector on site: Siobhán Ní Bhriain, His Majesty's Inspector", ["Siobhán Ní Bhriain"]),
        ("Lead inspector:Wendy\nGhaffar HMI", ["Wendy Ghaffar"]),
        (
            "Lead inspectors: Tom Anthony, His Majesty's Inspector, and\nJo Bloggs, Ofsted Inspector",
            ["Tom Anthony", "Jo Bloggs"],
        ),
        ("Lead inspector:\nZoë Lee-Smith", ["Zoë Lee-Smith"]),
    ],
)
def test_lead_inspector_wordings(line, lead):
    text = (
        "Inspection of Example local authority children's services\n\n"
        "Inspection dates: 6 to 10 February 2023\n\n"
    )
    assert parse(text + line + "\n").lead_inspectors == lead


def test_lead_inspector_named_only_at_the_end_of_an_ilacs_report():
    text = (
        "Inspection of Example local authority children's services\n\n"
        "Inspection dates: 6 to 10 February 2023\n\n"
    )
    text += "The lead inspector met leaders.\n\n" + "Body text.\n\n" * 80 + "Lead inspector: Ann Other HMI\n"
    assert parse(text).lead_inspectors == ["Ann Other"]


def test_deputy_lead_inspector_is_not_the_lead():
    text = (
        "Inspection of Example local authority children's services\n\n"
        "Deputy lead inspector: Bo Peep\n\nLead inspector: Ann Other\n"
    )
    assert parse(text).lead_inspectors == ["Ann Other"]


@pytest.mark.parametrize(
    ("text", "windows"),
    [
        ("Inspection dates: 12/09/2016 to 23/09/2016", [(dt.date(2016, 9, 12), dt.date(2016, 9, 23))]),
        ("Inspection dates: 12.09.16 - 23.09.16", [(dt.date(2016, 9, 12), dt.date(2016, 9, 23))]),
        (
            "Inspection dates: September 12, 2016 to September 23, 2016",
            [(dt.date(2016, 9, 12), dt.date(2016, 9, 23))],
        ),
        (
            "Inspection date: 19 November 2013 – 11 December 2103",
            [(dt.date(2013, 11, 19), dt.date(2013, 12, 11))],
        ),
        ("Inspection dates: 20 June 2016 – 13 July 2017", [(dt.date(2017, 6, 20), dt.date(2017, 7, 13))]),
    ],
)
def test_inspection_dates_in_other_spellings(text, windows):
    report = parse("Inspection of Example local authority children's services\n\n" + text + "\n")
    assert report.windows == windows


def test_a_long_window_between_two_plausible_years_is_kept_when_no_year_mends_it():
    windows = parse_windows(find_date_expression("1 January 2016 to 1 June 2016"))
    assert mend_slipped_years(windows) == windows


def test_sub_bullet_glyphs_leave_recommendation_text():
    text = (
        "Inspection of Example local authority children's services\n\n"
        "Inspection dates: 6 to 10 February 2023\n\n"
        "What needs to improve in this area of social care practice?\n\n"
        "\u2022 The quality of plans, by: \uf02d ensuring that plans are specific \uf0a7 reviewing them.\n"
        "\uf02d Supervision that helps social workers.\n\nThe experiences and progress of children\n"
    )
    texts = [r.text for r in parse(text).recommendations]
    assert texts == [
        "The quality of plans, by: ensuring that plans are specific reviewing them",
        "Supervision that helps social workers",
    ]


def test_names_with_accents_and_particles():
    assert clean_person("Máire Ní Bhriain HMI") == "Máire Ní Bhriain"
    assert clean_person("Anne de Vries") == "Anne de Vries"
    assert clean_person("the lead inspector") is None


_ILACS_HEAD = (
    "Inspection of Example local authority children's services\n\nInspection dates: 6 to 10 February 2023\n\n"
)


@pytest.mark.parametrize(
    ("block", "leads"),
    [
        # named together
        (
            "Lead inspectors: Jenny Turnross and Jo Warburton, His Majesty's Inspectors",
            ["Jenny Turnross", "Jo Warburton"],
        ),
        # one to a line under a plural label
        (
            "Lead inspectors: Kathryn Grindrod, His Majesty's Inspector\nTara Geere, His Majesty's Inspector",
            ["Kathryn Grindrod", "Tara Geere"],
        ),
        ("Lead inspectors: Kathryn Grindrod HMI\nTara Geere HMI", ["Kathryn Grindrod", "Tara Geere"]),
        # one to a line under a singular label, each with their title
        (
            "Lead inspector: Kathryn Grindrod, His Majesty's Inspector\nTara Geere, His Majesty's Inspector",
            ["Kathryn Grindrod", "Tara Geere"],
        ),
        # each under a label of their own
        ("Lead inspector: Ann Other HMI\nLead inspector: Bo Peep HMI", ["Ann Other", "Bo Peep"]),
        ("Lead inspector: Ann Other HMI\n\nLead inspector: Bo Peep HMI", ["Ann Other", "Bo Peep"]),
        # the title wrapped between the two names
        (
            "Lead inspectors: Ann Other, His Majesty's\nInspector, and Bo Peep, His Majesty's Inspector",
            ["Ann Other", "Bo Peep"],
        ),
    ],
)
def test_two_lead_inspectors_are_both_kept(block, leads):
    assert parse(_ILACS_HEAD + block + "\n\nJudgement\tGrade\n").lead_inspectors == leads


@pytest.mark.parametrize(
    "block",
    [
        "Lead inspector: Ann Other HMI\nDeputy lead inspector: Bo Peep HMI",
        "Lead inspector: Ann Other HMI\nTeam inspectors: Bo Peep HMI, Cy Twombly HMI",
        "Lead inspector: Ann Other\nJudgement\tGrade",
        # a name without a title under a singular label is not taken for a second lead
        "Lead inspector: Ann Other, His Majesty's Inspector\nOverall Effectiveness",
    ],
)
def test_one_lead_inspector_stays_one(block):
    assert parse(_ILACS_HEAD + block + "\n").lead_inspectors == ["Ann Other"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Since the last inspection in 2015, when services were judged inadequate, leaders have acted.",
        "At the last inspection, in June 2014, services were judged to be inadequate.",
        "Services were judged inadequate when last inspected in 2014.",
        "This is the local authority's reinspection under the single inspection framework.",
        "Progress since the previous inspection under the single inspection framework has been slow.",
        "The local authority was previously inspected in March 2015.",
    ],
)
def test_a_reinspection_that_does_not_say_so_in_its_title_is_one(sentence):
    text = SIF_PAGE_1.replace("22 May 2015 – 18 June 2015", "7 November 2016 - 1 December 2016")
    assert parse(text, SIF_PAGE_2 + "\n\n" + sentence + "\n").inspection_kind == "reinspection"


@pytest.mark.parametrize("title", ["Re-inspection", "Re\u2011inspection", "Reinspection", "Re- inspection"])
def test_a_reinspection_title_in_any_spelling(title):
    text = SIF_PAGE_1.replace("Inspection of services", f"{title} of services")
    assert parse(text, SIF_PAGE_2).inspection_kind == "reinspection"


@pytest.mark.parametrize(
    "sentence",
    [
        "Since the last inspection in 2012, when services were judged adequate, leaders have acted.",
        "Since the last inspection, 12 serious incident notifications were made, up from 31 March 2015.",
        "The local authority's fostering service was last inspected in 2015 and judged good.",
        "One of its children's homes had its last inspection in 2015.",
        "The last inspection in 2015 of its fostering service found it good.",
        "This is the first inspection under the single inspection framework.",
    ],
)
def test_a_first_inspection_stays_a_first_inspection(sentence):
    text = SIF_PAGE_1.replace("22 May 2015 – 18 June 2015", "7 November 2016 - 1 December 2016")
    assert parse(text, SIF_PAGE_2 + "\n\n" + sentence + "\n").inspection_kind == "standard"


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Inspection of Bradford Children and Families Trust", "Bradford Children and Families Trust"),
        ("Inspection of Bradford Children and\nFamilies Trust", "Bradford Children and Families Trust"),
        ("Inspection of Slough Children First", "Slough Children First"),
        ("Inspection of Birmingham Children's Trust", "Birmingham Children's Trust"),
        ("Inspection of Dudley MBC children's services", "Dudley MBC"),
    ],
)
def test_an_ilacs_title_naming_a_trust_or_a_council_by_its_suffix(title, name):
    report = parse(title + "\n" + ILACS_BODY)
    assert report.report_type == "ilacs_inspection"
    assert report.local_authority_as_written == name


def test_a_provider_s_own_inspection_is_not_an_ilacs_report():
    report = parse("Inspection of Sandwell Children's Trust fostering agency\n" + ILACS_BODY)
    assert report.report_type == "other"
