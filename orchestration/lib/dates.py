"""Dates as Ofsted writes them: single dates, ranges and lists of visit windows.

Examples handled: "30 November 2017", "10-19 September 2012", "13 - 22 May 2013",
"31 October and 1 November 2017", "19 November-11 December 2013 and 28 – 30 January 2014",
"5 to 9 December 2022 and 14 to 15 February 2023", "15, 16 and 21 July 2025". A month or year written only
on a later date applies to the earlier days before it.
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sept", "sep"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
SINGLE_DATE_RE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_ALT})\.?,?\s+(\d{{4}})\b", re.I)
# A run of day/month/year tokens joined by range and list separators, ending in a year.
DATE_EXPRESSION_RE = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?:\s*(?:{_MONTH_ALT})\.?)?(?:\s*\d{{4}})?"
    rf"(?:\s*(?:-|–|—|‒|―|─|−|to|until|and|,|&)\s*\d{{1,2}}(?:st|nd|rd|th)?(?:\s*(?:{_MONTH_ALT})\.?)?(?:\s*\d{{4}})?)*"
    rf"(?<=\d{{4}})",
    re.I,
)
_TOKEN_RE = re.compile(rf"(\d{{4}})|(\d{{1,2}})(?:st|nd|rd|th)?|({_MONTH_ALT})\.?|(-|–|—|‒|―|─|−|to|until)|(and|,|&)", re.I)


def parse_date(text: str) -> dt.date | None:
    match = SINGLE_DATE_RE.search(text)
    if not match:
        return None
    return _make_date(int(match.group(3)), MONTHS[match.group(2).lower()], int(match.group(1)))


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_windows(text: str) -> list[tuple[dt.date, dt.date]]:
    """Visit windows in a date expression, in order; consecutive single days merge into one window."""
    atoms: list[dict] = []  # each: day, month, year, joined_by (separator before it)
    separator = None
    for match in _TOKEN_RE.finditer(text):
        year, day, month, range_sep, list_sep = match.groups()
        if day:
            atoms.append({"day": int(day), "month": None, "year": None, "sep": separator})
            separator = None
        elif month and atoms:
            atoms[-1]["month"] = MONTHS[month.lower()]
        elif year and atoms:
            # a year belongs to every earlier atom still lacking one
            for atom in atoms:
                if atom["year"] is None:
                    atom["year"] = int(year)
        elif range_sep:
            separator = "range"
        elif list_sep:
            separator = separator or "list"
    # months written later apply backwards
    month = None
    for atom in reversed(atoms):
        if atom["month"] is None:
            atom["month"] = month
        else:
            month = atom["month"]
    dates = []
    for atom in atoms:
        if atom["month"] is None or atom["year"] is None:
            return []
        value = _make_date(atom["year"], atom["month"], atom["day"])
        if value is None:
            return []
        dates.append((value, atom["sep"]))
    # a range end written in a later year than its start ("28 December-3 January 2014")
    windows: list[list[dt.date]] = []
    for value, sep in dates:
        if sep == "range" and windows:
            start = windows[-1][0]
            if value < start and start.month > value.month:
                windows[-1][0] = start.replace(year=start.year - 1)
            windows[-1][1] = value
        else:
            windows.append([value, value])
    merged: list[list[dt.date]] = []
    for start, end in windows:
        if merged and start - merged[-1][1] == dt.timedelta(days=1):
            merged[-1][1] = end
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def find_date_expression(text: str) -> str | None:
    match = DATE_EXPRESSION_RE.search(text)
    return match.group(0) if match else None
