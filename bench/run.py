"""`make bench`: the costs users feel, each beside its floor measured in the same run.

    .venv/bin/python bench/run.py [--runs N] [--quick-runs M] [--only KEY ...] [--keep]

Prints one markdown table (figure, median, floor, ratio, target, verdict) and writes
it with the notes below it to bench/results/latest.md. Heavy rows take the median of
--runs runs (default 3), process start-up rows of --quick-runs (default 10). All
rendering happens in scratch copies of the project (bench/scratch.py); synthetic cases
go to temporary folders, never to data/cases. A row that cannot run says why instead
of a number. What bounds a missed target: bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import sys
import tempfile
from pathlib import Path

import measure
import scratch
from measure import Row, Timing, absolute_row, ratio_row, run, seconds, time_command, time_pair

ROOT = scratch.ROOT
PY = str(ROOT / ".venv" / "bin" / "python")
BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
SEED = 1
REPORT_CASE = "toripalimab-iiic2p"  # the richest real case


def worker(name: str, args: list, env: dict | None = None, cwd: Path = ROOT) -> dict:
    """Run bench/<name>.py in its own process and return the JSON it prints."""
    _, out = run([PY, str(BENCH / name), *map(str, args)], cwd, env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def median_size(folder: Path) -> int:
    sizes = sorted(p.stat().st_size for p in folder.glob("*.yaml"))
    return round(sizes[len(sizes) // 2] / 1024)


def synthetic_project(n: int, base: Path, name: str = "series") -> Path:
    """A minimal project (synthetic cases, drug reference, notebooks) to render a series of n cases."""
    from caseseries.model.synth import write_cases

    root = base / f"{name}-{n}"
    write_cases(root / "data" / "cases", n, SEED)
    shutil.copytree(ROOT / "data" / "reference", root / "data" / "reference")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    return root


# ---------------------------------------------------------------- rows


def row_setup(runs: int) -> Row:
    """`make .venv` in a copy without an environment; one warm-up run fills the caches."""
    copy = scratch.copy_project(with_venv=False)
    try:
        fig = time_command(["make", "--no-print-directory", ".venv"], copy, runs, warmup=1,
                           before=lambda: shutil.rmtree(copy / ".venv", ignore_errors=True))
    finally:
        scratch.remove(copy)
    return absolute_row("set-up: fresh `.venv` from the lock (`make .venv`, packages in the local cache)", fig, 20,
                        "< 20 s (uv, bytecode compiled at install)")


def row_validate(runs: int) -> Row:
    fig, floor = time_pair([str(ROOT / ".venv/bin/caseseries"), "validate"], [PY, "-c", "import yaml"], ROOT, runs)
    return ratio_row("`caseseries validate` on data/cases, whole process", fig, floor, "`python -c \"import yaml\"`",
                     3, "≤ 3×")


def row_load(runs: int, base: Path) -> Row:
    from caseseries.model.synth import write_cases

    folder = base / "load-1000"
    write_cases(folder, 1000, SEED)
    ours = worker("load_worker.py", ["caseseries", folder, runs])
    plain = worker("load_worker.py", ["safe_load", folder, runs])
    mem = worker("load_worker.py", ["memory", folder, 1])
    peak = mem["peak_rss_mb"]
    row = ratio_row("load + validate 1,000 synthetic cases, in process", Timing(ours["times"]), Timing(plain["times"]),
                    "plain `yaml.safe_load` of the same files", 3, "≤ 3×, peak memory < 300 MB",
                    extra=f"; peak RSS {peak:.0f} MB ({mem['rss_after_imports_mb']:.0f} MB after imports)")
    row.met = row.met and peak < 300
    per_case = Timing(ours["times"]).median * 1000 / ours["files"]
    row.notes.append(f"load + validate: {per_case:.1f} ms per synthetic case (median case file {median_size(folder)} KB)")
    return row


def row_render(runs: int, copy: Path) -> Row:
    res = worker("render_worker.py", [copy, REPORT_CASE, runs], {"CASESERIES_ROOT": str(copy)}, copy)
    row = ratio_row(f"one case report rendered (execute + HTML, `render.run` on `{REPORT_CASE}`)",
                    Timing(res["figure"]), Timing(res["floor"]),
                    "papermill, empty notebook, same kernel + same HTML export", 2, "≤ 2×")
    row.notes.append(f"`import papermill` (once per `caseseries render` process): {seconds(res['import_papermill'])}")
    alone = time_command([str(copy / ".venv" / "bin" / "caseseries"), "render", REPORT_CASE], copy, runs,
                         {"CASESERIES_ROOT": str(copy)})
    row.notes.append(f"the same case as its own process (`caseseries render {REPORT_CASE}`, what make runs "
                     f"per case): {seconds(alone.median)}")
    warm = Timing(res["warm_kernel"])
    row.notes.append(f"what-if, not a figure: the same report in one kernel kept across runs (nbclient): "
                     f"{seconds(warm.median)} per report ({warm.median / Timing(res['floor']).median:.2f}× the floor)")
    return row


def batch_project(n: int, base: Path) -> Path:
    """A synthetic project of n cases whose reports can be rendered (reports/cases exists)."""
    root = synthetic_project(n, base, "batch")
    (root / "reports" / "cases").mkdir(parents=True, exist_ok=True)
    return root


def row_batch(runs: int, base: Path, n: int = 50) -> Row:
    """`render.run` over n synthetic case reports (kernels forked ahead), per report, against papermill's empty notebook."""
    root = batch_project(n, base)
    env = {"CASESERIES_ROOT": str(root)}
    fig, floor, before = [], [], []
    for _ in range(runs):
        for mode, times in (("figure", fig), ("floor", floor), ("before", before)):
            res = worker("batch_worker.py", [root, mode], env, root)
            times.append(res["seconds"] / res["reports"])
    row = ratio_row(f"per report in a batch of {n} synthetic cases (`caseseries render A B C ...`, kernels forked ahead)",
                    Timing(fig), Timing(floor), "papermill, empty notebook + same HTML export, per report, same batch",
                    1.3, "≤ 1.3× (issue 18 §2)")
    row.notes.append(f"batch of {n}: the old path (bench/before.py, papermill's own kernel per report) took "
                     f"{seconds(Timing(before).median)} per report ({Timing(before).median / Timing(floor).median:.2f}× "
                     f"the floor); today's {Timing(fig).median / Timing(before).median:.2f}× the old")
    return row


