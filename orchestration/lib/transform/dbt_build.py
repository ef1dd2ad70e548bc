"""`dbt build` through dbt's programmatic entry point (`dbtRunner`), in a process forked from this one,
with each node's outcome and row count as dbt finishes it.

Why a fork: the process that runs the warehouse has imported dbt already (dagster-dbt reads the manifest
with it), and a fork starts with everything imported. A fresh dbt process imports dbt again (3 s on these
machines), and starting one through dagster-dbt's resource also runs `dbt --version` in a process of its
own (2 s) and readies a second copy of the adapter here (1 s): about 6 s of every build, a quarter of
adding one report to a warehouse of 400 (BENCHMARKS.md). Why not in this process: dbt handles only
Ctrl-C itself, so a run stopped any other way would leave dbt's worker thread writing to the warehouse;
and dbt-duckdb keeps the file open until its process ends. A child process ends with its build, and is
ended at once when the run stops (`build` stops it whenever its caller stops listening).

Each node's outcome is sent to this process as soon as dbt finishes the node, so the run records it
(in Dagster's run history, on the other core) while dbt goes on with the next one.

dbt runs in the warehouse file's folder and is told the file's name only. dbt reuses its parse of the
project (`partial_parse.msgpack`) only under the same profile, and the profile names the file: named
relative to its folder, a parse made for one warehouse serves every warehouse of the same name. A build
in a target folder that has no parse yet starts from the project's own (`parse` writes it, for files
named PARSED_FOR), which saves dbt reading the whole project again (2.5 s of the first build).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# What the post-hook `log_row_count` (dbt_project/macros/log_row_count.sql) says after each model and seed.
_ROW_COUNT = re.compile(r"^rows in \S+: (\d+)$")
# How long a child asked to stop may take before it is killed
_STOP_SECONDS = 1.0
# The warehouse file name the project's own parse is made for: the default DUCKDB_PATH's
PARSED_FOR = "warehouse.duckdb"
# dbt's record of a parse, in a target folder
_PARSE_RECORD = "partial_parse.msgpack"
# Where a target folder keeps the manifest of its last successful build
_LAST_BUILD = "last-build"


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
    project_dir: Path, target_path: Path, arguments: Sequence[str], warehouse: Path
) -> Iterator[NodeOutcome | Build]:
    """Run `dbt build <arguments>` on the project against the DuckDB file `warehouse`, in a forked child,
    its artefacts and log in `target_path`. Yields each node's outcome as dbt finishes it, then the
    `Build` (every node's outcome, and whether dbt succeeded) as the last item. Whatever stops the
    iteration early (an interrupt, an error, the caller closing it) ends the child first."""
    project_dir, target_path, warehouse = (Path(p).absolute() for p in (project_dir, target_path, warehouse))
    target_path.mkdir(parents=True, exist_ok=True)
    _start_from_project_parse(project_dir, target_path)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child,
        args=(sender, receiver, project_dir, target_path, list(arguments), warehouse),
        name="dbt build",
        daemon=True,
    )
    child.start()
    sender.close()
    try:
        sent: set[str] = set()
        while True:
            try:
                message = receiver.recv()
            except EOFError:
                child.join()
                yield Build(
                    success=False, error=f"dbt's process ended without a result (exit code {child.exitcode})"
                )
                return
            if isinstance(message, Build):
                child.join()
                # a node dbt did not announce (none is expected) is still reported, before the end
                yield from (node for node in message.nodes if node.unique_id not in sent)
                yield message
                return
            sent.add(message.unique_id)
            yield message
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
            child.join(_STOP_SECONDS)
            if child.is_alive():
                child.kill()
                child.join()


def parse(project_dir: Path) -> None:
    """dbt's manifest and parse of the project, in its `target` folder, for warehouse files named
    PARSED_FOR (a process of its own: this one may be about to load the manifest)."""
    subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--quiet",
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
            "--target-path",
            str(Path(project_dir) / "target"),
            "--vars",
            json.dumps({"duckdb_path": PARSED_FOR}),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def keep_as_last_build(target_path: Path) -> None:
    """Keep the manifest of the build just finished in `target_path` as its last successful build's,
    for dbt's `--state` (what changed since)."""
    kept = target_path / _LAST_BUILD
    kept.mkdir(exist_ok=True)
    partial = kept / "manifest.json.copying"
    shutil.copyfile(target_path / "manifest.json", partial)
    os.replace(partial, kept / "manifest.json")


def forget_last_build(target_path: Path) -> None:
    """Forget the last successful build kept in `target_path`: the next build is whole."""
    shutil.rmtree(target_path / _LAST_BUILD, ignore_errors=True)


def last_build(target_path: Path) -> Path | None:
    """The folder holding the manifest of the last successful build kept in `target_path`, if any."""
    kept = target_path / _LAST_BUILD
    return kept if (kept / "manifest.json").is_file() else None


def dbt_executable() -> str:
    """The dbt beside this interpreter, so the UI works when started without an activated venv."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def _start_from_project_parse(project_dir: Path, target_path: Path) -> None:
    own = project_dir / "target" / _PARSE_RECORD
    kept = target_path / _PARSE_RECORD
    if kept.exists() or not own.is_file() or own.parent == target_path:
        return
    # dbt checks the parse it finds against the project and profile, and parses afresh if they differ
    partial = kept.with_suffix(".copying")
    shutil.copyfile(own, partial)
    os.replace(partial, kept)


def _child(
    sender, receiver, project_dir: Path, target_path: Path, arguments: list[str], warehouse: Path
) -> None:
    # the run decides when dbt stops: Ctrl-C at the terminal reaches this process too, and is left to the
    # parent, which then sends SIGTERM; dbt takes that as it takes Ctrl-C (it cancels the query in flight
    # and stops), and the process ends as a finished one does, leaving nothing behind
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # only the parent reads: with this end closed here, a parent that died (kill -9) makes the next send
    # fail rather than wait for a reader forever, still holding the warehouse
    receiver.close()
    os.chdir(warehouse.parent)
    sending = threading.Lock()
    parent_gone = threading.Event()

    def send(message) -> None:
        if parent_gone.is_set():
            return
        try:
            with sending:
                sender.send(message)
        except OSError:
            # nobody to build for: stop dbt as Ctrl-C would, and end
            parent_gone.set()
            os.kill(os.getpid(), signal.SIGTERM)

    try:
        send(_run(project_dir, target_path, arguments, warehouse.name, send))
    except KeyboardInterrupt:
        return
    finally:
        sender.close()


def _run(project_dir: Path, target_path: Path, arguments: list[str], warehouse_name: str, send) -> Build:
    from dbt.cli.main import dbtRunner

    rows: dict[str, int] = {}

    def outcome_of(unique_id: str, resource_type: str, status: str, result, failures) -> NodeOutcome:
        """One node's outcome, from dbt's event as the node ends or its result at the end of the build."""
        return NodeOutcome(
            unique_id=unique_id,
            status=status,
            message=" ".join(str(result.message or "").split()),
            seconds=round(result.execution_time or 0.0, 3),
            failures=failures if resource_type == "test" else None,
            rows=rows.get(unique_id),
        )

    def listen(event) -> None:
        name = event.info.name
        if name == "JinjaLogInfo":
            counted = _ROW_COUNT.match(event.info.msg or "")
            node = getattr(getattr(event.data, "node_info", None), "unique_id", "")
            if counted and node:
                rows[node] = int(counted.group(1))
        elif name == "NodeFinished":
            info, result = event.data.node_info, event.data.run_result
            send(outcome_of(info.unique_id, info.resource_type, result.status, result, result.num_failures))

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
            json.dumps({"duckdb_path": warehouse_name}),
            "--quiet",
        ]
    )
    nodes = [
        outcome_of(
            result.node.unique_id,
            result.node.resource_type,
            str(getattr(result.status, "value", result.status)),
            result,
            result.failures,
        )
        for result in getattr(outcome.result, "results", None) or []
    ]
    error = None
    if outcome.exception is not None:
        error = " ".join(f"{type(outcome.exception).__name__}: {outcome.exception}".split())
    return Build(success=outcome.success, nodes=nodes, error=error)
