"""Polite HTTP for the pull from Ofsted's reports site, and the download of one report file.

What every request promises:
- one at a time, and at least `delay_seconds` after the previous one finished, so the site never sees
  more than one request per delay from the warehouse;
- an honest User-Agent that names the warehouse, its version and, when PULL_CONTACT is set, whom to ask;
- a 429, a 5xx, a timeout or a dropped connection is tried again a bounded number of times, after the
  wait the server asked for (`Retry-After`, in seconds or as a date) or an exponential back-off.

What a download promises:
- bytes go to a partial file outside the scanned part of RAW_DIR; an interrupted download resumes from
  there with an HTTP Range request, and only a complete file that starts with `%PDF-` and ends with
  `%%EOF` is handed back to be moved into place;
- an answer that is not a PDF (Ofsted answers a dead link with an HTML "Report not found" page and status
  200) is a dead link, and its bytes are thrown away;
- a file over the size limit (MAX_FILE_MB) is refused, not stored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import importlib.metadata
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
import urllib3

PROJECT = "ofsted-warehouse"
PDF_MAGIC = b"%PDF-"
PDF_END = b"%%EOF"
MAGIC_WINDOW = 1024  # readers accept a PDF header a little way into the file
TAIL_WINDOW = 4096  # %%EOF may be followed by a few line ends
CHUNK_BYTES = 64 * 1024
RETRIED_STATUSES = {408, 425, 429, 500, 502, 503, 504}
DEAD_STATUSES = {404, 410}


@dataclass(frozen=True)
class PullOptions:
    delay_seconds: float = 1.0  # at least this long between the end of one request and the next
    timeout_seconds: float = 30.0  # to connect, and for each read
    attempts: int = 4  # per request, and per download that keeps being cut off
    backoff_seconds: float = 2.0  # doubled after each failed attempt
    max_wait_seconds: float = 300.0  # a server asking to wait longer than this gives up that request
    max_bytes: int = 100 * 1024 * 1024
    contact: str | None = None  # appended to the User-Agent so the site's operators can reach someone


def user_agent(contact: str | None = None) -> str:
    """`ofsted-warehouse/<version> (+ofsted-warehouse ...; contact: ...)`, in printable ASCII."""
    try:
        version = importlib.metadata.version(PROJECT)
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    about = f"+{PROJECT}: a data warehouse of Ofsted's children's services inspection reports"
    if contact:
        about += f"; contact: {contact}"
    about = "".join(c if " " <= c <= "~" else "?" for c in about)
    return f"{PROJECT}/{version} ({about})"


class FetchError(Exception):
    """A request that did not get a usable answer after every attempt."""

    def __init__(self, reason: str, http_status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.http_status = http_status


class Throttle:
    """Keeps `delay` seconds between the end of one request and the start of the next."""

    def __init__(
        self,
        delay: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.delay = delay
        self._clock = clock
        self._sleep = sleep
        self._last_end: float | None = None

    def wait(self) -> None:
        if self._last_end is None:
            return
        remaining = self._last_end + self.delay - self._clock()
        if remaining > 0:
            self._sleep(remaining)

    def done(self) -> None:
        self._last_end = self._clock()


class PoliteClient:
    """A requests Session that waits its turn, says who it is and retries what is worth retrying."""

    def __init__(
        self,
        options: PullOptions = PullOptions(),
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.options = options
        self.requests_sent = 0
        self._sleep = sleep
        self._throttle = Throttle(options.delay_seconds, clock, sleep)
        self._session = requests.Session()
        self._session.headers["User-Agent"] = user_agent(options.contact)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def get(
        self, url: str, headers: dict[str, str] | None = None, *, stream: bool = False
    ) -> Iterator[requests.Response]:
        """The answer to a GET of `url`: any status but the retried ones, which raise FetchError once the
        attempts are spent. The next request waits until this one's body has been read and closed."""
        response = self._send(url, headers or {}, stream)
        try:
            yield response
        finally:
            response.close()
            self._throttle.done()

    def _send(self, url: str, headers: dict[str, str], stream: bool) -> requests.Response:
        backoff = self.options.backoff_seconds
        for attempt in range(1, self.options.attempts + 1):
            self._throttle.wait()
            self.requests_sent += 1
            try:
                response = self._session.get(
                    url, headers=headers, stream=stream, timeout=self.options.timeout_seconds
                )
            except requests.RequestException as error:
                self._throttle.done()
                reason, status, asked = _network_reason(error), None, None
            else:
                if response.status_code not in RETRIED_STATUSES:
                    return response
                response.close()
                self._throttle.done()
                reason = f"HTTP {response.status_code} {response.reason}"
                status, asked = response.status_code, retry_after(response.headers.get("Retry-After"))
            if attempt == self.options.attempts:
                raise FetchError(f"{reason}, after {attempt} attempts", status)
            if asked is not None and asked > self.options.max_wait_seconds:
                raise FetchError(
                    f"{reason}; the server asked to wait {asked:g} s, longer than we wait", status
                )
            self._sleep(asked if asked is not None else backoff)
            backoff = min(backoff * 2, self.options.max_wait_seconds)
        raise AssertionError("unreachable: the loop returns or raises")


def retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def _network_reason(error: BaseException) -> str:
    if isinstance(error, requests.Timeout):
        return "the server did not answer in time"
    if isinstance(error, requests.ConnectionError):
        return "could not connect to the server"
    return f"network error: {type(error).__name__}"


