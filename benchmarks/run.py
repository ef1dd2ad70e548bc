"""`make bench`: how fast the warehouse is against the physical limit of its slowest part.

The slowest part is pdfminer.six. The reference is plain pdfminer on the same files, in one process, one
file after the other (`pdfminer.high_level.extract_text`), timed in the same session as the pipeline, so
that the ratio of the two holds even on a machine shared with other work. For each corpus:

  reference    plain single-process pdfminer over the corpus's PDFs (wall seconds, pages, pages/s, peak RSS);
  full         `python -m orchestration.run` (what `make run` runs) from an empty warehouse: wall seconds,
               seconds per Dagster step, the rest (start-up, loading definitions, the summary), pages/s,
               peak memory of the whole process tree (RSS summed over the run and its children, sampled);
  ratio        full / reference, per repetition; medians over repetitions;
  noop         the same command again over the unchanged folder;
  accuracy     (generated corpora) the published marts against the generator's truth, field by field.

  add_one      (the real corpus) one new PDF report dropped into the built folder, and the run that adds it.

The real corpus is the scale users have: every real PDF in ../shared (the archive's 363 and the corpus's
48, 411 reports), when present. Generated corpora (benchmarks/generate.py, sizes `--sizes`, share of PDFs
`--pdf-share`) measure accuracy against a known truth and larger sizes; `--add-one-sizes` also times
adding one report to generated warehouses of those sizes. Results go to benchmarks/results/bench-<time>.json
(and latest.json), and BENCHMARKS.md is rewritten from them. Timings only: nothing here asserts.

    .venv/bin/python benchmarks/run.py                                  # the defaults of `make bench`
    .venv/bin/python benchmarks/run.py --runs 3                         # three repetitions of the real corpus
    .venv/bin/python benchmarks/run.py --no-corpus --sizes 1000 --add-one-sizes 100,1000  # generated
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.generate import generate  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
SHARED = REPO.parent / "shared"
REAL_CORPORA = {"archive": SHARED / "archive" / "pdf", "corpus": SHARED / "corpus" / "pdf"}
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

TARGETS = {
    "real_corpus_ratio": 0.55,
    "noop_seconds": 5.0,
    "add_one_real_seconds": 20.0,
    "peak_memory_mb": 2048,
}


# --- measuring a process tree ---------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                parent = int(handle.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _tree_rss(root: int) -> int:
    tree = _children()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            pass
        stack.extend(tree.get(pid, []))
    return total


class Sampler(threading.Thread):
    """Largest resident memory of a process and all its descendants together, sampled every 0.2 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self._done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, _tree_rss(self.pid))
            self._done.wait(0.2)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


def timed(command: list[str], env: dict[str, str]) -> dict:
    """Wall seconds, CPU seconds (user + system, of the process and every descendant it waited for:
    the figure that does not depend on what else the machine is doing) and peak memory of a command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sampler = Sampler(process.pid)
    sampler.start()
    output = process.communicate()[0].decode("utf-8", "replace")
    seconds = time.monotonic() - started
    peak = sampler.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "exit_code": process.returncode,
        "peak_rss_mb": round(peak / 2**20, 1),
        "output": output,
    }


# --- the reference ---------------------------------------------------------------------------------------

REFERENCE_SCRIPT = r"""
import json, sys, time
from pdfminer.high_level import extract_text
from pdfminer.pdfpage import PDFPage
paths = sys.argv[1:]
started = time.monotonic()
pages = 0
for path in paths:
    extract_text(path)
seconds = time.monotonic() - started
for path in paths:
    with open(path, "rb") as handle:
        pages += sum(1 for _ in PDFPage.get_pages(handle))
