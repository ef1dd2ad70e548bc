"""What a monitoring or focused visit letter says the visit looked at: the areas it lists under a heading
("Areas covered by the visit") or names in a sentence ("Inspectors looked at the local authority's
arrangements for care leavers")."""

from __future__ import annotations

import re

from orchestration.lib.parse.parsers.common import (
    clean_item,
    find_line,
    group_items,
)
from orchestration.lib.parse.parsers.model import ParsedReport, Visit
from orchestration.lib.parse.text import Line, collapse, split_sentences

_FINDINGS_HEADING = re.compile(
    r"^(?:overview|headline findings|(?:main )?findings|summary|areas? for priority action|"
    r"what needs to improve|"
    r"findings and evaluation of progress|evaluation of progress|the local authority'?s? progress)\b",
    re.I,
)
_FOCUS_VERB = (
    r"(?:looked (?:specifically |in particular )?at|considered|evaluated|reviewed|focused (?:up)?on|"
    r"explored|examined|scrutinised|tested|assessed|inspected|concentrated on|tracked and sampled)"
)
_FOCUS_RE = re.compile(
    r"^(?:[A-Z][\w ,]{0,40}?,\s*)?(?:the |this |our )?(?:inspectors?|(?:focused |monitoring )?visit|they)\s+"
    rf"(?:also |specifically |particularly |primarily )?{_FOCUS_VERB}\s+(.+)$"
    # "The focus of this visit was on planning and achieving permanence ..."
    r"|^(?:the |this )?(?:main |particular )?focus of (?:the |this )?"
    r"(?:focused |monitoring )?visit (?:was|is)"
    r"(?:\s+on)?\s+(.+)$",
    re.I,
)
# Sentences about how the visit was done, not what it looked at.
_METHOD_RE = re.compile(
    r"\b(?:range of evidence|evidence|case records|case discussions|case files|records of|performance "
    r"(?:management )?(?:information|data)|quality assurance information|spoke (?:to|with)|met with|"
    r"video calls|"
    r"framework|methodology|remote|audits?|observed|observation)\b",
    re.I,
)
_LEAD_IN = re.compile(
    r"^(?:the\s+)?(?:(?:local authority|council|trust)'?s\s+)?arrangements\s+(?:for|in)\s+", re.I
)
_LIST_TAIL = re.compile(
    r",?\s*(?:(?:which|this|these)\s+)?"
    r"(?:included|including|includes|with\s+(?:a\s+)?(?:particular|specific|special)?\s*"
    r"(?:focus|emphasis)\s+on|in particular|specifically|namely|such as)\b(?P<rest>[^.]*)$|\s*:\s*$",
    re.I,
)


def _blocks(lines: list[Line]) -> list[tuple[str, int | None, bool]]:
    """Paragraphs and list items of a stretch of the letter, in order: (text, page, is_item)."""
    blocks: list[tuple[list[Line], bool]] = []
    for line in lines:
        if line.is_blank:
            blocks.append(([], False))
            continue
        current = blocks[-1] if blocks else None
        if line.mark == "bullet":
            blocks.append(([line], True))
        elif current and current[0] and (not current[1] or line.mark == "indent" or line.text[:1].islower()):
            current[0].append(line)
        else:
            blocks.append(([line], False))
    return [
        (collapse(" ".join(l.text for l in block)), block[0].page, is_item)
        for block, is_item in blocks
        if block
    ]


