"""JTAI letters and area SEND reports read from small text fixtures shaped like pdf_text's output, and the
national framework cross-reference split off recommendations."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

import pytest

from orchestration.lib.core import vocabulary
from orchestration.lib.parse.national_framework import read_reference, split_reference
from orchestration.lib.parse.parsers import detect_type, parse_document
from orchestration.lib.parse.parsers.area_send import EARLIER_REASON, MONITORING_REASON
from orchestration.lib.parse.parsers.jtai import theme_group
from orchestration.lib.parse.parsers.model import ParsedReport, Recommendation
from orchestration.lib.parse.rows import report_rows
from orchestration.lib.parse.text import to_lines

OLD_JTAI = [
    """3 August 2016

Jane Doe, Director of Children's Services, Anyshire County Council
John Roe, Chief Constable

Dear local partnership

Joint targeted area inspection of the multi-agency response to abuse and
neglect in Anyshire

Between 20 and 24 June, Ofsted, the Care Quality Commission (CQC), HMI
Constabulary (HMIC) and HMI Probation (HMIP) undertook a joint inspection of the
multi-agency response to abuse and neglect in Anyshire. This inspection included a
'deep dive' focus on the response to children living with domestic abuse.

This letter to all the service leaders in the area outlines our findings.""",
    """Key strengths

• Leaders across the partnership share a clear commitment to children living with
domestic abuse, and this is improving the help they receive.

• The multi-agency safeguarding hub responds quickly to notifications from the
police.

Case study: highly effective practice

A child was helped quickly because agencies shared what they knew. This is
described here as an example.

Areas for priority action

• There are no areas for priority action

Areas for improvement

Leadership and management

• Health commissioners do not have a sufficiently robust understanding of the risks
that children face when they live with domestic abuse.

• Performance information is not used well enough.

Practice

• Strategy discussions do not always include the police.

Next steps

The local authority should prepare a written statement of proposed action.""",
]

NEW_JTAI = [
    """30 January 2024

Jane Doe, Director of Children's Services, Anytown Council

Dear Anytown Safeguarding Children Partnership

Joint targeted area inspection of Anytown

This letter summarises the findings of the joint targeted area inspection (JTAI) of the
multi-agency response to children and families in Anytown who need help.

This inspection took place from 13 November 2023 to 17 November 2023. It was
carried out by inspectors from Ofsted, the Care Quality Commission (CQC) and His
Majesty's Inspectorate of Constabulary and Fire & Rescue Services (HMICFRS).

Headline findings

The partnership has a clear understanding of its strengths and of the areas where it
needs to improve, and partners work well together in the front door.

Area for priority action

Urgent action is required by the Anytown NHS Foundation Trust to assure themselves
of the quality of their safeguarding practice. Priority action should be taken to
address the following areas:

◼ The failure of senior leaders to have sufficient oversight of professional
 curiosity.

◼ The variable quality of scrutiny and supervision by health staff.""",
    """What needs to improve?

◼ The consistency with which professional curiosity and challenge are applied.

◼ Performance information across the partnership.
◼ The rigour of the partnership's quality assurance function.

Strengths

◼ A strong partnership approach to providing early help.

Main findings

In the multi-agency safeguarding hub, decision-making is timely, and thresholds are
well understood and applied consistently by all partners.

Next steps

We have determined that Anytown is responsible for preparing a statement.""",
]


def send_report(box: str, previous: str = "Dates of previous inspection: 23 to 27 January 2017") -> list[str]:
    return [
        f"""Local area partnership report

Area SEND inspection of Anyshire
Local Area Partnership

Inspection dates: 11 to 15 March 2024

{previous}

 Inspection outcome

{box}

Information about the local area partnership

Anyshire Council and NHS Anyshire Integrated Care Board are responsible for planning and
commissioning services for children and young people with SEND in Anyshire.""",
        """What is the area partnership doing that is effective?

◼ Leaders are ambitious for children and young people with SEND.

What does the area partnership need to do better?

◼ Children and young people wait too long for assessments of their needs.

Areas for priority action

Responsible body\tAreas for priority action
Anyshire Council and\tArea leaders need to ensure that there is a partnership
NHS Anyshire\tcommissioning agreement in place.
Integrated Care Board
NHS Anyshire\tHealth leaders must address the waiting times for speech
Integrated Care Board\tand language therapy. Leaders should ensure that families are supported.

