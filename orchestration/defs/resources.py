"""The resources assets are given: the writer's warehouse, the pool of extraction processes, and dbt.

Each setting left empty is read from the environment when a run uses it (orchestration/settings.py), so
the UI, the sensor, `make run` and the tests share one set of defaults, and a test or `make run` can pass
resources of its own to the job.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from .. import settings as settings_module
from ..lib import warehouse
from ..lib.extract import ExtractionPool, Limits


class WarehouseResource(dg.ConfigurableResource):
    """The working warehouse file, which only the pipeline opens (readers get the published copy)."""

    duckdb_path: str = ""  # empty: DUCKDB_PATH

    @property
    def path(self) -> Path:
        return Path(self.duckdb_path) if self.duckdb_path else settings_module.load().duckdb_path

    def connect(self, on_wait: Callable[[str], None] = lambda message: None):
        """A read-write connection holding the one-writer lock; the schema is created when missing, and a
        file that cannot be opened at all is set aside and started afresh with the published history."""
        return warehouse.connect(
            self.path, on_wait=on_wait, published_path=settings_module.load().published_duckdb_path
        )

    def recover_damaged(self, on_wait: Callable[[str], None] = lambda message: None) -> str | None:
        """Check every block of the working file; a damaged one is set aside and rebuilt (lib/warehouse.py).
        Returns what was done, in one line, or None when the file was fine."""
        return warehouse.recover_damaged(
            self.path, settings_module.load().published_duckdb_path, on_wait=on_wait
        )

    def writer_lock(self, on_wait: Callable[[str], None] = lambda message: None):
        return warehouse.writer_lock(self.path, on_wait=on_wait)


class ExtractionResource(dg.ConfigurableResource):
    """Child processes that read PDFs, each with a memory cap and a timeout per document."""

    workers: int = 0  # 0: EXTRACT_WORKERS, else one per core
    timeout_seconds: float = 0  # 0: EXTRACT_TIMEOUT_SECONDS
    memory_mb: int = 0  # 0: EXTRACT_MEMORY_MB

    @contextlib.contextmanager
    def pool(self, root: Path) -> Iterator[ExtractionPool]:
        settings = settings_module.load()
        limits = Limits(
            self.timeout_seconds or settings.extract_timeout_seconds,
            self.memory_mb or settings.extract_memory_mb,
        )
        pool = ExtractionPool(root, limits, self.workers or settings.extract_workers)
        try:
            yield pool
        finally:
            pool.close()


def dbt_executable() -> str:
    """The dbt beside this interpreter, so the UI works when started without an activated venv."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=str(settings_module.DBT_PROJECT_DIR),
        profiles_dir=str(settings_module.DBT_PROJECT_DIR),
        dbt_executable=dbt_executable(),
    )


def resources_for(settings: settings_module.Settings) -> dict[str, object]:
    """The resources of a run pinned to `settings`, as `make run` passes them."""
    return {
        "warehouse": WarehouseResource(duckdb_path=str(settings.duckdb_path)),
        "extraction": ExtractionResource(
            workers=settings.extract_workers or 0,
            timeout_seconds=settings.extract_timeout_seconds,
            memory_mb=settings.extract_memory_mb,
        ),
        "dbt": dbt_resource(),
    }


DEFAULT_RESOURCES = {
    "warehouse": WarehouseResource(),
    "extraction": ExtractionResource(),
    "dbt": dbt_resource(),
}
