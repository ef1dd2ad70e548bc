"""The Children's Social Care National Framework cross-reference at the end of a recommendation.

Since about January 2025 ILACS "What needs to improve?" items and many focused-visit items end with a
reference to the framework's outcomes, enablers or principles, worded in many ways:

    "(outcome 1, national framework)"           "(outcome four, national framework)"
    "(national framework outcome four)"         "(enabler 2, national framework)"
    "(enabler: the workforce is equipped and effective, national framework)"
    "(principle 3, national framework)"            "(Enabler 2: Leaders drive conditions for ...)"

`split_reference` takes it off the item's text and returns its kind, number and words as written. A
reference that names an enabler (or outcome, principle) without a number takes the number of the name in
the framework seed (dbt_project/seeds/national_framework.csv), the same file the marts join for names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orchestration.lib.core.vocabulary import SEEDS_DIR, seed_rows
from orchestration.lib.parse.text import collapse

FRAMEWORK_SEED = SEEDS_DIR / "national_framework.csv"

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_KIND = r"(outcome|enabler|principle)s?"
_NUMBER = r"(\d{1,2}|one|two|three|four|five|six|seven)"
_NF = r"(?:the\s+)?(?:children'?s\s+social\s+care\s+)?national\s+framework"
# the bracketed reference at the end of an item, its closing full stop optional
# (or one that names an outcome, enabler or principle by number or name without saying "national
# framework": "(Enabler 2: Leaders drive conditions for effective practice)")
_REFERENCE = re.compile(
    r"\s*\(([^()]*national\s+framework[^()]*|\s*(?:outcome|enabler|principle)s?\s*(?:\d|one\b|two\b|"
    r"three\b|four\b|five\b|six\b|:)[^()]*)\)\s*\.?\s*$",
    re.I,
)
_NUMBERED = [
    re.compile(rf"^{_KIND}\s*{_NUMBER}\b", re.I),  # "outcome 1, national framework"
    re.compile(rf"^{_NF}[\s,:]*{_KIND}\s*{_NUMBER}\b", re.I),  # "national framework outcome four"
]
_NAMED = [
    re.compile(rf"^{_KIND}\s*:\s*(.+?)\s*,?\s*(?:{_NF})?\s*$", re.I),  # "enabler: the workforce ..., NF"
    re.compile(rf"^{_NF}[\s,:]*{_KIND}\s*:?\s*(.+)$", re.I),  # "national framework enabler: ..."
]


@dataclass(frozen=True)
class Reference:
    kind: str | None  # outcome | enabler | principle; None when the words name none of them
    number: int | None
    as_written: str  # the words inside the brackets


def _number(word: str) -> int | None:
    word = word.lower()
    return int(word) if word.isdigit() else _NUMBER_WORDS.get(word)


def _key(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("'", "")).strip()
    return re.sub(r"^the ", "", words)


def number_of(kind: str, name: str) -> int | None:
    """The number of an outcome, enabler or principle named in words, from the framework seed: the exact
    name, or the one name that starts with (or is started by) the words given."""
    wanted = _key(name)
    if not wanted:
        return None
    rows = [r for r in seed_rows(FRAMEWORK_SEED) if r["kind"] == kind]
    for row in rows:
        if _key(row["name"]) == wanted:
            return int(row["number"])
    close = [r for r in rows if _key(r["name"]).startswith(wanted) or wanted.startswith(_key(r["name"]))]
    return int(close[0]["number"]) if len(close) == 1 else None


def read_reference(words: str) -> Reference:
    """Kind and number of a reference's words ("outcome four, national framework")."""
    words = collapse(words)
    for pattern in _NUMBERED:
        if match := pattern.match(words):
            return Reference(match.group(1).lower(), _number(match.group(2)), words)
    for pattern in _NAMED:
        if match := pattern.match(words):
            kind = match.group(1).lower()
            return Reference(kind, number_of(kind, match.group(2).strip(" ,")), words)
    return Reference(None, None, words)


def split_reference(text: str) -> tuple[str, Reference | None]:
    """(the item's text without the cross-reference, the reference or None)."""
    match = _REFERENCE.search(text)
    if not match:
        return text, None
    return text[: match.start()].rstrip(" ,;"), read_reference(match.group(1))
