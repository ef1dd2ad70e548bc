"""Find every report of every English council's children's services on Ofsted's reports site, and
download the new ones into RAW_DIR.

Where the reports are:
- the search of local authority children's services lists the current authorities, 100 to a page, each a
  link to `/provider/44/<URN>`; the crawl follows `a.pagination__next` until there is none or a page lists
  no provider. Abolished authorities are not listed, so every URN of the reference list is visited too;
- a provider page lists each publication as an `a.publication-link` to the file, whose `span.nonvisual`
  reads `<Kind>, pdf - DD Month YYYY` (the publication date).

What it keeps is under RAW_DIR/.pull/ (see catalogue.py, which also names the statuses). Only one pull
works on a RAW_DIR at a time. A file downloaded once is not requested again while it is in RAW_DIR.
Reports land in `RAW_DIR/ofsted/<URN>_<authority>/<kind> - <dd month yyyy>.pdf`, lower case, as Ofsted
names them and as the public archives of its downloads keep them; a name is cut to fit the file system
(MAX_NAME_BYTES bytes of UTF-8), and a name already taken by another file gets the file id added.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import hashlib
import os
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bs4 import BeautifulSoup

from orchestration.lib.ingest.catalogue import (
    CATALOGUE_FILE,
    DEAD_RECHECK_DAYS,
    PAGES_FILE,
    PARTS_FOLDER,
    PullBusy,
    PullWriteError,
    catalogue_rows,
    load_catalogue,
    load_json,
    pull_lock,
    save_json,
    state_dir,
    write_failure,
)
from orchestration.lib.ingest.download import DiskError, download_pdf
from orchestration.lib.ingest.http import PDF_MAGIC, FetchError, PoliteClient, PullOptions
from orchestration.lib.ingest.summary import CrawlSummary

__all__ = ["PullBusy", "PullWriteError", "SiteUnreachable", "catalogue_rows", "classify", "crawl"]

DEFAULT_SITE = "https://reports.ofsted.gov.uk"
LISTING_PATH = "/search?q=&level_1_types=3&level_2_types%5B%5D=12&start=0&rows=100"
PROVIDER_PATH = "/provider/44/{urn}"
REPORTS_FOLDER = "ofsted"
MAX_LISTING_PAGES = 200  # 100 authorities a page: far more pages than England has councils
# Linux allows 255 bytes a name; a folder name is kept shorter, and a file's stem leaves room for
# " (<file id>)" and ".pdf".
MAX_FOLDER_BYTES = 120
MAX_NAME_BYTES = 200
NAME_ERRORS = (errno.ENAMETOOLONG, errno.EINVAL, errno.EILSEQ)  # the name, not the folder, is at fault

# What to do with each kind of publication, by its link text: the first pattern that matches decides.
# (pattern, the warehouse's name for the kind, whether it is downloaded)
KIND_RULES: tuple[tuple[re.Pattern[str], str, bool], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), name, read)
    for pattern, name, read in (
        (
            r"joint targeted area inspection|joint area child protection inspection|\bjtai\b",
            "joint_targeted_area_inspection",
            True,
        ),
        (r"\bsend\b|special educational needs", "area_send_inspection", True),
        (r"joint area review", "joint_area_review", False),
        (r"annual performance assessment", "annual_performance_assessment", False),
        (r"youth (offending|justice)", "youth_justice_inspection", False),
        (r"focused visit|assurance visit", "focused_visit", True),
        (r"monitoring visit", "monitoring_visit", True),
        (r"\blscb\b|safeguarding children board", "lscb_review", True),
        (r"safeguarding and looked after children", "safeguarding_and_looked_after_children", True),
        (r"looked after children|looked-after children", "looked_after_children_inspection", True),
        (r"child protection|protection of children", "child_protection_inspection", True),
        (r"single inspection", "sif_inspection", True),
        (r"children's services|children's social care", "childrens_services_inspection", True),
        (r"\bjoint\b", "joint_inspection_other", False),
    )
)

_PROVIDER_HREF = re.compile(r"/provider/44/(\d+)/?$")
_FILE_ID = re.compile(r"/file/([A-Za-z0-9_-]+)/?$")
# "<Kind>, pdf - 01 May 2020", "<Kind> as pdf - 01 May 2020"
_NONVISUAL = re.compile(
    r"^(?P<kind>.*?)(?:[\s,]+as)?[\s,]*\bpdf\s*-\s*(?P<date>\d{1,2} [A-Za-z]+ \d{4})\s*$", re.IGNORECASE
)


def classify(kind: str) -> tuple[str, str | None]:
    """The warehouse's name for a link's kind, and why it is not downloaded (None: it is)."""
    text = _plain(kind)
    for pattern, name, read in KIND_RULES:
        if pattern.search(text):
            return name, None if read else f"a kind the warehouse does not read ({text.lower()})"
    return "unknown", f"a kind the warehouse does not read ({text.lower() or 'no kind given'})"


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u2018", "'")).strip()


# --- pages ----------------------------------------------------------------------------------------------


def parse_listing(html: str, page_url: str) -> dict:
    """{"providers": [[urn, name], ...], "next": absolute URL of the next page or None}."""
    soup = BeautifulSoup(html, "html.parser")
    providers: dict[str, str] = {}
    for anchor in soup.find_all("a", href=True):
        match = _PROVIDER_HREF.search(urllib.parse.urlsplit(str(anchor["href"])).path)
        if match and match.group(1) not in providers:
            providers[match.group(1)] = _plain(anchor.get_text(" "))
    following = soup.select_one("a.pagination__next[href]")
    return {
        "providers": [[urn, name] for urn, name in providers.items()],
        "next": urllib.parse.urljoin(page_url, str(following["href"])) if following else None,
    }


def parse_provider(html: str, page_url: str) -> dict:
    """{"heading": the provider's name, "links": [{kind, date, url, file_id}], "unreadable": [link texts]}."""
    soup = BeautifulSoup(html, "html.parser")
    heading = soup.find("h1")
    links, unreadable = [], []
    for anchor in soup.select("a.publication-link[href]"):
        url = urllib.parse.urljoin(page_url, str(anchor["href"]))
        label = anchor.select_one("span.nonvisual")
        text = _plain(label.get_text(" ") if label else anchor.get_text(" "))
        match = _NONVISUAL.match(text)
        kind = match.group("kind").strip(" ,") if match else text
        date = _link_date(match.group("date")) if match else None
        if not match or date is None or not kind:
            unreadable.append(text)
        links.append({"kind": kind or "unknown", "date": date, "url": url, "file_id": file_id_of(url)})
    return {
        "heading": _plain(heading.get_text(" ")) if heading else None,
        "links": links,
        "unreadable": unreadable,
    }


def _link_date(text: str) -> str | None:
    for form in ("%d %B %Y", "%d %b %Y"):
        try:
            return dt.datetime.strptime(text, form).date().isoformat()
        except ValueError:
            continue
    return None


def file_id_of(url: str) -> str:
    """Ofsted's file id (`https://files.ofsted.gov.uk/v1/file/<id>`), or a digest of another address."""
    match = _FILE_ID.search(urllib.parse.urlsplit(url).path)
    return match.group(1) if match else "url-" + hashlib.sha256(url.encode()).hexdigest()[:16]


# --- reference ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceAuthority:
    local_authority_id: str
    name: str
    status: str


def read_reference(path: Path | None) -> dict[str, ReferenceAuthority]:
    """Ofsted URN -> authority, from a CSV with gss_code, local_authority_name, status and ofsted_urn
    columns. Rows without a URN are left out; a file without the ofsted_urn column gives nothing."""
    if path is None or not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if "ofsted_urn" not in (reader.fieldnames or []):
            return {}
        found = {}
        for row in reader:
            urn = (row.get("ofsted_urn") or "").strip()
            if urn:
                found[urn] = ReferenceAuthority(
                    (row.get("gss_code") or "").strip(),
                    (row.get("local_authority_name") or "").strip(),
                    (row.get("status") or "").strip(),
                )
    return found


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


# --- the crawl ------------------------------------------------------------------------------------------


class SiteUnreachable(Exception):
    """The listing of authorities could not be fetched at all: nothing was crawled."""


def crawl(
    raw_dir: Path,
    site_url: str = DEFAULT_SITE,
    reference: Path | None = None,
    options: PullOptions = PullOptions(),
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[str], None] = lambda message: None,
) -> CrawlSummary:
    """Crawl the site at `site_url` and download every new report it lists into `raw_dir`.

    Raises PullBusy when another pull works on `raw_dir`, PullWriteError when `raw_dir` cannot be
    written, and SiteUnreachable when the listing cannot be fetched at all."""
    site = site_url.rstrip("/")
    options = replace(
        options, allowed_hosts=options.allowed_hosts | {urllib.parse.urlsplit(site).netloc.lower()}
    )
    with pull_lock(raw_dir), PoliteClient(options, clock=clock, sleep=sleep) as client:
        run = _Crawl(raw_dir, site, read_reference(reference), client, progress)
        try:
            run.all()
        finally:
            run.summary.requests_sent = client.requests_sent
            run.save(quiet=True)
    return run.summary


