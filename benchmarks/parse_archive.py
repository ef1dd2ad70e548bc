"""The parsers alone against ../shared/archive/expected.csv, from text already extracted into a warehouse.

For working on the parsers: it reads each archive document's pages from a warehouse file that a run over
the archive filled (raw.pages), parses them as the pipeline does, and compares what Ofsted's statistics
and listing record (authority, report type, inspection kind, start date, every grade) field by field. It
takes seconds where a build takes minutes. The build-and-compare test is
tests/integration/test_archive_accuracy.py.

    python benchmarks/parse_archive.py --warehouse data/archive.duckdb [--type focused_visit] [--show 40]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from orchestration.lib.parse.authorities import resolver_for  # noqa: E402
from orchestration.lib.parse.parsers import parse_document  # noqa: E402
from orchestration.settings import REFERENCE_AUTHORITIES_CSV  # noqa: E402
from tests.support import ARCHIVE_GRADE_AREAS  # noqa: E402

CONTRACT_GRADES = {
    "outstanding": "Outstanding",
    "good": "Good",
    "adequate": "Requires improvement to be good",
    "requires improvement": "Requires improvement to be good",
    "requires improvement to be good": "Requires improvement to be good",
    "inadequate": "Inadequate",
    "not judged": "-",
}


def parsed_fields(pages: list[str], resolver) -> dict[str, str]:
    reports = parse_document(pages, paged=True)
    fields: dict[str, str] = {}
    for report in reports:
        if "report_type" not in fields:
            fields["report_type"] = report.report_type
            fields["local_authority_id"] = resolver.resolve(report.local_authority_as_written) or ""
            fields["inspection_kind"] = report.inspection_kind or ""
            start = min((w[0] for w in report.windows), default=None)
            fields["official_inspection_or_visit_date"] = start.isoformat() if start else ""
        for area, grade in report.grades().items():
            if area not in fields:
                fields[area] = CONTRACT_GRADES.get(grade or "", grade or "<conflict>")
    return fields


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--warehouse", required=True, type=Path, help="a warehouse file holding the archive's pages"
    )
    parser.add_argument("--expected", type=Path, default=REPO.parent / "shared" / "archive" / "expected.csv")
    parser.add_argument("--type", help="only documents of this report type (as expected.csv names them)")
    parser.add_argument("--show", type=int, default=30, help="mismatches to print")
    args = parser.parse_args(argv)

    con = duckdb.connect(str(args.warehouse), read_only=True)
    sha_pages: dict[str, list[str]] = defaultdict(list)
    for sha, text in con.execute(
        "SELECT source_sha256, page_text FROM raw.pages ORDER BY 1, page_number"
    ).fetchall():
        sha_pages[sha].append(text or "")
    resolver = resolver_for(REFERENCE_AUTHORITIES_CSV)
    scores: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    wrong: list[str] = []
    for row in csv.DictReader(open(args.expected, encoding="utf-8")):
        if args.type and row["report_type"] != args.type:
            continue
        pages = sha_pages.get(row["sha256"])
        if pages is None:
            wrong.append(f"{row['file']}: not extracted in {args.warehouse}")
            continue
        try:
            got = parsed_fields(pages, resolver)
        # a document the parser cannot read is a mismatch of every field
        except Exception as error:  # noqa: BLE001
            got = {"report_type": f"<{type(error).__name__}: {error}>"}
        expected = {"local_authority_id": row["local_authority_id"], "report_type": row["report_type"]}
        if row["inspection_kind"]:
            expected["inspection_kind"] = row["inspection_kind"]
        if row["official_inspection_or_visit_date"]:
            expected["official_inspection_or_visit_date"] = row["official_inspection_or_visit_date"]
        expected.update({area: row[area] for area in ARCHIVE_GRADE_AREAS if row.get(area)})
        for name, value in expected.items():
            scores[name][1] += 1
            if got.get(name, "") == value:
                scores[name][0] += 1
            else:
                wrong.append(f"{row['file']}: {name} expected {value!r}, read {got.get(name, '')!r}")
    right = sum(s[0] for s in scores.values())
    total = sum(s[1] for s in scores.values())
    print(f"{'field':<36} right / checked")
    for name, (ok, n) in sorted(scores.items()):
        print(f"{name:<36} {ok:>5} / {n:<5} {ok / n:7.2%}")
    print(f"{'all':<36} {right:>5} / {total:<5} {right / max(total, 1):7.2%}")
    for line in wrong[: args.show]:
        print("  " + line)
    if len(wrong) > args.show:
        print(f"  ... and {len(wrong) - args.show} more")
    return 0


if __name__ == "__main__":
    sys.exit(main())
