"""Small Markdown tables for materialisation metadata, which the UI renders."""

from __future__ import annotations

from collections.abc import Sequence


def table(header: Sequence[str], rows: Sequence[Sequence], empty: str) -> str:
    if not rows:
        return empty
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value) -> str:
    return str("" if value is None else value).replace("|", "/").replace("\n", " ")
