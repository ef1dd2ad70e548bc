"""Polite HTTP for the pull from Ofsted's reports site, and the download of one report file.

What every request promises:
- one at a time, and at least `delay_seconds` after the previous one finished, so the site never sees
  more than one request per delay from the warehouse; a redirect is a request like any other and waits
  its turn too;
- an honest User-Agent that names the warehouse, its version and, when PULL_CONTACT is set, whom to ask;
- a deadline: no single request takes longer than `timeout_seconds` (PULL_TIMEOUT_SECONDS) from its
  first byte sent to its last byte read. A server that trickles its answer is cut off when the time is
  up (a timer shuts the connection's socket, whatever the reading code is waiting for), and the request
  is reported as abandoned, not retried in the same pull;
- a page is read up to `page_max_bytes` once decompressed: a compressed page that would inflate beyond
  that is refused after reading no more than the limit (urllib3 >= 2.6 inflates in bounded steps);
- redirects are followed one hop at a time, only to hosts of Ofsted's site (`allowed_hosts`), at most
  `max_redirects` hops and never back to an address already visited; the answer records the final
  address;
- a 429, a 5xx, a timeout or a dropped connection is tried again a bounded number of times, after the
  wait the server asked for (`Retry-After`, in seconds or as a date) or an exponential back-off.

What a download promises:
- bytes go to a partial file outside the scanned part of RAW_DIR; an interrupted download resumes from
  there with an HTTP Range request, and only a complete file that starts with `%PDF-` and ends with
  `%%EOF` is handed back to be moved into place;
- what the answer is, is decided from its bytes, not its Content-Type: a PDF labelled `text/html` is a
  PDF; an HTML page that says the report is not found is a dead link; any other page ("temporarily
  unavailable", a maintenance notice) may be transient, so the link is tried again by the next pull;
- a file over the size limit (MAX_FILE_MB) is refused, not stored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import importlib.metadata
import re
import socket
import threading
import time
import urllib.parse
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
import requests.adapters
import urllib3
import urllib3.connection
from bs4 import BeautifulSoup

PROJECT = "ofsted-warehouse"
PDF_MAGIC = b"%PDF-"
PDF_END = b"%%EOF"
MAGIC_WINDOW = 1024  # readers accept a PDF header a little way into the file
TAIL_WINDOW = 4096  # %%EOF may be followed by a few line ends
CHUNK_BYTES = 64 * 1024
PAGE_MAX_BYTES = 5 * 1024 * 1024  # Ofsted's pages are about 100 KB
RETRIED_STATUSES = {408, 425, 429, 500, 502, 503, 504}
DEAD_STATUSES = {404, 410}
# The hosts of Ofsted's reports site: the pages are on reports., the files on files.; the host of
# OFSTED_REPORTS_URL is always allowed as well.
OFSTED_HOSTS = frozenset({"reports.ofsted.gov.uk", "files.ofsted.gov.uk"})
# An HTML answer whose title or heading says this is a dead link; any other page may be transient.
_NOT_FOUND_WORDS = re.compile(
    r"not found|no longer available|does not exist|has been removed|page you requested|\b404\b|\b410\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PullOptions:
    delay_seconds: float = 1.0  # at least this long between the end of one request and the next
    timeout_seconds: float = 30.0  # to connect, for each read, and for the whole of one request
    attempts: int = 4  # per request, and per download that keeps being cut off
    backoff_seconds: float = 2.0  # doubled after each failed attempt
    max_wait_seconds: float = 300.0  # a server asking to wait longer than this gives up that request
    max_bytes: int = 100 * 1024 * 1024  # a file
    page_max_bytes: int = PAGE_MAX_BYTES  # a page, once decompressed
    max_redirects: int = 5
    contact: str | None = None  # appended to the User-Agent so the site's operators can reach someone
    allowed_hosts: frozenset[str] = OFSTED_HOSTS  # host or host:port; the crawl adds its site's


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
    """A request that did not get a usable answer.

    `outcome` says what to do about it: `failed` (may be transient: the next pull tries again),
    `abandoned` (it ran past the deadline; the next pull tries again) or `refused` (the warehouse will
    not take it: off Ofsted's site, a redirect loop, too large). `cause` is a short reason for counting."""

    def __init__(
        self, reason: str, http_status: int | None = None, *, outcome: str = "failed", cause: str = ""
    ):
        super().__init__(reason)
        self.reason = reason
        self.http_status = http_status
        self.outcome = outcome
        self.cause = cause or reason


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


class Deadline:
    """Cuts a request off when it has run for its time: a timer shuts down the session's sockets, so a
    read blocked on a server that trickles bytes (in its headers or its body) returns at once."""

    def __init__(self) -> None:
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._guard = threading.Lock()
        self._timer: threading.Timer | None = None
        self.expired = False

    def register(self, sock: socket.socket) -> None:
        with self._guard:
            self._sockets.add(sock)

    def start(self, seconds: float) -> None:
        self.stop()
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self) -> None:
        self.expired = True
        with self._guard:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _DeadlineAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter whose connections tell the deadline about their sockets."""

    def __init__(self, deadline: Deadline):
        self._deadline = deadline
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        register = self._deadline.register

        class Connection(urllib3.connection.HTTPConnection):
            def connect(self) -> None:
                super().connect()
                register(self.sock)

        class SecureConnection(urllib3.connection.HTTPSConnection):
            def connect(self) -> None:
                super().connect()
                register(self.sock)

        class Pool(urllib3.HTTPConnectionPool):
            ConnectionCls = Connection

        class SecurePool(urllib3.HTTPSConnectionPool):
            ConnectionCls = SecureConnection

        self.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": SecurePool}


class PoliteClient:
    """A requests Session that waits its turn, says who it is, keeps to a deadline, follows redirects
    only on Ofsted's site and retries what is worth retrying."""

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
        self._deadline = Deadline()
        self._session = requests.Session()
        adapter = _DeadlineAdapter(self._deadline)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers["User-Agent"] = user_agent(options.contact)
        self._session.headers["Accept-Encoding"] = "gzip, deflate"

    def close(self) -> None:
        self._deadline.stop()
        self._session.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def expired(self) -> bool:
        """Whether the request in hand was cut off by the deadline."""
        return self._deadline.expired

    def allowed(self, url: str) -> bool:
        """Whether `url` is on Ofsted's site (or the site being crawled)."""
        parts = urllib.parse.urlsplit(url)
        hosts = {h.lower() for h in self.options.allowed_hosts}
        return parts.scheme in ("http", "https") and (
            parts.netloc.lower() in hosts or (parts.hostname or "").lower() in hosts
        )

    @contextlib.contextmanager
    def get(self, url: str, headers: dict[str, str] | None = None) -> Iterator[requests.Response]:
        """The answer to a GET of `url` (after redirects on Ofsted's site; `response.url` is the final
        address), its body not yet read: any status but the retried ones, which raise FetchError once the
        attempts are spent. The deadline runs until the body has been read and closed, and the next
        request waits until then."""
        response = self._send(url, headers or {})
        try:
            yield response
        finally:
            response.close()
            self._deadline.stop()
            self._throttle.done()

    def read_page(self, response: requests.Response) -> bytes:
        """The body of a page, decompressed, refused past `page_max_bytes`, within the deadline."""
        limit = self.options.page_max_bytes
        body = bytearray()
        try:
            for chunk in response.iter_content(CHUNK_BYTES):
                body += chunk
                if len(body) > limit:
                    raise FetchError(
                        f"the page {response.url} is larger than {limit / 1048576:g} MB once decompressed; "
                        "it was not read",
                        response.status_code,
                        outcome="refused",
                        cause="page too large once decompressed",
                    )
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError):
            pass  # told apart below: the deadline, or a connection cut
        if self.expired:
            raise self.abandoned(response.url, len(body))
        declared = response.headers.get("Content-Length")
        encoded = (response.headers.get("Content-Encoding") or "identity").lower() != "identity"
        if declared and declared.isdigit() and not encoded and len(body) < int(declared):
            raise FetchError(
                f"the connection closed after {len(body)} of {declared} bytes of {response.url}",
                cause="connection closed early",
            )
        return bytes(body)

    def abandoned(self, url: str, received: int) -> FetchError:
        return FetchError(
            f"abandoned {url} after {self.options.timeout_seconds:g} s (PULL_TIMEOUT_SECONDS) with "
            f"{received} bytes received: the server answers too slowly",
            outcome="abandoned",
            cause=f"took longer than PULL_TIMEOUT_SECONDS ({self.options.timeout_seconds:g} s)",
        )

    def _send(self, url: str, headers: dict[str, str]) -> requests.Response:
        backoff = self.options.backoff_seconds
        attempt = 1
        current, visited = url, [url]
        while True:
            self._throttle.wait()
            self.requests_sent += 1
            self._deadline.start(self.options.timeout_seconds)
            try:
                response = self._session.get(
                    current,
                    headers=headers,
                    stream=True,
                    timeout=self.options.timeout_seconds,
                    allow_redirects=False,
                )
            except requests.RequestException as error:
                self._deadline.stop()
                self._throttle.done()
                if self.expired:
                    raise self.abandoned(current, 0) from None
                reason, status, asked = _network_reason(error), None, None
            else:
                if response.is_redirect:
                    current = self._redirect(response, current, visited)
                    continue
                if response.status_code not in RETRIED_STATUSES:
                    return response
                response.close()
                self._deadline.stop()
                self._throttle.done()
                reason = f"HTTP {response.status_code} {response.reason}"
                status, asked = response.status_code, retry_after(response.headers.get("Retry-After"))
            if attempt == self.options.attempts:
                raise FetchError(f"{reason}, after {attempt} attempts", status, cause=reason)
            if asked is not None and asked > self.options.max_wait_seconds:
                raise FetchError(
                    f"{reason}; the server asked to wait {asked:g} s, longer than we wait",
                    status,
                    cause=f"{reason}, asked to wait too long",
                )
            self._sleep(asked if asked is not None else backoff)
            backoff = min(backoff * 2, self.options.max_wait_seconds)
            attempt += 1

    def _redirect(self, response: requests.Response, current: str, visited: list[str]) -> str:
        """The next address of a redirect, or FetchError(refused) when it leaves the site or loops."""
        target = urllib.parse.urljoin(current, response.headers["Location"])
        status = response.status_code
        response.close()
        self._deadline.stop()
        self._throttle.done()
        if not self.allowed(target):
            host = urllib.parse.urlsplit(target).netloc or target
            raise FetchError(
                f"{visited[0]} redirects to {target}, on {host}, outside Ofsted's site: not followed",
                status,
                outcome="refused",
                cause="redirected off Ofsted's site",
            )
        if target in visited or len(visited) > self.options.max_redirects:
            raise FetchError(
                f"{visited[0]} redirects in a loop or too many times ({len(visited)} addresses, the last "
                f"{target}): not followed further",
                status,
                outcome="refused",
                cause="redirect loop",
            )
        visited.append(target)
        return target


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
    status: str  # complete (the part file holds the whole PDF) | dead | failed | refused
    reason: str | None = None
    http_status: int | None = None
    cause: str | None = None  # a short reason, the same for every link that met it, for counting
    final_url: str | None = None  # the address the file came from, after redirects


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
        f"{reason}; {_size(part)} bytes kept, the next pull resumes from there",
        cause="connection closed early",
    )


