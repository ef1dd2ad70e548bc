"""`make pull MANIFEST=reports.csv`: download the reports a manifest lists into RAW_DIR.

Failures are listed and recorded in RAW_DIR/.pull/downloads.json, and do not make the command fail: the
next pull tries them again, and `make run` builds the warehouse from whatever arrived.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import settings as settings_module
from .lib.pull import pull


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make pull", description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path, help="CSV with a url column; optional local_authority, publication_date")
    args = parser.parse_args(argv)
    settings = settings_module.load()
    if not args.manifest.is_file():
        print(f"no manifest at {args.manifest}", file=sys.stderr)
        return 2
    print(f"Pulling the reports listed in {args.manifest} into {settings.raw_dir}", flush=True)
    try:
        summary = pull(args.manifest, settings.raw_dir, settings.pull_options(), progress=lambda m: print("  " + m, flush=True))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    print(
        f"{summary.count('downloaded')} downloaded, {summary.count('present')} already present, "
        f"{summary.count('failed')} failed"
    )
    for outcome in summary.outcomes:
        if outcome.status == "failed":
            print(f"  FAILED {outcome.url}: {outcome.reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
