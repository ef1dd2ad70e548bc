"""The download of one report file through the polite client (http.py).

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
import re
from dataclasses import dataclass
from pathlib import Path

import requests
import urllib3
from bs4 import BeautifulSoup

from orchestration.lib.ingest.http import CHUNK_BYTES, DEAD_STATUSES, PDF_MAGIC, FetchError, PoliteClient

PDF_END = b"%%EOF"
MAGIC_WINDOW = 1024  # readers accept a PDF header a little way into the file
TAIL_WINDOW = 4096  # %%EOF may be followed by a few line ends
# An HTML answer whose title or heading says this is a dead link; any other page may be transient.
_NOT_FOUND_WORDS = re.compile(
    r"not found|no longer available|does not exist|has been removed|page you requested|\b404\b|\b410\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FileOutcome:
    status: str  # complete (the part file holds the whole PDF) | dead | failed | refused
    reason: str | None = None
    http_status: int | None = None
    cause: str | None = None  # a short reason, the same for every link that met it, for counting
    final_url: str | None = None  # the address the file came from, after redirects


class DiskError(Exception):
    """The partial file could not be written (a full disk, a read-only RAW_DIR): not the site's fault."""

    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


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
    return match is not None and int(match.group(1)) == offset


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
                try:
                    out.write(chunk)
                except OSError as error:
                    raise DiskError(error) from None
        except (urllib3.exceptions.HTTPError, requests.RequestException, OSError):
            if encoded:
                out.close()
                part.unlink(missing_ok=True)
            if not client.expired:
                raise _CutOff(f"the connection closed after {written} bytes") from None
    if client.expired:
        abandoned = client.abandoned(final, written - offset)
        kept = f"{abandoned.reason}; the next pull resumes from the {_size(part)} bytes kept"
        return FileOutcome("failed", kept, None, abandoned.cause)
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
