"""A corpus of made-up Ofsted reports of every family, with the truth of what each one states.

    .venv/bin/python benchmarks/generate.py --n 200 --seed 7 --out /tmp/corpus --pdf-share 0.5

writes N reports into OUT (PDFs, and `.txt` / `.md` text renderings) and OUT/../<name>.truth.json (by
default `truth.json` beside the folder; `--truth` to choose), in the terms of the warehouse contract:
report type, authority (as written, Ofsted's name, GSS code), dates, lead inspector, judgements,
recommendations with their timescale, addressee and priority, and for visit letters the letter's
fields. The same seed gives the same bytes and the same truth.

Each family follows the wording and layout the real reports use (docs/report-formats.md): the 2012-13
child protection and 2013 looked after children inspections, the single inspection framework (SIF,
2013-18, with or without the safeguarding board's review, and the board's review alone), ILACS
(2018-, short and standard; three judgements to 2022, four from 2023, no overall effectiveness from
April 2026), monitoring visits and focused visits. Authorities come from the warehouse's own reference
list (dbt_project/seeds/local_authorities.csv), named as reports name them. Body paragraphs are filler
in the reports' register, enough for realistic page counts (letters 4-9 pages, inspections 8-40), since
pages are what extraction costs. PDFs are laid out by tests/fixtures/pdf_render.py in its two layouts.

A benchmark over such a corpus is also a correctness check at scale: `benchmarks/accuracy.py` compares
the published marts with the truth field by field.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import hashlib
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

AUTHORITIES_CSV = REPO / "dbt_project" / "seeds" / "local_authorities.csv"

# Family mix, roughly as Ofsted has published them over the years.
FAMILIES = [
    ("ilacs_inspection", 30),
    ("sif_inspection", 18),
    ("monitoring_visit", 14),
    ("focused_visit", 14),
    ("child_protection_inspection", 10),
    ("looked_after_children_inspection", 8),
    ("lscb_review", 6),
]
# Pages of the PDF rendering (letters are short; SIF reports the longest).
PAGES = {
    "ilacs_inspection": (9, 22),
    "sif_inspection": (22, 40),
    "monitoring_visit": (4, 8),
    "focused_visit": (4, 9),
    "child_protection_inspection": (12, 30),
    "looked_after_children_inspection": (12, 28),
    "lscb_review": (8, 16),
}
CHARS_PER_PAGE = 2450  # body text of a page in either layout, with paragraph spacing

MONTHS = list(calendar.month_name[1:])
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
GRADE_LABEL = {  # grade as the marts word it
    "outstanding": "Outstanding",
    "good": "Good",
    "adequate": "Adequate",
    "inadequate": "Inadequate",
    "requires improvement": "Requires improvement to be good",
    "requires improvement to be good": "Requires improvement to be good",
}

FIRST_NAMES = [
    "Linda",
    "Donna",
    "Simon",
    "Wendy",
    "Tom",
    "Fiona",
    "Sheena",
    "Gary",
    "Kate",
    "Louise",
    "Rachel",
    "Andrew",
    "Nick",
    "Jenny",
    "Peter",
    "Marcie",
    "Brenda",
    "Rosie",
    "Neil",
    "Caroline",
    "Matt",
    "Tracey",
    "Lisa",
    "Steve",
    "Joy",
    "Alison",
    "Mark",
    "Naintara",
    "Dominic",
    "Karen",
]
SURNAMES = [
    "Steele",
    "Marriott",
    "Rushall",
    "Ghaffar",
    "Anthony",
    "Millns",
    "Doyle",
    "Lamb",
    "Malleson",
    "Hollick",
    "Griffiths",
    "Bangs",
    "Stephens",
    "Taylor",
    "Harrison",
    "Sutherland",
    "Dinsdale",
    "Hart",
    "Penhale",
    "Collins",
    "Ward",
    "Khan",
    "Okafor",
    "Whitaker",
    "Brennan",
    "Ellison",
    "Nash",
    "Pearce",
    "Fenwick",
    "Oakley",
]
ROLES = [
    "Director of Children's Services",
    "Interim Director of Children's Services",
    "Executive Director of Children's Services",
    "Strategic Director, Children and Families",
    "Corporate Director of Children and Young People",
]
CITIES = {
    "Birmingham",
    "Bradford",
    "Bristol",
    "Coventry",
    "Derby",
    "Leeds",
    "Leicester",
    "Liverpool",
    "Manchester",
    "Newcastle upon Tyne",
    "Nottingham",
    "Peterborough",
    "Plymouth",
    "Portsmouth",
    "Salford",
    "Sheffield",
    "Southampton",
    "Stoke-on-Trent",
    "Sunderland",
    "Wakefield",
    "Wolverhampton",
    "York",
}
STREETS = ["Town Hall", "Civic Centre", "County Hall", "Council House", "Civic Offices"]

# Filler in the reports' register. None of it names a grade, a judgement area, a date, a person or a
# heading the parsers look for, so it cannot change what a report states.
_SUBJECTS = [
    "Social workers",
    "Managers in the front door service",
    "Senior leaders",
    "Practitioners in the family support teams",
    "Independent reviewing officers",
    "Partner agencies",
    "Child protection chairs",
    "Personal advisers",
    "Team managers",
    "Elected members",
    "The virtual school",
    "Early help workers",
    "Foster carers",
    "The multi-agency safeguarding hub",
    "Health partners",
    "Staff in the edge of care service",
]
_VERBS = [
    "make careful use of",
    "have strengthened",
    "are beginning to improve",
    "keep under regular review",
    "do not always record",
    "consistently consider",
    "work closely with families on",
    "routinely challenge",
    "have invested in",
    "share information promptly about",
    "have a clear understanding of",
    "are not yet consistent in",
    "take timely action on",
    "carefully evaluate",
]
_OBJECTS = [
    "the quality of assessments",
    "the views and wishes of children",
    "plans that set out what needs to change",
    "the risks that children face outside the home",
    "the stability of placements",
    "the oversight of decisions at key points",
    "the support offered to parents and carers",
    "the timeliness of statutory visits",
    "the health needs of children",
    "the education of children",
    "arrangements for children who go missing",
    "the recording of case supervision",
    "the sufficiency of homes for children",
    "the use of chronologies and genograms",
    "the experiences of disabled children",
    "the response to domestic abuse",
]
_TAILS = [
    "so that children receive help at the right time",
    "and this is helping families to make changes",
    "although this is not yet embedded across every team",
    "which means that decisions are well informed",
    "and children speak positively about the help they receive",
    "in line with statutory guidance",
    "and audits show a steady rise in the quality of practice",
    "but the impact of this work is still recent",
    "and caseloads are manageable for most staff",
    "which ensures a consistent response across the county",
]

_ACTIONS = [
    "the quality and consistency of management oversight and supervision of frontline practice",
    "the timeliness and quality of assessments for children in need of help and protection",
    "the response to children who go missing from home or care, including return home interviews",
    "the sufficiency and range of homes for children in care close to their families",
    "the quality of pathway plans and the support offered to care leavers into adulthood",
    "the use of pre-proceedings to prevent drift and delay for children",
    "the recording of the rationale for decisions on children's case records",
    "the consistency of practice for children who are privately fostered",
    "the effectiveness of multi-agency strategy discussions for children at risk of harm",
    "the quality of plans, so that they set out clearly what needs to change and by when",
    "the identification of risk for children who are vulnerable to exploitation",
    "the health assessments of children in care and the timeliness of their reviews",
    "the support provided to young people who are homeless at 16 and 17 years old",
    "the quality assurance of practice, so that audits lead to lasting improvement",
]
_OPENING_VERBS = ["improve", "strengthen", "review", "develop", "prioritise"]


@dataclass
class Authority:
    gss_code: str
    name: str  # Ofsted's name, as in the reference list
    as_written: str  # as the report writes it


@dataclass
class Report:
    family: str
    authority: Authority
    truth: dict
    text: str
    title: str  # for the running header of the PDF rendering
    pages: int
    layout: str = "a"
    extras: dict = field(default_factory=dict)


def load_authorities() -> list[tuple[str, str]]:
    """(gss_code, Ofsted's name) of every current authority, minus the City of London and the Isles of
    Scilly (whose reports are few and whose names no report writes with a council suffix)."""
    with open(AUTHORITIES_CSV, newline="", encoding="utf-8") as handle:
        rows = [
            (r["gss_code"], r["local_authority_name"])
            for r in csv.DictReader(handle)
            if r["status"] == "current"
        ]
    return [row for row in rows if row[1] not in ("City of London", "Isles of Scilly")]


class Generator:
    def __init__(self, seed: int, max_pages: int | None = None):
        self.max_pages = max_pages
        self.rng = random.Random(seed)
        self.seed = seed
        from orchestration.lib.parse.authorities import AuthorityResolver

        self.resolver = AuthorityResolver(AUTHORITIES_CSV)
        self.authorities = load_authorities()

    # --- shared pieces -------------------------------------------------------------------------------

    def authority(self) -> Authority:
        """An authority named as reports name it ("Surrey County Council", "London Borough of Sutton"),
        kept only when the warehouse's resolver maps that wording back to the same code."""
        while True:
            code, name = self.rng.choice(self.authorities)
            if code.startswith("E09"):
                forms = [f"London Borough of {name}", f"{name} Council", f"{name} London Borough Council"]
            elif code.startswith("E10"):
                forms = [f"{name} County Council", f"{name} Council"]
            elif name in CITIES:
                forms = [f"{name} City Council", f"{name} Council"]
            else:
                forms = [f"{name} Council"]
            as_written = self.rng.choice(forms)
            if self.resolver.resolve(as_written) == code and self.resolver.resolve(name) == code:
                return Authority(code, name, as_written)

    def person(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)}"

    def people(self, count: int) -> list[str]:
        names: list[str] = []
        while len(names) < count:
            name = self.person()
            if name not in names:
                names.append(name)
        return names

    def day_between(self, first: dt.date, last: dt.date, weekday: int | None = 0) -> dt.date:
        day = first + dt.timedelta(days=self.rng.randrange((last - first).days + 1))
        while weekday is not None and day.weekday() != weekday:
            day += dt.timedelta(days=1)
        return day

    def sentence(self) -> str:
        return (
            f"{self.rng.choice(_SUBJECTS)} {self.rng.choice(_VERBS)} {self.rng.choice(_OBJECTS)} "
            f"{self.rng.choice(_TAILS)}."
        )

    def paragraph(self, sentences: tuple[int, int] = (4, 8)) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(*sentences)))

    def filler(self, chars: int, start_number: int | None) -> tuple[list[str], int]:
        """Paragraphs of about `chars` characters, numbered from start_number (None: unnumbered)."""
        out: list[str] = []
        number = start_number
        while chars > 0:
            text = self.paragraph()
            if number is not None:
                text = f"{number}. {text}"
                number += 1
            out.append(text)
            chars -= len(text)
        return out, (number if number is not None else 0)

    def actions(self, count: int, *, lowercase: bool) -> list[str]:
        picked = self.rng.sample(_ACTIONS, count)
        texts = []
        for action in picked:
            verb = self.rng.choice(_OPENING_VERBS)
            text = f"{verb} {action}"
            texts.append(text if lowercase else text[0].upper() + text[1:])
        return texts

    # --- families ------------------------------------------------------------------------------------

    def make(self, family: str) -> Report:
        pages = self.rng.randint(*PAGES[family])
        if self.max_pages:
            pages = min(pages, self.max_pages)
        return getattr(self, f"_{family}")(pages)

    def _inspection_2012(self, pages: int, looked_after: bool) -> Report:
        authority = self.authority()
        if looked_after:
            title = "Inspection of looked after children services"
            areas = [
                ("overall_effectiveness", "Overall effectiveness"),
                ("capacity_to_improve", "Capacity to improve"),
                ("outcomes_for_looked_after_children", "Outcomes for looked after children and care leavers"),
                ("quality_of_provision", "Quality of provision"),
                ("leadership_and_management", "Leadership and management"),
            ]
            start = self.day_between(dt.date(2013, 1, 7), dt.date(2013, 6, 24))
            summary = (
                "The overall effectiveness of the services for looked after children and young people in {} "
                "is judged to be {}."
            )
        else:
            title = "Inspection of local authority arrangements for the protection of children"
            areas = [
                ("overall_effectiveness", "Overall effectiveness"),
                (
                    "help_and_protection",
                    "The effectiveness of the help and protection provided to children, "
                    "young people, families and carers",
                ),
                ("quality_of_practice", "The quality of practice"),
                ("leadership_and_governance", "Leadership and governance"),
            ]
            start = self.day_between(dt.date(2012, 6, 4), dt.date(2013, 7, 8))
            summary = (
                "The overall effectiveness of the arrangements to protect children in {} is judged to be {}."
            )
        end = start + dt.timedelta(days=9)
        grades = {
            area: self.rng.choice(["outstanding", "good", "adequate", "adequate", "inadequate"])
            for area, _ in areas
        }
        lead = self.person()
        timescales = [
            ("Immediately:", "immediately", self.rng.randint(0, 2)),
            ("Within three months:", "within_3_months", self.rng.randint(2, 6)),
            ("Within six months:", "within_6_months", self.rng.randint(0, 3)),
        ]
        recommendations = []
        actions = self.actions(sum(t[2] for t in timescales), lowercase=True)
        lines = [
            title,
            authority.as_written,
            "",
            f"Inspection dates: {_range(start, end)}",
            "",
            f"Lead inspector {lead}",
            "",
            "Age group: All",
            "",
            f"Published: {_day(end + dt.timedelta(days=self.rng.randint(28, 45)))}",
            "",
            f"© Crown copyright {end.year}",
            "",
            title,
            "",
            "Overall effectiveness",
            "",
            "1. " + summary.format(authority.as_written, grades["overall_effectiveness"]),
            "",
            "Areas for improvement",
            "",
            f"2. In order to improve the quality of help and protection given to children and young people "
            f"in {authority.name}, the local authority and its partners should take the following action.",
            "",
        ]
        for heading, code, count in timescales:
            if not count:
                continue
            lines += [heading, ""]
            for _ in range(count):
                text = actions.pop(0)
                recommendations.append(
                    {"timescale": code, "text": text, "addressed_to": "local_authority", "is_priority": False}
                )
                lines += [f"- {text}", ""]
        lines += ["About this inspection", ""]
        budget = (pages - 2) * CHARS_PER_PAGE
        paragraphs, number = self.filler(budget // (len(areas) + 1), 3)
        lines += _paragraphs(paragraphs)
        for area, label in areas:
            lines += [label, "", grades[area].capitalize(), ""]
            if area == "overall_effectiveness":
                lines += [
                    f"{number}. " + summary.format(authority.name, grades[area]) + " " + self.paragraph(),
                    "",
                ]
                number += 1
            paragraphs, number = self.filler(budget // (len(areas) + 1), number)
            lines += _paragraphs(paragraphs)
        lines += ["Record of main findings", ""]
        lines += [f"{label}\t{grades[area].capitalize()}" for area, label in areas]
        truth = {
            "report_type": "looked_after_children_inspection"
            if looked_after
            else "child_protection_inspection",
            "inspection_start_date": start.isoformat(),
            "inspection_end_date": end.isoformat(),
            "lead_inspector": lead,
            "inspection_kind": None,
            "judgements": {area: GRADE_LABEL[grade] for area, grade in grades.items()},
            "recommendations": recommendations,
        }
        return Report(truth["report_type"], authority, truth, "\n".join(lines) + "\n", title, pages)

    def _child_protection_inspection(self, pages: int) -> Report:
        return self._inspection_2012(pages, looked_after=False)

    def _looked_after_children_inspection(self, pages: int) -> Report:
        return self._inspection_2012(pages, looked_after=True)

    def _sif(self, pages: int, *, board_only: bool) -> Report:
        authority = self.authority()
        start = self.day_between(dt.date(2013, 11, 4), dt.date(2018, 2, 26), weekday=1)
        end = start + dt.timedelta(days=22)
        sif_grades = ["outstanding", "good", "requires improvement", "requires improvement", "inadequate"]
        lead = self.person()
        reinspection = not board_only and self.rng.random() < 0.1
        bundled = board_only or self.rng.random() < 0.7
        areas = [
            ("help_and_protection", "1. Children who need help and protection"),
            ("children_in_care", "2. Children looked after and achieving permanence"),
            ("adoption", "2.1 Adoption performance"),
            ("care_leavers", "2.2 Experiences and progress of care leavers"),
            ("leadership_management_governance", "3. Leadership, management and governance"),
        ]
        grades: dict[str, str] = {}
        if not board_only:
            grades = {area: self.rng.choice(sif_grades) for area, _ in areas}
            grades["overall_effectiveness"] = self.rng.choice(sif_grades)
        if bundled:
            grades["lscb"] = self.rng.choice(sif_grades)
        if board_only:
            title = "Review of the effectiveness of the Local Safeguarding Children Board"
            header = [authority.as_written, title]
        else:
            title = (
                "Inspection of services for children in need of help and protection, children looked after "
                "and care leavers"
            )
            header = [authority.as_written, title]
            if bundled:
                header += ["and", "Review of the effectiveness of the Local Safeguarding Children Board"]
        lines = [*header, "", f"Inspection date: {_day(start)} – {_day(end)}", ""]
        if reinspection:
            lines += ["This was a re-inspection of the local authority's services for children.", ""]
        if not board_only:
            overall = grades["overall_effectiveness"]
            wording = self.rng.choice(
                [
                    f"The overall judgement is {overall}.",
                    "The overall judgement is that children's services "
                    f"{'require' if overall.startswith('requires') else 'are'} "
                    f"{overall.replace('requires ', '') if overall.startswith('requires') else overall}.",
                ]
            )
            lines += [
                wording,
                "",
                "It is Ofsted's expectation that as a minimum all children and young people "
                "receive good help, care and protection.",
                "",
            ]
            lines += [f"{label}\t{_table_grade(grades[area])}" for area, label in areas]
            lines.append("")
        if bundled:
            lines += [
                f"The judgement for the effectiveness of the Local Safeguarding Children Board (LSCB) is "
                f"{grades['lscb']}.",
                "",
            ]
        budget = (pages - 2) * CHARS_PER_PAGE
        recommendations = []
        lines += ["Executive summary", ""]
        # executive summary, the authority's sections, the board's: shares of the report's length
        shares = (1 / 3, 0, 2 / 3) if board_only else (1 / 6, 1 / 2, 1 / 3) if bundled else (1 / 6, 5 / 6, 0)
        paragraphs, _ = self.filler(int(budget * shares[0]), None)
        lines += _paragraphs(paragraphs)
        if not board_only:
            lines += ["What does the Local Authority need to improve?", ""]
            recommendations += self._sif_list(lines, "local_authority", priority=self.rng.random() < 0.4)
            lines += [
                "Information about this inspection",
                "",
                "The inspection was carried out under section 136 of the Education and Inspections Act 2006.",
                "",
            ]
            lines += [f"Lead inspector: {lead}", ""]
            paragraphs, number = self.filler(int(budget * shares[1]), 1)
            lines += ["Inspection judgements about the Local Authority", ""] + _paragraphs(paragraphs)
        if bundled:
            lines += ["What does the LSCB need to improve?", ""]
            recommendations += self._sif_list(lines, "lscb", priority=False)
            lines += ["Information about this review", ""]
            if board_only:
                lines += [f"Lead inspector: {lead}", ""]
            paragraphs, _ = self.filler(int(budget * shares[2]), None)
            lines += _paragraphs(paragraphs)
        truth = {
            "report_type": "lscb_review" if board_only else "sif_inspection",
            "inspection_start_date": start.isoformat(),
            "inspection_end_date": end.isoformat(),
            "lead_inspector": lead,
            "inspection_kind": "reinspection" if reinspection else "standard",
            "judgements": {area: GRADE_LABEL[grade] for area, grade in grades.items()},
            "recommendations": recommendations,
        }
        return Report(truth["report_type"], authority, truth, "\n".join(lines) + "\n", title, pages)

    def _sif_list(self, lines: list[str], addressed_to: str, *, priority: bool) -> list[dict]:
        out = []
        groups = []
        if priority:
            groups.append(("Priority and immediate action", True, self.rng.randint(1, 4)))
        groups.append(("Areas for improvement", False, self.rng.randint(2, 9)))
        actions = self.actions(sum(g[2] for g in groups), lowercase=False)
        for heading, is_priority, count in groups:
            lines += [heading, ""]
            for _ in range(count):
                text = actions.pop(0)
                out.append(
                    {
                        "timescale": None,
                        "text": text,
                        "addressed_to": addressed_to,
                        "is_priority": is_priority,
                    }
                )
                lines += [f"- {text}.", ""]
        return out

    def _sif_inspection(self, pages: int) -> Report:
        return self._sif(pages, board_only=False)

    def _lscb_review(self, pages: int) -> Report:
        return self._sif(pages, board_only=True)

    def _ilacs_inspection(self, pages: int) -> Report:
        authority = self.authority()
        start = self.day_between(dt.date(2018, 4, 9), dt.date(2026, 9, 28))
        short = self.rng.random() < 0.4
        end = start + dt.timedelta(days=4 if short else 11)
        grades_pool = ["outstanding", "good", "good", "requires improvement to be good", "inadequate"]
        leaders = (
            "The impact of leaders on social work practice with children and families"
            if start < dt.date(2026, 4, 1)
            else "The impact of leaders on practice with children and families"
        )
        areas = [
            ("impact_of_leaders", leaders),
            ("help_and_protection", "The experiences and progress of children who need help and protection"),
        ]
        if start >= dt.date(2023, 1, 1):
            areas += [
                ("children_in_care", "The experiences and progress of children in care"),
                ("care_leavers", "The experiences and progress of care leavers"),
            ]
        else:
            areas += [
                (
                    "children_in_care_and_care_leavers",
                    "The experiences and progress of children in care and care leavers",
                )
            ]
        if start < dt.date(2026, 4, 1):
            areas.append(("overall_effectiveness", "Overall effectiveness"))
        grades = {area: self.rng.choice(grades_pool) for area, _ in areas}
        lead = self.person()
        title = f"Inspection of {authority.as_written} local authority children's services"
        lines = [
            title,
            "",
            f"Inspection dates: {_range(start, end, words=True)}",
            "",
            f"Lead inspector: {lead}, {self.rng.choice(['Her', 'His'])} Majesty's Inspector",
            "",
            "Judgement\tGrade",
        ]
        lines += [f"{label}\t{_sentence_case(grades[area])}" for area, label in areas]
        lines.append("")
        budget = (pages - 2) * CHARS_PER_PAGE
        paragraphs, _ = self.filler(min(budget // 6, 2400), None)
        lines += _paragraphs(paragraphs)
        recommendations = []
        lines += ["What needs to improve?", ""]
        for text in self.actions(self.rng.randint(1, 6), lowercase=False):
            recommendations.append(
                {"timescale": None, "text": text, "addressed_to": "local_authority", "is_priority": False}
            )
            lines += [f"- {text}.", ""]
        number = 1
        body_order = [a for a in areas if a[0] != "overall_effectiveness"]
        body_order = body_order[1:] + body_order[:1]  # the report discusses leaders last
        for area, label in body_order:
            lines += [f"{label}: {grades[area]}", ""]
            paragraphs, number = self.filler(budget // len(body_order), number)
            lines += _paragraphs(paragraphs)
        lines += [
            "Ofsted has produced this report under its power to inspect local authority functions for "
            "children, and the report is published for everyone to read.",
            "",
        ]
        truth = {
            "report_type": "ilacs_inspection",
            "inspection_start_date": start.isoformat(),
            "inspection_end_date": end.isoformat(),
            "lead_inspector": lead,
            "inspection_kind": "short" if short else "standard",
            "judgements": {area: GRADE_LABEL[grade] for area, grade in grades.items()},
            "recommendations": recommendations,
        }
        return Report("ilacs_inspection", authority, truth, "\n".join(lines) + "\n", title, pages)

    def _visit(self, pages: int, visit_type: str) -> Report:
        authority = self.authority()
        monitoring = visit_type == "monitoring_visit"
        start = self.day_between(dt.date(2017, 1, 9), dt.date(2026, 9, 28), weekday=self.rng.choice([1, 2]))
        end = start + dt.timedelta(days=1)
        letter = end + dt.timedelta(days=self.rng.randint(14, 30))
        inspectors = self.people(self.rng.randint(1, 3))
        honorific = self.rng.choice(["Her", "His"])
        addressee = f"{self.rng.choice(['Ms', 'Mr', 'Mrs', 'Dr'])} {self.person()}"
        role = self.rng.choice(ROLES)
        subject = (
            f"Monitoring visit of {authority.name} local authority children's services"
            if monitoring
            else f"Focused visit to {authority.name} local authority children's services"
        )
        previous_year = self.rng.randint(max(2014, start.year - 3), start.year - 1) if monitoring else None
        visit_number = self.rng.randint(1, 10) if monitoring else None
        team = _join(inspectors)
        plural = "s" if len(inspectors) > 1 else ""
        first = (
            "This letter summarises the findings of the "
            f"{'monitoring' if monitoring else 'focused'} visit to "
            f"{authority.name} children's services on {_pair(start, end)}."
        )
        if monitoring:
            first += (
                f" The visit was the {ORDINALS[visit_number - 1]} monitoring visit since the local authority "
                f"was judged inadequate in {previous_year}."
            )
            first += (
                f" The inspector{plural} {'were' if plural else 'was'} {team}, "
                f"{honorific} Majesty's Inspector{plural}."
            )
        else:
            first += (
                f" {honorific} Majesty's Inspector{plural} for this visit "
                f"{'were' if plural else 'was'} {team}."
            )
        lines = [
            "Piccadilly Gate Store Street Manchester M1 2WD T 0300 123 1231 enquiries@ofsted.gov.uk "
            "www.gov.uk/ofsted",
            "",
            _day(letter),
            "",
            addressee,
            role,
            authority.as_written,
            self.rng.choice(STREETS),
            authority.name,
            "",
            f"Dear {addressee.split()[0]} {addressee.split()[-1]}",
            "",
            subject,
            "",
            first,
            "",
        ]
        areas: list[str] = []
        summary = None
        budget = (pages - 1) * CHARS_PER_PAGE
        if monitoring:
            areas = [a[0].upper() + a[1:] for a in self.rng.sample(_ACTIONS, self.rng.randint(2, 4))]
            lines += [
                "Areas covered by the visit",
                "",
                "Inspectors reviewed the progress made in the following areas of concern identified at the "
                "last inspection:",
                "",
            ]
            lines += [f"- {area}." for area in areas]
            lines += [
                "",
                "This visit was carried out in line with the inspection of local authority children's "
                "services framework.",
                "",
            ]
            verdict = self.rng.choice(
                [
                    (
                        "this visit found that the local authority is making steady progress "
                        "in improving services"
                    ),
                    "this visit found limited progress in some areas, with insufficient progress in most",
                    "the local authority has made considerable progress since the last inspection",
                ]
            )
            summary = verdict
            lines += [f"Overall, {verdict}. {self.paragraph((2, 4))}", ""]
        else:
            areas = ["children in need of help and protection", "the help provided at the front door"]
            lines += [
                f"Inspectors looked at the local authority's arrangements for {areas[0]}, including "
                f"{areas[1]}.",
                "",
            ]
        paragraphs, _ = self.filler(budget, None)
        lines += ["Findings and evaluation of progress", ""] + _paragraphs(paragraphs)
        recommendations = []
        if not monitoring:
            lines += ["What needs to improve in this area of social work practice?", ""]
            for text in self.actions(self.rng.randint(1, 4), lowercase=False):
                recommendations.append(
                    {"timescale": None, "text": text, "addressed_to": "local_authority", "is_priority": False}
                )
                lines += [f"- {text}.", ""]
        lines += [
            "Ofsted will take the findings from this visit into account at the next inspection.",
            "",
            "I am copying this letter to the Department for Education. This letter will be published on the "
            "Ofsted website.",
            "",
            "Yours sincerely",
            "",
            inspectors[0],
            f"{honorific} Majesty's Inspector",
        ]
        truth = {
            "report_type": visit_type,
            "letter_date": letter.isoformat(),
            "visit_start_date": start.isoformat(),
            "visit_end_date": end.isoformat(),
            "visit_number": visit_number,
            "inspectors": inspectors,
            "lead_inspector": inspectors[0],
            "addressee": addressee,
            "addressee_role": role,
            "previous_inspection_year": previous_year,
            "areas_covered": areas,
            "progress_summary": summary,
            "recommendations": recommendations,
        }
        return Report(visit_type, authority, truth, "\n".join(lines) + "\n", subject, pages)

    def _monitoring_visit(self, pages: int) -> Report:
        return self._visit(pages, "monitoring_visit")

    def _focused_visit(self, pages: int) -> Report:
        return self._visit(pages, "focused_visit")


def _paragraphs(paragraphs: list[str]) -> list[str]:
    out: list[str] = []
    for text in paragraphs:
        out += [text, ""]
    return out


def _day(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _range(start: dt.date, end: dt.date, *, words: bool = False) -> str:
    """'10-19 September 2012' / '6 to 10 February 2023'; across months, '28 January – 6 February 2013'."""
    if start.month == end.month and start.year == end.year:
        return f"{start.day}{' to ' if words else '-'}{end.day} {MONTHS[end.month - 1]} {end.year}"
    if start.year == end.year:
        return f"{start.day} {MONTHS[start.month - 1]}{' to ' if words else ' – '}{_day(end)}"
    return f"{_day(start)}{' to ' if words else ' – '}{_day(end)}"


def _pair(start: dt.date, end: dt.date) -> str:
    """Two consecutive days as a letter words them: '31 October and 1 November 2017'."""
    if start.month == end.month:
        return f"{start.day} and {end.day} {MONTHS[end.month - 1]} {end.year}"
    if start.year == end.year:
        return f"{start.day} {MONTHS[start.month - 1]} and {_day(end)}"
    return f"{_day(start)} and {_day(end)}"


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _table_grade(grade: str) -> str:
    return "Requires improvement" if grade.startswith("requires") else grade.capitalize()


def _sentence_case(grade: str) -> str:
    return grade[0].upper() + grade[1:]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def generate(
    n: int,
    out: Path,
    *,
    seed: int = 1,
    pdf_share: float = 0.5,
    truth_path: Path | None = None,
    max_pages: int | None = None,
) -> dict:
    """Write n reports into `out` and their truth to truth_path (default: <out>.truth.json beside it).
    Returns the truth: {"about", "seed", "documents": {file name: fields}}. max_pages shortens the
    reports (for quick tests); the first n reports include every family once when n allows."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    generator = Generator(seed, max_pages)
    names, weights = zip(*FAMILIES)
    # every family at least once, then in proportion
    families = list(names)[:n] + generator.rng.choices(names, weights=weights, k=max(0, n - len(names)))
    documents: dict[str, dict] = {}
    for index, family in enumerate(families):
        report = generator.make(family)
        is_pdf = generator.rng.random() < pdf_share
        day = report.truth.get("inspection_end_date") or report.truth.get("letter_date")
        stem = f"{index:05d}_{_slug(report.authority.name)}_{family.replace('_', '-')}_{day}"
        if is_pdf:
            name = f"{stem}.pdf"
            _render_pdf(report, out / name, layout="ab"[index % 2])
        else:
            name = f"{stem}{generator.rng.choice(['.txt', '.md'])}"
            (out / name).write_text(report.text, encoding="utf-8")
        documents[name] = {
            "report_type": report.family,
            "local_authority": report.authority.name,
            "gss_code": report.authority.gss_code,
            "local_authority_as_written": report.authority.as_written,
            "media_kind": "pdf" if is_pdf else "text",
            "target_pages": report.pages if is_pdf else None,
            **report.truth,
        }
    truth = {
        "about": "Truth of a generated corpus (benchmarks/generate.py): what each report states, in the "
        "warehouse contract's terms. Grades as the marts word them; dates ISO 8601; null where the "
        "report does not state it.",
        "seed": seed,
        "documents": documents,
    }
    truth_path = truth_path or out.parent / f"{out.name}.truth.json"
    truth_path.write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return truth


def _render_pdf(report: Report, path: Path, *, layout: str) -> None:
    """The PDF rendering, byte for byte the same for the same seed (reportlab stamps the time and a
    random document id otherwise)."""
    from reportlab import rl_config

    from tests.fixtures.pdf_render import render_text_report_to_pdf

    invariant, rl_config.invariant = rl_config.invariant, 1
    # Printed reports keep a heading's grade together ("...: requires improvement to be good" never
    # breaks after "improvement"): non-breaking spaces, which the extractor reads back as spaces.
    text = report.text.replace(
        "requires improvement to be good", "requires\u00a0improvement\u00a0to\u00a0be\u00a0good"
    )
    header = (
        report.authority.name
        if report.family not in ("sif_inspection", "lscb_review")
        else report.authority.as_written
    )
    try:
        render_text_report_to_pdf(text, path, layout=layout, title=report.title[:90], authority=header)
    finally:
        rl_config.invariant = invariant  # other PDFs this process writes keep their own dates and ids


def corpus_digest(folder: Path) -> str:
    """SHA-256 over the names and bytes of every file in a folder: equal digests, equal corpora."""
    digest = hashlib.sha256()
    for path in sorted(Path(folder).iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100, help="number of reports (default 100)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="folder to write the reports into")
    parser.add_argument("--pdf-share", type=float, default=0.5, help="share of reports written as PDF (0-1)")
    parser.add_argument("--truth", type=Path, default=None, help="truth file (default <out>.truth.json)")
    args = parser.parse_args(argv)
    truth = generate(args.n, args.out, seed=args.seed, pdf_share=args.pdf_share, truth_path=args.truth)
    kinds = {}
    for document in truth["documents"].values():
        kinds[document["report_type"]] = kinds.get(document["report_type"], 0) + 1
    print(
        f"{len(truth['documents'])} reports in {args.out}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
