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

The download of one file is in download.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import importlib.metadata
import socket
import threading
import time
import urllib.parse
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import requests
import requests.adapters
import urllib3
import urllib3.connection

PROJECT = "ofsted-warehouse"
PDF_MAGIC = b"%PDF-"
CHUNK_BYTES = 64 * 1024
PAGE_MAX_BYTES = 5 * 1024 * 1024  # Ofsted's pages are about 100 KB
RETRIED_STATUSES = {408, 425, 429, 500, 502, 503, 504}
DEAD_STATUSES = {404, 410}
# The hosts of Ofsted's reports site: the pages are on reports., the files on files.; the host of
# OFSTED_REPORTS_URL is always allowed as well.
OFSTED_HOSTS = frozenset({"reports.ofsted.gov.uk", "files.ofsted.gov.uk"})
OFSTED_DOMAIN = "ofsted.gov.uk"  # any other host under it is Ofsted's too, over https


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
        host = (parts.hostname or "").lower()
        if parts.scheme == "https" and host.endswith("." + OFSTED_DOMAIN):
            return True
        return parts.scheme in ("http", "https") and (parts.netloc.lower() in hosts or host in hosts)

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
        cut = False
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
            cut = True  # told apart below: the deadline, or a connection cut
        if self.expired:
            raise self.abandoned(response.url, len(body))
        declared = response.headers.get("Content-Length")
        encoded = (response.headers.get("Content-Encoding") or "identity").lower() != "identity"
        if cut or (declared and declared.isdigit() and not encoded and len(body) < int(declared)):
            raise FetchError(
                f"the connection closed after {len(body)} bytes of {response.url}",
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
                if self.expired:  # headers cut short by the deadline can still parse as an answer
                    response.close()
                    self._throttle.done()
                    raise self.abandoned(current, 0)
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
