"""`make docs`: dbt's documentation of the warehouse (every model and column with its description, the
lineage from the extracted tables to the marts, and the exposures that use them) as one self-contained
HTML page, `docs/site/index.html`, that opens from disk without a server.

The catalog (column types as built) is read from the writer's warehouse (DUCKDB_PATH) when it exists,
holding the writer lock so a run in progress is waited for; without a warehouse the page is built from
the project alone.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from orchestration.lib.core import warehouse

from . import settings as settings_module

DEFAULT_OUTPUT = settings_module.REPO_ROOT / "docs" / "site"


def _dbt() -> str:
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def generate_command(target_path: Path, *, empty_catalog: bool) -> list[str]:
    project = str(settings_module.DBT_PROJECT_DIR)
    command = [
        _dbt(),
        "docs",
        "generate",
        "--static",
        "--quiet",
        "--project-dir",
        project,
        "--profiles-dir",
        project,
        "--target-path",
        str(target_path),
    ]
    return command + (["--empty-catalog"] if empty_catalog else [])


def build_docs(output_dir: Path = DEFAULT_OUTPUT, duckdb_path: Path | None = None) -> Path:
    """Write output_dir/index.html and return its path."""
    duckdb_path = duckdb_path or settings_module.load_or_exit().duckdb_path
    with tempfile.TemporaryDirectory(prefix="dbt-docs-") as scratch:
        target = Path(scratch) / "target"
        if duckdb_path.exists():
            env = {**os.environ, "DUCKDB_PATH": str(duckdb_path)}
            with warehouse.writer_lock(duckdb_path):
                subprocess.run(generate_command(target, empty_catalog=False), check=True, env=env)
        else:
            # dbt still opens a database; give it a throwaway one rather than creating DUCKDB_PATH
            env = {**os.environ, "DUCKDB_PATH": str(Path(scratch) / "empty.duckdb")}
            subprocess.run(generate_command(target, empty_catalog=True), check=True, env=env)
        output_dir.mkdir(parents=True, exist_ok=True)
        page = output_dir / "index.html"
        shutil.copyfile(target / "static_index.html", page)
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="folder for index.html")
    args = parser.parse_args(argv)
    page = build_docs(args.output)
    print(f"dbt docs: {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