Areas for improvement

Areas for improvement
Leaders across the partnership should strengthen their use of information. This will
enable them to evaluate the impact of their work on children and young people.
Leaders at NHS Anyshire ICB should reduce the waits for neurodevelopmental assessments.""",
        """Local area partnership details

Local authority\tIntegrated care board
Anyshire Council\tNHS Anyshire Integrated Care Board

Inspection team

Ofsted\tCare Quality Commission
Dr Ann Example, Ofsted HMI Lead inspector\tBen Sample, CQC Lead inspector
Carl Other, Ofsted HMI\tDee Other, CQC inspector""",
    ]


POSITIVE = """ The local area partnership's arrangements typically lead to positive experiences and
 outcomes for children and young people with SEND. The next full area SEND inspection will be
 within approximately five years."""
INCONSISTENT = """ The local area partnership's arrangements lead to inconsistent experiences and
 outcomes for children and young people with SEND. The next full area SEND inspection will be
 within approximately three years."""
SYSTEMIC = """ There are widespread and/or systemic failings leading to significant concerns about the
 experiences and outcomes of children and young people with SEND.
 A monitoring inspection will be carried out within approximately 18 months. The next
 full reinspection will be within approximately three years."""


def rows_of(report: ParsedReport) -> dict[str, list[dict]]:
    class Resolver:
        def resolve_or_placeholder(self, name, context=None):
            return name

        def explain_choice(self, name, context=None):
            return None

    rows: dict[str, list[dict]] = defaultdict(list)
    report_rows(rows, report, "r1", 1, "f.pdf", "0" * 64, 3, Resolver())
    return rows


# --- JTAI ---------------------------------------------------------------------------------------


def test_old_jtai_letter():
    [report] = parse_document(OLD_JTAI, paged=True)
    joint = report.joint_inspection
    assert report.report_type == "joint_targeted_area_inspection"
    assert report.local_authority_as_written == "Anyshire"
    assert (joint.theme, joint.theme_group, joint.layout) == (
        "abuse and neglect",
        "domestic_abuse",
        "2016-2020",
    )
    assert joint.agencies == ["Ofsted", "CQC", "HMICFRS", "HMI Probation"]
    assert joint.partnership_name is None  # "Dear local partnership"
    # the letter prints no year: the letter's own
    assert report.windows == [(dt.date(2016, 6, 20), dt.date(2016, 6, 24))]
    assert joint.letter_date == dt.date(2016, 8, 3)
    # "There are no areas for priority action" is never an item; a case study is not a strength
    assert [r.is_priority for r in report.recommendations] == [False, False, False]
    assert report.recommendations[0].text.startswith("Health commissioners do not have")
    kinds = [(f.kind, f.heading) for f in report.findings]
    assert kinds == [
        ("strength", None),
        ("strength", None),
        ("area_for_improvement", "Leadership and management"),
        ("area_for_improvement", "Leadership and management"),
        ("area_for_improvement", "Practice"),
    ]
    assert report.findings[1].text.endswith("from the police")
    assert report.findings[1].page == 2
    assert not report.statements  # no grades, ever


def test_new_jtai_letter():
    [report] = parse_document(NEW_JTAI, paged=True)
    joint = report.joint_inspection
    assert report.local_authority_as_written == "Anytown"
    assert joint.theme == "children and families who need help"
    assert joint.theme_group == "initial_need_and_risk"
    assert joint.layout == "2022-"
    assert joint.partnership_name == "Anytown Safeguarding Children Partnership"
    assert joint.agencies == ["Ofsted", "CQC", "HMICFRS"]
    assert report.windows == [(dt.date(2023, 11, 13), dt.date(2023, 11, 17))]
    priority = [r for r in report.recommendations if r.is_priority]
    improve = [r for r in report.recommendations if not r.is_priority]
    assert len(priority) == 2 and {r.addressed_to for r in priority} == {"health"}
    assert priority[0].text.endswith("oversight of professional curiosity")
    assert len(improve) == 3 and {r.addressed_to for r in improve} == {"safeguarding_partnership"}
    assert [f.kind for f in report.findings] == ["headline", "strength", "main_finding"]
    assert not report.statements


@pytest.mark.parametrize(
    ("words", "group"),
    [
        ("child sexual exploitation and those missing from home, care or education", "cse_and_missing"),
        ("children between seven and 15 years old who have been neglected", "neglect"),
        ("child sexual abuse in the family environment", "sexual_abuse_in_the_family"),
        ("the criminal exploitation of children", "criminal_exploitation"),
        ("children's mental health", "mental_health"),
        ("identification of initial need and risk", "initial_need_and_risk"),
        ("serious youth violence", "serious_youth_violence"),
        ("children who are victims of domestic abuse", "domestic_abuse"),
        ("something never inspected before", None),
    ],
)
def test_theme_groups_come_from_the_seed(words, group):
    assert theme_group(words) == group
    if group:
        assert group in vocabulary.value_list("jtai_theme_groups")


def test_a_jtai_title_is_recognised_by_the_heading_not_a_mention():
    mention = [
        "Dear Director\n\nFocused visit to Anyshire children's services\n\nSince the joint "
        "targeted area inspection of Anyshire in 2019, leaders have ..."
    ]
    assert detect_type(to_lines(mention, paged=True)) != "joint_targeted_area_inspection"
    assert detect_type(to_lines(NEW_JTAI, paged=True)) == "joint_targeted_area_inspection"


# --- area SEND ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("box", "outcome", "full", "monitoring"),
    [
        (POSITIVE, "positive", "5 years", None),
        (INCONSISTENT, "inconsistent", "3 years", None),
        (SYSTEMIC, "systemic_failings", "3 years", "18 months"),
    ],
)
def test_send_outcome_and_intervals(box, outcome, full, monitoring):
    [report] = parse_document(send_report(box), paged=True)
    send = report.area_send
    assert report.report_type == "area_send_inspection"
    assert (send.outcome, send.next_full_inspection_within, send.monitoring_inspection_within) == (
        outcome,
        full,
        monitoring,
    )
    assert outcome in vocabulary.value_list("area_send_outcomes")
    assert not report.statements


def test_send_report_fields():
    [report] = parse_document(send_report(SYSTEMIC), paged=True)
    send = report.area_send
    assert send.partnership_name == "Anyshire Local Area Partnership"
    assert report.local_authority_as_written == "Anyshire"
    assert send.integrated_care_board == "NHS Anyshire Integrated Care Board"
    assert report.windows == [(dt.date(2024, 3, 11), dt.date(2024, 3, 15))]
    assert send.previous_inspection_date == dt.date(2017, 1, 23)
    assert send.previous_inspection_text == "23 to 27 January 2017"
    assert report.lead_inspectors == ["Dr Ann Example (Ofsted)", "Ben Sample (CQC)"]
    priority = [r for r in report.recommendations if r.is_priority]
    improve = [r for r in report.recommendations if not r.is_priority]
    assert [r.addressed_to for r in priority] == ["local_area_partnership", "integrated_care_board"]
    assert priority[1].text.endswith("families are supported.")
    assert len(improve) == 2
    assert improve[0].text.endswith("children and young people")
    assert improve[1].addressed_to == "integrated_care_board"
    assert [f.kind for f in report.findings] == ["strength", "needs_to_improve"]
    assert send.not_read_reason is None and send.framework == "2023"


def test_send_not_previously_inspected():
    [report] = parse_document(
        send_report(POSITIVE, "Dates of previous inspection: Not previously inspected"), paged=True
    )
    assert report.area_send.previous_inspection_date is None
    assert report.area_send.previous_inspection_text == "Not previously inspected"


def test_an_earlier_send_framework_report_is_typed_and_marked_not_read():
    pages = [
        "12 March 2019\n\nMrs A Person\nDirector of Children's Services\n\nDear Mrs Person\n\n"
        "Joint local area SEND inspection in Anyshire\n\nBetween 4 March 2019 and 8 March 2019, Ofsted and "
        "the Care Quality Commission (CQC) conducted a joint inspection of the local area of Anyshire."
    ]
    [report] = parse_document(pages, paged=True)
    assert report.report_type == "area_send_inspection"
    assert report.area_send.not_read_reason == EARLIER_REASON
    assert report.area_send.framework == "2016-2022"
    assert report.local_authority_as_written == "Anyshire"
    assert not report.recommendations and not report.statements
    assert rows_of(report)["area_send_inspections"][0]["not_read_reason"] == EARLIER_REASON


# --- national framework -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "number"),
    [
        ("Early help (outcome 1, national framework)", "outcome", 1),
        ("Early help (outcome four, national framework).", "outcome", 4),
        ("Early help (national framework outcome four)", "outcome", 4),
        ("Early help (enabler 2, national framework)", "enabler", 2),
        (
            "Early help (enabler: the workforce is equipped and effective, national framework)",
            "enabler",
            3,
        ),
        ("Early help (principle 3, national framework)", "principle", 3),
        ("Early help (National Framework, Outcome 1)", "outcome", 1),
        ("Early help. (Enabler 2: Leaders drive conditions for effective practice)", "enabler", 2),
    ],
)
def test_each_written_form_of_the_cross_reference(text, kind, number):
    rest, reference = split_reference(text)
    assert rest.rstrip(".") == "Early help"
    assert (reference.kind, reference.number) == (kind, number)
    assert reference.as_written == text[text.index("(") + 1 : text.rindex(")")]
    assert kind in vocabulary.value_list("national_framework_kinds")


def test_text_without_a_cross_reference_is_kept_whole():
    assert split_reference("Ensure that plans are reviewed (including pathway plans).") == (
        "Ensure that plans are reviewed (including pathway plans).",
        None,
    )
    assert read_reference("national framework").kind is None


def test_recommendation_rows_carry_the_cross_reference_as_columns():
    report = ParsedReport(report_type="ilacs_inspection")
    report.recommendations = [
        Recommendation("The quality of supervision (enabler 2, national framework)", None),
        Recommendation("The timeliness of assessments.", None),
    ]
    rows = rows_of(report)["recommendations"]
    assert rows[0]["recommendation_text"] == "The quality of supervision"
    assert (rows[0]["national_framework_kind"], rows[0]["national_framework_number"]) == ("enabler", 2)
    assert rows[0]["national_framework_as_written"] == "enabler 2, national framework"
    assert rows[1]["national_framework_kind"] is None and rows[1]["recommendation_text"].endswith(
        "assessments."
    )


def test_an_area_send_monitoring_inspection_is_typed_and_marked_not_read():
    pages = ["Area SEND monitoring inspection of Anyshire Local Area Partnership\n\nInspection dates: 1 May"]
    [report] = parse_document(pages, paged=True)
    assert report.report_type == "area_send_inspection"
    assert report.area_send.not_read_reason == MONITORING_REASON
    assert report.area_send.outcome is None
    assert report.local_authority_as_written == "Anyshire"


def test_a_markdown_rendering_reads_as_the_pdf_text_does():
    heading = r"(?m)^(Joint targeted area inspection of .*|Headline findings|Area for priority action|"
    heading += r"What needs to improve\?|Strengths|Main findings|Next steps)$"
    text = "\n".join(re.sub(heading, r"## \1", page).replace("◼", "-") for page in NEW_JTAI)
    [report] = parse_document([text], paged=False)
    [from_pdf] = parse_document(NEW_JTAI, paged=True)
    assert report.joint_inspection.theme == from_pdf.joint_inspection.theme
    assert [r.text for r in report.recommendations] == [r.text for r in from_pdf.recommendations]
    assert [f.kind for f in report.findings] == [f.kind for f in from_pdf.findings]
    assert report.findings[0].page is None


def test_send_lead_inspectors_named_above_their_role():
    pages = send_report(POSITIVE)
    pages[2] = pages[2].replace(
        "Dr Ann Example, Ofsted HMI Lead inspector\tBen Sample, CQC Lead inspector",
        "Dr Ann Example, Ofsted HMI\tBen Sample, CQC\nLead inspector\tLead inspector",
    )
    [report] = parse_document(pages, paged=True)
    assert report.lead_inspectors == ["Dr Ann Example (Ofsted)", "Ben Sample (CQC)"]


def test_a_report_that_mentions_an_earlier_joint_inspection_is_not_one():
    """An ILACS report's sentence about "the Joint Targeted Area Inspection in 2017" is not a JTAI title."""
    from orchestration.lib.parse.parsers.jtai import is_title
    from orchestration.lib.parse.text import Line

    def line(text):
        return Line(1, text, False, False)

    assert not is_title(
        line("Joint Targeted Area Inspection in 2017. These improvements have included taking")
    )
    assert not is_title(line("Joint targeted area inspection in March 2019 found that"))
    assert is_title(line("Joint targeted area inspection of Bexley"))
    assert is_title(
        line("Joint targeted area inspection of the multi-agency response to abuse and neglect in")
    )
