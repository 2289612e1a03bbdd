"""The Snakemake workflow (workflow/Snakefile) is the graph of `make reports`: from the same inputs both
make the same set of files under reports/, byte for byte, locally and through the cluster path (issue 18).

End to end, in copies of the checkout (files as in tests/test_new_case.py: tracked and untracked but
not ignored, with the checkout's .venv and node_modules linked) whose data/cases holds two synthetic
cases instead of the published ones, and whose kept reports are removed, so that every render runs.
Each copy runs its own package code (PYTHONPATH=<copy>/src), so a copy is what it renders from.

- `make -j2 reports` in one copy is the reference (once per test process).
- `snakemake --cores 2` in another gives the same files; a second run has nothing to do; a failed
  render leaves the kept notebook as it was (update(): Snakemake neither deletes it before the job
  nor after the failure, as .PRECIOUS does for make).
- `snakemake --profile workflow/profiles/cluster-local`: the generic cluster executor submits the job
  scripts a scheduler would receive, renders grouped two per job, through a local submit script.
About 40-60 s each on 2 cores; deselect with `-m "not e2e"`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, checkout_files

pytestmark = pytest.mark.e2e

NESTED = "CASESERIES_E2E_NESTED"
SEED, N = 7, 2
MAKE = ["make", "--no-print-directory", "-o", ".venv/.installed", "-o", "node_modules/.package-lock.json"]
SNAKEMAKE = str(ROOT / ".venv" / "bin" / "snakemake")
# Kept reports committed in the checkout: removed in the copies, whose cases are synthetic.
KEPT = ("reports/cases", "reports/series.ipynb", "reports/series.html", "reports/index.html", "reports/slides",
        "reports/teaching", "reports/exports")


def run(args, root: Path, timeout: int = 240) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SNAKEMAKE_PROFILE", "PYTHONPATH")}
    env.update({"CASESERIES_ROOT": str(root), NESTED: "1", "PYTHONPATH": str(root / "src")})
    return subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)


def project(dest: Path) -> Path:
    """A copy of the checkout with N synthetic cases (seed SEED) and no rendered reports."""
    if os.environ.get(NESTED):
        pytest.skip("nested inside an end-to-end test")
    for needed, why in ((ROOT / ".venv" / ".installed", "the environment (.venv): run `make .venv`"),
                        (ROOT / "node_modules" / ".package-lock.json", "reveal.js (node_modules): run `npm ci`"),
                        (Path(SNAKEMAKE), "snakemake in .venv (requirements.lock)")):
        if not needed.exists():
            pytest.skip(f"needs {why}")
    if shutil.which("make") is None:
        pytest.skip("needs make")
    for name in checkout_files():
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    (dest / ".venv").symlink_to(ROOT / ".venv")
    (dest / "node_modules").symlink_to(ROOT / "node_modules")
    for name in KEPT:
        path = dest / name
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    for case in (dest / "data" / "cases").glob("*.yaml"):
        case.unlink()
    synth = run([str(ROOT / ".venv" / "bin" / "caseseries"), "synth", str(N), "--seed", str(SEED), "--out",
                 str(dest / "synth")], dest)
    assert synth.returncode == 0, synth.stderr
    for case in sorted((dest / "synth").glob("*.yaml")):
        shutil.move(case, dest / "data" / "cases" / case.name)
    shutil.rmtree(dest / "synth")
    return dest


def outputs(root: Path) -> dict[str, bytes]:
    """Every file under reports/, by path, with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "reports").rglob("*")) if p.is_file()}


def same(made: dict[str, bytes], reference: dict[str, bytes]) -> None:
    assert sorted(made) == sorted(reference), "the two graphs made different sets of files"
    differ = [name for name in reference if made[name] != reference[name]]
    assert not differ, f"not byte-identical to make's: {differ}"


@pytest.fixture(scope="module")
def by_make(tmp_path_factory) -> dict[str, bytes]:
    root = project(tmp_path_factory.mktemp("make"))
    out = run(MAKE + ["-j2", "reports"], root)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    made = outputs(root)
    cases = sorted(p.stem for p in (root / "data" / "cases").glob("*.yaml"))
    assert len(cases) == N
    for case in cases:  # the reference holds what it should, or the comparison says little
        for name in (f"reports/cases/{case}.ipynb", f"reports/cases/{case}.html", f"reports/slides/{case}.slides.html"):
            assert name in made
    assert {"reports/series.ipynb", "reports/series.html", "reports/index.html"} <= set(made)
    return made


