"""`dbt build` through dbt's programmatic entry point (`dbtRunner`), in a process forked from this one,
with each node's outcome and row count.

Why a fork: the process that runs the warehouse has imported dbt already (dagster-dbt reads the manifest
with it), and a fork starts with everything imported. A fresh dbt process imports dbt again (3 s on these
machines), and starting one through dagster-dbt's resource also runs `dbt --version` in a process of its
own (2 s) and readies a second copy of the adapter here (1 s): about 6 s of every build, a quarter of
adding one report to a warehouse of 400 (BENCHMARKS.md). Why not in this process: dbt handles only
Ctrl-C itself, so a run stopped any other way would leave dbt's worker thread writing to the warehouse;
and dbt-duckdb keeps the file open until its process ends. A child process ends with its build, and is
ended at once when the run stops (`build` terminates it on any exception, an interrupt included).
"""

from __future__ import annotations

import json
import multiprocessing
import re
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# What the post-hook `log_row_count` (dbt_project/macros/log_row_count.sql) says after each model and seed.
_ROW_COUNT = re.compile(r"^rows in \S+: (\d+)$")
# How long a child asked to stop may take before it is killed
_STOP_SECONDS = 1.0


@dataclass(frozen=True)
class NodeOutcome:
    unique_id: str
    status: str  # dbt's word: success, error, skipped (models, seeds); pass, fail, warn, error (tests)
    message: str
    seconds: float
    failures: int | None  # rows a test found, when it is a test
    rows: int | None  # rows the relation holds after the build, when the post-hook counted them


@dataclass
class Build:
    success: bool
    nodes: list[NodeOutcome] = field(default_factory=list)
    error: str | None = None  # why dbt could not run at all (the project, the profile, the file)


def build(
    project_dir: Path,
    target_path: Path,
    arguments: Sequence[str],
    variables: dict[str, str],
) -> Build:
    """Run `dbt build <arguments>` on the project in a forked child, its artefacts and log in
    `target_path`; wait for its outcome. Whatever stops the wait (an interrupt, an error) ends the child
    first and is raised again."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child,
        args=(sender, project_dir, target_path, list(arguments), variables),
        name="dbt build",
        daemon=True,
    )
    child.start()
    sender.close()
    try:
        try:
            outcome = receiver.recv()
        except EOFError:
            child.join()
            return Build(
                success=False, error=f"dbt's process ended without a result (exit code {child.exitcode})"
            )
        child.join()
        return outcome
    except BaseException:
        if child.is_alive():
            child.terminate()
            child.join(_STOP_SECONDS)
            if child.is_alive():
                child.kill()
                child.join()
        raise
    finally:
        receiver.close()


def _child(sender, project_dir: Path, target_path: Path, arguments: list[str], variables: dict) -> None:
    # the run decides when dbt stops: Ctrl-C at the terminal reaches this process too, and is left to the
    # parent, which then sends SIGTERM; dbt takes that as it takes Ctrl-C (it cancels the query in flight
    # and stops), and the process ends as a finished one does, leaving nothing behind
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        outcome = _run(project_dir, target_path, arguments, variables)
    except KeyboardInterrupt:
        return
    try:
        sender.send(outcome)
    except OSError:
        pass  # the parent stopped waiting
    finally:
        sender.close()


def _run(project_dir: Path, target_path: Path, arguments: list[str], variables: dict) -> Build:
    from dbt.cli.main import dbtRunner

    rows: dict[str, int] = {}

    def listen(event) -> None:
        if event.info.name != "JinjaLogInfo":
            return
        counted = _ROW_COUNT.match(event.info.msg or "")
        node = getattr(getattr(event.data, "node_info", None), "unique_id", "")
        if counted and node:
            rows[node] = int(counted.group(1))

    outcome = dbtRunner(callbacks=[listen]).invoke(
        [
            "build",
            *arguments,
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
            "--target-path",
            str(target_path),
            "--log-path",
            str(target_path),
            "--vars",
            json.dumps(variables),
            "--quiet",
        ]
    )
    nodes = [
        NodeOutcome(
            unique_id=result.node.unique_id,
            status=str(getattr(result.status, "value", result.status)),
            message=" ".join(str(result.message or "").split()),
            seconds=round(result.execution_time or 0.0, 3),
            failures=result.failures if result.node.resource_type == "test" else None,
            rows=rows.get(result.node.unique_id),
        )
        for result in getattr(outcome.result, "results", None) or []
    ]
    error = None
    if outcome.exception is not None:
        error = " ".join(f"{type(outcome.exception).__name__}: {outcome.exception}".split())
    return Build(success=outcome.success, nodes=nodes, error=error)
