"""Fixtures shared by the tests of what readers get: the warehouse published from the seed reports,
built once per test session, and an old DuckDB release as bundled in BI drivers."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import REPO, Build, build_warehouse

# The oldest release the published file promises to open in (see orchestration/lib/publish/publication.py).
OLD_DUCKDB_VERSION = "1.1.3"
OLD_DUCKDB_DIR = REPO / ".cache" / f"duckdb-{OLD_DUCKDB_VERSION}"


@pytest.fixture(scope="session")
def seed_text_build(tmp_path_factory) -> Build:
    """The warehouse job over the five seed reports under raw/, built once for every test that only reads
    it."""
    work = tmp_path_factory.mktemp("seed-text")
    raw = work / "raw"
    shutil.copytree(REPO / "raw", raw)
    return build_warehouse(raw, work)


@pytest.fixture(scope="session")
def published_seed_warehouse(seed_text_build) -> Build:
    """The same build, for tests that need it to have published."""
    assert seed_text_build.result.success, [e.description for e in seed_text_build.failed_checks()]
    return seed_text_build


def install_old_duckdb(target: Path = OLD_DUCKDB_DIR) -> str | None:
    """Install duckdb==OLD_DUCKDB_VERSION into `target` (apart from the project's own environment) when
    it is not there yet; `make test` does this first. Returns why it could not, or None."""
    if (target / "duckdb" / "__init__.py").exists():
        return None
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--target",
        str(target),
        f"duckdb=={OLD_DUCKDB_VERSION}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        return result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "pip failed"
    return None


@pytest.fixture(scope="session")
def old_duckdb_path() -> Path:
    """A folder holding duckdb OLD_DUCKDB_VERSION, for PYTHONPATH of a child process."""
    problem = install_old_duckdb()
    if problem:
        pytest.skip(f"duckdb {OLD_DUCKDB_VERSION} could not be installed from the package index: {problem}")
    return OLD_DUCKDB_DIR


GUIDE = REPO / "docs" / "analyst-guide.md"


def guide_queries(path: Path = GUIDE) -> list[tuple[str, str]]:
    """Every ```sql block of the analyst's guide, with the heading it sits under: [(heading, sql)]."""
    queries, heading, block = [], "", None
    for line in path.read_text(encoding="utf-8").splitlines():
        if block is not None:
            if line.strip() == "```":
                queries.append((heading, "\n".join(block)))
                block = None
            else:
                block.append(line)
        elif line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.strip() == "```sql":
            block = []
    return queries
