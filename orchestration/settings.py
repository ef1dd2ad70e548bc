"""Paths and limits, read from the environment in one place.

Call `load()` when a run starts rather than reading the environment at import time, so a test can point
the warehouse at temporary folders simply by setting variables before it materialises.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
REFERENCE_AUTHORITIES_CSV = DBT_PROJECT_DIR / "seeds" / "local_authorities.csv"


def _path_from_env(name: str, default: str) -> Path:
    value = os.environ.get(name) or default
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    duckdb_path: Path
    published_duckdb_path: Path
    extract_timeout_seconds: float
    extract_memory_mb: int
    max_file_mb: int
    extract_workers: int | None  # None: one per core
    ofsted_reports_url: str  # the root of Ofsted's reports site, which `make pull` crawls
    pull_delay_seconds: float  # at least this long between two requests to the site
    pull_contact: str | None  # who to contact about the crawl, named in its User-Agent
    pull_timeout_seconds: float
    # a check that would hold back more than this share of the documents is a systemic failure: it
    # withholds the publication instead of holding the documents back one by one
    max_held_back_share: float
    # PDF_LAYOUT_MIRROR=0: PDFs are read through pdfminer's own code path instead of the faster mirror of it
    # in lib/extract/pdf_layout.py (the same text; for checking a pdfminer upgrade, or a suspected fault)
    pdf_layout_mirror: bool = True
    # RETRY=1: this run reads every quarantined or held-back document again, whatever its failure was
    retry_failed: bool = False
    # ALLOW_SHRINK=1: publish even when the run would remove most of the published reports
    allow_shrink: bool = False
    dagster_port: int = 3000  # DAGSTER_PORT: where `make dev` serves the UI

    @property
    def parquet_dir(self) -> Path:
        return self.published_duckdb_path.parent / "parquet"

    def pull_options(self):
        from .lib.ingest.http import PullOptions

        return PullOptions(
            delay_seconds=self.pull_delay_seconds,
            timeout_seconds=self.pull_timeout_seconds,
            max_bytes=self.max_file_mb * 1024 * 1024,
            contact=self.pull_contact,
        )

    @property
    def report_dir(self) -> Path:
        return self.published_duckdb_path.parent / "report"


def load() -> Settings:
    return Settings(
        raw_dir=_path_from_env("RAW_DIR", "raw"),
        duckdb_path=_path_from_env("DUCKDB_PATH", "data/warehouse.duckdb"),
        published_duckdb_path=_path_from_env("PUBLISHED_DUCKDB_PATH", "data/published/ofsted.duckdb"),
        extract_timeout_seconds=float(os.environ.get("EXTRACT_TIMEOUT_SECONDS", "120")),
        extract_memory_mb=int(os.environ.get("EXTRACT_MEMORY_MB", "1024")),
        max_file_mb=int(os.environ.get("MAX_FILE_MB", "100")),
        extract_workers=int(os.environ["EXTRACT_WORKERS"]) if os.environ.get("EXTRACT_WORKERS") else None,
        ofsted_reports_url=os.environ.get("OFSTED_REPORTS_URL") or "https://reports.ofsted.gov.uk",
        pull_delay_seconds=float(os.environ.get("PULL_DELAY_SECONDS", "1.0")),
        pull_contact=os.environ.get("PULL_CONTACT") or None,
        pull_timeout_seconds=float(os.environ.get("PULL_TIMEOUT_SECONDS", "30")),
        max_held_back_share=float(os.environ.get("MAX_HELD_BACK_SHARE", "0.05")),
        pdf_layout_mirror=os.environ.get("PDF_LAYOUT_MIRROR", "1").strip().lower()
        not in ("0", "no", "false"),
        retry_failed=os.environ.get("RETRY", "").strip().lower() not in ("", "0", "no", "false"),
        allow_shrink=os.environ.get("ALLOW_SHRINK", "").strip().lower() not in ("", "0", "no", "false"),
        dagster_port=int(os.environ.get("DAGSTER_PORT") or 3000),
    )
