"""The run history's SQLite files (orchestration/defs/run_history.py): kept connections, a bounded number
of open files, and every event still written and read back."""

import os
import shutil

import dagster as dg

from orchestration.defs import run_history
from tests.support import REPO, environment


@dg.asset
def tiny() -> int:
    return 1


def _open_history_files() -> set[str]:
    names = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.endswith(".db"):
            names.add(target)
    return names


def test_many_runs_are_recorded_with_a_bounded_number_of_history_files_open(tmp_path):
    run_history.install()
    shutil.copy(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    runs = run_history.OPEN_FILES + 4
    with environment(DAGSTER_HOME=str(tmp_path)):
        with dg.DagsterInstance.get() as instance:
            before = _open_history_files()
            results = [dg.materialize([tiny], instance=instance) for _ in range(runs)]
            assert all(result.success for result in results)
            opened = {name for name in _open_history_files() - before if name.startswith(str(tmp_path))}
            # a run's file and the index at least were opened; never more than OPEN_FILES stay open
            assert 2 <= len(opened) <= run_history.OPEN_FILES

            # every run's events were written and read back, also those of runs whose file was closed
            for result in results:
                events = instance.all_logs(result.run_id)
                assert any(e.dagster_event and e.dagster_event.is_step_success for e in events)
            record = instance.get_latest_materialization_event(dg.AssetKey("tiny"))
            assert record is not None and record.run_id == results[-1].run_id
