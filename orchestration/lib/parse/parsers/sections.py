"""Sections of a report read as lists: its headings, and the items (bullets or paragraphs) under each, for
the letters whose lists the parsers read whole (joint targeted area inspections, area SEND reports)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from orchestration.lib.parse.parsers.common import clean_item
from orchestration.lib.parse.text import Line, collapse


@dataclass
class ListItem:
    """One item of a section: a bullet with its continuation lines, or a paragraph."""

    lines: list[Line]
    is_bullet: bool
    heading: str | None  # the sub-heading it sits under, if any

    @property
    def raw(self) -> str:
        return collapse(" ".join(line.text for line in self.lines))

    @property
    def page(self) -> int | None:
        return self.lines[0].page

    @property
    def text(self) -> str:
        return clean_item(self.raw)


def heading_lines(lines: list[Line], patterns: dict[str, str], start: int = 0) -> list[tuple[int, str]]:
    """(index, key) of every heading: a line that one of `patterns` matches whole (a heading stands alone
    on its line; a sentence that starts with the same words does not). A stray bullet glyph left at the
    foot of a page attaches to the next line, so a line marked as an item can still be a heading."""
    # a Markdown rendering marks a heading with "#"s
    compiled = {key: re.compile(rf"^(?:#+\s*)?(?:{pattern})\s*$", re.I) for key, pattern in patterns.items()}
    found = []
    for index in range(start, len(lines)):
        line = lines[index]
        if line.is_blank:
            continue
        for key, regex in compiled.items():
            if regex.match(line.text.strip()):
                found.append((index, key))
                break
    return found


_ENDS_SENTENCE = re.compile(r"[.:;!?)'\"]$")
_SUB_ITEM = re.compile(r"^[\u2212\u2013\u2014-]\s")


def section_items(lines: list[Line], start: int, end: int) -> list[ListItem]:
    """The items between two headings. A bullet starts an item; the lines that follow it without a blank
    line (a page break is not a blank line), a sub-item ("− ...") or a line after an unfinished sentence
    continue it. Any other block is a paragraph item, or a sub-heading when it is one short line without
    a full stop ("Leadership and management")."""
    items: list[ListItem] = []
    current: ListItem | None = None
    heading: str | None = None
    after_blank = False
    previous_text = ""
    for index in range(start, min(end, len(lines))):
        line = lines[index]
        if line.is_blank:
            after_blank = True
            continue
        text = line.text.strip()
        if line.mark == "bullet":
            current = ListItem([line], True, heading)
            items.append(current)
        elif current is not None and (
            not after_blank or _SUB_ITEM.match(text) or not _ENDS_SENTENCE.search(previous_text)
        ):
            current.lines.append(line)
        else:
            following = lines[index + 1] if index + 1 < min(end, len(lines)) else None
            alone = following is None or following.is_blank or following.mark == "bullet"
            if alone and len(text) <= 80 and not re.search(r"[.;,]$", text) and text[:1].isupper():
                heading, current = text.rstrip(":"), None
            else:
                current = ListItem([line], False, heading)
                items.append(current)
        after_blank = False
        previous_text = text
    return items


_NOTHING_LISTED = re.compile(r"^there (?:are|were|is) no (?:areas?|priority)|^none\b", re.I)


def listed_items(items: list[ListItem]) -> list[ListItem]:
    """The items a section lists: its bullets when it has any (an introducing sentence or a case study
    in prose is not an item), else its paragraphs, without a sentence introducing a list (ending ':') or
    saying there is nothing to list."""
    bullets = [item for item in items if item.is_bullet]
    if bullets:
        return [item for item in bullets if not _NOTHING_LISTED.match(item.raw)]
    return [
        item
        for item in items
        if not item.raw.endswith(":") and not _NOTHING_LISTED.match(item.raw) and len(item.raw) > 20
    ]
