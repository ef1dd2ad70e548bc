"""What one pull found, downloaded and did not download, and why: the lines `make pull` prints and the
counts the Dagster asset shows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

EXAMPLES_SHOWN = 10  # a reason met by many links lists only this many; the catalogue has them all

# status -> how the summary names the links with it
HEADINGS = {
    "not_read": "not read by the warehouse (recorded, not downloaded)",
    "dead": "dead (the report is not there; asked again after four weeks)",
    "refused": "refused (asked again by the next pull)",
    "failed": "failed, may be passing (the next pull tries again)",
}


@dataclass
class CrawlSummary:
    # providers, providers_not_found, links, downloaded, downloaded_again, already, not_read, dead,
    # refused, failed, not_modified
    counts: Counter[str] = field(default_factory=Counter)
    causes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (status, cause) -> links
    warnings: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (url, reason) met by this pull
    abandoned: list[str] = field(default_factory=list)  # pages given up on, and why
    providers_not_found: list[str] = field(default_factory=list)  # URNs whose page answered 404
    missing_again: list[str] = field(default_factory=list)  # downloaded before, gone from RAW_DIR
    requests_sent: int = 0

    def count(self, status: str, cause: str | None) -> None:
        self.counts[status] += 1
        self.causes[(status, cause or status)] += 1

    def line(self) -> str:
        """One line: what was found and what became of it."""
        c = self.counts
        return (
            f"{c['providers']} authorities' pages ({c['providers_not_found']} not found), "
            f"{c['links']} publication links: {c['downloaded']} downloaded, {c['already']} already "
            f"downloaded, {c['not_read']} not read, {c['dead']} dead, {c['refused']} refused, "
            f"{c['failed']} failed; {self.requests_sent} requests, {c['not_modified']} pages unchanged"
        )

    def lines(self) -> list[str]:
        """The summary `make pull` prints: one line per outcome, its reasons counted, then warnings."""
        c = self.counts
        out = [f"pull: {self.line()}"]
        if self.providers_not_found:
            out.append(
                f"  authorities' pages not found (HTTP 404): {len(self.providers_not_found)} "
                f"(URN {_examples(self.providers_not_found)})"
            )
        downloaded = f"  downloaded: {c['downloaded']} new"
        if c["downloaded_again"]:
            downloaded += (
                f" (of which {c['downloaded_again']} again, no longer in RAW_DIR: "
                f"{_examples(self.missing_again)})"
            )
        out.append(downloaded + f"; {c['already']} already in RAW_DIR")
        for status, heading in HEADINGS.items():
            if not c[status]:
                continue
            reasons = [(cause, n) for (s, cause), n in self.causes.items() if s == status]
            reasons.sort(key=lambda item: (-item[1], item[0]))
            out.append(f"  {heading}: {c[status]}")
            out.extend(f"    {n} {cause}" for cause, n in reasons)
        for reason in self.abandoned[:EXAMPLES_SHOWN]:
            out.append(f"  PAGE NOT READ: {reason}")
        for warning in self.warnings:
            out.append(f"  WARNING: {warning}")
        return out

    def metadata(self) -> dict[str, int]:
        c = self.counts
        return {
            "authorities_visited": c["providers"],
            "providers_not_found": c["providers_not_found"],
            "publication_links": c["links"],
            "downloaded": c["downloaded"],
            "downloaded_again": c["downloaded_again"],
            "already_downloaded": c["already"],
            "not_read": c["not_read"],
            "dead": c["dead"],
            "refused": c["refused"],
            "failed": c["failed"],
            "requests": self.requests_sent,
            "pages_unchanged": c["not_modified"],
        }


def _examples(items: list[str]) -> str:
    shown = ", ".join(items[:EXAMPLES_SHOWN])
    return shown + (f" and {len(items) - EXAMPLES_SHOWN} more" if len(items) > EXAMPLES_SHOWN else "")
