"""How far the published warehouse agrees with Ofsted's official statistics, in one line, from
marts.fct_official_reconciliation."""

from __future__ import annotations

import duckdb

TABLE = "fct_official_reconciliation"
# every <judgement area>_agreement column holds 'agrees', 'differs', 'missing' or null
AGREEMENT_SUFFIX = "_agreement"


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number:,} {singular if number == 1 else plural}"


def reconciliation_summary(con: duckdb.DuckDBPyConnection) -> str | None:
    """One line such as "Ofsted's statistics: 812 of 830 official events have a report; grades agree on 2,287
    of 2,290 judgements compared (3 differ); 18 events have no report yet". Events of the 2009-12
    frameworks, which the warehouse does not read, are left out of the counts and said so. None when the
    connection has no marts.fct_official_reconciliation."""
    columns = [
        name
        for (name,) in con.execute(
            """SELECT column_name FROM information_schema.columns
               WHERE table_schema = 'marts' AND table_name = ? ORDER BY ordinal_position""",
            [TABLE],
        ).fetchall()
    ]
    if not columns:
        return None
    agreement_columns = [name for name in columns if name.endswith(AGREEMENT_SUFFIX)]

    def total(value: str) -> str:
        # a sum over every agreement column of the rows holding `value`; 0 when there are no such columns
        terms = [f"count(*) FILTER (WHERE \"{name}\" = '{value}')" for name in agreement_columns]
        return " + ".join(terms) or "0"

    row = con.execute(
        f"""SELECT
                count(*) FILTER (WHERE match_status IN ('matched', 'no_report')),
                count(*) FILTER (WHERE match_status = 'matched'),
                count(*) FILTER (WHERE match_status = 'no_report'),
                count(*) FILTER (WHERE match_status = 'framework_not_read'),
                count(*) FILTER (WHERE match_status = 'not_in_statistics'),
                {total("agrees")},
                {total("differs")},
                {total("missing")}
            FROM marts.{TABLE}"""
    ).fetchall()[0]  # fetchall, not fetchone: the caller's connection is left with no result pending
    events, matched, no_report, not_read, unlisted, agrees, differs, missing = (value or 0 for value in row)

    details = [_count(differs, "differs", "differ")]
    if missing:
        details.append(f"{missing:,} missing from the report")
    parts = [
        f"Ofsted's statistics: {matched:,} of {_count(events, 'official event', 'official events')} "
        f"{'has' if matched == 1 else 'have'} a report",
        f"grades agree on {agrees:,} of {_count(agrees + differs, 'judgement', 'judgements')} compared "
        f"({', '.join(details)})",
        f"{_count(no_report, 'event has', 'events have')} no report yet",
    ]
    if unlisted:
        parts.append(f"{_count(unlisted, 'graded report is', 'graded reports are')} not in the statistics")
    line = "; ".join(parts)
    if not_read:
        left_out = _count(not_read, "event", "events")
        line += f" ({left_out} of 2009-12 inspections, which the warehouse does not read, left out)"
    return line
