"""`make dev`: the Dagster UI on http://127.0.0.1:DAGSTER_PORT (default 3000), with the RAW_DIR sensor on.

The settings are read and checked first (orchestration/settings.py): a value that cannot be used ends the
command with one line, before anything starts. The UI is then started as current Dagster documents it,
`dg dev` on the repository's workspace.yaml, from DAGSTER_HOME (where the instance's dagster.yaml is),
with this virtual environment's programs (dbt, dagster) first on PATH.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from . import settings as settings_module


def dagster_home() -> Path:
    """DAGSTER_HOME (default .dagster_home in the repository), holding the repository's dagster.yaml."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings_module.REPO_ROOT / ".dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    config = settings_module.REPO_ROOT / "dagster.yaml"
    if config.is_file() and not (home / "dagster.yaml").exists():
        shutil.copyfile(config, home / "dagster.yaml")
    return home


def command(port: int) -> list[str]:
    programs = Path(sys.executable).parent
    return [
        str(programs / "dg"),
        "dev",
        "--workspace",
        str(settings_module.REPO_ROOT / "workspace.yaml"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def main() -> int:
    settings = settings_module.load_or_exit()
    home = dagster_home()
    environment = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    print(f"Dagster UI: http://127.0.0.1:{settings.dagster_port} (reading {settings.raw_dir})", flush=True)
    # started from DAGSTER_HOME, Dagster finds the instance's dagster.yaml there and no other
    os.chdir(home)
    run = command(settings.dagster_port)
    os.execve(run[0], run, environment)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
