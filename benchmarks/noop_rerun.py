"""How long `make run` takes over a folder that did not change, and over one with a report added.

For each input folder (the seed reports in raw/, and the real PDFs in ../shared/corpus/pdf when present)
it copies all but one file into a temporary RAW_DIR and runs `make run` three times, each time in
temporary DUCKDB_PATH, PUBLISHED_DUCKDB_PATH and DAGSTER_HOME:

  full     the first build over the folder;
  noop     the same folder again, three times: nothing should be extracted, dbt and publishing skipped;
  add_one  the held-back file added: it alone should be extracted.

It prints the wall-clock seconds of each (make's own checks included), the load average when it
started (other work on the machine slows every figure) and how many ledger rows got a new
extracted_at, and writes them to benchmarks/results/noop_rerun.json. A benchmark, not a test: it
asserts nothing.

    .venv/bin/python benchmarks/noop_rerun.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "noop_rerun.json"
INPUTS = {
    "seeds": (REPO / "raw", "*.txt"),
    "corpus": (REPO.parent / "shared" / "corpus" / "pdf", "*.pdf"),
}


def extracted_at(duckdb_path: Path) -> dict[str, str]:
    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        rows = con.execute("SELECT source_file, extracted_at FROM audit.file_ledger").fetchall()
    finally:
        con.close()
    return {name: str(at) for name, at in rows}


def make_run(env: dict[str, str]) -> tuple[float, int, str]:
    started = time.monotonic()
    done = subprocess.run(["make", "run"], cwd=REPO, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    kept = ("checks:", "unchanged:", "published:", "not published:", "took")
    lines = [line.strip()[:160] for line in done.stdout.splitlines() if line.strip().startswith(kept)]
    return seconds, done.returncode, " / ".join(lines)


def bench(name: str, source: Path, pattern: str, work: Path) -> dict:
    files = sorted(source.glob(pattern))
    held_back, first = files[-1], files[:-1]
    raw = work / "raw"
    raw.mkdir(parents=True)
    for path in first:
        shutil.copy(path, raw / path.name)
    env = {
        **os.environ,
        "RAW_DIR": str(raw),
        "DUCKDB_PATH": str(work / "warehouse.duckdb"),
        "PUBLISHED_DUCKDB_PATH": str(work / "published" / "ofsted.duckdb"),
        "DAGSTER_HOME": str(work / "dagster_home"),
    }
    figures: dict = {"files": len(files)}
    before: dict[str, str] = {}
    for label in ("full", "noop", "noop_2", "noop_3", "add_one"):
        if label == "add_one":
            shutil.copy(held_back, raw / held_back.name)
        load = os.getloadavg()[0]
        seconds, code, tail = make_run(env)
        after = extracted_at(work / "warehouse.duckdb")
        changed = sorted(n for n, at in after.items() if before.get(n) != at)
        figures[label] = {
            "seconds": round(seconds, 1),
            "load_average_1min": round(load, 2),
            "make_exit_code": code,
            "files_with_new_extracted_at": len(changed),
            "summary": tail,
        }
        if label == "add_one":
            figures[label]["extracted"] = changed
        before = after
        print(
            f"{name:7} {label:8} {seconds:6.1f} s  load {load:4.1f}  exit {code}  "
            f"new extracted_at {len(changed)}",
            flush=True,
        )
    noops = sorted(figures[label]["seconds"] for label in ("noop", "noop_2", "noop_3"))
    figures["noop_seconds_min_median"] = [noops[0], noops[1]]
    return figures


def main() -> int:
    results: dict = {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(),
        },
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout.strip(),
    }
    for name, (source, pattern) in INPUTS.items():
        if not source.is_dir():
            print(f"{name}: {source} is absent, skipped")
            continue
        with tempfile.TemporaryDirectory(prefix=f"noop-{name}-") as work:
            results[name] = bench(name, source, pattern, Path(work))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
