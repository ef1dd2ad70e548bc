"""`python -m orchestration.manifest` (`make manifest`): parse the dbt project again, writing the manifest
Dagster reads the dbt graph from and the parse every new warehouse's first build starts from
(lib/transform/dbt_build.py)."""

import sys

from orchestration.lib.transform import dbt_build

from . import settings


def main() -> int:
    dbt_build.parse(settings.DBT_PROJECT_DIR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
