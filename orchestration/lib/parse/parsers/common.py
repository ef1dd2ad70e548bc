"""Pieces shared by the report parsers: locating text, grades, recommendation lists (inspector names are
in people.py)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from orchestration.lib.parse.dates import find_date_expression, mend_slipped_years, parse_date, parse_windows
from orchestration.lib.parse.parsers.model import JudgementStatement, ParsedReport

# people's names and the lead-inspector label live in parsers/people.py; imported here as before
from orchestration.lib.parse.parsers.people import (  # noqa: F401
    clean_person,
    next_text_line,
    read_lead_inspectors,
    split_people,
)
from orchestration.lib.parse.text import BULLET_GLYPHS, Line, collapse

GRADES = (
    "requires improvement to be good",
    "requires improvement",
    "outstanding",
    "good",
    "adequate",
    "inadequate",
    "not judged",
)
GRADE_RE = (
    r"(requires?\s+improvement(?:\s+to\s+be\s+good)?|outstanding|good|adequate|inadequate|not\s+judged)"
)


def normal_grade(word: str) -> str:
    # "...children in care require improvement to be good": the plural verb is the same grade
    return re.sub(r"^require ", "requires ", collapse(word).lower())


@dataclass
class Joined:
    """Lines joined into one string, remembering which page each character came from."""

    text: str
    offsets: list[int]
    pages: list[int | None]

    @classmethod
    def of(cls, lines: list[Line]) -> "Joined":
        parts: list[str] = []
        offsets: list[int] = []
        pages: list[int | None] = []
        position = 0
        for line in lines:
            if line.is_blank:
                continue
            offsets.append(position)
            pages.append(line.page)
            parts.append(line.text)
            position += len(line.text) + 1
        return cls(" ".join(parts), offsets, pages)

    def page_at(self, offset: int) -> int | None:
        if not self.offsets:
            return None
        index = bisect.bisect_right(self.offsets, offset) - 1
        return self.pages[max(index, 0)]

    def sentence_at(self, start: int, end: int) -> str:
        """The sentence around a match, for evidence."""
        left = max(self.text.rfind(". ", 0, start) + 2, 0) if self.text.rfind(". ", 0, start) >= 0 else 0
        right = self.text.find(". ", end)
        right = len(self.text) if right < 0 else right + 1
        return collapse(self.text[left:right])[:500]


def find_line(lines: list[Line], pattern: str, start: int = 0, end: int | None = None, flags=re.I) -> int:
    regex = re.compile(pattern, flags)
    for index in range(start, len(lines) if end is None else min(end, len(lines))):
        if not lines[index].is_blank and regex.search(lines[index].text):
            return index
    return -1


TIMESCALE_HEADINGS = {
    "immediately": "immediately",
    "within one month": "within_3_months",
    "within three months": "within_3_months",
    "within 3 months": "within_3_months",
    "within six months": "within_6_months",
    "within 6 months": "within_6_months",
}
TIMESCALE_RE = re.compile(r"^(immediately|within (?:three|3|six|6) months)\s*:?\s*$", re.I)

# Verbs that open an area for improvement. A run-together line ("...their needs ensure that the out of
# hours...") is split where one of these follows a word that cannot govern it.
_OPENING_VERBS = r"ensure|review|develop|establish|enhance|strengthen|implement|improve"
_VERB_OBJECTS = r"that|the|all|a|an|there|arrangements|systems|effective|robust|case|child|children"
_GOVERNING_WORDS = {
    "and",
    "or",
    "to",
    "should",
    "must",
    "will",
    "would",
    "can",
    "could",
    "shall",
    "may",
    "also",
    "not",
    "further",
    "fully",
    "both",
    "then",
    "help",
    "who",
    "which",
    "that",
    "they",
    "it",
    "we",
    "managers",
    "leaders",
    "partners",
    "agencies",
    "staff",
    "workers",
    "authority",
    "council",
    "board",
    "lscb",
    "cscb",
    "sscb",
    "services",
    "partnership",
    "consistently",
    "always",
    "routinely",
    "effectively",
    # determiners and prepositions take a noun, so a verb-like word after them is a noun ("their review")
    "the",
    "a",
    "an",
    "their",
    "its",
    "his",
    "her",
    "our",
    "this",
    "these",
    "those",
    "of",
    "for",
    "in",
    "with",
    "by",
    "on",
    "at",
    "from",
    "any",
    "each",
    "every",
    "no",
}
_RUN_TOGETHER_RE = re.compile(rf"(?<=[a-z]) ((?:{_OPENING_VERBS}) (?:{_VERB_OBJECTS}) )")


def split_run_together(text: str) -> list[str]:
    pieces = [text]
    while True:
        last = pieces[-1]
        for match in _RUN_TOGETHER_RE.finditer(last):
            before = last[: match.start()]
            words_before = before.split()
            after = last[match.start() + 1 :]
            if (
                len(words_before) >= 5
                and words_before[-1].isalpha()
                and words_before[-1].islower()
                and words_before[-1] not in _GOVERNING_WORDS
                and len(after.split()) >= 5
            ):
                pieces[-1:] = [before, after]
                break
        else:
            return pieces


# A glyph inside an item's text is a sub-bullet whose line break was lost ("...by: \uf02d ensuring that"):
# private-use code points (Symbol and Wingdings fonts), bullet characters, and pdfminer's "(cid:N)".
_INNER_GLYPH = re.compile(r"[\ue000-\uf8ff" + re.escape(BULLET_GLYPHS) + r"]|\(cid:\d+\)")


def drop_glyphs(text: str) -> str:
    """The text without bullet glyphs, whitespace collapsed: glyphs separate sub-items, they are not words."""
    return collapse(_INNER_GLYPH.sub(" ", text))


def clean_item(text: str) -> str:
    text = drop_glyphs(text)
    text = re.sub(r"^(?:\d+\.|\(?[a-z]\)|[ivx]+\))\s+(?=[a-z])", "", text)
    text = re.sub(r"(?:;\s*and|;|,\s*and|\.)\s*$", "", text).strip()
    return text


def group_items(lines: list[Line]) -> list[list[Line]]:
    """Group the lines of a list into items. Bullet glyphs or dashes decide when the list has them; else
    indents do, when some lines are indented and others not (a rendering that lost its glyphs but kept
    the first line of each item indented); else blank lines between boxes do."""
    text_lines = [line for line in lines if not line.is_blank]
    if not text_lines:
        return []
    items: list[list[Line]] = []
    marks = {line.mark for line in text_lines}
    starts_item = None
    if "bullet" in marks:
        starts_item = lambda line: line.mark == "bullet"  # noqa: E731
    elif "indent" in marks and "" in marks:
        starts_item = lambda line: line.mark == "indent"  # noqa: E731
    if starts_item is not None:
        for line in text_lines:
            if starts_item(line) or not items:
                items.append([line])
            else:
                items[-1].append(line)
        return items
    current: list[Line] = []
    for line in lines:
        if line.is_blank:
            if current:
                items.append(current)
                current = []
        else:
            current.append(line)
    if current:
        items.append(current)
    return items


# What a list would hold; a sentence saying there is none of it is not an item ("There are no areas for
# priority action", "No areas were identified for immediate improvement", "None").
_LISTABLE = r"(?:areas?|recommendations?|actions?|priorit(?:y|ies)|improvements?|concerns?|matters?|issues?)"
_NOTHING_TO_LIST = re.compile(
    rf"^(?:there\s+(?:are|is|were|was)\s+no\s+(?:\S+\s+){{0,4}}?{_LISTABLE}\b"
    rf"|no\s+(?:\S+\s+){{0,3}}?{_LISTABLE}\b(?!\s+(?:to|of)\s+(?:the|their|its)\b)"
    r"|none\b|nil\b|not\s+applicable\b|n/?a$|nothing\s+(?:to|further|was|is|has)\b)",
    re.I,
)


def says_nothing_to_list(text: str) -> bool:
    """A sentence standing where a list's items would, saying there are none."""
    return len(text.split()) <= 30 and bool(_NOTHING_TO_LIST.match(text.strip(" -–•*")))


