"""Find every report of every English council's children's services on Ofsted's reports site, and
download the new ones into RAW_DIR.

Where the reports are:
- the search of local authority children's services lists the current authorities, 100 to a page, each a
  link to `/provider/44/<URN>`; the crawl follows `a.pagination__next` until there is none or a page lists
  no provider. Abolished authorities are not listed, so every URN of the reference list is visited too;
- a provider page lists each publication as an `a.publication-link` to the file, whose `span.nonvisual`
  reads `<Kind>, pdf - DD Month YYYY` (the publication date).

What it keeps, under RAW_DIR/.pull/ (which the scan does not read):
- `catalogue.json`: one row per publication link ever seen, with what became of it (the rows of
  `audit.source_catalogue`, read back by `catalogue_rows`);
- `pages.json`: each page's ETag and Last-Modified, and what was read from it, so the next crawl asks with
  If-None-Match / If-Modified-Since and a 304 costs no parsing;
- `parts/`: downloads in progress, resumed by the next attempt or the next crawl.

A file id downloaded once is never requested again, and a dead link is not retried. Reports land in
`RAW_DIR/ofsted/<URN>_<authority>/<kind> - <dd month yyyy>.pdf`, lower case, as Ofsted names them and as
the public archives of its downloads keep them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import re
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup

from orchestration.lib.ingest.files import PULL_STATE_DIR
from orchestration.lib.ingest.http import PDF_MAGIC, FetchError, PoliteClient, PullOptions, download_pdf

DEFAULT_SITE = "https://reports.ofsted.gov.uk"
LISTING_PATH = "/search?q=&level_1_types=3&level_2_types%5B%5D=12&start=0&rows=100"
PROVIDER_PATH = "/provider/44/{urn}"
REPORTS_FOLDER = "ofsted"
CATALOGUE_FILE = "catalogue.json"
PAGES_FILE = "pages.json"
PARTS_FOLDER = "parts"
MAX_LISTING_PAGES = 200  # 100 authorities a page: far more pages than England has councils

# What to do with each kind of publication, by its link text: the first pattern that matches decides.
# (pattern, the warehouse's name for the kind, None to download or the reason it is skipped)
KIND_RULES: tuple[tuple[re.Pattern[str], str, str | None], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), name, skip)
    for pattern, name, skip in (
        (
            r"\bsend\b|special educational needs",
            "area_send",
            "area SEND inspection: not read by the warehouse",
        ),
        (r"\bjoint\b|\bjtai\b", "joint_area", "joint area inspection: not read by the warehouse"),
        (r"focused visit|assurance visit", "focused_visit", None),
        (r"monitoring visit", "monitoring_visit", None),
        (r"\blscb\b|safeguarding children board", "lscb_review", None),
        (r"safeguarding and looked after children", "safeguarding_and_looked_after_children", None),
        (r"looked after children|looked-after children", "looked_after_children_inspection", None),
        (r"child protection|protection of children", "child_protection_inspection", None),
        (r"single inspection", "sif_inspection", None),
        (r"children's services|children's social care", "childrens_services_inspection", None),
    )
)
UNKNOWN_KIND_REASON = "a kind of publication the warehouse does not read"

_PROVIDER_HREF = re.compile(r"/provider/44/(\d+)/?$")
_FILE_ID = re.compile(r"/file/([A-Za-z0-9_-]+)/?$")
_NONVISUAL = re.compile(
    r"^(?P<kind>.*?)[\s,]*\bpdf\s*-\s*(?P<date>\d{1,2} [A-Za-z]+ \d{4})\s*$", re.IGNORECASE
)


def classify(kind: str) -> tuple[str, str | None]:
    """The warehouse's name for a link's kind, and why it is skipped (None: it is downloaded)."""
    text = _plain(kind)
    for pattern, name, skip in KIND_RULES:
        if pattern.search(text):
            return name, skip
    return "unknown", UNKNOWN_KIND_REASON


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


# --- state ----------------------------------------------------------------------------------------------


def state_dir(raw_dir: Path) -> Path:
    return raw_dir / PULL_STATE_DIR


def _load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _save_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(path.name + ".tmp")
    scratch.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(scratch, path)


def catalogue_rows(raw_dir: Path) -> list[dict]:
    """The rows of `audit.source_catalogue` as the crawls left them in RAW_DIR/.pull, typed for DuckDB."""
    rows = []
    for row in _load_json(state_dir(raw_dir) / CATALOGUE_FILE).values():
        rows.append(
            {
                **row,
                "publication_date": dt.date.fromisoformat(row["publication_date"])
                if row.get("publication_date")
                else None,
                "first_seen_at": _timestamp(row.get("first_seen_at")),
                "last_seen_at": _timestamp(row.get("last_seen_at")),
            }
        )
    return sorted(rows, key=lambda r: (r.get("ofsted_urn") or "", r.get("url") or ""))


def _timestamp(value: str | None) -> dt.datetime | None:
    # naive UTC, as the warehouse stores timestamps
    return dt.datetime.fromisoformat(value).replace(tzinfo=None) if value else None


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


# --- the crawl ------------------------------------------------------------------------------------------


class SiteUnreachable(Exception):
    """The listing of authorities could not be fetched at all: nothing was crawled."""


@dataclass
class CrawlSummary:
    counts: Counter[str] = field(default_factory=Counter)  # downloaded, already, dead, skipped, failed, ...
    warnings: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    requests_sent: int = 0

    def line(self) -> str:
        c = self.counts
        return (
            f"{c['providers']} authorities' pages ({c['providers_not_found']} not found), "
            f"{c['links']} publication "
            f"links: {c['downloaded']} downloaded, {c['already']} already downloaded, {c['dead']} dead, "
            f"{c['skipped']} skipped, {c['failed']} failed; {self.requests_sent} requests, "
            f"{c['not_modified']} pages unchanged"
        )


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
    """Crawl the site at `site_url` and download every new report it lists into `raw_dir`."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    with PoliteClient(options, clock=clock, sleep=sleep) as client:
        run = _Crawl(raw_dir, site_url.rstrip("/"), read_reference(reference), client, progress)
        try:
            run.all()
        finally:
            run.save()
            run.summary.requests_sent = client.requests_sent
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
        self.pages: dict[str, dict] = _load_json(state_dir(raw_dir) / PAGES_FILE)
        self.catalogue: dict[str, dict] = _load_json(state_dir(raw_dir) / CATALOGUE_FILE)
        # file id -> its downloaded row, and each saved file's id: a file is fetched and named once
        self.downloaded: dict[str, dict] = {}
        self.file_of_name: dict[str, str] = {}
        for row in self.catalogue.values():
            if row.get("status") == "downloaded" and row.get("source_file"):
                self._remember(row)

    def _remember(self, row: dict) -> None:
        self.downloaded.setdefault(row["file_id"], row)
        self.file_of_name.setdefault(row["source_file"], row["file_id"])

    def save(self) -> None:
        _save_json(state_dir(self.raw_dir) / PAGES_FILE, self.pages)
        _save_json(state_dir(self.raw_dir) / CATALOGUE_FILE, self.catalogue)

    def warn(self, message: str) -> None:
        self.summary.warnings.append(message)
        self.progress(f"WARNING: {message}")

    def all(self) -> None:
        listed = self.listing()
        extra = sorted((urn for urn in self.reference if urn not in listed), key=int_or_text)
        self.progress(f"pull: {len(listed)} authorities listed, {len(extra)} more from the reference list")
        providers = [(urn, name) for urn, name in listed.items()] + [(urn, None) for urn in extra]
        for number, (urn, name) in enumerate(providers, start=1):
            self.provider(urn, name, number, len(providers))
            self.save()  # a crawl stopped part-way keeps what it learnt

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

    def provider(self, urn: str, listed_name: str | None, number: int, total: int) -> None:
        url = self.site + PROVIDER_PATH.format(urn=urn)
        self.summary.counts["providers"] += 1
        before = self.pages.get(url, {}).get("parsed")
        try:
            page = self.page(url, parse_provider)
        except FetchError as error:
            self.warn(f"provider page {url} could not be fetched: {error}")
            return
        known = self.reference.get(urn)
        provider_key = f"provider {urn}"
        if page is None:
            self.summary.counts["providers_not_found"] += 1
            self.catalogue[provider_key] = self._row(provider_key, urn, url) | {
                "status": "skipped",
                "status_reason": (
                    "the provider page answered 404 Not Found: no publications listed for this URN"
                ),
            }
            self.progress(f"pull: {number}/{total} {urn}: provider page not found (404)")
            return
        self.catalogue.pop(provider_key, None)
        if before and before.get("links") and not page["links"]:
            self.warn(
                f"provider page {url} listed {len(before['links'])} publications before "
                "and lists none now: the "
                "site's structure may have changed"
            )
        for text in page.get("unreadable", []):
            self.warn(f"provider page {url}: could not read the kind and date of the link '{text}'")
        name = page.get("heading") or listed_name or (known.name if known else None) or ""
        folder = _safe_name(f"{urn}_{name}".lower() if name else urn)
        counts_before = Counter(self.summary.counts)
        for link in page["links"]:
            self.publication(urn, url, folder, link)
        fetched = {k: self.summary.counts[k] - counts_before[k] for k in ("downloaded", "dead", "failed")}
        self.progress(
            f"pull: {number}/{total} {urn} {name or '(no name)'}: {len(page['links'])} publications, "
            f"{fetched['downloaded']} downloaded, {fetched['dead']} dead, {fetched['failed']} failed"
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
        with self.client.get(url, headers) as response:
            if response.status_code == 304 and cached.get("parsed") is not None:
                self.summary.counts["not_modified"] += 1
                return cached["parsed"]
            if response.status_code in (404, 410):
                self.pages.pop(url, None)
                return None
            if response.status_code != 200:
                raise FetchError(f"HTTP {response.status_code} {response.reason}", response.status_code)
            parsed = parse(_text_of(response), url)
            self.pages[url] = {
                "etag": response.headers.get("ETag"),
                "last_modified": response.headers.get("Last-Modified"),
                "parsed": parsed,
            }
            return parsed

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

    def publication(self, urn: str, page_url: str, folder: str, link: dict) -> None:
        self.summary.counts["links"] += 1
        key = f"{urn} {link['url']}"
        row = self._row(key, urn, link["url"]) | {
            "kind": link["kind"],
            "publication_date": link["date"],
            "file_id": link["file_id"],
        }
        self.catalogue[key] = row
        _name, skip = classify(link["kind"])
        if skip:
            row.update(status="skipped", status_reason=skip, source_file=None, source_sha256=None)
            self.summary.counts["skipped"] += 1
            return
        if row.get("status") in ("downloaded", "dead"):
            self.summary.counts["already" if row["status"] == "downloaded" else "dead"] += 1
            return
        earlier = self.downloaded.get(link["file_id"])
        if earlier is not None:
            row.update(
                status="downloaded",
                status_reason=f"the same file is listed at {earlier['url']} and was downloaded from there",
                source_file=earlier["source_file"],
                source_sha256=earlier["source_sha256"],
            )
            self.summary.counts["already"] += 1
            return
        self.download(row, folder, link)

    def download(self, row: dict, folder: str, link: dict) -> None:
        relative = self._target(folder, link)
        target = self.raw_dir / relative
        if target.is_file() and _starts_like_pdf(target):
            # left by a crawl stopped before it recorded the file: adopt it rather than fetch it again
            row.update(
                status="downloaded", status_reason=None, source_file=relative, source_sha256=_sha256(target)
            )
            self._remember(row)
            self.summary.counts["already"] += 1
            return
        part = state_dir(self.raw_dir) / PARTS_FOLDER / f"{_safe_name(link['file_id'])}.part"
        outcome = download_pdf(self.client, link["url"], part)
        if outcome.status == "complete":
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part, target)
            row.update(
                status="downloaded", status_reason=None, source_file=relative, source_sha256=_sha256(target)
            )
            self._remember(row)
            self.summary.counts["downloaded"] += 1
            return
        row.update(status=outcome.status, status_reason=outcome.reason, source_file=None, source_sha256=None)
        self.summary.counts[outcome.status] += 1
        self.summary.failures.append((link["url"], f"{outcome.status}: {outcome.reason}"))

    def _target(self, folder: str, link: dict) -> str:
        """`ofsted/<folder>/<kind> - <dd month yyyy>.pdf`; another file already there keeps its name and
        this one gets its file id added."""
        when = dt.date.fromisoformat(link["date"]).strftime("%d %B %Y").lower() if link["date"] else "undated"
        stem = _safe_name(f"{_plain(link['kind']).lower()} - {when}")
        relative = f"{REPORTS_FOLDER}/{folder}/{stem}.pdf"
        if self.file_of_name.get(relative, link["file_id"]) != link["file_id"]:
            relative = f"{REPORTS_FOLDER}/{folder}/{stem} ({_safe_name(link['file_id'])}).pdf"
        return relative


def _text_of(response) -> str:
    """The page as text: its declared charset, else UTF-8 (requests would guess Latin-1 for HTML)."""
    declared = "charset=" in (response.headers.get("Content-Type") or "").lower()
    return response.content.decode(response.encoding if declared else "utf-8", errors="replace")


def int_or_text(urn: str) -> tuple[int, str]:
    return (int(urn), "") if urn.isdigit() else (0, urn)


def _safe_name(text: str, limit: int = 150) -> str:
    """A file or folder name as Ofsted writes it (spaces, commas, apostrophes and ampersands kept), without
    path separators, control characters or a leading dot."""
    cleaned = "".join(" " if c in "/\\" or not c.isprintable() else c for c in text)
    return re.sub(r"\s+", " ", cleaned).strip().lstrip(".")[:limit].strip() or "unnamed"


def _starts_like_pdf(path: Path) -> bool:
    with open(path, "rb") as handle:
        return PDF_MAGIC in handle.read(1024)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
