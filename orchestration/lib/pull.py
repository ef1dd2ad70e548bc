"""Download the reports a manifest lists into RAW_DIR.

Analysts collect reports from Ofsted's website as links to PDFs. The manifest is a CSV with a `url`
column and, optionally, `local_authority` and `publication_date` (YYYY-MM-DD); both go into the file
name (`2023-05-02_surrey_50212345.pdf`), so a folder listing reads like the report list.

What a pull promises:
- a URL downloaded before, or whose file is already in RAW_DIR, is not requested again;
- each request has a timeout; a server error (5xx, 408, 429), a timeout or a dropped connection is
  retried with exponential backoff, and an interrupted download resumes where it stopped (HTTP Range)
  from a hidden `.<name>.part` file, which the warehouse never reads;
- a response that is not a PDF (an HTML page, even one served as `application/pdf`) or is larger than
  the size limit is rejected, and a 4xx answer is not retried;
- every outcome, failures included, is recorded in `RAW_DIR/.pull/downloads.json`, one entry per URL,
  and no failure stops the others. Only complete, checked files are renamed into place.
"""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import hashlib
import http.client
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

STATE_DIR = ".pull"
STATE_FILE = "downloads.json"
USER_AGENT = "ofsted-warehouse-pull/0.1 (Python urllib)"
PDF_MAGIC = b"%PDF-"
MAGIC_WINDOW = 1024  # the PDF header may follow a little junk; readers accept it within the first KB
CHUNK_BYTES = 64 * 1024
# Content types a server may use for a PDF; anything else (text/html above all) is not a report.
PDF_CONTENT_TYPES = {
    "application/pdf", "application/x-pdf", "application/octet-stream", "binary/octet-stream",
    "application/download", "application/force-download",
}
RETRIED_STATUSES = {408, 425, 429}  # and every 5xx


@dataclass(frozen=True)
class PullOptions:
    timeout_seconds: float = 30.0  # to connect, and for each read
    attempts: int = 4
    backoff_seconds: float = 2.0  # doubled after each failed attempt
    max_backoff_seconds: float = 60.0
    max_bytes: int = 100 * 1024 * 1024
    deadline_seconds: float = 900.0  # one file, all attempts together: a trickling server cannot hold a pull


@dataclass(frozen=True)
class ManifestEntry:
    url: str
    local_authority: str | None = None
    publication_date: str | None = None


@dataclass
class Outcome:
    url: str
    source_file: str | None
    status: str  # downloaded | present | failed
    reason: str | None = None
    local_authority: str | None = None
    publication_date: str | None = None
    http_status: int | None = None
    size_bytes: int | None = None
    source_sha256: str | None = None
    attempts: int = 0
    updated_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))


@dataclass
class PullSummary:
    outcomes: list[Outcome]

    def count(self, status: str) -> int:
        return sum(outcome.status == status for outcome in self.outcomes)


class _Retry(Exception):
    """Worth another attempt; the partial file is kept for resuming."""

    def __init__(self, reason: str, http_status: int | None = None, wait: float | None = None):
        super().__init__(reason)
        self.http_status = http_status
        self.wait = wait


class _GiveUp(Exception):
    """Another attempt would get the same answer."""

    def __init__(self, reason: str, http_status: int | None = None, *, keep_part: bool = False):
        super().__init__(reason)
        self.http_status = http_status
        self.keep_part = keep_part


# --- manifest ---------------------------------------------------------------------------------------


def _header_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", (name or "").strip().lower())


