"""Plain Python used by the Dagster assets: file discovery, text extraction, report parsing, checks.

Nothing in this package imports Dagster, so it can be tested and reused on its own.
"""