# --- one file -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileOutcome:
    status: str  # complete (the part file holds the whole PDF) | dead | failed
    reason: str | None = None
    http_status: int | None = None


class _CutOff(Exception):
    """The answer stopped early; the bytes so far are kept and the next attempt resumes after them."""


def download_pdf(client: PoliteClient, url: str, part: Path) -> FileOutcome:
    """Bring `part` up to the whole PDF at `url`, resuming what an earlier attempt or pull left there."""
    part.parent.mkdir(parents=True, exist_ok=True)
    reason = "no attempt made"
    for _attempt in range(client.options.attempts):
        try:
            return _attempt_download(client, url, part)
        except _CutOff as cut:
            reason = str(cut)
    return FileOutcome(
        "failed",
        f"{reason}; {part.stat().st_size if part.exists() else 0} bytes kept, the next "
        "pull resumes from there",
    )


def _attempt_download(client: PoliteClient, url: str, part: Path) -> FileOutcome:
    offset = part.stat().st_size if part.exists() else 0
    # identity: a compressed answer could not be resumed by byte offset
    headers = {"Accept": "application/pdf", "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        with client.get(url, headers, stream=True) as response:
            if response.status_code in DEAD_STATUSES:
                part.unlink(missing_ok=True)
                return FileOutcome(
                    "dead", f"the file address answered HTTP {response.status_code}", response.status_code
                )
            if response.status_code == 416 or (offset and response.status_code == 200):
                offset = 0  # the server will not resume (or the part was already whole): start again
                part.unlink(missing_ok=True)
                if response.status_code == 416:
                    raise _CutOff("the server refused to resume; starting again")
            if response.status_code >= 400:
                part.unlink(missing_ok=True)
                return FileOutcome(
                    "failed", f"HTTP {response.status_code} {response.reason}", response.status_code
                )
            if response.status_code == 206 and not _resumes_at(response, offset):
                part.unlink(missing_ok=True)
                raise _CutOff("the server resumed at another place than asked; starting again")
            outcome = _receive(client, response, part, offset)
    except FetchError as error:
        return FileOutcome("failed", error.reason, error.http_status)
    return outcome or _check_whole(part)


def _resumes_at(response: requests.Response, offset: int) -> bool:
    match = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
    return bool(match) and int(match.group(1)) == offset


def _receive(
    client: PoliteClient, response: requests.Response, part: Path, offset: int
) -> FileOutcome | None:
    """Append the body to `part`. An outcome when the answer is refused, None when the bytes are in."""
    content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    # a server that compresses anyway: its byte offsets are not the file's, so a cut is started again
    encoded = (response.headers.get("Content-Encoding") or "identity").lower() != "identity"
    length = response.headers.get("Content-Length")
    expected = offset + int(length) if length and length.isdigit() and not encoded else None
    limit = client.options.max_bytes
    if expected is not None and expected > limit:
        part.unlink(missing_ok=True)
        return FileOutcome("failed", _too_large(expected, limit), response.status_code)
    written = offset
    with open(part, "ab" if offset else "wb") as out:
        try:
            # read1: whatever has arrived, so the bytes before a dropped connection are kept for resuming
            while chunk := response.raw.read1(CHUNK_BYTES, decode_content=True):
                if written == 0 and (PDF_MAGIC not in chunk[:MAGIC_WINDOW] or content_type == "text/html"):
                    out.close()
                    part.unlink(missing_ok=True)
                    return FileOutcome("dead", _not_a_pdf(chunk, content_type), response.status_code)
                written += len(chunk)
                if written > limit:
                    out.close()
                    part.unlink(missing_ok=True)
                    return FileOutcome("failed", _too_large(written, limit), response.status_code)
                out.write(chunk)
        except (urllib3.exceptions.HTTPError, requests.RequestException, OSError):
            if encoded:
                out.close()
                part.unlink(missing_ok=True)
            raise _CutOff(f"the connection closed after {written} bytes") from None
    if written == 0:
        part.unlink(missing_ok=True)
        return FileOutcome("dead", "the server sent an empty answer, not a PDF", response.status_code)
    if expected is not None and written < expected:
        raise _CutOff(f"the connection closed after {written} of {expected} bytes")
    return None


def _check_whole(part: Path) -> FileOutcome:
    size = part.stat().st_size
    with open(part, "rb") as handle:
        head = handle.read(MAGIC_WINDOW)
        handle.seek(max(0, size - TAIL_WINDOW))
        tail = handle.read()
    if PDF_MAGIC not in head:
        part.unlink(missing_ok=True)
        return FileOutcome("dead", _not_a_pdf(head, ""))
    if PDF_END not in tail:
        raise _CutOff(f"the file stopped after {size} bytes, before the end of the PDF (no %%EOF)")
    return FileOutcome("complete")


def _not_a_pdf(head: bytes, content_type: str) -> str:
    lowered = head[:MAGIC_WINDOW].lower()
    if content_type == "text/html" or b"<html" in lowered or b"<!doctype" in lowered:
        title = re.search(rb"<title[^>]*>(.*?)</title>", head, re.IGNORECASE | re.DOTALL)
        named = f" ('{title.group(1).decode('utf-8', 'replace').strip()[:80]}')" if title else ""
        return f"the link answered with an HTML page{named}, not a PDF"
    return "the link answered with something that is not a PDF (no %PDF- header)"


def _too_large(size: int, limit: int) -> str:
    return f"{size / 1048576:.1f} MB is over the {limit / 1048576:g} MB limit (MAX_FILE_MB)"
