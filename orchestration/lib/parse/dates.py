"""Dates as Ofsted writes them: single dates, ranges and lists of visit windows.

Examples handled: "30 November 2017", "10-19 September 2012", "13 - 22 May 2013",
"31 October and 1 November 2017", "19 November-11 December 2013 and 28 – 30 January 2014",
"5 to 9 December 2022 and 14 to 15 February 2023", "15, 16 and 21 July 2025". A month or year written only
on a later date applies to the earlier days before it. Dates written in figures ("12/09/2016", day first as
in every English report) or month first ("September 12, 2016") are read as the same dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
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
    rf"(?:\s*(?:-|–|—|‒|―|─|−|to|until|and|,|&)\s*\d{{1,2}}(?:st|nd|rd|th)?"
    rf"(?:\s*(?:{_MONTH_ALT})\.?)?(?:\s*\d{{4}})?)*"
    rf"(?<=\d{{4}})",
    re.I,
)
_TOKEN_RE = re.compile(
    rf"(\d{{4}})|(\d{{1,2}})(?:st|nd|rd|th)?|({_MONTH_ALT})\.?"
    r"|(-|–|—|‒|―|─|−|to|until)|(and|,|&)",
    re.I,
)


_MONTH_NAMES = tuple(calendar.month_name[1:])  # English: the warehouse never sets a locale
# "12/09/2016", "12.09.16", "12-09-2016": day, month, year
_NUMERIC_DATE_RE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b")
# "September 12, 2016", "September 12th 2016"
_MONTH_FIRST_RE = re.compile(rf"\b({_MONTH_ALT})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)


def dates_in_words(text: str) -> str:
    """Dates in figures or month first rewritten as "12 September 2016", the form the other patterns read."""

    def numeric(match: re.Match) -> str:
        day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return match.group(0)
        return f"{day} {_MONTH_NAMES[month - 1]} {int(year) + 2000 if len(year) == 2 else int(year)}"

    def month_first(match: re.Match) -> str:
        return f"{match.group(2)} {match.group(1)} {match.group(3)}"

    return _MONTH_FIRST_RE.sub(month_first, _NUMERIC_DATE_RE.sub(numeric, text))


def parse_date(text: str) -> dt.date | None:
    match = SINGLE_DATE_RE.search(dates_in_words(text))
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
    match = DATE_EXPRESSION_RE.search(dates_in_words(text))
    return match.group(0) if match else None


# An inspection lasts days or weeks: a window of more than this is a mistyped year.
_LONGEST_WINDOW = dt.timedelta(days=92)


def _with_year(day: dt.date, year: int) -> dt.date | None:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return None


def mend_slipped_years(windows: list[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """A window that ends before it starts, or lasts longer than any inspection, has one mistyped year
    ("19 November 2013 - 11 December 2103", "4 to 15 March 2018" printed with 2017 on the start): the
    start takes the end's year, or the end the start's, whichever makes a window of days or weeks."""
    mended = []
    for start, end in windows:
        if not (dt.timedelta(0) <= end - start <= _LONGEST_WINDOW):
            candidates = [(_with_year(start, end.year), end), (start, _with_year(end, start.year))]
            # a year that could be right (Ofsted's children's services reports begin in 2005) goes first
            candidates.sort(
                key=lambda pair: not (pair[1] and 2005 <= pair[1].year <= dt.date.today().year + 1)
            )
            for new_start, new_end in candidates:
                if new_start and new_end and dt.timedelta(0) <= new_end - new_start <= _LONGEST_WINDOW:
                    start, end = new_start, new_end
                    break
        mended.append((start, end))
    return mended