def items_to_texts(lines: list[Line]) -> list[tuple[str, int | None, str]]:
    """(clean text, page of its first line, raw evidence) for each item in a list; a sentence saying the
    list is empty is not an item."""
    out = []
    for item in group_items(lines):
        raw = collapse(" ".join(line.text for line in item))
        for piece in split_run_together(raw):
            text = clean_item(piece)
            if text and not says_nothing_to_list(text):
                out.append((text, item[0].page, raw[:1000]))
    return out


_NUMBERED = re.compile(r"^\d{1,3}\.\s+(?=[A-Z])")


def list_section(
    lines: list[Line], heading: int, *, end: int | None = None, intro_limit: int = 8
) -> list[tuple[str, int | None, str]]:
    """The items of the list that follows a heading: bullets, or numbered paragraphs ("23. Ensure ...").

    Lines before the first item (an introductory sentence) are skipped. The list ends at `end`, or at a
    line that is not an item and opens a new sentence after a finished one (a heading or the next
    paragraph), or, in a bulleted list, at the next numbered paragraph."""
    block: list[Line] = []
    style = None  # "bullet" | "number": how this list marks its items
    previous: Line | None = None
    stop = len(lines) if end is None else min(end, len(lines))
    for offset, line in enumerate(lines[heading + 1 : stop], start=1):
        if line.is_blank:
            if style:
                block.append(line)
            continue
        numbered = bool(_NUMBERED.match(line.text))
        if style is None:
            if line.mark == "bullet" or numbered:
                style = "bullet" if line.mark == "bullet" else "number"
            elif offset > intro_limit:
                return []
            else:
                continue
        is_item = (line.mark == "bullet") if style == "bullet" else numbered
        if style == "bullet" and numbered:
            break
        # "... (enabler 2, national framework)" ends an item as a full stop does
        if (
            not is_item
            and previous is not None
            and line.text[:1].isupper()
            and re.search(r"(?:[.?!:]|\))\s*$", previous.text)
        ):
            if style == "number" and not lines[heading + offset - 1].is_blank:
                pass  # the next sentence of the same numbered paragraph
            elif _subheading_before_more(lines, heading + offset, stop, style):
                continue  # "Help and protection" grouping the next areas
            else:
                break
        if is_item and numbered:
            line = Line(line.page, _NUMBERED.sub("", line.text), True, False, "bullet")
        elif not is_item and line.mark == "bullet":
            line = Line(line.page, line.text, False, False, "")  # a sub-bullet continues its item
        block.append(line)
        previous = line
    return items_to_texts(block)


