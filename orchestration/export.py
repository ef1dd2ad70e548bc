"""`make export`: write the workbook and the Atom feed again from the published warehouse, without running
anything else.

    python -m orchestration.export [--published PATH] [--out FILE]

Defaults: PUBLISHED_DUCKDB_PATH and the `.xlsx` named after it beside it (`ofsted.xlsx` beside
`ofsted.duckdb`); the feed is `ofsted.atom` beside the published file. Documents without a source_url are
placed from RAW_DIR into `documents/` beside the published file and linked relatively. Exits 1 with the
reason when the published file is missing or cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration.lib.outputs.feed import build_feed, feed_path_for
from orchestration.lib.outputs.workbook import workbook_path_for, write_workbook
from orchestration.lib.publish.outputs import stamping

from . import settings as settings_module


def main(argv: list[str] | None = None) -> int:
    settings = settings_module.load_or_exit()
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.export", description=__doc__.split("\n")[0]
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
        help="workbook to write (default: the .xlsx named after the published file, beside it)",
    )
    args = parser.parse_args(argv)
    out = args.out or workbook_path_for(args.published)
    try:
        with stamping(args.published, out):  # the publication it was drawn from
            result = write_workbook(args.published, out, settings.raw_dir)
        with stamping(args.published, feed_path_for(args.published)):
            feed = build_feed(args.published)
    except Exception as error:  # noqa: BLE001  (any failure is reported in words, with its type)
        print(f"workbook not written: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    sheets = ", ".join(f"{title} {rows}" for title, rows in result.sheets.items())
    print(f"workbook: {result.path} (rows: {sheets})")
    print(f"feed: {feed.path} ({feed.entries} new report{'s' if feed.entries != 1 else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
