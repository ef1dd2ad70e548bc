"""The resources assets, checks and sensors are given: the warehouse with every setting of the run, and dbt.

`WarehouseResource` carries the settings (orchestration/settings.py) as its configuration: the code
location loads them once (definitions.py) and the UI's launchpad can change any of them for one run,
under `resources: warehouse: config:` (for example `raw_dir`, `published_duckdb_path`,
`max_held_back_share`). Each step takes the checked settings from `warehouse.settings()`; a value that
cannot be used fails the step with the one line `SettingsError` gives, before any work.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from pydantic import Field

from orchestration.lib.core import warehouse
from orchestration.lib.extract.pool import ExtractionPool, Limits

from .. import settings as settings_module
from ..settings import Settings, SettingsError


class WarehouseResource(dg.ConfigurableResource):
    """Every setting of a run, and the working warehouse file, which only the pipeline opens (readers get
    the published copy). A field left empty (None) takes the setting loaded at start from the environment
    and .env (`settings.loaded()`); the UI's launchpad sets any of them for one run. Paths that are not
    absolute are taken from the repository's folder."""

    raw_dir: str | None = Field(default=None, description="RAW_DIR: the folder of reports to read")
    duckdb_path: str | None = Field(default=None, description="DUCKDB_PATH: the working warehouse file")
    published_duckdb_path: str | None = Field(
        default=None, description="PUBLISHED_DUCKDB_PATH: the file readers open; outputs go beside it"
    )
    max_held_back_share: float | None = Field(
        default=None,
        description="MAX_HELD_BACK_SHARE: a check failing on more than this share of the documents "
        "withholds the publication (0 to 1)",
    )
    max_file_mb: int | None = Field(default=None, description="MAX_FILE_MB: larger files are not read")
    extract_timeout_seconds: float | None = Field(default=None, description="EXTRACT_TIMEOUT_SECONDS")
    extract_memory_mb: int | None = Field(default=None, description="EXTRACT_MEMORY_MB")
    extract_workers: int | None = Field(default=None, description="EXTRACT_WORKERS (0: one per core)")
    retry_failed: bool | None = Field(
        default=None, description="RETRY: read every quarantined or held-back document again"
    )
    ofsted_reports_url: str | None = Field(default=None, description="OFSTED_REPORTS_URL")
    pull_delay_seconds: float | None = Field(default=None, description="PULL_DELAY_SECONDS")
    pull_contact: str | None = Field(default=None, description="PULL_CONTACT")
    pull_timeout_seconds: float | None = Field(default=None, description="PULL_TIMEOUT_SECONDS")
    allow_shrink: bool | None = Field(
        default=None, description="ALLOW_SHRINK: publish even a run that removes most published reports"
    )
    pdf_layout_mirror: bool | None = Field(
        default=None, description="PDF_LAYOUT_MIRROR: false reads PDFs through pdfminer's own code path"
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseResource:
        return cls(
            raw_dir=str(settings.raw_dir),
            duckdb_path=str(settings.duckdb_path),
            published_duckdb_path=str(settings.published_duckdb_path),
            max_held_back_share=settings.max_held_back_share,
            max_file_mb=settings.max_file_mb,
            extract_timeout_seconds=settings.extract_timeout_seconds,
            extract_memory_mb=settings.extract_memory_mb,
            extract_workers=settings.extract_workers or 0,
            retry_failed=settings.retry_failed,
            ofsted_reports_url=settings.ofsted_reports_url,
            pull_delay_seconds=settings.pull_delay_seconds,
            pull_contact=settings.pull_contact or "",
            pull_timeout_seconds=settings.pull_timeout_seconds,
            allow_shrink=settings.allow_shrink,
            pdf_layout_mirror=settings.pdf_layout_mirror,
        )

    def settings(self) -> Settings:
        """The checked settings of this run; dg.Failure with SettingsError's line when one is unusable."""
        try:
            given = {name: getattr(self, name) for name in _FIELDS if getattr(self, name) is not None}
            if len(given) == len(_FIELDS):
                base = None
            else:
                base = settings_module.loaded()
            changes: dict[str, object] = dict(given)
            for name, setting in _PATHS.items():
                if name in changes:
                    changes[name] = settings_module.path(str(changes[name]), setting)
            if "extract_workers" in changes:
                changes["extract_workers"] = changes["extract_workers"] or None
            if "pull_contact" in changes:
                changes["pull_contact"] = changes["pull_contact"] or None
            settings = (
                dataclasses.replace(base, **changes) if base is not None else Settings(**changes)  # type: ignore[arg-type]
            )
            return settings_module.check(settings)
        except SettingsError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None

    @property
    def path(self) -> Path:
        return self.settings().duckdb_path

    def connect(self, on_wait: Callable[[str], None] = lambda message: None):
        """A read-write connection holding the one-writer lock; the schema is created when missing, and a
        file that cannot be opened at all is set aside and started afresh with the published history."""
        settings = self.settings()
        return warehouse.connect(
            settings.duckdb_path, on_wait=on_wait, published_path=settings.published_duckdb_path
        )

    def recover_damaged(self, on_wait: Callable[[str], None] = lambda message: None) -> str | None:
        """Check every block of the working file; a damaged one is set aside and rebuilt (core/warehouse.py).
        Returns what was done, in one line, or None when the file was fine."""
        settings = self.settings()
        return warehouse.recover_damaged(
            settings.duckdb_path, settings.published_duckdb_path, on_wait=on_wait
        )

    def writer_lock(self, on_wait: Callable[[str], None] = lambda message: None):
        return warehouse.writer_lock(self.path, on_wait=on_wait)

    @contextlib.contextmanager
    def extraction_pool(self) -> Iterator[ExtractionPool]:
        """Child processes that read PDFs under RAW_DIR, each with a memory cap and a timeout per
        document."""
        settings = self.settings()
        limits = Limits(
            settings.extract_timeout_seconds, settings.extract_memory_mb, settings.pdf_layout_mirror
        )
        pool = ExtractionPool(settings.raw_dir.resolve(), limits, settings.extract_workers)
        try:
            yield pool
        finally:
            pool.close()


def dbt_executable() -> str:
    """The dbt installed beside this interpreter, so the UI works when started without an activated
    virtual environment."""
    return str(Path(sys.executable).parent / "dbt")


def dbt_resource() -> DbtCliResource:
    """dagster-dbt's resource over the repository's dbt project (defs/transform/project.py)."""
    from .transform.project import DBT_PROJECT

    return DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable())


def resources_for(settings: Settings | None = None) -> dict[str, object]:
    """The resources of a run pinned to `settings`, as `make run` and the tests pass them; without
    settings, the code location's: each setting as loaded at start, any of them changed from the UI's
    launchpad for one run."""
    warehouse = WarehouseResource.from_settings(settings) if settings else WarehouseResource()
    return {"warehouse": warehouse, "dbt": dbt_resource()}


_FIELDS = [name for name in WarehouseResource.model_fields]
_PATHS = {
    "raw_dir": "RAW_DIR",
    "duckdb_path": "DUCKDB_PATH",
    "published_duckdb_path": "PUBLISHED_DUCKDB_PATH",
}
