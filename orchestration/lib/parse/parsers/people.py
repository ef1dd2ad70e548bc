"""People in reports: inspectors' names as written (titles such as "His Majesty's Inspector" and "HMI"
dropped), and the lead inspector(s) a report names under its "Lead inspector(s):" label."""

from __future__ import annotations

import re
import unicodedata

from orchestration.lib.parse.parsers.model import ParsedReport
from orchestration.lib.parse.text import Line, collapse


def next_text_line(lines: list[Line], index: int) -> int:
    for position in range(index + 1, len(lines)):
        if not lines[position].is_blank:
            return position
    return -1


_HONORIFICS = re.compile(
    r",?\s*\(?\b(?:(?:Her|His)\s+Majesty'?s(?:\s+Inspectors?)?|HMI|Ofsted\s+Inspectors?|Senior\s+HMI|"
    r"Social\s+Care\s+Regulatory\s+Inspectors?|Regulatory\s+Inspectors?|Additional\s+Inspectors?)\b\.?\)?",
    re.I,
)
# Lower-case particles inside a surname ("Anne de Vries", "Ali bin Hassan").
_NAME_PARTICLES = {"de", "van", "von", "du", "le", "la", "da", "di", "der", "den", "bin", "al", "y"}


def _name_word(word: str, first: bool) -> bool:
    """A capitalised word of letters, apostrophes, hyphens and dots ("Máire", "O'Neill", "J."), in any
    alphabet with accents; a particle is allowed after the first word."""
    if not first and word in _NAME_PARTICLES:
        return True
    letters = word.replace("'", "").replace("-", "").replace(".", "")
    return bool(letters) and letters.isalpha() and word[0].isupper() and not (first and word.endswith("."))


def clean_person(name: str) -> str | None:
    name = _HONORIFICS.sub("", name)
    name = re.sub(r"^(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+", "", name.strip())
    name = collapse(name.strip(" ,.;:"))
    words = name.split()
    if not words or len(words) > 5 or not all(_name_word(w, i == 0) for i, w in enumerate(words)):
        return None
    return name


def split_people(text: str) -> list[str]:
    """'Linda Steele and Donna Marriott, Her Majesty's Inspectors' -> both names."""
    text = _HONORIFICS.sub(",", text)
    people = []
    for part in re.split(r",|;|\band\b|&", text):
        person = clean_person(part)
        if person:
            people.append(person)
    return people


# "Lead inspector: A", "Lead inspectors: A, His Majesty's Inspector, and B", "Lead inspector on site: A",
# "Reporting inspector A", also run into the line before ("...May 2013Lead inspector:Wendy Ghaffar HMI").
# A deputy or assistant lead inspector is not the lead.
_LEAD_RE = re.compile(
    r"(?<!deputy )(?<!assistant )(?<![a-z])(?:lead|reporting)\s+inspectors?(?:\s+on\s+site)?\s*:?\s*", re.I
)


def read_lead_inspectors(lines: list[Line], report: ParsedReport) -> None:
    """The lead inspector(s), named on the front page or only at the end of the report: the first line
    naming them where what follows the label is one or more names (a sentence mentioning "the lead
    inspector" is not). The names may wrap onto the next line, or sit on it alone. Where two inspectors
    lead, every one is kept: named together ("Lead inspectors: A and B"), one to a line under the label
    ("Lead inspectors: A, His Majesty's Inspector" / "B, His Majesty's Inspector"), or each with a label of
    their own on consecutive lines."""
    for index, line in enumerate(lines):
        people, evidence, last = _lead_inspectors_at(lines, index)
        if not people:
            continue
        # the lines just below: more lead inspectors, one to a line or each under a label of their own
        at = next_text_line(lines, last)
        while at >= 0 and at - last <= 2 and len(people) < 4:
            more, more_evidence, more_last = _lead_inspectors_at(lines, at)
            if not more:
                more = _continued_lead(lines[at].text, plural=_is_plural_label(line.text), first=people[0])
                more_evidence, more_last = lines[at].text, at
            if not more:
                break
            people += [person for person in more if person not in people]
            evidence, last = f"{evidence} {more_evidence}", more_last
            at = next_text_line(lines, last)
        report.lead_inspectors = people
        report.cite("lead_inspector", "; ".join(people), line.page, evidence)
        return


def _is_plural_label(text: str) -> bool:
    return bool(re.search(r"(?:lead|reporting)\s+inspectors\b", text, re.I))


_ROLE_OF_PERSON = re.compile(
    r"^(?:[-\w'. ]+?)\s*,?\s*(?:(?:Her|His)\s+Majesty'?s\s+Inspector|HMI|Ofsted\s+Inspector|"
    r"Senior\s+HMI|Social\s+Care\s+Regulatory\s+Inspector)\b",
    re.I,
)


