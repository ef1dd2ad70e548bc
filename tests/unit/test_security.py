"""What readers are handed cannot reach the file system, and no SQL is made by pasting in text."""

from __future__ import annotations

import ast
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.publish.publication import open_published
from tests.support import REPO


@pytest.fixture
def reader(tmp_path):
    path = tmp_path / "ofsted.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.dim_reports AS SELECT 'r1' AS report_id")
    con.close()
    con = open_published(path)
    yield con
    con.close()


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM glob('/etc/*')",
        "ATTACH '{tmp}/other.duckdb' AS other",
        "COPY (SELECT 1) TO '{tmp}/leak.csv'",
        "COPY marts.dim_reports TO '{tmp}/leak.parquet' (FORMAT parquet)",
        "EXPORT DATABASE '{tmp}/export'",
        "INSTALL httpfs",
    ],
)
def test_a_reader_cannot_touch_files(reader, tmp_path, statement):
    with pytest.raises(duckdb.Error):
        reader.execute(statement.format(tmp=tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ofsted.duckdb"]


@pytest.mark.parametrize(
    "statement",
    ["SET enable_external_access = true", "SET lock_configuration = false", "RESET enable_external_access"],
)
def test_a_reader_cannot_turn_file_access_back_on(reader, statement):
    with pytest.raises(duckdb.Error):
        reader.execute(statement)
    with pytest.raises(duckdb.Error):
        reader.execute("SELECT * FROM read_csv('/etc/passwd')")


def test_a_reader_cannot_write(reader):
    with pytest.raises(duckdb.Error):
        reader.execute("CREATE TABLE marts.x (a INTEGER)")
    assert reader.execute("SELECT report_id FROM marts.dim_reports").fetchall() == [("r1",)]


# Every piece of text pasted into an SQL statement by the Python side, and why it is safe. Values always
# travel as `?` parameters; a new pasted piece fails this test until it is added here with its reason.
SQL_PIECES = {
    # names from schema.TABLES, the project's own fixed list of tables, columns and types
    ("orchestration/lib/core/warehouse.py", "_add_missing_columns", "table"),
    ("orchestration/lib/core/warehouse.py", "_add_missing_columns", "column"),
    ("orchestration/lib/core/warehouse.py", "_add_missing_columns", "dtype"),
    ("orchestration/lib/core/warehouse.py", "insert_rows", "table"),
    ("orchestration/lib/core/warehouse.py", "insert_rows", "columns"),
    ("orchestration/lib/core/warehouse.py", "insert_rows", "casts"),
    ("orchestration/lib/core/warehouse.py", "replace_rows", "table"),
    ("orchestration/lib/core/warehouse.py", "read_table", "table"),
    ("orchestration/lib/parse/documents.py", "parse", "table"),  # from schema.EXTRACTED_TABLES
    ("orchestration/lib/parse/documents.py", "_write_parsed", "table"),  # extracted.* and pipeline.* tables
    ("orchestration/lib/parse/documents.py", "_write_parsed", "stale_reports"),  # a fixed subquery
    ("orchestration/lib/extract/store.py", "_record_extractions", "table"),  # raw.pages, raw.documents
    # schema.create_statements(): CREATE statements built from schema.TABLES
    ("orchestration/lib/core/warehouse.py", "connect", "statement"),
    # names from schema.TABLES and their columns, quoted with sql.identifier
    ("orchestration/lib/core/digests.py", "table_digest", "selected"),
    ("orchestration/lib/core/digests.py", "table_digest", "qualified"),
    # a table of EXTRACTED_TABLES, quoted with sql.identifier
    ("orchestration/lib/quality/validation.py", "validate", "identifier(table)"),
    # names from DuckDB's catalog of the project's own tables, quoted with sql.identifier
    ("orchestration/lib/publish/publication.py", "_write_staging", "identifier(schema)"),
    ("orchestration/lib/publish/publication.py", "_write_staging", "source"),
    ("orchestration/lib/publish/publication.py", "_write_staging", "STORAGE_VERSION"),
    ("orchestration/lib/publish/publication.py", "_copy_table", "source"),
    ("orchestration/lib/publish/publication.py", "_copy_table", "target"),
    ("orchestration/lib/publish/publication.py", "_copy_table", "identifier(column)"),
    ("orchestration/lib/publish/publication.py", "table_checksums", "qualified"),
    ("orchestration/summary.py", "_published_state", "identifier(t)"),
    # the mart's fixed name and a fixed expression per agreement value, written in the module
    ("orchestration/lib/outputs/reconciliation.py", "reconciliation_summary", "TABLE"),
    ("orchestration/lib/outputs/reconciliation.py", "reconciliation_summary", "total('agrees')"),
    ("orchestration/lib/outputs/reconciliation.py", "reconciliation_summary", "total('differs')"),
    ("orchestration/lib/outputs/reconciliation.py", "reconciliation_summary", "total('missing')"),
    # each sheet's fixed query, written in the module
    ("orchestration/lib/outputs/workbook.py", "write_workbook", "sheet.query"),
    # the rebuild of a damaged working file: CREATE statements from schema.create_statements(), the audit
    # tables of schema.TABLES and their columns quoted with sql.identifier; every table of the file's own
    # catalogue, quoted with sql.identifier, read once to check its blocks
    ("orchestration/lib/core/warehouse.py", "_carry_over_audit", "statement"),
    ("orchestration/lib/core/warehouse.py", "_carry_over_audit", "table"),
    ("orchestration/lib/core/warehouse.py", "_carry_over_audit", "columns"),
    ("orchestration/lib/core/warehouse.py", "damage", "qualified"),
    # raw.pages, raw.documents, pipeline.parsed_contents, pipeline.held_back: fixed names in the function
    ("orchestration/lib/extract/store.py", "forget_failures", "table"),
    # one of three fixed pragma statements
    ("orchestration/defs/run_history.py", "_on_connect", "_SYNCHRONOUS.get(mode, _SYNCHRONOUS['OFF'])"),
    # COMMENT ON takes no parameter: the project's own dbt descriptions, quoted with sql.literal
    ("orchestration/lib/publish/publication.py", "_copy_table", "literal(comment)"),
    ("orchestration/lib/publish/publication.py", "_copy_table", "literal(column_comment)"),
    # the catalogue's own table name, a constant of the module that owns it
    ("orchestration/lib/ingest/catalogue.py", "record_document_authorities", "CATALOGUE_TABLE"),
    # the report's reads of the published file: table and column names written in the calling code, and the
    # ORDER BY / WHERE clause after them, also written there
    ("orchestration/lib/outputs/report/data.py", "select", "table"),
    ("orchestration/lib/outputs/report/data.py", "select", "chosen"),
    ("orchestration/lib/outputs/report/data.py", "select", "rest"),
    # one of two fixed conditions, chosen by whether the published file has the column
    ("orchestration/lib/outputs/documents.py", "cited_files", "without_url"),
    # dbt's models and seeds as dagster-dbt names them, quoted with sql.identifier
    ("orchestration/defs/transform/assets.py", "_with_row_counts", "identifier(name)"),
    ("orchestration/defs/transform/assets.py", "_with_row_counts", "identifier(schema)"),
    # a fixed CASE expression written in the module
    ("orchestration/lib/ingest/ledger.py", "_record_scan", "_KEPT_AS_READ"),
    # the report columns the module lists (NULL for one the file lacks), from marts.dim_reports of the working
    # or the attached published file; and fixed expressions chosen by whether the names table exists
    ("orchestration/lib/publish/changes.py", "_refs", "selected"),
    ("orchestration/lib/publish/changes.py", "_refs", "table"),
    ("orchestration/lib/publish/changes.py", "changes_of", "join"),
    ("orchestration/lib/publish/changes.py", "changes_of", "name"),
    # the run id of the publication, as an SQL string literal (sql.literal doubles its quotes)
    ("orchestration/lib/publish/publication.py", "_write_staging", "stamp"),
}
_SQL_METHODS = {"execute", "executemany", "sql", "query"}


def _pasted_sql_pieces(path: Path) -> set[tuple[str, str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pieces = set()
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for call in ast.walk(function):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                continue
            if call.func.attr not in _SQL_METHODS or not call.args or isinstance(call.args[0], ast.Constant):
                continue
            statement = call.args[0]
            pasted = (
                [value.value for value in statement.values if isinstance(value, ast.FormattedValue)]
                if isinstance(statement, ast.JoinedStr)
                else [statement]
            )
            relative = path.relative_to(REPO).as_posix()
            pieces.update((relative, function.name, ast.unparse(piece)) for piece in pasted)
    return pieces


def test_sql_pastes_only_reviewed_names_never_values():
    found = set().union(
        *(_pasted_sql_pieces(path) for path in sorted((REPO / "orchestration").rglob("*.py")))
    )
    assert found - SQL_PIECES == set(), "new text pasted into SQL: pass values as ? parameters"
    assert SQL_PIECES - found == set(), "SQL_PIECES lists pieces no longer in the code"
