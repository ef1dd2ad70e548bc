"""Where a warehouse keeps its run history (DAGSTER_HOME), so the UI of one warehouse never shows the
runs of another: DAGSTER_HOME when it is set, else the folder `<name>.dagster` beside the working
warehouse DUCKDB_PATH (data/warehouse.dagster for the default data/warehouse.duckdb).

`python -m orchestration.dagster_home` creates it (with the repository's dagster.yaml) and prints its
path: `make dev` serves the UI of that history, and `make run` records its runs there.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from . import settings as settings_module


def dagster_home_for(duckdb_path: Path) -> Path:
    """The run history of the warehouse whose working file is `duckdb_path`: `<name>.dagster` beside it."""
    return duckdb_path.with_name(f"{duckdb_path.stem}.dagster")


def prepare(duckdb_path: Path, repo_root: Path = settings_module.REPO_ROOT) -> Path:
    """DAGSTER_HOME when set, else the warehouse's own (`dagster_home_for`): created, given the
    repository's dagster.yaml when it has none, and set in this process's environment."""
    home = Path(os.environ.get("DAGSTER_HOME") or dagster_home_for(duckdb_path)).expanduser()
    if not home.is_absolute():
        home = repo_root / home
    home.mkdir(parents=True, exist_ok=True)
    config, target = repo_root / "dagster.yaml", home / "dagster.yaml"
    if config.exists() and not target.exists():
        shutil.copyfile(config, target)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


if __name__ == "__main__":
    print(prepare(settings_module.load().duckdb_path))
    sys.exit(0)
