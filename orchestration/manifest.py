"""`python -m orchestration.manifest` (`make manifest`): parse the dbt project again, writing the manifest
the dbt assets are read from (dbt_project/target/manifest.json), as dagster-dbt's `DbtProject` prepares
it (defs/transform/project.py)."""

import sys


def main() -> int:
    from orchestration.defs.transform.project import prepare

    prepare()
    return 0


if __name__ == "__main__":
    sys.exit(main())
