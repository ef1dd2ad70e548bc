"""The published marts against a generated corpus's truth (benchmarks/generate.py), field by field.

`compare(con, truth)` returns how many fields were checked, how many matched and a readable line for
each mismatch. The comparison is the one the seed tests make against gold (tests/support.py
`compare_with_truth`): text through `norm` (NFKC, straight quotes, one space, no leading bullet nor
trailing full stop, any case), everything else exactly.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support import Accuracy, compare_with_truth  # noqa: E402  (after the path is set)


def compare(con: duckdb.DuckDBPyConnection, truth: dict) -> Accuracy:
    return compare_with_truth(con, truth["documents"])
