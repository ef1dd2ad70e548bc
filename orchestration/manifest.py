"""`python -m orchestration.manifest` (`make manifest`): parse the dbt project again, writing the manifest
Dagster reads the dbt graph from and the parse every new warehouse's first build starts from
(lib/dbt_build.py)."""

import sys

from . import settings
from .lib import dbt_build


def main() -> int:
    dbt_build.parse(settings.DBT_PROJECT_DIR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