# Verbs that open a recommendation ("Ensure that ...", "Further embed ...").
_IMPERATIVE = re.compile(
    r"^(?:ensure|improve|extend|develop|review|strengthen|establish|increase|reduce|provide|make|take|"
    r"implement|monitor|evaluate|promote|embed|further|address|consider|undertake|analyse|give|audit|work|"
    r"continue|enable|secure|put|raise|identify|use|agree|assess|clarify|complete|build|challenge|"
    r"co-?ordinate|engage|introduce|maintain|prioritise|publish|record|support|tackle|understand|"
    r"update|sharpen|focus|set|seek|revise|refine|collate|check|act|respond|demonstrate|measure|hold|"
    r"working|commission|share|listen|offer|scrutinise|accelerate|report|plan|align|deliver|increase)\b",
    re.I,
)


def _subheading_before_more(lines: list[Line], at: int, stop: int, style: str) -> bool:
    """A short line without a full stop, followed by another item of the list that asks for something."""
    text = lines[at].text.strip()
    if len(text) > 60 or re.search(r"[.:;]$", text):
        return False
    following = next((l for l in lines[at + 1 : stop] if not l.is_blank), None)
    if following is None:
        return False
    if style == "number":
        return bool(_NUMBERED.match(following.text)) and bool(
            _IMPERATIVE.match(_NUMBERED.sub("", following.text))
        )
    return following.mark == "bullet" and bool(_IMPERATIVE.match(following.text))


GRADE_PIECE = re.compile(
    r"^(?:outstanding|good|adequate|inadequate|requires(?: improvement(?: to(?: be(?: good)?)?)?)?|"
    r"improvement(?: to(?: be(?: good)?)?)?|to(?: be(?: good)?)?|be good|not judged)$",
    re.I,
)


_GLUED_GRADE = re.compile(r"\s(Requires improvement(?: to be good)?|Outstanding|Good|Adequate|Inadequate)$")


def grade_table(lines: list[Line], start: int, label_start: re.Pattern, area_of) -> list[JudgementStatement]:
    """A judgement table read as two streams, label text and grade text. Layouts differ (grade beside the
    first label line or the last, on a line of its own, split over two lines as "Requires" /
    "improvement", cells separated by tabs), but labels and grades keep their order, so the n-th label
    takes the n-th grade. A table whose label and grade counts differ states nothing rather than
    something wrong. A table broken by a page break after a footnote ("1 Ofsted produces this report
    ...") goes on at the top of the next page."""
    labels: list[list] = []  # [text, page]
    grade_text: list[str] = []
    after_blank = False
    index, read = start, 0
    while index < len(lines) and read < 60:
        line = lines[index]
        index += 1
        if line.is_blank:
            after_blank = True
            continue
        read += 1
        cells = [cell.strip() for cell in line.text.split("\t") if cell.strip()]
        # the grade is the last cell when it reads as one; any other tab is a space inside the label
        # ("1.<tab>Leadership, ...", "2.<tab>Children looked after and achieving")
        if len(cells) > 1 and GRADE_PIECE.match(cells[-1]):
            left, tab, right = " ".join(cells[:-1]), "\t", cells[-1]
        else:
            left, tab, right = " ".join(cells), "", ""
        follows_blank, after_blank = after_blank, False
        if not tab and GRADE_PIECE.match(left):
            grade_text.append(left)
            continue
        if not tab and (glued := _GLUED_GRADE.search(left)):
            # the grade column's first line run into the label's ("... who need help Requires improvement")
            left, tab, right = left[: glued.start()].strip(), "\t", glued.group(1)
        if labels and not tab and re.match(r"^\d", left) and not label_start.match(left):
            resume = _after_footnote(lines, index - 1, label_start)
            if resume < 0:
                break  # a footnote ends the table
            index, after_blank = resume, True
            continue
        if not tab and len(left) > 70 and not left[:1].islower():
            break  # prose below the table
        if (
            labels
            and follows_blank
            and not tab
            and not label_start.match(left)
            and re.match(r"^(?:the|it|this)\b", left, re.I)
        ):
            break  # a sentence below the table ("The effectiveness of the LSCB is ...")
        if label_start.match(left):
            labels.append([left, line.page])
        elif labels:
            labels[-1][0] += " " + left
        else:
            continue
        if tab:
            grade_text.append(right)
    grades = re.findall(GRADE_RE, " ".join(grade_text), re.I)
    if not labels or len(grades) != len(labels):
        return []
    statements = []
    for (label, page), grade in zip(labels, grades):
        area = area_of(label)
        if area:
            statements.append(
                JudgementStatement(area, normal_grade(grade), "table", page, collapse(f"{label}: {grade}"))
            )
    return statements


