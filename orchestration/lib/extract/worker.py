"""Child process that extracts PDFs' page texts. Started by `extract.PdfWorker`.

Usage: python -m orchestration.lib.extract.worker <socket_fd> <memory_mb> <cpu_seconds> [<mirror>]
(<mirror> 0: pdfminer's own code path rather than pdf_layout.py's mirror of it; 1, the default, the mirror)

One process extracts many documents, one after the other, so Python's start-up and pdfminer's import
are paid once per worker rather than once per file. The parent sends each PDF as an open file
descriptor over a Unix socket (SCM_RIGHTS), so the child reads exactly the file the parent checked and
never opens a path; an empty message (or the parent going away) ends the process.

Each reply is a 4-byte big-endian length and a JSON object: {"pages": [...]} or, for a PDF pdfminer
cannot read, {"error": "why, in words a person can act on"}. The child caps its own address space
(RLIMIT_AS) before importing pdfminer: a parent running threads cannot safely do it between fork and
exec. Running out of memory ends the process with EXIT_OUT_OF_MEMORY (or a signal, when a C extension
cannot allocate), so the parent knows which document did it and starts a fresh worker for the rest.
Before each document the CPU-time cap (RLIMIT_CPU) is moved to `cpu_seconds` past what the process has
used so far: a backstop for a worker orphaned in the middle of a document by a killed run.

Python's cyclic garbage collector is off while a document is read and runs once after each: pdfminer
builds hundreds of thousands of short-lived objects per document, nearly all freed by reference counting,
and the collector's passes over them cost about 7% of extraction time (measured on 30 real reports: 18.6
CPU s with it on, 17.3 off; the peak memory of the largest report is the same, 41 MB, either way).

Ctrl-C at a terminal reaches every process of the run; the worker ignores it and leaves the decision to
its parent, which ends it at once when the run stops (and otherwise would record the document as failed).
"""

from __future__ import annotations

import functools
import gc
import json
import math
import os
import resource
import signal
import socket
import struct
import sys

EXIT_UNREADABLE = 3
EXIT_OUT_OF_MEMORY = 4
EXIT_CANNOT_START = 5


def apply_memory_limit(memory_mb: int) -> None:
    address_space = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))


def allow_cpu_seconds(cpu_seconds: int) -> None:
    """Let the process use cpu_seconds more CPU time from now on, and no more."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = math.ceil(usage.ru_utime + usage.ru_stime)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = used + cpu_seconds
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def describe(error: Exception) -> str:
    """Why pdfminer could not read a PDF, in words a person can act on."""
    names = {cls.__name__ for cls in type(error).__mro__}
    detail = " ".join(str(error).split())
    if "PDFEncryptionError" in names:
        return "the PDF is encrypted and needs a password: put a copy without a password in RAW_DIR"
    if "PSEOF" in names:
        return "the PDF ends early, as a truncated download does: download it again"
    if "PDFSyntaxError" in names:
        return f"the PDF is damaged ({detail}): download it again"
    return (
        f"the PDF could not be read ({type(error).__name__}: {detail}): download it again, "
        "and report the file if it opens in a PDF reader"
    )


def _say(line: str) -> None:
    sys.stderr.write(line.replace("\n", " ") + "\n")
    sys.stderr.flush()


def _reply(channel: socket.socket, message: dict) -> None:
    body = json.dumps(message).encode("utf-8")
    channel.sendall(struct.pack(">I", len(body)) + body)


def serve(channel: socket.socket, cpu_seconds: int, extract_pdf_pages) -> int:
    while True:
        try:
            message, descriptors, _, _ = socket.recv_fds(channel, 16, 1)
        except (ConnectionError, OSError):
            return 0
        if not message or not descriptors:
            for descriptor in descriptors:
                os.close(descriptor)
            return 0  # the parent is done with this worker, or gone
        allow_cpu_seconds(cpu_seconds)
        try:
            with os.fdopen(descriptors[0], "rb") as handle:
                reply = {"pages": extract_pdf_pages(handle)}
        except MemoryError:
            # no room left even to answer: the document's pages are freed as the stack unwinds, and the
            # exit code says what happened
            return EXIT_OUT_OF_MEMORY
        except Exception as error:  # reported to the parent, which quarantines the file
            reply = {"error": describe(error)}
        try:
            _reply(channel, reply)
        except MemoryError:
            return EXIT_OUT_OF_MEMORY
        except (ConnectionError, OSError):
            return 0
        del reply
        gc.collect()  # what one document left in reference cycles, before the next one starts


def main(argv: list[str]) -> int:
    descriptor, memory_mb, cpu_seconds = (int(value) for value in argv[1:4])
    mirror = argv[4:5] != ["0"]
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        apply_memory_limit(memory_mb)
        allow_cpu_seconds(cpu_seconds)
        channel = socket.socket(fileno=descriptor)
        from orchestration.lib.extract.pdf_text import extract_pdf_pages
    except (MemoryError, ImportError, OSError) as error:  # the cap leaves too little even to start
        _say(f"{type(error).__name__}: {error}")
        return EXIT_CANNOT_START
    gc.freeze()  # the modules just imported are never garbage: later collections skip them
    gc.disable()  # collected after each document instead (see the module's docstring)
    with channel:
        return serve(channel, cpu_seconds, functools.partial(extract_pdf_pages, mirror=mirror))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
