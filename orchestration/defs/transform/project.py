"""The dbt project as dagster-dbt knows it (`DbtProject`), and how its manifest is prepared.

The manifest (dbt_project/target/manifest.json) is what the dbt assets are read from. `make manifest`
prepares it (`python -m orchestration.manifest`, run again when a file of the dbt project changes), and
`dagster dev` (`make dev`) prepares it again at each load of the code location, as dagster-dbt does during
development (`DbtProject.prepare_if_dev`, which runs the `dbt` found on PATH: `make dev` puts the
virtual environment's first).
"""

from dagster_dbt import DbtCliResource, DbtProject

from ... import settings as settings_module

DBT_PROJECT = DbtProject(
    project_dir=settings_module.DBT_PROJECT_DIR,
    profiles_dir=settings_module.DBT_PROJECT_DIR,
)
DBT_PROJECT.prepare_if_dev()


def prepare() -> None:
    """`make manifest`: `dbt parse` into the project's target folder, with the dbt beside this
    interpreter."""
    from ..resources import dbt_executable

    DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()).cli(
        ["parse", "--quiet"], target_path=DBT_PROJECT.target_path
    ).wait()