print(json.dumps({"extract_seconds": seconds, "pages": pages}))
"""


def reference(pdfs: list[Path]) -> dict:
    """Plain pdfminer, one process, one file after the other."""
    if not pdfs:
        return {"seconds": 0.0, "pages": 0, "files": 0, "peak_rss_mb": 0.0}
    result = timed([sys.executable, "-c", REFERENCE_SCRIPT, *map(str, pdfs)], dict(os.environ))
    figures = json.loads(result["output"].strip().splitlines()[-1])
    return {
        "seconds": result["seconds"],
        "cpu_seconds": result["cpu_seconds"],
        "extract_seconds": round(figures["extract_seconds"], 2),
        "pages": figures["pages"],
        "files": len(pdfs),
        "peak_rss_mb": result["peak_rss_mb"],
        "pages_per_second": round(figures["pages"] / result["seconds"], 1),
    }


# --- the pipeline ----------------------------------------------------------------------------------------


def environment(work: Path, raw: Path, workers: int | None) -> dict[str, str]:
    env = {
        **os.environ,
        "RAW_DIR": str(raw),
        "DUCKDB_PATH": str(work / "warehouse.duckdb"),
        "PUBLISHED_DUCKDB_PATH": str(work / "published" / "ofsted.duckdb"),
        "DAGSTER_HOME": str(work / "dagster_home"),
    }
    if workers:
        env["EXTRACT_WORKERS"] = str(workers)
    Path(env["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "dagster.yaml", Path(env["DAGSTER_HOME"]) / "dagster.yaml")
    return env


def pipeline(env: dict[str, str]) -> dict:
    """One `python -m orchestration.run`, with the time of each Dagster step it ran."""
    known = _run_ids(env["DAGSTER_HOME"])
    result = timed([sys.executable, "-m", "orchestration.run"], env)
    steps = _step_seconds(env["DAGSTER_HOME"], exclude=known)
    in_runs = sum(steps.pop("_runs", {}).values())
    result["steps"] = steps
    result["outside_runs_seconds"] = round(result["seconds"] - in_runs, 2)
    tail = [line.strip() for line in result.pop("output").splitlines() if line.strip()]
    result["summary"] = [
        line
        for line in tail
        if line.startswith(("files:", "checks:", "unchanged", "published", "not published", "FAILED", "took"))
    ][:8]
    return result


def _instance(home: str):
    import dagster as dg

    return dg.DagsterInstance.from_config(home)


def _run_ids(home: str) -> set[str]:
    if not (Path(home) / "history").exists():
        return set()
    with _instance(home) as instance:
        return {run.run_id for run in instance.get_runs()}


def _step_seconds(home: str, exclude: set[str]) -> dict:
    out: dict = {"_runs": {}}
    with _instance(home) as instance:
        for run in instance.get_runs():
            if run.run_id in exclude:
                continue
            stats = instance.get_run_stats(run.run_id)
            if stats.start_time and stats.end_time:
                out["_runs"][run.job_name] = stats.end_time - stats.start_time
                out[f"run:{run.job_name}"] = round(stats.end_time - stats.start_time, 2)
            for step in instance.get_run_step_stats(run.run_id):
                if step.start_time and step.end_time:
                    out[step.step_key] = round(step.end_time - step.start_time, 2)
    return out


def accuracy(env: dict[str, str], truth: dict) -> dict:
    from benchmarks.accuracy import compare
    from orchestration.lib.publish.publication import open_published

    con = open_published(Path(env["PUBLISHED_DUCKDB_PATH"]))
    try:
        result = compare(con, truth)
        statuses = dict(con.execute("SELECT status, count(*) FROM audit.file_ledger GROUP BY 1").fetchall())
    finally:
        con.close()
    return {
        "fields": result.fields,
        "matched": result.matched,
        "share": round(result.share, 6),
        "ledger": statuses,
        "problems": result.problems[:20],
    }


# --- one corpus ------------------------------------------------------------------------------------------


def bench_corpus(
    name: str, raw: Path, runs: int, workers: int | None, truth: dict | None, scratch: Path
) -> dict:
    pdfs = sorted(p for p in raw.rglob("*.pdf"))
    figures: dict = {"files": sum(1 for p in raw.rglob("*") if p.is_file()), "pdfs": len(pdfs), "runs": []}
    for repetition in range(runs):
        work = scratch / f"{name}-{repetition}"
        env = environment(work, raw, workers)
        load = os.getloadavg()[0]
        ref = reference(pdfs)
        full = pipeline(env)
        noop = pipeline(env)
        added = add_one_to(raw, env, scratch) if name == "real" else None
        run = {
            "reference": ref,
            "full": full,
            "noop": noop,
            "add_one": added,
            "ratio": round(full["seconds"] / ref["seconds"], 3) if ref["seconds"] else None,
            "cpu_ratio": round(full["cpu_seconds"] / ref["cpu_seconds"], 3) if ref["cpu_seconds"] else None,
            "load_average_before": round(load, 2),
            "pages_per_second": round(ref["pages"] / full["seconds"], 1) if ref["pages"] else None,
        }
        if truth is not None and repetition == 0:
            figures["accuracy"] = accuracy(env, truth)
        figures["runs"].append(run)
        print(
            f"  {name} #{repetition + 1}: reference {ref['seconds']:.1f} s ({ref['pages']} pages, "
            f"{ref['cpu_seconds']:.0f} CPU s), pipeline {full['seconds']:.1f} s "
            f"({full['cpu_seconds']:.0f} CPU s, "
            f"exit {full['exit_code']}), ratio {run['ratio']}, load {load:.1f}, "
            f"no-op {noop['seconds']:.1f} s, peak {full['peak_rss_mb']:.0f} MB"
            + (f", adding one {added['seconds']:.1f} s" if added else ""),
            flush=True,
        )
        shutil.rmtree(work, ignore_errors=True)
    figures["pages"] = figures["runs"][0]["reference"]["pages"]
    figures["median"] = _medians(figures["runs"])
    if "accuracy" in figures:
        acc = figures["accuracy"]
        print(
            f"  {name}: accuracy {acc['matched']}/{acc['fields']} fields ({100 * acc['share']:.2f}%)",
            flush=True,
        )
    return figures


def add_one_to(raw: Path, env: dict[str, str], scratch: Path) -> dict:
    """One new PDF report (a generated one, unlike any in the folder) added to a built warehouse."""
    extras = scratch / "extra-report"
    if not extras.is_dir():
        generate(1, extras, seed=4242, pdf_share=1.0)
    extra = sorted(extras.glob("*.pdf"))[0]
    target = raw / f"zz_added_{extra.name}"
    shutil.copy(extra, target)
    try:
        return pipeline(env)
    finally:
        target.unlink()


def _medians(runs: list[dict]) -> dict:
    def med(values):
        values = [v for v in values if v is not None]
        return round(statistics.median(values), 3) if values else None

    steps = sorted({key for run in runs for key in run["full"]["steps"]})
    return {
        "reference_seconds": med([r["reference"]["seconds"] for r in runs]),
        "full_seconds": med([r["full"]["seconds"] for r in runs]),
        "ratio": med([r["ratio"] for r in runs]),
        "reference_cpu_seconds": med([r["reference"]["cpu_seconds"] for r in runs]),
        "full_cpu_seconds": med([r["full"]["cpu_seconds"] for r in runs]),
        "cpu_ratio": med([r["cpu_ratio"] for r in runs]),
        "load_average": med([r["load_average_before"] for r in runs]),
        "pages_per_second": med([r["pages_per_second"] for r in runs]),
        "reference_pages_per_second": med([r["reference"].get("pages_per_second") for r in runs]),
        "noop_seconds": med([r["noop"]["seconds"] for r in runs]),
        "add_one_seconds": med([r["add_one"]["seconds"] for r in runs if r.get("add_one")]),
        "peak_rss_mb": max(r["full"]["peak_rss_mb"] for r in runs),
        "reference_peak_rss_mb": max(r["reference"]["peak_rss_mb"] for r in runs),
        "outside_runs_seconds": med([r["full"]["outside_runs_seconds"] for r in runs]),
        "steps": {key: med([r["full"]["steps"].get(key) for r in runs]) for key in steps},
    }


# --- adding one report -----------------------------------------------------------------------------------


def bench_add_one(sizes: list[int], runs: int, workers: int | None, seed: int, scratch: Path) -> dict:
    """Warehouses of each size (mostly text, so they build quickly: the marts' size is what matters
    here), each given the same `runs` new PDF reports one after the other."""
    extras_dir = scratch / "extras"
    generate(runs, extras_dir, seed=seed + 1000, pdf_share=1.0)
    extras = sorted(extras_dir.glob("*.pdf"))
    out: dict = {"extra_reports": [p.name for p in extras]}
    for size in sizes:
        raw = scratch / f"add-one-{size}" / "raw"
        generate(size, raw, seed=seed, pdf_share=0.05)
        env = environment(raw.parent, raw, workers)
        build = pipeline(env)
        times = []
        for extra in extras:
            shutil.copy(extra, raw / f"zz_{extra.name}")
            times.append(pipeline(env))
        out[str(size)] = {
            "build_seconds": build["seconds"],
            "build_exit_code": build["exit_code"],
            "add_one_seconds": [t["seconds"] for t in times],
            "median_seconds": round(statistics.median(t["seconds"] for t in times), 2),
            "exit_codes": [t["exit_code"] for t in times],
            "steps_of_last": times[-1]["steps"],
        }
        print(
            f"  add one to {size}: {out[str(size)]['add_one_seconds']} s "
            f"(median {out[str(size)]['median_seconds']}), "
            f"warehouse built in {build['seconds']:.0f} s",
            flush=True,
        )
        shutil.rmtree(raw.parent, ignore_errors=True)
    if len(sizes) >= 2:
        small, large = str(min(sizes)), str(max(sizes))
        out["ratio_largest_over_smallest"] = round(
            out[large]["median_seconds"] / out[small]["median_seconds"], 3
        )
    return out


# --- the whole benchmark ---------------------------------------------------------------------------------


def machine() -> dict:
    info = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in open("/proc/meminfo", encoding="utf-8"):
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 2**20, 1)
                break
    except OSError:
        pass
    import pdfminer

    info["pdfminer"] = pdfminer.__version__
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the warehouse against plain pdfminer.")
    parser.add_argument("--sizes", default="", help="generated corpus sizes, comma-separated (default none)")
    parser.add_argument(
        "--pdf-share", type=float, default=0.5, help="share of generated reports that are PDFs"
    )
    parser.add_argument("--runs", type=int, default=1, help="repetitions per corpus (medians are quoted)")
    parser.add_argument(
        "--large-runs", type=int, default=1, help="repetitions for generated corpora over 300"
    )
    parser.add_argument("--add-one-sizes", default="", help="generated warehouse sizes for adding one report")
    parser.add_argument("--add-one-runs", type=int, default=3)
    parser.add_argument("--no-corpus", action="store_true", help="skip the real reports in ../shared")
    parser.add_argument("--workers", type=int, default=None, help="EXTRACT_WORKERS (default one per core)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--scratch", type=Path, default=None, help="where to build (default a temporary folder)"
    )
    parser.add_argument("--no-markdown", action="store_true", help="do not rewrite BENCHMARKS.md")
    parser.add_argument(
        "--merge-into",
        type=Path,
        default=None,
        help="an earlier results file: this run's corpora and add_one figures are added to it "
        "(replacing those of the same name) and the whole is written again",
    )
    args = parser.parse_args(argv)

    subprocess.run(["make", "-s", "manifest"], cwd=REPO, check=True)
    started = dt.datetime.now(dt.UTC)
    results: dict = {
        "measured_at": started.isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout.strip(),
        "machine": machine(),
        "settings": {
            key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()
        },
        "corpora": {},
    }
    print(
        f"benchmark on {results['machine']['cpus']} cores, load {results['machine']['load_average_at_start']}"
    )
    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="ofsted-bench-"))
    try:
        present = {name: folder for name, folder in REAL_CORPORA.items() if folder.is_dir()}
        if not args.no_corpus and present:
            raw = scratch / "real" / "raw"
            for name, folder in present.items():
                shutil.copytree(folder, raw / name)
            results["corpora"]["real"] = bench_corpus("real", raw, args.runs, args.workers, None, scratch)
            results["corpora"]["real"]["sources"] = sorted(present)
        for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
            raw = scratch / f"generated-{size}" / "raw"
            truth = generate(size, raw, seed=args.seed, pdf_share=args.pdf_share)
            runs = args.runs if size <= 300 else args.large_runs
            results["corpora"][f"generated_{size}"] = bench_corpus(
                f"generated_{size}", raw, runs, args.workers, truth, scratch
            )
            results["corpora"][f"generated_{size}"]["pdf_share"] = args.pdf_share
            shutil.rmtree(raw.parent, ignore_errors=True)
        add_sizes = [int(s) for s in args.add_one_sizes.split(",") if s.strip()]
        if add_sizes:
            results["add_one"] = bench_add_one(add_sizes, args.add_one_runs, args.workers, args.seed, scratch)
    finally:
        if args.scratch is None:
            shutil.rmtree(scratch, ignore_errors=True)
    results["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    if args.merge_into:
        earlier = json.loads(args.merge_into.read_text(encoding="utf-8"))
        earlier.setdefault("merged_runs", []).append(
            {key: results[key] for key in ("measured_at", "finished_at", "commit", "machine", "settings")}
        )
        earlier["corpora"].update(results["corpora"])
        if "add_one" in results:
            earlier["add_one"] = results["add_one"]
        results = earlier
    results["targets"] = targets(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"bench-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    text = json.dumps(results, indent=1) + "\n"
    path.write_text(text, encoding="utf-8")
    (RESULTS / "latest.json").write_text(text, encoding="utf-8")
    print(f"written to {path.relative_to(REPO)}")
    for key, target in results["targets"].items():
        print(f"  {key}: {target['measured']} (target {target['target']}): {target['verdict']}")
    if not args.no_markdown:
        from benchmarks.report import write_markdown

        write_markdown(results, REPO / "BENCHMARKS.md")
        print("BENCHMARKS.md rewritten")
    return 0


def targets(results: dict) -> dict:
    corpora = results["corpora"]
    out: dict = {}

    def verdict(measured, target, lower_is_better=True):
        if measured is None:
            return {"measured": None, "target": target, "verdict": "not measured in this run"}
        met = measured <= target if lower_is_better else measured >= target
        return {"measured": measured, "target": target, "verdict": "met" if met else "missed"}

    real = corpora.get("real", {}).get("median", {})
    out["real_corpus_ratio"] = verdict(real.get("ratio"), TARGETS["real_corpus_ratio"])
    out["noop_seconds"] = verdict(real.get("noop_seconds"), TARGETS["noop_seconds"])
    out["add_one_real_seconds"] = verdict(real.get("add_one_seconds"), TARGETS["add_one_real_seconds"])
    peaks = [c["median"]["peak_rss_mb"] for c in corpora.values()]
    out["peak_memory_mb"] = verdict(max(peaks) if peaks else None, TARGETS["peak_memory_mb"])
    return out


if __name__ == "__main__":
    sys.exit(main())