def read_focus_areas(body: list[Line], report: ParsedReport, visit: Visit) -> None:
    start = find_line(
        body, r"^areas? covered by (?:the|this) visit|^areas? of focus|^focus of (?:the|this) visit"
    )
    if start >= 0:
        _areas_under_heading(body, start, visit)
        if visit.focus_areas:
            report.cite(
                "visit_focus",
                "; ".join(text for text, _ in visit.focus_areas),
                visit.focus_areas[0][1],
                "; ".join(text for text, _ in visit.focus_areas),
            )
            return
    end = next(
        (
            i
            for i, l in enumerate(body)
            if not l.is_blank and _FINDINGS_HEADING.match(l.text) and len(l.text) < 70 and i > 0
        ),
        min(len(body), 80),
    )
    blocks = _blocks(body[:end])
    stated: list[str] = []
    for index, (text, page, is_item) in enumerate(blocks):
        if is_item:
            continue
        sentences = split_sentences(text)
        for at, sentence in enumerate(sentences):
            focus = _FOCUS_RE.match(sentence)
            if not focus or _METHOD_RE.search(focus.group(1) or focus.group(2)):
                continue
            stated.append(sentence)
            # the list that follows belongs to this sentence when nothing but "This included:" comes between
            after = sentences[at + 1 :]
            lists_follow = not after or (len(after) == 1 and bool(_INCLUDED_RE.match(after[0])))
            _areas_of_sentence(
                focus.group(1) or focus.group(2), page, blocks[index + 1 :], visit, lists_follow, bool(after)
            )
    if not stated:
        # the opening paragraph, for a letter that states no focus (the 2020-21 visits under the COVID-19
        # arrangements say what Ofsted's work looked into instead)
        paragraphs = [text for text, _, is_item in blocks if not is_item and len(text) > 80]
        stated = paragraphs[:2]
    if stated:
        text = " ".join(stated)
        report.cite("visit_focus", text[:2000], blocks[0][1] if blocks else None, text[:2000])


_INCLUDED_RE = re.compile(
    r"^(?:this|these|it|they|which) (?:included|includes|include|covered|were)\b[^.]*:?\s*$", re.I
)


def _areas_of_sentence(
    object_text, page, following, visit: Visit, lists_follow: bool, introduced: bool
) -> None:
    """The areas one focus sentence states: the thing looked at ("care leavers"), then each item of a list
    it introduces, inline after a colon ("...progress of: a; b; c") or as the list items that follow."""
    object_text = object_text.strip().rstrip(".")
    head, _, inline = object_text.partition(": ")
    inline_items = (
        [clean_item(part) for part in re.split(r";\s*(?:and\s+)?", inline) if part.strip()] if inline else []
    )
    base = head if inline else object_text
    tail = _LIST_TAIL.search(base)
    lead = base[: tail.start()] if tail else base
    lead = re.sub(r"[\s,]+(?:and|or)$", "", _LEAD_IN.sub("", lead).strip(" ,;:"))
    # "..., in particular, the quality of matching": what follows the particular is an area of its own
    rest = (tail.group("rest") or "").strip(" ,;:") if tail else ""
    introduces_list = bool(re.search(r"(?::|\b(?:on|the|of|including|include|included))\s*$", object_text))
    for part in (lead, rest):
        if part and not re.search(r"\b(?:of|on|the|for|to|in|at|by|with)$", part, re.I):
            _add_area(visit, part, page)
    for item in inline_items:
        _add_area(visit, item, page)
    if lists_follow and following and not following[0][2] and _INCLUDED_RE.match(following[0][0]):
        following, introduced = following[1:], True  # "This included:" as a paragraph of its own
    if lists_follow and (introduces_list or introduced):
        for text, item_page, is_item in following:
            if not is_item:
                break
            _add_area(visit, clean_item(text), item_page)


def _add_area(visit: Visit, text: str, page) -> None:
    text = re.sub(r"\.'$", "'", collapse(text)).strip(" ;,.")  # "the 'front door.'"
    text = re.sub(r"(\w)- (?=[a-z])", r"\1-", text)  # "decision-" / "making" wrapped at the hyphen
    if len(text) > 3 and text.lower() not in {t.lower() for t, _ in visit.focus_areas}:
        visit.focus_areas.append((text, page))


def _areas_under_heading(body: list[Line], start: int, visit: Visit) -> None:
    section: list[Line] = []
    seen_item = False
    for line in body[start + 1 :]:
        if line.is_blank:
            section.append(line)
            continue
        if line.is_item:
            seen_item = True
            section.append(line)
        elif seen_item and line.text[:1].isupper() and section and section[-1].is_blank:
            break  # a paragraph after the list
        elif seen_item:
            section.append(line)
    items = [item for item in group_items(section) if any(l.is_item for l in item)]
    for item in items:
        text = collapse(" ".join(l.text for l in item)).rstrip(".;")
        visit.focus_areas.append((text, item[0].page))