def row_alone(runs: int, base: Path) -> Row:
    """One report alone, today's `render.run` against the old one-kernel-per-report path, each in its own process."""
    root = batch_project(1, base)
    env = {"CASESERIES_ROOT": str(root)}
    fig, before = [], []
    worker("batch_worker.py", [root, "figure", 1], env, root)  # warm disk caches and .pyc
    for _ in range(max(runs, 3)):
        for mode, times in (("figure", fig), ("before", before)):
            times.append(worker("batch_worker.py", [root, mode, 1], env, root)["seconds"])
    return ratio_row("one report alone (`render.run` of one synthetic case, papermill imported)", Timing(fig),
                     Timing(before), "the old path (bench/before.py), same case, same run", 1.0,
                     "≤ 1× (unchanged or better, issue 18 §2)")


def row_reports(runs: int, copy: Path) -> Row:
    """`make reports` from clean, serial and -j2, interleaved."""
    make = scratch.make_args(copy)
    serial, parallel = [], []
    for _ in range(runs):
        for args, times in ((make, serial), (make + ["-j2"], parallel)):
            scratch.clean_reports(copy)
            times.append(run(args + ["reports"], copy)[0])
    fig, floor = Timing(parallel), Timing(serial)
    n = len(list((copy / "data" / "cases").glob("*.yaml")))
    row = ratio_row(f"`make -j2 reports` from clean ({n} cases + series + index)", fig, floor,
                    "serial `make reports`", 0.65, "≤ 0.65× serial")
    return row


