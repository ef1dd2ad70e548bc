"""`make dev`: the Dagster UI on http://127.0.0.1:DAGSTER_PORT (default 3000), with the RAW_DIR sensor on.

The settings are read and checked first (orchestration/settings.py): a value that cannot be used ends the
command with one line, before anything starts. The UI is then started as current Dagster documents it,
`dg dev` on the repository's workspace.yaml, from the warehouse's run history (DAGSTER_HOME, else
`<name>.dagster` beside DUCKDB_PATH: orchestration/dagster_home.py, where the instance's dagster.yaml is),
with this virtual environment's programs (dbt, dagster) first on PATH.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from . import settings as settings_module
from .dagster_home import prepare


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
    home = prepare(settings.duckdb_path)  # this warehouse's own run history
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