def _after_footnote(lines: list[Line], at: int, label_start: re.Pattern) -> int:
    """Where a table interrupted by the footnote at line `at` goes on: the first line of the next page,
    when that line is one of the table's labels (or a grade). -1 when the table does not go on. Text
    without page numbers cannot show a page break, so there the footnote ends the table."""
    page = lines[at].page
    if page is None:
        return -1
    for index in range(at + 1, min(at + 40, len(lines))):
        line = lines[index]
        if line.is_blank or line.page == page:
            continue
        first = line.text.split("\t")[0].strip()
        return index if label_start.match(first) or GRADE_PIECE.match(first) else -1
    return -1


def read_inspection_dates(head: list[Line], report: ParsedReport) -> None:
    """'Inspection date(s): 19 November 2013 – 11 December 2013' on a front page, possibly wrapped."""
    dates_at = find_line(head, r"^inspection dates?\s*:?")
    if dates_at >= 0:
        text = collapse(" ".join(l.text for l in head[dates_at : dates_at + 2] if not l.is_blank))
        expression = find_date_expression(
            re.split(r"inspection dates?\s*:?", text, maxsplit=1, flags=re.I)[1]
        )
        if expression and parse_windows(expression):
            report.windows = mend_slipped_years(parse_windows(expression))
            report.cite("inspection_dates", expression, head[dates_at].page, head[dates_at].text)


def read_publication_date(head: list[Line], report: ParsedReport) -> None:
    """'Report published: 3 February 2015' on a front page; 'Published: 14 June 2013' in 2013 reports."""
    at = find_line(head, r"^(?:report published|publication date|date published|published)\b\s*:?")
    while at >= 0:
        published = parse_date(head[at].text)
        if published:
            report.publication_date = published
            report.cite("publication_date", published, head[at].page, head[at].text)
            return
        at = find_line(
            head, r"^(?:report published|publication date|date published|published)\b\s*:?", at + 1
        )


def name_above(lines: list[Line], index: int, *, max_lines: int = 3) -> list[Line]:
    """The short lines just above line `index` (blank lines between them and it skipped), without a
    blank line among them: an authority's name printed above a title, possibly wrapped ("St Helens
    Metropolitan Borough" / "Council"). Lines that end a sentence or a label are not a name."""
    position = index - 1
    while position >= 0 and lines[position].is_blank:
        position -= 1
    block: list[Line] = []
    while position >= 0 and not lines[position].is_blank and len(block) < max_lines:
        line = lines[position]
        if len(line.text) > 70 or re.search(r"[.:;]$", line.text) or (index - position) > 8:
            break
        if block and line.page != block[0].page:
            break
        block.insert(0, line)
        position -= 1
    return block


def title_lines(lines: list[Line], index: int, end_pattern: str, *, max_lines: int = 4) -> list[Line]:
    """A title starting at line `index`, wrapped over as many lines as it takes to reach `end_pattern`
    (at most `max_lines` text lines; the title's own first line when the end never comes)."""
    taken: list[Line] = []
    for line in lines[index:]:
        if line.is_blank:
            continue
        if taken and re.match(r"(?:inspection dates?|lead inspector|report published)\b", line.text, re.I):
            break
        taken.append(line)
        if re.search(end_pattern, collapse(" ".join(l.text for l in taken)), re.I):
            return taken
        if len(taken) >= max_lines:
            break
    return taken[:1]


# --- Sections and lists of letters and reports with headings of their own (JTAI, area SEND) ---
