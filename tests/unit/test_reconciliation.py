"""The one-line account of how far the warehouse agrees with Ofsted's statistics, on small tables made
here."""

import duckdb
import pytest

from orchestration.lib.outputs.reconciliation import reconciliation_summary

TABLE = """
CREATE SCHEMA marts;
CREATE TABLE marts.fct_official_reconciliation (
    official_event_id VARCHAR, local_authority_id VARCHAR, framework VARCHAR, report_id VARCHAR,
    match_status VARCHAR, overall_effectiveness_agreement VARCHAR, help_and_protection_agreement VARCHAR,
    lscb_agreement VARCHAR, grade_discrepancies VARCHAR
);
"""


@pytest.fixture
def con():
    connection = duckdb.connect(":memory:")
    connection.execute(TABLE)
    yield connection
    connection.close()


def insert(con, *rows):
    con.executemany("INSERT INTO marts.fct_official_reconciliation VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def test_counts_events_judgements_and_unlisted_reports(con):
    insert(
        con,
        ("E1", "A", "ilacs_standard", "r1", "matched", "agrees", "differs", None, "help_and_protection: ..."),
        ("E2", "A", "sif", "r2", "matched", "agrees", "agrees", None, None),
        ("E3", "A", "lscb", "r2", "matched", None, None, "missing", "lscb: ..."),
        ("E4", "B", "ilacs_short", None, "no_report", None, None, None, None),
        ("E5", "B", "slac", None, "framework_not_read", None, None, None, None),
        (None, "B", None, "r9", "not_in_statistics", None, None, None, None),
    )
    assert reconciliation_summary(con) == (
        "Ofsted's statistics: 3 of 4 official events have a report; grades agree on 3 of 4 judgements "
        "compared (1 differs, 1 missing from the report); 1 event has no report yet; 1 graded report is not "
        "in the statistics (1 event of 2009-12 inspections, which the warehouse does not read, left out)"
    )


def test_full_agreement_reads_plainly_with_thousands_separated(con):
    rows = [
        (f"E{i}", "A", "ilacs_standard", f"r{i}", "matched", "agrees", "agrees", None, None)
        for i in range(600)
    ]
    insert(con, *rows, ("E600", "A", "ilacs_standard", None, "no_report", None, None, None, None))
    assert reconciliation_summary(con) == (
        "Ofsted's statistics: 600 of 601 official events have a report; grades agree on 1,200 of 1,200 "
        "judgements compared (0 differ); 1 event has no report yet"
    )


def test_the_connection_is_free_for_the_next_query(con):
    insert(con, ("E1", "A", "sif", "r1", "matched", "agrees", None, None, None))
    reconciliation_summary(con)
    assert con.sql("SELECT count(*) FROM marts.fct_official_reconciliation").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM marts.fct_official_reconciliation").fetchall() == [(1,)]


def test_an_empty_table_still_gives_a_line(con):
    assert reconciliation_summary(con) == (
        "Ofsted's statistics: 0 of 0 official events have a report; grades agree on 0 of 0 judgements "
        "compared (0 differ); 0 events have no report yet"
    )


def test_no_line_without_the_table():
    connection = duckdb.connect(":memory:")
    try:
        assert reconciliation_summary(connection) is None
    finally:
        connection.close()