def read_manifest(path: Path) -> tuple[list[ManifestEntry], list[Outcome]]:
    """Entries to pull, and an outcome for each row that cannot be pulled as written."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if "url" not in {_header_key(name) for name in reader.fieldnames or []}:
            raise ValueError(f"{path}: the manifest needs a 'url' column (optional: local_authority, publication_date)")
        entries, problems = [], []
        for row in reader:
            values = {_header_key(k): (v or "").strip() for k, v in row.items() if k is not None}
            entry = ManifestEntry(
                values.get("url", ""), values.get("local_authority") or None, values.get("publication_date") or None
            )
            if not entry.url:
                continue
            problem = _manifest_problem(entry)
            if problem:
                problems.append(Outcome(entry.url, None, "failed", problem, entry.local_authority, entry.publication_date))
            else:
                entries.append(entry)
    return entries, problems


def _manifest_problem(entry: ManifestEntry) -> str | None:
    if urllib.parse.urlsplit(entry.url).scheme not in ("http", "https"):
        return "not an http(s) URL: check the manifest"
    if entry.publication_date:
        try:
            dt.date.fromisoformat(entry.publication_date)
        except ValueError:
            return f"publication_date '{entry.publication_date}' is not a date written YYYY-MM-DD: fix the manifest"
    return None


def _slug(text: str | None, limit: int = 60) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text or "").strip("-.")[:limit].strip("-.")


def target_name(entry: ManifestEntry) -> str:
    """[publication_date_][authority_]<last part of the URL>.pdf, in safe characters."""
    last = urllib.parse.unquote(PurePosixPath(urllib.parse.urlsplit(entry.url).path).name)
    last = re.sub(r"\.pdf$", "", last, flags=re.IGNORECASE)
    stem = _slug(last) or hashlib.sha1(entry.url.encode()).hexdigest()[:12]
    parts = [entry.publication_date, _slug(entry.local_authority).lower(), stem]
    return "_".join(part for part in parts if part) + ".pdf"


# --- state --------------------------------------------------------------------------------------------


def state_path(raw_dir: Path) -> Path:
    return raw_dir / STATE_DIR / STATE_FILE


def load_state(raw_dir: Path) -> dict[str, dict]:
    """url -> its latest outcome, as recorded by earlier pulls."""
    path = state_path(raw_dir)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _save_state(raw_dir: Path, state: dict[str, dict]) -> None:
    path = state_path(raw_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(scratch, path)


# --- pulling ------------------------------------------------------------------------------------------


def pull(
    manifest: Path,
    raw_dir: Path,
    options: PullOptions = PullOptions(),
    *,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[str], None] = lambda message: None,
) -> PullSummary:
    raw_dir.mkdir(parents=True, exist_ok=True)
    entries, outcomes = read_manifest(manifest)
    state = load_state(raw_dir)
    for outcome in outcomes:
        state[outcome.url] = asdict(outcome)
    claimed = {record.get("source_file"): url for url, record in state.items() if record.get("source_file")}
    for number, entry in enumerate(entries, start=1):
        outcome = _pull_one(entry, raw_dir, state, claimed, options, sleep)
        state[entry.url] = asdict(outcome)
        claimed[outcome.source_file] = entry.url
        outcomes.append(outcome)
        if outcome.attempts:
            _save_state(raw_dir, state)
            progress(f"pull: {number}/{len(entries)} {outcome.source_file}: {outcome.status}"
                     + (f" ({outcome.reason})" if outcome.status == "failed" else ""))
    _save_state(raw_dir, state)
    return PullSummary(outcomes)


def _name_for(entry: ManifestEntry, claimed: dict[str | None, str]) -> str:
    name = target_name(entry)
    owner = claimed.get(name)
    if owner is None or owner == entry.url:
        return name
    # another URL already owns this name: keep both, told apart by the URL's hash
    return name.removesuffix(".pdf") + "-" + hashlib.sha1(entry.url.encode()).hexdigest()[:8] + ".pdf"


def _pull_one(
    entry: ManifestEntry,
    raw_dir: Path,
    state: dict[str, dict],
    claimed: dict[str | None, str],
    options: PullOptions,
    sleep: Callable[[float], None],
) -> Outcome:
    earlier = state.get(entry.url, {})
    if earlier.get("status") in ("downloaded", "present") and earlier.get("source_file"):
        name = earlier["source_file"]
        where = "in RAW_DIR" if (raw_dir / name).exists() else "since removed from RAW_DIR"
        return _outcome(entry, name, "present", f"downloaded before ({where}); not requested again", earlier)
    name = _name_for(entry, claimed)
    if (raw_dir / name).exists():
        return _outcome(entry, name, "present", "a file of this name is already in RAW_DIR; not requested", earlier)
    return _download(entry, raw_dir, name, options, sleep)


def _outcome(entry: ManifestEntry, name: str, status: str, reason: str, earlier: dict) -> Outcome:
    return Outcome(
        entry.url, name, status, reason, entry.local_authority, entry.publication_date,
        earlier.get("http_status"), earlier.get("size_bytes"), earlier.get("source_sha256"), 0,
    )


def _download(
    entry: ManifestEntry, raw_dir: Path, name: str, options: PullOptions, sleep: Callable[[float], None]
) -> Outcome:
    part = raw_dir / f".{name}.part"
    deadline = time.monotonic() + options.deadline_seconds
    delay = options.backoff_seconds
    failure = Outcome(entry.url, name, "failed", None, entry.local_authority, entry.publication_date)
    for attempt in range(1, options.attempts + 1):
        failure.attempts = attempt
        try:
            status = _fetch(entry.url, part, options, deadline)
            return _finish(entry, part, raw_dir / name, status, attempt)
        except _GiveUp as problem:
            if not problem.keep_part:
                part.unlink(missing_ok=True)
            failure.reason, failure.http_status = str(problem), problem.http_status
            return failure
        except _Retry as problem:
            failure.reason, failure.http_status = str(problem), problem.http_status
            wait = min(max(delay, problem.wait or 0), options.max_backoff_seconds)
            if attempt == options.attempts or time.monotonic() + wait > deadline:
                break
            sleep(wait)
            delay = min(delay * 2, options.max_backoff_seconds)
    failure.reason = f"gave up after {failure.attempts} attempt(s): {failure.reason}"
    if part.exists():
        failure.reason += f"; {part.stat().st_size} bytes kept, the next pull resumes from there"
    return failure


def _finish(entry: ManifestEntry, part: Path, target: Path, http_status: int, attempts: int) -> Outcome:
    with open(part, "rb") as handle:
        head = handle.read(MAGIC_WINDOW)
    if PDF_MAGIC not in head:
        part.unlink(missing_ok=True)
        return Outcome(entry.url, target.name, "failed", _not_a_pdf(head), entry.local_authority,
                       entry.publication_date, http_status, attempts=attempts)
    os.replace(part, target)
    return Outcome(
        entry.url, target.name, "downloaded", None, entry.local_authority, entry.publication_date, http_status,
        target.stat().st_size, _sha256_of(target), attempts,
    )


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _not_a_pdf(head: bytes) -> str:
    lowered = head.lower()
    kind = "an HTML page" if b"<html" in lowered or b"<!doctype" in lowered else "not a PDF"
    return f"the server sent {kind} (no %PDF- header): check the link, it may need a login or have moved"


def _fetch(url: str, part: Path, options: PullOptions, deadline: float) -> int:
    """Bring `part` up to the whole file, resuming from its current size. Returns the HTTP status."""
    offset = part.stat().st_size if part.exists() else 0
    response = _open(url, offset, options)
    with response:
        offset = _resume_offset(response, part, offset)
        _check_headers(response, offset, options)
        expected = _expected_size(response, offset)
        _stream(response, part, offset, options, deadline)
    size = part.stat().st_size
    if expected is not None and size < expected:
        raise _Retry(f"the connection closed after {size} of {expected} bytes")
    return response.status


def _open(url: str, offset: int, options: PullOptions):
    headers = {"User-Agent": USER_AGENT, "Accept": "application/pdf"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        return urllib.request.urlopen(request, timeout=options.timeout_seconds)
    except urllib.error.HTTPError as error:
        error.close()
        reason = f"HTTP {error.code} {error.reason}"
        if error.code in RETRIED_STATUSES or error.code >= 500:
            raise _Retry(reason, error.code, _retry_after(error.headers)) from None
        raise _GiveUp(reason, error.code) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        raise _Retry(_network_reason(error)) from None


def _retry_after(headers) -> float | None:
    value = (headers or {}).get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(when.tzinfo)).total_seconds())


def _network_reason(error: BaseException) -> str:
    cause = getattr(error, "reason", None) or error
    if isinstance(cause, TimeoutError) or "timed out" in str(cause):
        return "the server did not answer in time"
    return f"network error: {cause}"


def _resume_offset(response, part: Path, offset: int) -> int:
    """Where the body starts in the file: at `offset` when the server honoured the Range, else at 0."""
    if not offset:
        return 0
    if response.status != 206:
        part.unlink(missing_ok=True)  # the server sent the whole file again
        return 0
    match = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
    if not match or int(match.group(1)) != offset:
        part.unlink(missing_ok=True)
        raise _Retry("the server resumed at another place than asked; starting again")
    return offset


def _check_headers(response, offset: int, options: PullOptions) -> None:
    content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type and content_type not in PDF_CONTENT_TYPES:
        raise _GiveUp(f"the server sent {content_type}, not a PDF: check the link", response.status)
    expected = _expected_size(response, offset)
    if expected is not None and expected > options.max_bytes:
        raise _GiveUp(_too_large(expected, options), response.status)


def _expected_size(response, offset: int) -> int | None:
    length = response.headers.get("Content-Length")
    return offset + int(length) if length and length.isdigit() else None


def _too_large(size: int, options: PullOptions) -> str:
    return f"{size / 1048576:.1f} MB is over the {options.max_bytes / 1048576:g} MB limit (MAX_FILE_MB)"


def _stream(response, part: Path, offset: int, options: PullOptions, deadline: float) -> None:
    written = offset
    with open(part, "ab" if offset else "wb") as out:
        while True:
            try:
                chunk = response.read(CHUNK_BYTES)
            except (http.client.HTTPException, OSError) as error:
                raise _Retry(_network_reason(error)) from None
            if not chunk:
                return
            if written == 0 and PDF_MAGIC not in chunk[:MAGIC_WINDOW]:
                raise _GiveUp(_not_a_pdf(chunk[:MAGIC_WINDOW]), response.status)
            written += len(chunk)
            if written > options.max_bytes:
                raise _GiveUp(_too_large(written, options), response.status)
            out.write(chunk)
            if time.monotonic() > deadline:
                raise _GiveUp(
                    f"still downloading after {options.deadline_seconds:g} s; {written} bytes kept, the next pull "
                    "resumes from there", response.status, keep_part=True,
                )
