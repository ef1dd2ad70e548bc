"""The only two ways this project puts text into SQL; everything else travels as a `?` parameter.

`identifier` quotes a schema, table or column name taken from the project's own lists or from DuckDB's
catalog. `literal` is for the one statement DuckDB takes no parameter in, COMMENT ON ... IS, and only ever
quotes the project's own dbt descriptions. Text read from a report never reaches either.
"""

from __future__ import annotations


def identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