def _continued_lead(text: str, *, plural: bool, first: str) -> list[str]:
    """Another lead inspector on a line of their own below the first: the whole line is a name (with its
    title, "B, His Majesty's Inspector"), under a plural label, or under a singular one when the line gives
    the inspector's title as the first line did. A line with a label ("Deputy lead inspector: C", "Team
    inspectors: D") or anything but names is not one."""
    if ":" in text or not text.strip():
        return []
    if not plural and not _ROLE_OF_PERSON.match(text.strip()):
        return []
    people = split_people(text)
    leftover = _HONORIFICS.sub(" ", text)
    for person in people:
        leftover = leftover.replace(person, " ", 1)
    if not people or re.sub(r"[\s,;&.]|\band\b", "", leftover):
        return []
    return [person for person in people if person != first]


def _lead_inspectors_at(lines: list[Line], index: int) -> tuple[list[str], str, int]:
    """The people a lead-inspector label on line `index` names, the text they were read from and the last
    line it took; ([], "", index) when the line has no such label followed by names."""
    line = lines[index]
    match = None if line.is_blank else _LEAD_RE.search(line.text)
    if not match:
        return [], "", index
    rest = line.text[match.end() :]
    evidence, last = line.text, index
    following = next_text_line(lines, index)
    next_text = lines[following].text if following >= 0 else ""
    adjacent = following == index + 1
    if not rest.strip() or re.search(r"(?:\band|,)\s*$", rest):
        rest, evidence, last = f"{rest} {next_text}", f"{line.text} {next_text}", max(following, index)
    elif re.search(r"(?:Her|His)\s+Majesty'?s\s*$", rest) and adjacent:
        # the title wraps: "A, His Majesty's" / "Inspector, and B, His Majesty's Inspector"
        rest, evidence, last = f"{rest} {next_text}", f"{line.text} {next_text}", following
    people = split_people(rest)
    if people and len(people[-1].split()) == 1 and adjacent and last == index:
        # a first name alone: the surname wrapped onto the next line ("Wendy" / "Ghaffar HMI")
        longer = split_people(f"{rest} {next_text}")
        if longer and longer[: len(people) - 1] == people[:-1] and len(longer[len(people) - 1].split()) > 1:
            people, evidence, last = longer[: len(people)], f"{line.text} {next_text}", following
    return people, evidence, last


# ---------------------------------------------------------------------------------------------------
# People. Names may carry accents ("Máire"), so a name is checked in its unaccented spelling and kept
# as written.

_HONORIFIC = re.compile(
    r"\(?\b(?:(?:two|three|four|five|both) of\s+)?"
    r"(?:(?:Her|His)\s+Majesty'?s\s+(?:Inspectors?|HMI)|Senior\s+HMI|"
    r"HMI|Ofsted\s+Inspectors?|(?:Social\s+Care\s+)?Regulatory\s+Inspectors?|Additional\s+Inspectors?|"
    r"(?:the\s+)?(?:joint\s+)?lead\s+inspectors?(?:\s+on\s+site)?|(?:the\s+)?(?:team|shadow)\s+inspectors?|"
    r"all\s+of\s+whom\s+are|designate)\b\.?\)?"
    r"(?:\s*(?:Social\s+Care|Schools|Early\s+Years|Further\s+Education(?:\s+and\s+Skills)?)\b)?",
    re.I,
)
_LEAD_NOTE = re.compile(r"\blead\s+inspectors?\b", re.I)


def unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def letter_person(text: str) -> str | None:
    text = _HONORIFIC.sub(" ", text)
    text = re.sub(r"(\w)- (\w)", r"\1-\2", text)  # "Jenny-" / "Louise" wrapped at the hyphen
    text = collapse(text).strip(" ,.;:()")
    text = re.sub(r"^(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+", "", text)
    if len(text.split()) < 2:
        return None
    plain = unaccented(text)
    if re.search(r"[^\x00-\x7f]", plain) or not clean_person(plain):
        return None
    if re.search(
        r"\b(?:Inspector|Inspectors|Majesty|Children|Services|Council|Director|Ofsted|Visit|Social|"
        r"Care|Schools)\b",
        plain,
    ):
        return None
    return text


def letter_people(text: str) -> tuple[list[str], list[str]]:
    """The names in "Alison Smale (lead inspector) and John Roughton, Her Majesty's Inspectors", and those
    of them marked as the lead."""
    people: list[str] = []
    leads: list[str] = []
    group: list[str] = []  # the names since the last note, which a plural note ("(lead inspectors)") marks
    for part in re.split(r",|;|\band\b|&", text):
        person = letter_person(part)
        if person and person not in people:
            people.append(person)
            group.append(person)
        if _LEAD_NOTE.search(part):
            # "(lead inspector)" marks its own name, or the one before; "(lead inspectors)" every one since
            # the last title
            plural = re.search(r"lead\s+inspectors\b", part, re.I)
            marked = group if plural else ([person] if person else group[-1:])
            leads += [name for name in marked if name and name not in leads]
            group = []
        elif re.search(r"\binspectors?\b|\bHMI\b", part, re.I):
            group = []
    return people, leads