class _Crawl:
    def __init__(
        self,
        raw_dir: Path,
        site: str,
        reference: dict[str, ReferenceAuthority],
        client: PoliteClient,
        progress: Callable[[str], None],
    ):
        self.raw_dir = raw_dir
        self.site = site
        self.reference = reference
        self.client = client
        self.progress = progress
        self.summary = CrawlSummary()
        self.pages: dict[str, dict] = load_json(state_dir(raw_dir) / PAGES_FILE)
        self.catalogue: dict[str, dict] = load_catalogue(raw_dir)
        # file id -> its downloaded row, and each saved file's id: a file is fetched and named once
        self.downloaded: dict[str, dict] = {}
        self.file_of_name: dict[str, str] = {}
        for row in self.catalogue.values():
            if row.get("status") == "downloaded" and row.get("source_file"):
                self._remember(row)

    def _remember(self, row: dict) -> None:
        self.downloaded[row["file_id"]] = row
        self.file_of_name.setdefault(row["source_file"], row["file_id"])

    def save(self, quiet: bool = False) -> None:
        try:
            save_json(state_dir(self.raw_dir) / PAGES_FILE, self.pages)
            save_json(state_dir(self.raw_dir) / CATALOGUE_FILE, self.catalogue)
        except PullWriteError:
            if not quiet:
                raise

    def warn(self, message: str) -> None:
        self.summary.warnings.append(message)
        self.progress(f"WARNING: {message}")

    def all(self) -> None:
        listed = self.listing()
        extra = sorted((urn for urn in self.reference if urn not in listed), key=int_or_text)
        self.progress(f"pull: {len(listed)} authorities listed, {len(extra)} more from the reference list")
        providers = [(urn, name) for urn, name in listed.items()] + [(urn, None) for urn in extra]
        for number, (urn, name) in enumerate(providers, start=1):
            self.provider(urn, name)
            self.save()  # a crawl stopped part-way keeps what it learnt
            if number % 25 == 0 and number < len(providers):
                self.progress(f"pull: {number}/{len(providers)} authorities' pages read")

    # the listing of current authorities

    def listing(self) -> dict[str, str]:
        url: str | None = self.site + LISTING_PATH
        visited: set[str] = set()
        found: dict[str, str] = {}
        while url and url not in visited and len(visited) < MAX_LISTING_PAGES:
            visited.add(url)
            try:
                page = self.page(url, parse_listing)
            except FetchError as error:
                if not found:
                    raise SiteUnreachable(
                        f"the list of authorities at {url} could not be fetched: {error}"
                    ) from None
                self.warn(
                    f"listing page {url} could not be fetched ({error}); authorities after it were not listed"
                )
                break
            if page is None:
                raise SiteUnreachable(f"the list of authorities at {url} answered 404")
            if not page["providers"]:
                if not found:
                    self.warn(
                        f"the listing at {url} lists no provider: the site's structure may have changed"
                    )
                break
            found.update({urn: name for urn, name in page["providers"]})
            url = page["next"]
        return found

    # one authority

    def provider(self, urn: str, listed_name: str | None) -> None:
        url = self.site + PROVIDER_PATH.format(urn=urn)
        counts = self.summary.counts
        counts["providers"] += 1
        before = self.pages.get(url, {}).get("parsed")
        try:
            page = self.page(url, parse_provider)
        except FetchError as error:
            self.warn(f"provider page {url} could not be fetched: {error}")
            return
        known = self.reference.get(urn)
        provider_key = f"provider {urn}"
        if page is None:
            counts["providers_not_found"] += 1
            self.summary.providers_not_found.append(urn)
            self.catalogue[provider_key] = self._row(provider_key, urn, url) | {
                "status": "dead",
                "status_reason": (
                    "the provider page answered 404 Not Found: no publications listed for this URN"
                ),
                "cause": "provider page not found (HTTP 404)",
            }
            return
        self.catalogue.pop(provider_key, None)
        if before and before.get("links") and not page["links"]:
            self.warn(
                f"provider page {url} listed {len(before['links'])} publications before "
                "and lists none now: the site's structure may have changed"
            )
        for text in page.get("unreadable", []):
            self.warn(f"provider page {url}: could not read the kind and date of the link '{text}'")
        name = page.get("heading") or listed_name or (known.name if known else None) or ""
        folder = _safe_name(f"{urn}_{name}".lower() if name else urn, MAX_FOLDER_BYTES)
        before_counts = dict(counts)
        for link in page["links"]:
            self.publication(urn, name or None, folder, link)
        fetched = {k: counts[k] - before_counts.get(k, 0) for k in ("downloaded", "failed", "refused")}
        if any(fetched.values()):
            self.progress(
                f"pull: {urn} {name or '(no name)'}: "
                + ", ".join(f"{n} {what}" for what, n in fetched.items() if n)
            )

    def page(self, url: str, parse: Callable[[str, str], dict]) -> dict | None:
        """What `parse` reads from the page at url (from the last crawl when unchanged); None on 404."""
        cached = self.pages.get(url, {})
        headers = {}
        if cached.get("parsed") is not None:
            if cached.get("etag"):
                headers["If-None-Match"] = cached["etag"]
            if cached.get("last_modified"):
                headers["If-Modified-Since"] = cached["last_modified"]
        try:
            with self.client.get(url, headers) as response:
                if response.status_code == 304 and cached.get("parsed") is not None:
                    self.summary.counts["not_modified"] += 1
                    return cached["parsed"]
                if response.status_code in (404, 410):
                    self.pages.pop(url, None)
                    return None
                if response.status_code != 200:
                    raise FetchError(f"HTTP {response.status_code} {response.reason}", response.status_code)
                parsed = parse(_text_of(response, self.client.read_page(response)), response.url)
                self.pages[url] = {
                    "etag": response.headers.get("ETag"),
                    "last_modified": response.headers.get("Last-Modified"),
                    "parsed": parsed,
                }
                return parsed
        except FetchError as error:
            if error.outcome in ("abandoned", "refused"):
                self.summary.abandoned.append(error.reason)
            raise

    # one publication link

    def _row(self, key: str, urn: str, url: str) -> dict:
        row = self.catalogue.get(key) or {"first_seen_at": _now()}
        known = self.reference.get(urn)
        return row | {
            "ofsted_urn": urn,
            "local_authority_id": known.local_authority_id if known else None,
            "url": url,
            "last_seen_at": _now(),
        }

    def publication(self, urn: str, listed_name: str | None, folder: str, link: dict) -> None:
        self.summary.counts["links"] += 1
        key = f"{urn} {link['url']}"
        document_kind, not_read = classify(link["kind"])
        row = self._row(key, urn, link["url"]) | {
            "kind": link["kind"],
            "document_kind": document_kind,
            "listed_authority_name": listed_name,
            "publication_date": link["date"],
            "file_id": link["file_id"],
        }
        self.catalogue[key] = row
        if not_read:
            cause = _plain(link["kind"]).lower() or document_kind
            self._settle(row, "not_read", not_read, cause, source_file=None, source_sha256=None)
            return
        if not self.client.allowed(link["url"]):
            host = urllib.parse.urlsplit(link["url"]).netloc or link["url"]
            self._settle(
                row,
                "refused",
                f"the link points to {host}, outside Ofsted's site: not followed",
                "link off Ofsted's site",
                source_file=None,
                source_sha256=None,
            )
            return
        if self._still_settled(row):
            return
        earlier = self.downloaded.get(link["file_id"])
        if earlier is not None and earlier is not row and self._present(earlier):
            row.update(
                status="downloaded",
                status_reason=f"the same file is listed at {earlier['url']} and was downloaded from there",
                source_file=earlier["source_file"],
                source_sha256=earlier["source_sha256"],
                cause=None,
            )
            self.summary.counts["already"] += 1
            return
        self.download(row, folder, link)

    def _present(self, row: dict) -> bool:
        return bool(row.get("source_file")) and (self.raw_dir / row["source_file"]).is_file()

    def _still_settled(self, row: dict) -> bool:
        """Whether an earlier pull's outcome stands: a file still in RAW_DIR, a dead link checked lately."""
        if row.get("status") == "downloaded":
            if self._present(row):
                self.summary.counts["already"] += 1
                return True
            return False  # deleted from RAW_DIR since: downloaded again
        if row.get("status") == "dead":
            checked = row.get("checked_at") or row["first_seen_at"]  # last_seen_at is now
            age = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.datetime.fromisoformat(checked)
            if age < dt.timedelta(days=DEAD_RECHECK_DAYS):
                self.summary.count("dead", row.get("cause") or "dead")
                return True
        return False

    def _settle(self, row: dict, status: str, reason: str | None, cause: str | None, **more) -> None:
        row.update(status=status, status_reason=reason, cause=cause, **more)
        self.summary.count(status, cause)

    def download(self, row: dict, folder: str, link: dict) -> None:
        relative = self._target(folder, link)
        target = self.raw_dir / relative
        if target.is_file() and _starts_like_pdf(target):
            # left by a crawl stopped before it recorded the file: adopt it rather than fetch it again
            row.update(
                status="downloaded",
                status_reason=None,
                cause=None,
                source_file=relative,
                source_sha256=_sha256(target),
            )
            self._remember(row)
            self.summary.counts["already"] += 1
            return
        part = state_dir(self.raw_dir) / PARTS_FOLDER / f"{_safe_name(link['file_id'], 100)}.part"
        try:
            outcome = download_pdf(self.client, link["url"], part)
        except DiskError as failure:
            raise write_failure(part, failure.error) from None
        except OSError as error:
            raise write_failure(part, error) from None
        row["checked_at"] = _now()
        row["final_url"] = outcome.final_url
        if outcome.status == "complete":
            if row.get("status") == "downloaded":  # the user deleted it from RAW_DIR
                self.summary.counts["downloaded_again"] += 1
                self.summary.missing_again.append(row.get("source_file") or row["url"])
            relative = self._move_into_place(part, relative, folder, link)
            row.update(
                status="downloaded",
                status_reason=None,
                cause=None,
                source_file=relative,
                source_sha256=_sha256(self.raw_dir / relative),
            )
            self._remember(row)
            self.summary.counts["downloaded"] += 1
            return
        self._settle(row, outcome.status, outcome.reason, outcome.cause, source_file=None, source_sha256=None)
        self.summary.failures.append((link["url"], f"{outcome.status}: {outcome.reason}"))

    def _move_into_place(self, part: Path, relative: str, folder: str, link: dict) -> str:
        """Move the whole PDF to its name; a name the file system will not take falls back to the file
        id (the crawl goes on), and a RAW_DIR that cannot be written stops the pull with a message."""
        fallback = f"{REPORTS_FOLDER}/{_safe_name(link['file_id'], 100)}.pdf"
        for candidate in (relative, fallback):
            target = self.raw_dir / candidate
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(part, target)
                return candidate
            except OSError as error:
                if error.errno not in NAME_ERRORS or candidate == fallback:
                    raise write_failure(target, error) from None
                self.warn(
                    f"the file system refused the name {candidate!r} ({error.strerror}); saved as {fallback}"
                )
        raise AssertionError("unreachable: the loop returns or raises")

    def _target(self, folder: str, link: dict) -> str:
        """`ofsted/<folder>/<kind> - <dd month yyyy>.pdf`; a name taken by another file, or cut short to
        fit, gets this file's id added, so two files never share a name."""
        when = dt.date.fromisoformat(link["date"]).strftime("%d %B %Y").lower() if link["date"] else "undated"
        whole = _safe_name(f"{_plain(link['kind']).lower()} - {when}", 10_000)
        stem = _safe_name(whole, MAX_NAME_BYTES)
        relative = f"{REPORTS_FOLDER}/{folder}/{stem}.pdf"
        if stem != whole or self.file_of_name.get(relative, link["file_id"]) != link["file_id"]:
            relative = f"{REPORTS_FOLDER}/{folder}/{stem} ({_safe_name(link['file_id'], 40)}).pdf"
        return relative


def _text_of(response, body: bytes) -> str:
    """The page as text: its declared charset, else UTF-8 (requests would guess Latin-1 for HTML)."""
    declared = "charset=" in (response.headers.get("Content-Type") or "").lower()
    try:
        return body.decode(response.encoding if declared else "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def int_or_text(urn: str) -> tuple[int, str]:
    return (int(urn), "") if urn.isdigit() else (0, urn)


def _safe_name(text: str, max_bytes: int) -> str:
    """A file or folder name as Ofsted writes it (spaces, commas, apostrophes and ampersands kept), without
    path separators, control characters or a leading dot, at most `max_bytes` bytes of UTF-8 (cut at a
    whole character)."""
    cleaned = "".join(" " if c in "/\\" or not c.isprintable() else c for c in text)
    cleaned = re.sub(r"\s+", " ", cleaned).strip().lstrip(".")
    cut = cleaned.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")
    return cut.strip().rstrip(".") or "unnamed"


def _starts_like_pdf(path: Path) -> bool:
    with open(path, "rb") as handle:
        return PDF_MAGIC in handle.read(1024)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
