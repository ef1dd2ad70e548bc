"""Plain Python used by the Dagster assets, one package per stage of a run. Nothing here imports Dagster,
so each piece can be tested and used on its own.

- `core`: the writer's DuckDB connection, the tables the Python side writes, SQL quoting, value lists,
  content digests.
- `ingest`: finding files under RAW_DIR and recording each in the file ledger; the crawl of Ofsted's site.
- `extract`: text of each document (PDF layout, the extraction pool and its worker, the text kept per
  content).
- `parse`: report parsers and the rows they become.
- `quality`: Great Expectations suites and which documents a failed check holds back.
- `publish`: the published copy and the decision whether a run has anything to do.
- `outputs`: what readers open besides the file: the workbook, the HTML report, the reconciliation line.
"""
