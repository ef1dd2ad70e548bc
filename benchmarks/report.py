"""BENCHMARKS.md from a results file of benchmarks/run.py.

.venv/bin/python benchmarks/report.py [benchmarks/results/latest.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

STEP_NAMES = {
    "run:warehouse": "the warehouse job, all of it",
    "scan_raw_dir": "scan (ledger, hashes)",
    "raw__pages": "extract",
    "parse_reports": "parse",
    "great_expectations_checks": "Great Expectations checks, holding back",
    "warehouse_dbt_models": "dbt build (seeds, models, tests)",
    "published__warehouse": "publish",
    "published__report": "HTML report",
}


def _fmt(value, unit="") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        value = f"{value:.2f}" if value < 10 else f"{value:.1f}"
    return f"{value}{unit}"


def _merged_settings(run: dict) -> str:
    return " ".join(
        f"{k}={v}" for k, v in run["settings"].items() if k in ("sizes", "pdf_share", "runs", "large_runs")
    )


def write_markdown(results: dict, path: Path) -> None:
    machine = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        "How fast the warehouse builds, against the physical limit of its slowest part: plain pdfminer.six "
        "extracting the same PDFs in one process, one after the other, timed in the same session. Written by "
        "`make bench` (`benchmarks/run.py`); the figures below are from "
        f"`benchmarks/results/{results.get('file', 'latest.json')}`, measured {results['measured_at']} at "
        f"commit `{results['commit']}`.",
        "",
        f"Machine: {machine.get('cpus')} cores ({machine.get('cpu', 'unknown CPU')}), "
        f"{machine.get('memory_gb', '?')} GB, Python {machine['python']}, "
        f"pdfminer.six {machine.get('pdfminer')}; "
        f"load average {machine['load_average_at_start']} when the run started "
        "(the cores are shared with other work, so absolute times are noisy; "
        "ratios are measured within one repetition).",
        *(
            [
                f"Merged into it: the runs of {', '.join(r['measured_at'] for r in results['merged_runs'])} "
                f"(settings {'; '.join(_merged_settings(r) for r in results['merged_runs'])})."
            ]
            if results.get("merged_runs")
            else []
        ),
        "",
        "## Targets",
        "",
        "| target | measured | limit | verdict |",
        "| --- | --- | --- | --- |",
    ]
    labels = {
        "real_corpus_ratio": "whole pipeline, empty warehouse, every real PDF ÷ single-process pdfminer",
        "noop_seconds": "no-op rerun over the real reports (s)",
        "add_one_real_seconds": "adding one report to the real reports' warehouse (s)",
        "peak_memory_mb": "peak memory of the whole process tree (MB)",
    }
    for key, target in results["targets"].items():
        lines.append(
            f"| {labels.get(key, key)} | {_fmt(target['measured'])} | {target['target']} | "
            f"**{target['verdict']}** |"
        )
    lines += [
        "",
        "## Corpora (medians of the repetitions)",
        "",
        "| corpus | files (PDFs) | PDF pages | runs | pdfminer alone | pipeline | ratio | CPU s pdfminer / "
        "pipeline (ratio) | pages/s pdfminer | pages/s pipeline | no-op rerun | adding one | "
        "peak memory | load | accuracy |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, corpus in results["corpora"].items():
        m = corpus["median"]
        acc = corpus.get("accuracy")
        acc_text = f"{acc['matched']}/{acc['fields']} ({100 * acc['share']:.2f}%)" if acc else "–"
        lines.append(
            f"| {name} | {corpus['files']} ({corpus['pdfs']}) | {corpus['pages']} | {len(corpus['runs'])} | "
            f"{_fmt(m['reference_seconds'], ' s')} | {_fmt(m['full_seconds'], ' s')} | "
            f"**{_fmt(m['ratio'])}** | "
            f"{_fmt(m.get('reference_cpu_seconds'))} / {_fmt(m.get('full_cpu_seconds'))} "
            f"({_fmt(m.get('cpu_ratio'))}) | "
            f"{_fmt(m['reference_pages_per_second'])} | {_fmt(m['pages_per_second'])} | "
            f"{_fmt(m['noop_seconds'], ' s')} | {_fmt(m.get('add_one_seconds'), ' s')} | "
            f"{_fmt(m['peak_rss_mb'], ' MB')} | {_fmt(m.get('load_average'))} | "
            f"{acc_text} |"
        )
    lines += ["", "Per repetition (reference and pipeline run back to back):", ""]
    for name, corpus in results["corpora"].items():
        ratios = ", ".join(
            f"{r['reference']['seconds']:.1f} s / {r['full']['seconds']:.1f} s = {r['ratio']}"
            for r in corpus["runs"]
        )
        lines.append(f"- {name}: {ratios}")
    lines += ["", "## Where the time goes (median seconds of the first build)", ""]
    names = list(results["corpora"])
    if names:
        lines += ["| step | " + " | ".join(names) + " |", "| --- |" + " --- |" * len(names)]
        keys = []
        for corpus in results["corpora"].values():
            for key in corpus["median"]["steps"]:
                if key not in keys:
                    keys.append(key)
        for key in keys:
            label = STEP_NAMES.get(key, key)
            lines.append(
                f"| {label} | "
                + " | ".join(_fmt(results["corpora"][n]["median"]["steps"].get(key)) for n in names)
                + " |"
            )
        lines.append(
            "| outside the Dagster runs (Python start, imports, loading definitions, summary) | "
            + " | ".join(_fmt(results["corpora"][n]["median"]["outside_runs_seconds"]) for n in names)
            + " |"
        )
    add = results.get("add_one")
    if add:
        lines += [
            "",
            "## Adding one report",
            "",
            "Warehouses of N generated reports (5% PDFs, so they build quickly; what grows is the marts), "
            "each given the same new PDF reports one at a time:",
            "",
            "| warehouse | build | adding one (each) | median |",
            "| --- | --- | --- | --- |",
        ]
        for key, value in add.items():
            if isinstance(value, dict) and "median_seconds" in value:
                lines.append(
                    f"| {key} reports | {_fmt(value['build_seconds'], ' s')} | "
                    f"{', '.join(f'{s:.1f}' for s in value['add_one_seconds'])} s | "
                    f"{_fmt(value['median_seconds'], ' s')} |"
                )
        if "ratio_largest_over_smallest" in add:
            lines.append(f"\nRatio largest ÷ smallest: **{add['ratio_largest_over_smallest']}**.")
    notes = REPO / "benchmarks" / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text(encoding="utf-8").strip()]
    lines += [
        "",
        "## Running it",
        "",
        "```sh",
        (
            "make bench                                   # every real PDF in ../shared, "
            "once: ratio, no-op, add one"
        ),
        "make bench BENCH_ARGS='--runs 3'             # three repetitions, medians quoted",
        "make bench BENCH_ARGS='--no-corpus --sizes 1000 --add-one-sizes 100,1000'   # generated corpora",
        "make bench BENCH_ARGS='--sizes 1000 --runs 1 --no-corpus "
        "--merge-into benchmarks/results/latest.json'   # added to the latest figures",
        ".venv/bin/python benchmarks/generate.py --n 500 --seed 7 --out /tmp/corpus   # a corpus on its own",
        "```",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else REPO / "benchmarks" / "results" / "latest.json"
    results = json.loads(source.read_text(encoding="utf-8"))
    write_markdown(results, REPO / "BENCHMARKS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