def _size(part: Path) -> int:
    return part.stat().st_size if part.exists() else 0


def _attempt_download(client: PoliteClient, url: str, part: Path) -> FileOutcome:
    offset = _size(part)
    # identity: a compressed answer could not be resumed by byte offset
    headers = {"Accept": "application/pdf", "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        with client.get(url, headers) as response:
            final = response.url
            if response.status_code in DEAD_STATUSES:
                part.unlink(missing_ok=True)
                return FileOutcome(
                    "dead",
                    f"the file address answered HTTP {response.status_code}",
                    response.status_code,
                    f"HTTP {response.status_code}",
                    final,
                )
            if response.status_code == 416 or (offset and response.status_code == 200):
                offset = 0  # the server will not resume (or the part was already whole): start again
                part.unlink(missing_ok=True)
                if response.status_code == 416:
                    raise _CutOff("the server refused to resume; starting again")
            if response.status_code >= 400:
                part.unlink(missing_ok=True)
                return FileOutcome(
                    "failed",
                    f"HTTP {response.status_code} {response.reason}",
                    response.status_code,
                    f"HTTP {response.status_code}",
                    final,
                )
            if response.status_code == 206 and not _resumes_at(response, offset):
                part.unlink(missing_ok=True)
                raise _CutOff("the server resumed at another place than asked; starting again")
            outcome = _receive(client, response, part, offset)
    except FetchError as error:
        status = "failed" if error.outcome == "abandoned" else error.outcome
        return FileOutcome(status, error.reason, error.http_status, error.cause)
    if outcome is not None:
        return outcome
    whole = _check_whole(part)
    return FileOutcome(whole.status, whole.reason, whole.http_status, whole.cause, final)


def _resumes_at(response: requests.Response, offset: int) -> bool:
    match = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
    return bool(match) and int(match.group(1)) == offset


def _receive(
    client: PoliteClient, response: requests.Response, part: Path, offset: int
) -> FileOutcome | None:
    """Append the body to `part`. An outcome when the answer is refused, None when the bytes are in."""
    # a server that compresses anyway: its byte offsets are not the file's, so a cut is started again
    encoded = (response.headers.get("Content-Encoding") or "identity").lower() != "identity"
    length = response.headers.get("Content-Length")
    expected = offset + int(length) if length and length.isdigit() and not encoded else None
    limit = client.options.max_bytes
    final = response.url
    if expected is not None and expected > limit:
        part.unlink(missing_ok=True)
        return FileOutcome(
            "refused", _too_large(expected, limit), response.status_code, "over MAX_FILE_MB", final
        )
    written = offset
    # the first bytes of a fresh download are held until they show whether the answer is a PDF
    head: bytes | None = None if offset else b""
    with open(part, "ab" if offset else "wb") as out:
        try:
            # read1: whatever has arrived, so the bytes before a dropped connection are kept for resuming
            while (chunk := response.raw.read1(CHUNK_BYTES, decode_content=True)) or head:
                if head is not None:
                    head += chunk
                    if chunk and PDF_MAGIC not in head and len(head) < MAGIC_WINDOW:
                        continue
                    chunk, head = head, None
                    if PDF_MAGIC not in chunk[:MAGIC_WINDOW]:
                        out.close()
                        part.unlink(missing_ok=True)
                        return _not_a_pdf(client, response, chunk)
                written += len(chunk)
                if written > limit:
                    out.close()
                    part.unlink(missing_ok=True)
                    return FileOutcome(
                        "refused", _too_large(written, limit), response.status_code, "over MAX_FILE_MB", final
                    )
                out.write(chunk)
        except (urllib3.exceptions.HTTPError, requests.RequestException, OSError):
            if encoded:
                out.close()
                part.unlink(missing_ok=True)
            if not client.expired:
                raise _CutOff(f"the connection closed after {written} bytes") from None
    if client.expired:
        error = client.abandoned(final, written - offset)
        kept = f"{error.reason}; the next pull resumes from the {_size(part)} bytes kept"
        return FileOutcome("failed", kept, None, error.cause)
    if written == 0:
        part.unlink(missing_ok=True)
        return FileOutcome(
            "failed",
            "the server sent an empty answer, not a PDF; the next pull tries again",
            response.status_code,
            "empty answer",
            final,
        )
    if expected is not None and written < expected:
        raise _CutOff(f"the connection closed after {written} of {expected} bytes")
    return None


def _not_a_pdf(client: PoliteClient, response: requests.Response, head: bytes) -> FileOutcome:
    """Dead when the answer says the report is not found; otherwise it may be transient (failed)."""
    final = response.url
    with contextlib.suppress(urllib3.exceptions.HTTPError, requests.RequestException, OSError):
        while len(head) < CHUNK_BYTES and (more := response.raw.read1(CHUNK_BYTES, decode_content=True)):
            head += more
    lowered = head.lower()
    if b"<html" not in lowered and b"<!doctype" not in lowered and b"<title" not in lowered:
        return FileOutcome(
            "failed",
            "the link answered with something that is not a PDF (no %PDF- header) and not a web page; "
            "the next pull tries again",
            response.status_code,
            "not a PDF",
            final,
        )
    words = _page_words(head)
    named = f" ('{words[:80]}')" if words else ""
    if _NOT_FOUND_WORDS.search(words):
        return FileOutcome(
            "dead",
            f"the link answered with an HTML page{named}, not a PDF: the report is not there",
            response.status_code,
            f"HTML page{named}",
            final,
        )
    return FileOutcome(
        "failed",
        f"the link answered with an HTML page{named}, not a PDF; it may be a passing fault of the site, "
        "so the next pull tries again",
        response.status_code,
        f"HTML page{named}",
        final,
    )


def _page_words(head: bytes) -> str:
    """The title of an HTML page (else its first heading), as plain words."""
    soup = BeautifulSoup(head.decode("utf-8", "replace"), "html.parser")
    for tag in (soup.title, soup.find("h1")):
        if tag is not None and (words := re.sub(r"\s+", " ", tag.get_text(" ")).strip()):
            return words
    return ""


def _check_whole(part: Path) -> FileOutcome:
    size = part.stat().st_size
    with open(part, "rb") as handle:
        head = handle.read(MAGIC_WINDOW)
        handle.seek(max(0, size - TAIL_WINDOW))
        tail = handle.read()
    if PDF_MAGIC not in head:
        part.unlink(missing_ok=True)
        return FileOutcome(
            "failed", "the file kept has no %PDF- header; the next pull starts again", None, "not a PDF"
        )
    if PDF_END not in tail:
        raise _CutOff(f"the file stopped after {size} bytes, before the end of the PDF (no %%EOF)")
    return FileOutcome("complete")


def _too_large(size: int, limit: int) -> str:
    return f"{size / 1048576:.1f} MB is over the {limit / 1048576:g} MB limit (MAX_FILE_MB)"
