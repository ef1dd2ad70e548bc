"""A dbt process made ready before the build needs it.

Starting `dbt build` costs seconds before the first model runs: importing dbt (about 1.5 s) and parsing
the project (1 to 3 s). Those seconds used to come after extraction and parsing, on one core while the
other idled. `start` launches this module as a server while the last PDFs are being extracted: it
imports dbt, parses the project into a manifest and waits. The dbt step runs dagster-dbt as usual,
with `ofsted-dbt` (`client_main`, installed beside dbt) as its dbt executable: the client hands its
arguments, environment and output to the waiting server, which runs them with the parsed manifest and
returns dbt's exit code. Dagster reads the same JSON log lines either way.

When no server is waiting for this warehouse (a dbt step run on its own from the UI, a server that
failed to start), the client runs the real `dbt` in its place, so the warm server only ever saves time.
A server serves one build and then exits; it also exits when the process that started it ends, when
that process readies another warehouse file, or when no build came within WAIT_SECONDS.

The manifest is parsed when the server starts; the dbt project is not expected to change during a run.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WAIT_SECONDS = 3600
WAREHOUSE_MARKER = "warehouse_path.txt"
_servers: dict[str, subprocess.Popen] = {}
_stop_registered = False


def target_path_for(project_dir: Path, duckdb_path: Path) -> Path:
    """One dbt target folder per warehouse file, reused run after run: dbt's partial parse then skips
    re-reading an unchanged project, and the folder does not grow by one copy per run. Folders of
    warehouse files that no longer exist (a test's temporary one, say) are removed."""
    digest = hashlib.sha256(str(duckdb_path).encode()).hexdigest()[:10]
    target = project_dir / "target" / f"run-{digest}"
    target.mkdir(parents=True, exist_ok=True)
    (target / WAREHOUSE_MARKER).write_text(str(duckdb_path), encoding="utf-8")
    for folder in target.parent.glob("run-*"):
        marker = folder / WAREHOUSE_MARKER
        if folder != target and marker.is_file() and not Path(marker.read_text(encoding="utf-8")).exists():
            shutil.rmtree(folder, ignore_errors=True)
    return target


def parse_target_for(project_dir: Path, duckdb_path: Path) -> Path:
    """Where the server parses the project, shared by every warehouse file of the same name.

    dbt's parse depends on the warehouse file only through its name (DuckDB calls the database after the
    file's stem, and every relation in the manifest names it), but dbt keeps its partial parse only while
    the profile is unchanged, path included: parsed in each warehouse's own target folder, a new file (an
    empty warehouse somewhere else, a test's temporary one) would cost a full parse, about 3 s instead of
    1 s. So the server parses as if for `parse-<stem>/<name>`, a file that is never opened, and hands that
    manifest to the build, which connects to the real file. This holds while no model reads the profile's
    path at parse time (`target.path` in Jinja); one that did would see the stand-in's."""
    return project_dir / "target" / f"parse-{duckdb_path.stem}"


def socket_path(target_path: Path | str) -> str:
    """Where the server for a dbt target folder listens (short: a socket's path is limited to ~100 bytes)."""
    digest = hashlib.sha256(os.fspath(target_path).encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"ofsted-dbt-{digest}.sock")


def start(project_dir: Path, duckdb_path: Path) -> None:
    """Start a server for the warehouse at duckdb_path, unless one is already waiting for it."""
    target = target_path_for(project_dir, duckdb_path)
    key = os.fspath(target)
    running = _servers.pop(key, None)
    if running is not None and running.poll() is None:
        _servers[key] = running
        return
    stop()  # one waiting server per process: one for another warehouse file was not used
    parse_target = parse_target_for(project_dir, duckdb_path)
    # the project is parsed as for a file of the same name in parse_target; the build gets the real path
    env = {**os.environ, "DUCKDB_PATH": str(parse_target / duckdb_path.name), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    _servers[key] = subprocess.Popen(
        [sys.executable, "-m", "orchestration.lib.dbt_warm", key, str(project_dir), str(os.getpid()), str(parse_target)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        cwd=project_dir, env=env,
    )
    global _stop_registered
    if not _stop_registered:
        atexit.register(stop)
        _stop_registered = True


def stop() -> None:
    """End the servers this process started that no build used."""
    for process in _servers.values():
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
    _servers.clear()


# --- the server ----------------------------------------------------------------------------------------


def serve(target: str, project_dir: str, parent_pid: int, parse_target: str) -> int:
    path = socket_path(target)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)  # bound before dbt loads: a build arriving early waits in the backlog
    listener.listen(1)
    try:
        from dbt.cli.main import dbtRunner

        manifest = None
        # --no-write-json: the build writes its own manifest; this parse keeps only dbt's partial parse
        parsed = dbtRunner().invoke(
            ["parse", "--quiet", "--no-write-json", "--project-dir", project_dir, "--profiles-dir", project_dir,
             "--target-path", parse_target]
        )
        if parsed.success:
            manifest = parsed.result  # otherwise the build parses again and reports the error itself
        connection = _accept(listener, parent_pid)
        if connection is None:
            return 0
        with connection:
            return _build(connection, dbtRunner, manifest)
    finally:
        listener.close()
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def _accept(listener: socket.socket, parent_pid: int) -> socket.socket | None:
    """The one build's connection; None once the starting process has ended or nothing came in time."""
    listener.settimeout(1.0)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            if os.getppid() != parent_pid:
                return None
            continue
        connection.settimeout(None)
        return connection
    return None


def _build(connection: socket.socket, runner_class, manifest) -> int:
    message, descriptors = _receive(connection)
    request = json.loads(message)
    connection.sendall(b"R")  # taken: from here on the client waits for this build's exit code
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    output = descriptors[0]
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    sys.stdout.reconfigure(line_buffering=True)  # dagster-dbt reads the log line by line, as dbt prints it
    try:
        result = runner_class(manifest=manifest).invoke(request["args"])
        code = 0 if result.success else (2 if result.exception is not None else 1)
        if result.exception is not None and not result.success:
            print(f"dbt failed: {type(result.exception).__name__}: {result.exception}", file=sys.stderr)
    except BaseException as error:  # noqa: BLE001  the client must get a code whatever happened
        print(f"dbt failed: {type(error).__name__}: {error}", file=sys.stderr)
        code = 2
    _let_go_of_warehouse()
    _end_output()
    connection.sendall(bytes([code]))
    return code


def _let_go_of_warehouse() -> None:
    """Close dbt-duckdb's connection, which it otherwise keeps until the process exits, so that the
    warehouse file is free by the time the client returns and the next step opens it."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    DuckDBConnectionManager.close_all_connections()


def _end_output() -> None:
    """Let go of the build's output (the step reads it until every writer has closed it), rather than
    holding it through this process's exit, which tears dbt's modules down for about half a second."""
    sys.stdout.flush()
    sys.stderr.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def _receive(connection: socket.socket) -> tuple[bytes, list[int]]:
    size_and_descriptors = socket.recv_fds(connection, 8, 1)
    header, descriptors = size_and_descriptors[0], size_and_descriptors[1]
    size = int.from_bytes(header, "big")
    chunks, remaining = [], size
    while remaining:
        chunk = connection.recv(min(remaining, 1 << 20))
        if not chunk:
            raise ConnectionError("the client went away")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks), descriptors


# --- the client: what dagster-dbt runs as its dbt executable ----------------------------------------


def client_main() -> int:
    """`ofsted-dbt ARGS...`: dbt ARGS, by the waiting server when there is one, else by dbt itself."""
    args = sys.argv[1:]
    target = os.environ.get("DBT_TARGET_PATH")
    connection = None
    if target and args and args[0] == "build":
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(socket_path(target))
        except OSError:
            connection.close()
            connection = None
    if connection is None:
        _run_dbt_itself(args)
    with connection:
        sys.stdout.flush()
        body = json.dumps({"args": args, "env": dict(os.environ), "cwd": os.getcwd()}).encode()
        socket.send_fds(connection, [len(body).to_bytes(8, "big")], [sys.stdout.fileno()])
        connection.sendall(body)
        taken = connection.recv(1)
        code = connection.recv(1) if taken else b""
    if not taken:  # the server ended before taking the build (dbt failed to load): dbt itself runs it
        _run_dbt_itself(args)
    if not code:
        print("dbt: the prepared dbt process ended in the middle of the build", file=sys.stderr)
        return 2
    return code[0]


def _run_dbt_itself(args: list[str]) -> None:
    real = Path(sys.executable).parent / "dbt"
    executable = str(real) if real.exists() else (shutil.which("dbt") or "dbt")
    os.execv(executable, [executable, *args])


if __name__ == "__main__":
    exit_code = serve(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
    # leave without tearing dbt's modules down object by object; the exit handlers still run
    atexit._run_exitfuncs()
    os._exit(exit_code)
