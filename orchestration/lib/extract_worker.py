"""Child process entry point: print one PDF's page texts as JSON. Run by `extract.extract_pdf`."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    from orchestration.lib.pdf_text import extract_pdf_pages

    pages = extract_pdf_pages(Path(sys.argv[1]))
    sys.stdout.write(json.dumps({"pages": pages}))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # reported to the parent as one line on stderr
        sys.stderr.write(f"{type(error).__name__}: {error}".replace("\n", " ") + "\n")
        sys.exit(3)
