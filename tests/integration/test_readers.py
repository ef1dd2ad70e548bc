"""What readers get from the published seed warehouse: a file the DuckDB bundled in BI drivers (1.1.3)
opens with its comments, table reflection through SQLAlchemy and duckdb-engine as Superset does it, a
Parquet copy of every mart, and dbt's documentation as a static page with the exposures."""

import json
import os
import subprocess
import sys

import duckdb
import pytest

from orchestration.defs.publish.assets import MART_TABLES
from tests.integration.conftest import OLD_DUCKDB_VERSION, guide_queries

pytestmark = pytest.mark.integration

# Run by the old DuckDB in a child process: opens the file as a reader would and reports what it saw.
OLD_READER = r"""
import json, sys
import duckdb
path, queries = sys.argv[1], json.loads(sys.stdin.read())
con = duckdb.connect(path, read_only=True, config={"enable_external_access": False})
seen = {"version": duckdb.__version__, "tables": {}, "queries": {}}
for (table, comment) in con.execute(
    "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1"
).fetchall():
    rows = con.execute(f'SELECT count(*) FROM marts."{table}"').fetchall()[0][0]
    commented = con.execute(
        "SELECT count(*) FILTER (WHERE coalesce(comment, '') <> ''), count(*) FROM duckdb_columns() "
        "WHERE schema_name = 'marts' AND table_name = ?", [table]
    ).fetchall()[0]
    seen["tables"][table] = {"rows": rows, "comment": comment, "commented_columns": list(commented)}
for heading, sql in queries:
    try:
        seen["queries"][heading] = len(con.execute(sql).fetchall())
    except Exception as error:
        seen["queries"][heading] = f"{type(error).__name__}: {error}"
print(json.dumps(seen))
"""


@pytest.fixture(scope="module")
def row_counts(published_seed_warehouse):
    con = published_seed_warehouse.published()
    try:
        return {t: con.execute(f"SELECT count(*) FROM marts.{t}").fetchall()[0][0] for t in MART_TABLES}
    finally:
        con.close()


def test_published_file_opens_in_duckdb_1_1_3_with_comments_and_the_guide_queries(
    published_seed_warehouse, old_duckdb_path, row_counts
):
    queries = guide_queries()
    child = subprocess.run(
        [sys.executable, "-c", OLD_READER, str(published_seed_warehouse.published_path)],
        input=json.dumps(queries),
        env={**os.environ, "PYTHONPATH": str(old_duckdb_path)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    seen = json.loads(child.stdout)
    assert seen["version"] == OLD_DUCKDB_VERSION
    assert {t: v["rows"] for t, v in seen["tables"].items()} == row_counts
    for table, found in seen["tables"].items():
        assert found["comment"] and found["comment"].strip(), f"{table} has no comment"
        described, total = found["commented_columns"]
        assert described == total > 0, f"{table}: {described} of {total} columns have a comment"
    failed = {h: r for h, r in seen["queries"].items() if not isinstance(r, int)}
    assert failed == {}
    assert len(seen["queries"]) == len({h for h, _ in queries})


def test_sqlalchemy_reflects_the_marts_read_only_without_file_access(published_seed_warehouse, row_counts):
    import sqlalchemy as sa

    con = published_seed_warehouse.published()
    try:
        expected = {
            table: [
                c
                for (c,) in con.execute(
                    """SELECT column_name FROM duckdb_columns() WHERE schema_name = 'marts' AND table_name = ?
                   ORDER BY column_index""",
                    [table],
                ).fetchall()
            ]
            for table in MART_TABLES
        }
    finally:
        con.close()
    engine = sa.create_engine(
        f"duckdb:///{published_seed_warehouse.published_path}",
        connect_args={
            "read_only": True,
            "config": {"enable_external_access": False, "lock_configuration": True},
        },
    )
    try:
        inspector = sa.inspect(engine)
        assert sorted(inspector.get_table_names(schema="marts")) == sorted(MART_TABLES)
        for table in MART_TABLES:
            assert [c["name"] for c in inspector.get_columns(table, schema="marts")] == expected[table]
        assert inspector.get_table_comment("fct_recommendation_themes", schema="marts")["text"]
        with engine.connect() as connection:
            count = connection.execute(sa.text("SELECT count(*) FROM marts.fct_recommendations")).scalar_one()
            assert count == row_counts["fct_recommendations"] > 0
            with pytest.raises(sa.exc.DBAPIError, match="disabled by configuration"):
                connection.execute(sa.text("SELECT * FROM read_csv('/etc/passwd')")).fetchall()
            with pytest.raises(sa.exc.DBAPIError):
                connection.execute(sa.text("CREATE TABLE marts.scratch AS SELECT 1 AS x"))
    finally:
        engine.dispose()


def test_every_mart_has_its_parquet_copy(published_seed_warehouse, row_counts):
    parquet_dir = published_seed_warehouse.parquet_dir
    assert sorted(p.stem for p in parquet_dir.glob("*.parquet")) == sorted(MART_TABLES)
    con = published_seed_warehouse.published()
    reader = duckdb.connect()
    try:
        for table in MART_TABLES:
            path = str(parquet_dir / f"{table}.parquet")
            assert (
                reader.execute("SELECT count(*) FROM read_parquet(?)", [path]).fetchall()[0][0]
                == row_counts[table]
            )
            parquet_columns = [
                d[0] for d in reader.execute("SELECT * FROM read_parquet(?) LIMIT 0", [path]).description
            ]
            mart_columns = [d[0] for d in con.execute(f"SELECT * FROM marts.{table} LIMIT 0").description]
            assert parquet_columns == mart_columns, table
    finally:
        reader.close()
        con.close()


def test_dbt_docs_static_page_shows_the_marts_and_exposures(published_seed_warehouse, tmp_path):
    from orchestration.docs import build_docs

    page = build_docs(tmp_path / "site", duckdb_path=published_seed_warehouse.duckdb_path)
    assert page == tmp_path / "site" / "index.html"
    html = page.read_text(encoding="utf-8")
    # the static page embeds the manifest and the catalog
    for name in [
        "exposure.ofsted_warehouse.analyst_guide",
        "exposure.ofsted_warehouse.inspection_report",
        "model.ofsted_warehouse.fct_recommendation_themes",
    ]:
        assert name in html, name
    assert "seed.ofsted_warehouse.recommendation_theme_phrases" in html


def test_superset_style_uri_carries_the_reader_settings(published_seed_warehouse):
    """The form documented in docs/connecting.md: settings in the SQLAlchemy URI's query string."""
    import sqlalchemy as sa

    uri = (
        f"duckdb:///{published_seed_warehouse.published_path}"
        "?access_mode=read_only&enable_external_access=false&lock_configuration=true"
    )
    engine = sa.create_engine(uri)
    try:
        assert sorted(sa.inspect(engine).get_table_names(schema="marts")) == sorted(MART_TABLES)
        with engine.connect() as connection:
            settings = connection.execute(
                sa.text(
                    "SELECT current_setting('access_mode'), current_setting('enable_external_access'), "
                    "current_setting('lock_configuration')"
                )
            ).fetchall()
            assert settings == [("read_only", False, True)]
            with pytest.raises(sa.exc.DBAPIError):
                connection.execute(sa.text("SET enable_external_access = true"))
    finally:
        engine.dispose()