def test_snakemake_makes_what_make_makes(tmp_path, by_make):
    root = project(tmp_path)
    out = run([SNAKEMAKE, "--cores", "2"], root)
    assert out.returncode == 0, out.stderr[-3000:]
    same(outputs(root), by_make)

    again = run([SNAKEMAKE, "--cores", "2", "-n"], root)
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr, again.stderr[-2000:]

    # The package files stand in every job as one stamp: made again, it re-runs nothing; a package file changed
    # since the reports were made re-runs every job that reads the package, as it does for make.
    (root / ".snakemake" / "src.stamp").unlink()
    again = run([SNAKEMAKE, "--cores", "2", "-n"], root)
    assert "Nothing to be done" in again.stdout + again.stderr, again.stderr[-2000:]
    source = root / "src" / "caseseries" / "outputs" / "report.py"
    was, when = source.read_bytes(), source.stat().st_mtime_ns
    source.write_bytes(was + b"\n# changed\n")  # now: after every report
    stale = run([SNAKEMAKE, "--cores", "2", "-n"], root)
    assert planned(stale.stdout + stale.stderr) == {"render": N, "decks": N, "series": 1, "teaching": 1, "index": 1, "reports": 1}
    by_make_n = run(MAKE + ["-n", "reports"], root).stdout
    assert by_make_n.count("caseseries render") == N and by_make_n.count("caseseries slides") == N
    source.write_bytes(was)
    os.utime(source, ns=(when, when))

    # A render that fails leaves the kept notebook and its HTML as they were (and the next run repairs).
    case = sorted((root / "data" / "cases").glob("*.yaml"))[0]
    notebook = root / "reports" / "cases" / f"{case.stem}.ipynb"
    before = notebook.read_bytes(), notebook.with_suffix(".html").read_bytes()
    case.write_text(case.read_text(encoding="utf-8") + "\nnot a field: [\n", encoding="utf-8")
    broken = run([SNAKEMAKE, "--cores", "1", "reports/cases/" + notebook.name], root)
    assert broken.returncode != 0
    assert (notebook.read_bytes(), notebook.with_suffix(".html").read_bytes()) == before


def test_cluster_path_makes_what_make_makes(tmp_path, by_make):
    """The generic cluster executor with workflow/profiles/cluster-local: job scripts, grouped renders."""
    root = project(tmp_path)
    out = run([SNAKEMAKE, "--profile", "workflow/profiles/cluster-local"], root)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    assert "Submitted group job" in log, "the renders were not grouped into one submission"
    assert "with external jobid" in log
    same(outputs(root), by_make)
    asked = submissions(root)
    renders = [options for script, options in asked if script.count("caseseries render ") == N]
    assert len(renders) == 1, asked  # the N renders in one submission,
    assert renders[0] == {"mem": "700", "time": str(10 * N), "cpus-per-task": "1"}  # one after the other
    series = [options for script, options in asked if "caseseries series" in script]
    assert series == [{"mem": str(1000 + 2 * N), "time": "10", "cpus-per-task": "1"}]  # grows with the cases


def planned(dry_run: str) -> dict[str, int]:
    """The jobs a dry run of Snakemake plans, by rule (its 'Job stats' table)."""
    table = dry_run.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    rows = (line.split() for line in table.splitlines()[3:])
    return {row[0]: int(row[1]) for row in rows if len(row) == 2 and row[0] != "total"}


def submissions(root: Path) -> list[tuple[str, dict[str, str]]]:
    """What each job the cluster path submitted ran (its log) and asked for (sbatch-style options)."""
    out = []
    for log in sorted((root / ".snakemake" / "cluster-local").glob("job-*")):
        first, _, rest = log.read_text(encoding="utf-8").partition("\n")
        assert first.startswith("# asked for: "), first
        options = dict(o.removeprefix("--").split("=", 1) for o in first.removeprefix("# asked for: ").split())
        out.append((rest, options))
    return out


def test_the_slurm_profile_groups_and_limits_as_the_cluster_path_does():
    """What the cluster path checks holds for Slurm: the same groups and group limits, and no fixed
    memory for the series that would override the Snakefile's, which grows with the cases."""
    import yaml

    slurm, local = (yaml.safe_load((ROOT / "workflow" / "profiles" / name / "config.yaml").read_text())
                    for name in ("slurm", "cluster-local"))
    for key in ("groups", "resources"):
        assert slurm[key] == local[key], key
    assert "series" not in slurm.get("set-resources", {})
    assert not any(r.startswith("mem_mb") for r in slurm["resources"])  # it would cap the series' memory too


def test_snakemake_keeps_one_reevaluation_timer_pending(monkeypatch):
    """workflow/scheduling.py, applied by the Snakefile: however many scheduling passes arm the re-evaluation timer,
    one is pending and it wakes the scheduler once (Snakemake's own arms one more each time: a chain per ended job)."""
    import threading

    from snakemake.scheduling.job_scheduler import JobScheduler

    monkeypatch.syspath_prepend(str(ROOT / "workflow"))
    monkeypatch.setattr(JobScheduler, "_schedule_reevalutation", JobScheduler._schedule_reevalutation)
    from scheduling import one_reevaluation_timer

    one_reevaluation_timer()
    one_reevaluation_timer()  # applied once
    scheduler = object.__new__(JobScheduler)
    scheduler._open_jobs = threading.Semaphore(0)
    for _ in range(50):
        scheduler._schedule_reevalutation(0.2)
    assert scheduler._open_jobs.acquire(timeout=5)
    assert not scheduler._open_jobs.acquire(timeout=0.5)  # woken once, not 50 times
    scheduler._schedule_reevalutation(0.05)  # armed again once it has fired
    assert scheduler._open_jobs.acquire(timeout=5)
