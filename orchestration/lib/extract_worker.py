"""Child process that prints one PDF's page texts as JSON. Run by `extract.extract_pdf`.

Usage: python -m orchestration.lib.extract_worker <fd> <memory_mb> <cpu_seconds>

The PDF comes as an open file descriptor, so the child reads exactly the file the parent checked. The
child caps its own memory and CPU time before importing pdfminer: a parent running threads cannot safely
do it between fork and exec. Why a PDF could not be read goes to stderr as one line, and the exit code
tells the parent which kind of failure it was.
"""

from __future__ import annotations

import json
import os
import resource
import sys

EXIT_UNREADABLE = 3
EXIT_OUT_OF_MEMORY = 4
EXIT_CANNOT_START = 5


def apply_limits(memory_mb: int, cpu_seconds: int) -> None:
    address_space = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    # A backstop for a child orphaned by a killed run: the parent's timeout is gone with the parent.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


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


def main(argv: list[str]) -> int:
    descriptor, memory_mb, cpu_seconds = (int(value) for value in argv[1:4])
    try:
        apply_limits(memory_mb, cpu_seconds)
        from orchestration.lib.pdf_text import extract_pdf_pages
    except (MemoryError, ImportError, OSError) as error:  # the cap leaves too little even to start
        _say(f"{type(error).__name__}: {error}")
        return EXIT_CANNOT_START
    try:
        with os.fdopen(descriptor, "rb") as handle:
            sys.stdout.write(json.dumps({"pages": extract_pdf_pages(handle)}))
    except MemoryError:
        return EXIT_OUT_OF_MEMORY
    except Exception as error:  # reported to the parent, which quarantines the file
        _say(describe(error))
        return EXIT_UNREADABLE
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