def row_noop(runs: int, copy: Path) -> Row:
    fig = time_command(scratch.make_args(copy) + ["reports"], copy, runs)
    return absolute_row("no-op `make reports` (everything up to date)", fig, 1, "< 1 s")


def workflow_copy(n: int) -> Path:
    """A scratch copy of the project whose data/cases holds n synthetic cases (seed SEED), no rendered reports."""
    from caseseries.model.synth import write_cases

    copy = scratch.copy_project(with_venv=True, prefix=f"caseseries-bench-workflow-{n}-")
    for case in (copy / "data" / "cases").glob("*.yaml"):
        case.unlink()
    write_cases(copy / "data" / "cases", n, SEED)
    scratch.clean_reports(copy)
    return copy


def row_snakemake(runs: int, n: int = 200) -> Row:
    """Snakemake (workflow/Snakefile, --cores 2) against `make -j2 reports` on the same n synthetic cases, from clean."""
    copy = workflow_copy(n)
    env = {"CASESERIES_ROOT": str(copy), "PYTHONPATH": str(copy / "src")}
    make = scratch.make_args(copy) + ["-o", "node_modules/.package-lock.json", "-j2", "reports"]
    # as `make snakemake` runs it (its scheduler options are the Makefile's SCHEDULER)
    snakemake = scratch.make_args(copy) + ["-o", "node_modules/.package-lock.json", "snakemake",
                                           "SNAKEMAKE_ARGS=reports --quiet"]
    try:
        by_make, by_snakemake = [], []
        for _ in range(runs):
            for args, times in ((make, by_make), (snakemake, by_snakemake)):
                scratch.clean_reports(copy)
                shutil.rmtree(copy / ".snakemake", ignore_errors=True)
                times.append(run(args, copy, env, timeout=7200)[0])
    finally:
        scratch.remove(copy)
    return ratio_row(f"Snakemake (`make snakemake`, 2 cores) from clean ({n} synthetic cases + series + index + decks)",
                     Timing(by_snakemake), Timing(by_make), f"`make -j2 reports`, same {n} cases", 1.1, "≤ 1.1×")


def row_cluster(runs: int, n: int = 20) -> Row:
    """The cluster path (workflow/profiles/cluster-local: job scripts, each pinned to one core) rendering n case reports
    as 2 batch jobs (--config batches=2: one `caseseries render` of n/2 ids each) against one job per case."""
    copy = workflow_copy(n)
    env = {"CASESERIES_ROOT": str(copy), "PYTHONPATH": str(copy / "src")}
    targets = [f"reports/cases/{p.stem}.{ext}" for p in sorted((copy / "data" / "cases").glob("*.yaml"))
               for ext in ("ipynb", "html")]
    snakemake = [str(copy / ".venv" / "bin" / "snakemake"), *targets, "--profile", "workflow/profiles/cluster-local",
                 "--quiet", "--config"]
    try:
        batched, per_case = [], []
        for _ in range(runs):
            for batches, times in ((0, per_case), (2, batched)):
                scratch.clean_reports(copy)
                shutil.rmtree(copy / ".snakemake", ignore_errors=True)
                times.append(run(snakemake + [f"batches={batches}"], copy, env, timeout=3600)[0])
    finally:
        scratch.remove(copy)
    return ratio_row(f"cluster path, {n} synthetic case reports as 2 batch jobs (`--config batches=2`, each job on one "
                     "core)", Timing(batched), Timing(per_case), f"one job per report, 2 at a time, same {n} cases",
                     1.0, "≤ 1× (a batch re-renders all its cases for one edit: it must be faster)")


