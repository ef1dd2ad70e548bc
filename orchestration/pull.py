"""`make pull`: find every report of every English council's children's services on Ofsted's reports site
(OFSTED_REPORTS_URL) and download the new ones into RAW_DIR/ofsted/.

One request at a time, PULL_DELAY_SECONDS apart, naming PULL_CONTACT in the User-Agent when set. What was
seen and what became of it is kept in RAW_DIR/.pull/; the next `make run` publishes it as
audit.source_catalogue and reads the new reports. Files that failed do not make the command fail (the next
pull tries them again); it exits non-zero only when the site could not be reached at all, when another pull
is working on the same RAW_DIR, or when RAW_DIR cannot be written, each with a one-line message.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration.lib.ingest.crawl import PullBusy, PullWriteError, SiteUnreachable, crawl

from . import settings as settings_module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make pull", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reference",
        type=Path,
        default=settings_module.REFERENCE_AUTHORITIES_CSV,
        help="CSV of authorities with an ofsted_urn column, whose provider pages are visited too "
        "(default: the dbt seed of local authorities)",
    )
    args = parser.parse_args(argv)
    settings = settings_module.load_or_exit()
    site = settings.ofsted_reports_url
    print(
        f"Pulling reports from {site} into {settings.raw_dir / 'ofsted'} "
        f"(one request every {settings.pull_delay_seconds:g} s)",
        flush=True,
    )
    try:
        summary = crawl(
            settings.raw_dir,
            site,
            args.reference,
            settings.pull_options(),
            progress=lambda message: print("  " + message, flush=True),
        )
    except (SiteUnreachable, PullBusy, PullWriteError) as error:
        print(f"pull: {error}", file=sys.stderr)
        return 1
    for line in summary.lines():
        print(line)
    if summary.counts["failed"]:
        print(
            f"pull: completed, but {summary.counts['failed']} files failed; "
            "the next `make pull` tries them again"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
