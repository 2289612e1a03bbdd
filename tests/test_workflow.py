"""The Snakemake workflow (workflow/Snakefile) is the graph of `make reports` and `make exports`: from the same inputs both
make the same set of files under reports/, byte for byte, locally and through the cluster path (issue 18).

End to end, in copies of the checkout (files as in tests/test_new_case.py: tracked and untracked but
not ignored, with the checkout's .venv and node_modules linked) whose data/cases holds two synthetic
cases instead of the published ones, and whose kept reports are removed, so that every render runs.
Each copy runs its own package code (PYTHONPATH=<copy>/src), so a copy is what it renders from.

- `make -j2 reports` in one copy is the reference (once per test process), then `make -j2 exports` in it.
- `snakemake --cores 2` in another gives the same files, and `snakemake exports` then the same exports;
  a second run has nothing to do; a failed render leaves the kept notebook as it was (update():
  Snakemake neither deletes it before the job nor after the failure, as .PRECIOUS does for make).
- `snakemake --profile workflow/profiles/cluster-local`: the generic cluster executor submits the job
  scripts a scheduler would receive, the case reports as one batch (one `caseseries render` of both) and
  the exports as one, through a local submit script.
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
def by_make(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """What `make -j2 reports` makes, and what is there after `make -j2 exports` then, by path."""
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
    out = run(MAKE + ["-j2", "exports"], root)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    exported = outputs(root)
    for case in cases:
        for name in (f"reports/exports/fhir/{case}.fhir.json", f"reports/exports/phenopacket/{case}.phenopacket.json",
                     f"reports/exports/cbioportal/.{case}.done"):
            assert name in exported
        assert f'href="exports/fhir/{case}.fhir.json"' in exported["reports/index.html"].decode()  # the index links them
    return {"reports": made, "exports": exported}


def test_snakemake_makes_what_make_makes(tmp_path, by_make):
    root = project(tmp_path)
    out = run([SNAKEMAKE, "--cores", "2"], root)
    assert out.returncode == 0, out.stderr[-3000:]
    same(outputs(root), by_make["reports"])
    out = run([SNAKEMAKE, "--cores", "2", "exports"], root)
    assert out.returncode == 0, out.stderr[-3000:]
    same(outputs(root), by_make["exports"])

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
    """The generic cluster executor with workflow/profiles/cluster-local: job scripts, the reports in one batch."""
    root = project(tmp_path)
    out = run([SNAKEMAKE, "--profile", "workflow/profiles/cluster-local", "reports"], root)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    assert "with external jobid" in log
    same(outputs(root), by_make["reports"])
    asked = submissions(root)
    cases = sorted(p.stem for p in (root / "data" / "cases").glob("*.yaml"))
    renders = [(script, options) for script, options in asked if "caseseries render " in script]
    assert len(renders) == 1, asked  # the N reports in one submission,
    script, options = renders[0]
    assert f"caseseries render {' '.join(cases)}" in script  # as one process, which starts each next kernel early
    assert options == {"mem": "1000", "time": "10", "cpus-per-task": "1"}
    series = [options for script, options in asked if "caseseries series" in script]
    assert series == [{"mem": str(1000 + 2 * N), "time": "10", "cpus-per-task": "1"}]  # grows with the cases

    out = run([SNAKEMAKE, "--profile", "workflow/profiles/cluster-local", "exports"], root)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    same(outputs(root), by_make["exports"])
    exports = [script for script, _ in submissions(root) if "caseseries export " in script]
    assert len(exports) == 1 and all(f"caseseries export {' '.join(cases)} --to {fmt}" in exports[0]
                                     for fmt in ("fhir", "phenopacket", "cbioportal"))  # one batch, three formats


def test_batches_split_the_reports_by_id_and_a_new_case_changes_its_batch_only(tmp_path):
    """--config batches=K: every case in exactly one of at most K render jobs, each one `caseseries render` of its
    cases, chosen by the id alone (not its place in the sorted list), so that a case added changes the batch it
    joins and no other. Without it, one job per case."""
    root = tmp_path
    (root / "data" / "cases").mkdir(parents=True)
    (root / "notebooks").mkdir()
    shutil.copy2(ROOT / "notebooks" / "case_report.ipynb", root / "notebooks")
    shutil.copytree(ROOT / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "workflow", root / "workflow", ignore=shutil.ignore_patterns("__pycache__"))
    (root / ".venv").symlink_to(ROOT / ".venv")
    ids = [f"case-{i:02d}" for i in range(12)]
    for case in ids:
        (root / "data" / "cases" / f"{case}.yaml").write_text("id: placeholder\n")  # planning reads no case

    def plan(*extra: str) -> dict[str, list[str]]:
        """For each render job a dry run plans: the ids it renders, from its shell command."""
        out = run([SNAKEMAKE, *(f"reports/cases/{c}.ipynb" for c in ids), "-n", "-p", "--cores", "1", *extra], root)
        assert out.returncode == 0, out.stderr[-3000:]
        log = out.stdout + out.stderr
        return {line.split("render ", 1)[1]: line.split("render ", 1)[1].split()
                for line in log.splitlines() if "caseseries render " in line}

    assert sorted(plan()) == ids  # one job per case
    for wrong in ("-1", "two", "1.5"):
        out = run([SNAKEMAKE, "-n", "--cores", "1", "--config", f"batches={wrong}"], root)
        assert out.returncode != 0 and "expected a whole number, 0 or more" in out.stdout + out.stderr, wrong
    batches = plan("--config", "batches=4")
    assert 1 < len(batches) <= 4
    assert sorted(c for group in batches.values() for c in group) == ids
    ids.append("a-new")
    (root / "data" / "cases" / "a-new.yaml").write_text("id: placeholder\n")
    before = {tuple(group) for group in batches.values()}
    after = {tuple(group) for group in plan("--config", "batches=4").values()}
    joined = next(group for group in after if "a-new" in group)
    was = tuple(c for c in joined if c != "a-new")
    assert after - {joined} == before - {was}  # every other batch as it was
    assert not was or was in before


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


def test_the_slurm_profile_batches_and_limits_as_the_cluster_path_does():
    """What the cluster path checks holds for Slurm: the reports in batches through the same rules (a config value,
    no group or resource limit of its own), and no fixed memory for the series that would override the Snakefile's,
    which grows with the cases."""
    import yaml

    slurm, local = (yaml.safe_load((ROOT / "workflow" / "profiles" / name / "config.yaml").read_text())
                    for name in ("slurm", "cluster-local"))
    for profile in (slurm, local):
        assert [c.split("=")[0] for c in profile["config"]] == ["batches"]
        assert int(profile["config"][0].split("=")[1]) >= 1
        assert not {"groups", "group-components", "resources"} & set(profile)
        assert profile["keep-going"] is True  # a batch whose case does not validate stops no other batch
    assert "series" not in slurm.get("set-resources", {})


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
