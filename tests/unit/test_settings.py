"""Settings: read from .env as dotenv reads it, the environment over it, checked before any work, and
handed to the assets as the `warehouse` resource, which the launchpad can change for one run."""

import subprocess
import sys

import pytest

from orchestration import settings
from orchestration.settings import SettingsError, load
from tests.support import REPO, environment


def test_env_file_is_read_as_dotenv_reads_it_and_the_environment_wins(tmp_path, monkeypatch):
    raw = tmp_path / "my reports"
    env_file = tmp_path / ".env"
    env_file.write_text(
        f'# where the reports are\nRAW_DIR = "{raw}"\nexport MAX_FILE_MB=7\nPULL_CONTACT="a b" # me\n',
        encoding="utf-8",
    )
    for name in settings.DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    loaded = load(env_file=env_file)
    assert loaded.raw_dir == raw and loaded.max_file_mb == 7 and loaded.pull_contact == "a b"
    monkeypatch.setenv("MAX_FILE_MB", "9")
    assert load(env_file=env_file).max_file_mb == 9


@pytest.mark.parametrize(
    "values, named, expected",
    [
        ({"MAX_HELD_BACK_SHARE": "abc"}, "MAX_HELD_BACK_SHARE='abc'", "a number"),
        ({"MAX_HELD_BACK_SHARE": "1.5"}, "MAX_HELD_BACK_SHARE=1.5", "from 0 to 1"),
        ({"MAX_FILE_MB": "0"}, "MAX_FILE_MB=0", "greater than 0"),
        ({"EXTRACT_TIMEOUT_SECONDS": "-3"}, "EXTRACT_TIMEOUT_SECONDS=-3.0", "greater than 0"),
        ({"EXTRACT_WORKERS": "0"}, "EXTRACT_WORKERS=0", "1 or more"),
        ({"RETRY": "maybe"}, "RETRY='maybe'", "1 or 0"),
        ({"DAGSTER_PORT": "70000"}, "DAGSTER_PORT=70000", "a port number"),
        (
            {"DUCKDB_PATH": "/tmp/x/a.duckdb", "PUBLISHED_DUCKDB_PATH": "/tmp/x/a.duckdb"},
            "PUBLISHED",
            "other",
        ),
        ({"RAW_DIR": "/tmp/pub/raw", "PUBLISHED_DUCKDB_PATH": "/tmp/pub/o.duckdb"}, "RAW_DIR=", "outside"),
        (
            {"RAW_DIR": "/tmp/pub", "PUBLISHED_DUCKDB_PATH": "/tmp/pub/o.duckdb"},
            "RAW_DIR=/tmp/pub",
            "outside",
        ),
    ],
)
def test_an_unusable_setting_is_one_line_naming_it_its_value_and_what_is_expected(values, named, expected):
    with pytest.raises(SettingsError) as raised:
        load(values, env_file=None)
    message = str(raised.value)
    assert "\n" not in message and named in message and expected in message


def test_make_run_stops_on_an_unusable_setting_before_any_work(tmp_path):
    published = tmp_path / "published" / "ofsted.duckdb"
    with environment(
        MAX_HELD_BACK_SHARE="abc",
        DUCKDB_PATH=str(tmp_path / "w.duckdb"),
        PUBLISHED_DUCKDB_PATH=str(published),
        DAGSTER_HOME=str(tmp_path / "home"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "orchestration.run"], cwd=REPO, capture_output=True, text=True, timeout=120
        )
    assert done.returncode == 2
    assert done.stderr.strip() == "setting MAX_HELD_BACK_SHARE='abc': expected a number"
    assert not (tmp_path / "w.duckdb").exists() and not published.parent.exists()


def test_the_launchpad_can_set_raw_dir_the_published_path_and_the_share_for_one_run():
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.defs.resources import WarehouseResource

    job = defs.resolve_job_def("warehouse")
    config = {
        "resources": {
            "warehouse": {
                "config": {
                    "raw_dir": "/data/raw",
                    "published_duckdb_path": "/srv/ofsted.duckdb",
                    "max_held_back_share": 0.1,
                }
            }
        }
    }
    assert dg.validate_run_config(job, config)["resources"]["warehouse"]["config"]["raw_dir"] == "/data/raw"
    chosen = WarehouseResource(**config["resources"]["warehouse"]["config"]).settings()
    assert str(chosen.raw_dir) == "/data/raw" and chosen.max_held_back_share == 0.1
    assert chosen.duckdb_path == settings.loaded().duckdb_path  # the rest as loaded at start
    with pytest.raises(dg.Failure, match="MAX_HELD_BACK_SHARE=2.0: expected"):
        WarehouseResource(max_held_back_share=2).settings()


def test_no_module_but_the_loader_reads_a_setting_from_the_environment():
    names = set(settings.DEFAULTS)
    readers = []
    for path in (REPO / "orchestration").rglob("*.py"):
        if path.name == "settings.py" and path.parent.name == "orchestration":
            continue
        text = path.read_text(encoding="utf-8")
        for name in names:
            if f'environ.get("{name}"' in text or f'environ["{name}"]' in text or f'getenv("{name}"' in text:
                readers.append(f"{path.relative_to(REPO)}: {name}")
    assert readers == []
