"""Every setting of the warehouse, read and checked in one place.

The values come from the environment and from a `.env` file beside the Makefile, read with python-dotenv
(quotes, spaces around `=`, `export` prefixes and comments as dotenv defines them); a variable set in the
environment wins over the same name in `.env`. `make run`, `make dev`, `make pull` and the other commands
call `load()` once at start; the Dagster code location loads them once and hands them to every asset,
check and sensor as the `warehouse` resource (defs/resources.py), where the UI's launchpad can change them
for one run. No other module reads the environment for a setting.

Every value is checked before any work starts: a value that cannot be read, or settings that contradict
each other, end the command with one line naming the setting, its value and what is expected
(`SettingsError`).
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlparse

from dotenv import dotenv_values

_N = TypeVar("_N", int, float)

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
REFERENCE_AUTHORITIES_CSV = DBT_PROJECT_DIR / "seeds" / "local_authorities.csv"
ENV_FILE = REPO_ROOT / ".env"

# name -> default, as written in the environment or `.env`
DEFAULTS = {
    "RAW_DIR": "raw",
    "DUCKDB_PATH": "data/warehouse.duckdb",
    "PUBLISHED_DUCKDB_PATH": "data/published/ofsted.duckdb",
    "EXTRACT_TIMEOUT_SECONDS": "120",
    "EXTRACT_MEMORY_MB": "1024",
    "MAX_FILE_MB": "100",
    "EXTRACT_WORKERS": "",
    "OFSTED_REPORTS_URL": "https://reports.ofsted.gov.uk",
    "PULL_DELAY_SECONDS": "1.0",
    "PULL_CONTACT": "",
    "PULL_TIMEOUT_SECONDS": "30",
    "MAX_HELD_BACK_SHARE": "0.05",
    "RETRY": "",
    "ALLOW_SHRINK": "",
    "PDF_LAYOUT_MIRROR": "1",
    "DAGSTER_PORT": "3000",
}
_TRUE, _FALSE = {"1", "yes", "true", "on"}, {"", "0", "no", "false", "off"}


class SettingsError(ValueError):
    """A setting that cannot be used, said in one line: the setting, its value and what is expected."""

    def __init__(self, name: str, value: object, expected: str):
        self.name = name
        super().__init__(f"setting {name}={value!s}: expected {expected}")


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
    # RETRY=1: this run reads every quarantined or held-back document again, whatever its failure was
    retry_failed: bool = False
    # ALLOW_SHRINK=1: publish even when the run would remove most of the published reports
    allow_shrink: bool = False
    # PDF_LAYOUT_MIRROR=0: PDFs are read through pdfminer's own code path instead of the faster mirror of it
    # in lib/extract/pdf_layout.py (the same text; for checking a pdfminer upgrade, or a suspected fault)
    pdf_layout_mirror: bool = True
    dagster_port: int = 3000  # the port `make dev` serves the UI on

    @property
    def parquet_dir(self) -> Path:
        return self.published_duckdb_path.parent / "parquet"

    @property
    def report_dir(self) -> Path:
        return self.published_duckdb_path.parent / "report"

    def pull_options(self):
        from .lib.ingest.http import PullOptions

        return PullOptions(
            delay_seconds=self.pull_delay_seconds,
            timeout_seconds=self.pull_timeout_seconds,
            max_bytes=self.max_file_mb * 1024 * 1024,
            contact=self.pull_contact,
        )


def load(overrides: Mapping[str, str] | None = None, env_file: Path | None = ENV_FILE) -> Settings:
    """The settings from `env_file` (`.env`; None: none), the environment over it and `overrides` over
    both, checked (`check`). Raises SettingsError."""
    values = dict(DEFAULTS)
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if k in DEFAULTS and v is not None})
    values.update({k: v for k, v in os.environ.items() if k in DEFAULTS})
    values.update(overrides or {})
    workers = values["EXTRACT_WORKERS"].strip()
    settings = Settings(
        raw_dir=path(values["RAW_DIR"], "RAW_DIR"),
        duckdb_path=path(values["DUCKDB_PATH"], "DUCKDB_PATH"),
        published_duckdb_path=path(values["PUBLISHED_DUCKDB_PATH"], "PUBLISHED_DUCKDB_PATH"),
        extract_timeout_seconds=_number(values, "EXTRACT_TIMEOUT_SECONDS", float),
        extract_memory_mb=_number(values, "EXTRACT_MEMORY_MB", int),
        max_file_mb=_number(values, "MAX_FILE_MB", int),
        extract_workers=_number(values, "EXTRACT_WORKERS", int) if workers else None,
        ofsted_reports_url=values["OFSTED_REPORTS_URL"].strip(),
        pull_delay_seconds=_number(values, "PULL_DELAY_SECONDS", float),
        pull_contact=values["PULL_CONTACT"].strip() or None,
        pull_timeout_seconds=_number(values, "PULL_TIMEOUT_SECONDS", float),
        max_held_back_share=_number(values, "MAX_HELD_BACK_SHARE", float),
        retry_failed=_flag(values, "RETRY"),
        allow_shrink=_flag(values, "ALLOW_SHRINK"),
        pdf_layout_mirror=_flag(values, "PDF_LAYOUT_MIRROR"),
        dagster_port=_number(values, "DAGSTER_PORT", int),
    )
    return check(settings)


@functools.cache
def loaded() -> Settings:
    """The settings as loaded once at start, for the Dagster code location and its runs."""
    return load()


def path(value: str, name: str) -> Path:
    """A path setting: `~` expanded, relative to the repository when not absolute."""
    if not str(value).strip():
        raise SettingsError(name, repr(value), "a path to a folder or file")
    found = Path(str(value).strip()).expanduser()
    return found if found.is_absolute() else REPO_ROOT / found


def check(settings: Settings) -> Settings:
    """`settings` when every value is usable and none contradicts another; else SettingsError."""
    s = settings
    for name, value in (
        ("EXTRACT_TIMEOUT_SECONDS", s.extract_timeout_seconds),
        ("EXTRACT_MEMORY_MB", s.extract_memory_mb),
        ("MAX_FILE_MB", s.max_file_mb),
        ("PULL_TIMEOUT_SECONDS", s.pull_timeout_seconds),
    ):
        if not value > 0 or math.isinf(value):
            raise SettingsError(name, value, "a number greater than 0")
    if s.extract_workers is not None and s.extract_workers < 1:
        raise SettingsError("EXTRACT_WORKERS", s.extract_workers, "1 or more (or empty: one per core)")
    if not s.pull_delay_seconds >= 0 or math.isinf(s.pull_delay_seconds):
        raise SettingsError("PULL_DELAY_SECONDS", s.pull_delay_seconds, "0 or more seconds")
    if not 0 <= s.max_held_back_share <= 1:
        raise SettingsError(
            "MAX_HELD_BACK_SHARE", s.max_held_back_share, "a share of the documents from 0 to 1, e.g. 0.05"
        )
    if not 1 <= s.dagster_port <= 65535:
        raise SettingsError("DAGSTER_PORT", s.dagster_port, "a port number from 1 to 65535")
    url = urlparse(s.ofsted_reports_url)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise SettingsError("OFSTED_REPORTS_URL", s.ofsted_reports_url, "an http:// or https:// address")
    working, published = s.duckdb_path.resolve(), s.published_duckdb_path.resolve()
    if working == published:
        raise SettingsError(
            "PUBLISHED_DUCKDB_PATH",
            s.published_duckdb_path,
            f"a file other than DUCKDB_PATH ({s.duckdb_path}): readers get a copy, never the working file",
        )
    raw, published_folder = s.raw_dir.resolve(), published.parent
    if raw == published_folder or published_folder in raw.parents:
        raise SettingsError(
            "RAW_DIR",
            s.raw_dir,
            f"a folder outside the published folder {published_folder} (PUBLISHED_DUCKDB_PATH's)",
        )
    return s


def _number(values: Mapping[str, str], name: str, kind: Callable[[str], _N]) -> _N:
    text = str(values[name]).strip()
    try:
        number = kind(text)
    except ValueError:
        expected = "a whole number" if kind is int else "a number"
        raise SettingsError(name, repr(values[name]), expected) from None
    if kind is float and math.isnan(number):
        raise SettingsError(name, repr(values[name]), "a number")
    return number


def _flag(values: Mapping[str, str], name: str) -> bool:
    text = str(values[name]).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise SettingsError(name, repr(values[name]), "1 or 0 (yes or no)")


def load_or_exit(overrides: Mapping[str, str] | None = None) -> Settings:
    """`load()` for a command: a setting that cannot be used ends it with the one line that says so."""
    try:
        return load(overrides)
    except SettingsError as error:
        import sys

        print(error, file=sys.stderr)
        raise SystemExit(2) from None
