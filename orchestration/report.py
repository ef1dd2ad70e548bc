"""`make report`: build the HTML report again from the published warehouse, without running anything else.

    python -m orchestration.report [--published PATH] [--out DIR]

Writes index.html and a page per authority in authorities/. Defaults: PUBLISHED_DUCKDB_PATH and the
`report/` folder beside it. Reports with no Ofsted address are placed from RAW_DIR into `documents/` beside
the published file and linked relatively, so the folder can be shared. Exits 1 with the reason when the
published file is missing or cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration.lib.outputs.report.page import build_report
from orchestration.lib.publish.outputs import stamping

from . import settings as settings_module


def main(argv: list[str] | None = None) -> int:
    settings = settings_module.load_or_exit()
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.report", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--published",
        type=Path,
        default=settings.published_duckdb_path,
        help=f"published warehouse to read (default {settings.published_duckdb_path})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder to write index.html into (default: report/ beside the published file)",
    )
    args = parser.parse_args(argv)
    out = args.out or args.published.parent / "report"
    try:
        with stamping(args.published, out):  # the publication it was drawn from
            result = build_report(args.published, out, settings.raw_dir)
    except Exception as error:  # noqa: BLE001  (any failure is reported in words, with its type)
        print(f"report not built: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    drawn = ", ".join(f"{chart} {count}" for chart, count in result.marks.items())
    print(f"report: {result.path} (rows charted: {drawn}; {result.authority_pages} authority pages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
