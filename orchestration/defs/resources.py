"""The resources assets are given: the writer's warehouse, the pool of extraction processes, and dbt.

Each setting left empty is read from the environment when a run uses it (orchestration/settings.py), so
the UI, the sensor, `make run` and the tests share one set of defaults, and a test or `make run` can pass
resources of its own to the job.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from orchestration.lib.core import warehouse
from orchestration.lib.extract.pool import ExtractionPool, Limits
from orchestration.lib.transform import dbt_build

from .. import settings as settings_module


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
        """Check every block of the working file; a damaged one is set aside and rebuilt (core/warehouse.py).
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
            settings.pdf_layout_mirror,
        )
        pool = ExtractionPool(root, limits, self.workers or settings.extract_workers)
        try:
            yield pool
        finally:
            pool.close()


class DbtResource(dg.ConfigurableResource):
    """dbt, run in a process forked from this one on the project in `project_dir` (lib/transform/dbt_build.py
    says why). Every build it started ends with the run at the latest: a run stopped while the step was
    recording a result leaves the step's generator suspended rather than closed, and the dbt process
    would otherwise go on holding the warehouse until this process ends."""

    project_dir: str = ""  # empty: the repository's dbt_project
    _builds: list = PrivateAttr(default_factory=list)

    def build(
        self, arguments: list[str], target_path: Path, warehouse: Path
    ) -> Iterator[dbt_build.NodeOutcome | dbt_build.Build]:
        project = Path(self.project_dir) if self.project_dir else settings_module.DBT_PROJECT_DIR
        running = dbt_build.build(project, target_path, arguments, warehouse)
        self._builds.append(running)
        return running

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        for running in self._builds:
            running.close()  # ends its dbt process, when it has not ended already
        self._builds.clear()


def resources_for(settings: settings_module.Settings) -> dict[str, object]:
    """The resources of a run pinned to `settings`, as `make run` passes them."""
    return {
        "warehouse": WarehouseResource(duckdb_path=str(settings.duckdb_path)),
        "extraction": ExtractionResource(
            workers=settings.extract_workers or 0,
            timeout_seconds=settings.extract_timeout_seconds,
            memory_mb=settings.extract_memory_mb,
        ),
        "dbt": DbtResource(),
    }


DEFAULT_RESOURCES = {
    "warehouse": WarehouseResource(),
    "extraction": ExtractionResource(),
    "dbt": DbtResource(),
}