def row_plan(runs: int, n: int = 10_000) -> Row:
    """The time Snakemake takes to plan n cases (dry run, nothing rendered), beside `make -n reports`."""
    copy = workflow_copy(n)
    env = {"CASESERIES_ROOT": str(copy), "PYTHONPATH": str(copy / "src")}
    try:
        fig = time_command([str(copy / ".venv" / "bin" / "snakemake"), "-n", "reports", "--cores", "2", "--quiet"],
                           copy, runs, env)
        make = time_command(scratch.make_args(copy) + ["-o", "node_modules/.package-lock.json", "-n", "reports"],
                            copy, runs, env)
        batched = time_command([str(copy / ".venv" / "bin" / "snakemake"), "-n", "reports", "--cores", "2", "--quiet",
                                "--config", "batches=100"], copy, runs, env)
    finally:
        scratch.remove(copy)
    row = absolute_row(f"Snakemake plans {n:,} synthetic cases (`snakemake -n`, every report to render)", fig, 30,
                       "< 30 s")
    row.notes.append(f"`make -n reports` on the same {n:,} cases: {seconds(make.median)}")
    row.notes.append(f"`snakemake -n` with the Slurm profile's `--config batches=100` (100 render jobs instead of "
                     f"{n:,}) on the same cases: {seconds(batched.median)}")
    return row


def rows_series(runs: int, base: Path) -> list[Row]:
    from caseseries.outputs import render

    if not (ROOT / "notebooks" / "case_series.ipynb").exists() or not hasattr(render, "series_job"):
        return [Row("series notebook with 4, 50 and 200 cases", "not available: series notebook missing")]
    timings, shots, peaks = {}, [], {}
    for n in (4, 50, 200, 1000):
        root = synthetic_project(n, base)
        # 1,000 cases: one run, no warm-up (each render is about a minute); peak RSS of the worker + its kernel
        res = worker("series_worker.py", [root, 1 if n == 1000 else runs, 0 if n == 1000 else 1],
                     {"CASESERIES_ROOT": str(root)}, root)
        timings[n], peaks[n] = Timing(res["times"]), (res["peak_rss_mb"], res["peak_rss_own_mb"])
        shots += save_figures(Path(res["notebook"]), f"series-{n}")
        if n == 1000:
            shutil.copy(res["html"], RESULTS / "series-1000.html")
    floor = timings[4]
    out = [ratio_row(f"series notebook, {n} synthetic cases", timings[n], floor, "the series with 4 cases",
                     2 if n == 200 else float("inf"),
                     {50: "legible at 50: look", 200: "≤ 2× (issue 18 §3)", 1000: "renders; peak memory stated; usable: look"}[n],
                     extra=f"; peak RSS {peaks[n][0]:.0f} MB with kernel")
           for n in (50, 200, 1000)]
    out[0].met = out[2].met = None  # no time target at 50 or 1,000: legibility, judged by eye
    out[0].notes.append("figures to look at: " + ", ".join(shots) + "; the 1,000-case page: bench/results/series-1000.html")
    out[2].notes.append(f"series of 1,000: {seconds(timings[1000].median)} (one run, no warm-up); peak RSS "
                        f"{peaks[1000][0]:.0f} MB for the render process and its kernel together "
                        f"({peaks[1000][1]:.0f} MB the render process alone); "
                        + "; ".join(f"{n} cases {peaks[n][0]:.0f} MB" for n in (4, 50, 200)))
    out[2].notes.append("each case is loaded and validated once per series render, by `render.run` while the fork "
                        "server imports and before the kernel starts; the kernel reads what it validated "
                        "(caseseries.model.checked)")
    return out


def save_figures(notebook: Path, stem: str) -> list[str]:
    """The PNG figures of a rendered notebook, into bench/results/ (to look at the plots)."""
    import base64

    nb = json.loads(notebook.read_text())
    names = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                name = f"{stem}-{len(names) + 1}.png"
                (RESULTS / name).write_bytes(base64.b64decode(png))
                names.append(f"bench/results/{name}")
    return names


def row_test(runs: int, copy: Path) -> Row:
    """`make test` on the warm environment, with pytest's own totals and slowest tests."""
    times, last = [], None
    for _ in range(runs):
        elapsed, last = run(scratch.make_args(copy) + ["-i", "test"], copy, check=False)
        times.append(elapsed)
    fig = Timing(times)
    text = last.stdout + last.stderr
    totals = re.findall(r"=+ (.*?(?:passed|failed|error|skipped).*? in [\d.]+s.*?) =+", text)
    failed = any(re.search(r"\d+ (failed|error)", t) for t in totals)
    row = absolute_row("`make test` on a warm environment", fig, 90, "< 90 s, with the slowest tests",
                       extra="; some tests FAILED" if failed else "")
    row.notes.append("`make test` pytest totals (last run): " + "; ".join(totals))
    slowest = re.search(r"slowest \d+ durations =+\n(.*?)\n(?:\n|=)", text, re.S)
    if slowest:
        row.notes.append("slowest tests (`--durations`, last run):\n" +
                         "\n".join("    " + line for line in slowest.group(1).splitlines()))
    return row


# ---------------------------------------------------------------- main

ROWS = ("setup", "validate", "load", "render", "batch", "alone", "reports", "noop", "snakemake", "cluster", "plan",
        "series", "test")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 3)),
                        help="runs per heavy figure (median); default 3 or $BENCH_RUNS")
    parser.add_argument("--quick-runs", type=int, default=10, help="runs per process start-up figure; default 10")
    parser.add_argument("--only", nargs="+", choices=ROWS, default=list(ROWS))
    parser.add_argument("--batch", type=int, default=50, help="synthetic cases in the `batch` row; default 50")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies (their paths are printed)")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="caseseries-bench-data-"))
    copy = scratch.copy_project(with_venv=True) if {"render", "reports", "noop", "test"} & set(args.only) else None
    rows: list[Row] = []

    def attempt(key: str, make_rows) -> None:
        if key not in args.only:
            return
        print(f"bench: {key} ...", file=sys.stderr, flush=True)
        try:
            made = make_rows()
            rows.extend(made if isinstance(made, list) else [made])
        except Exception as exc:  # a row that cannot run says why; the others still run
            rows.append(Row(key, f"could not run: {str(exc).splitlines()[0][:200]}"))

    try:
        attempt("setup", lambda: row_setup(args.runs))
        attempt("validate", lambda: row_validate(args.quick_runs))
        attempt("load", lambda: row_load(args.runs, base))
        attempt("render", lambda: row_render(args.runs, copy))
        attempt("batch", lambda: row_batch(args.runs, base, args.batch))
        attempt("alone", lambda: row_alone(args.runs, base))
        attempt("reports", lambda: row_reports(args.runs, copy))
        attempt("noop", lambda: row_noop(args.quick_runs, copy))
        attempt("snakemake", lambda: row_snakemake(args.runs))
        attempt("cluster", lambda: row_cluster(args.runs))
        attempt("plan", lambda: row_plan(args.runs))
        attempt("series", lambda: rows_series(args.runs, base))
        attempt("test", lambda: row_test(args.runs, copy))
    finally:
        if args.keep:
            print(f"bench: kept {base} and {copy}", file=sys.stderr)
        else:
            shutil.rmtree(base, ignore_errors=True)
            if copy is not None:
                scratch.remove(copy)

    header = (f"caseseries bench, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; "
              f"{os.cpu_count()} cores, Python {platform.python_version()}; medians of {args.runs} runs "
              f"({args.quick_runs} for process start-up rows); ratio = figure ÷ floor")
    notes = [f"- {n}" for r in rows for n in r.notes]
    text = "\n".join([header, "", measure.table(rows), "", *notes, ""])
    print(text)
    (RESULTS / "latest.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
