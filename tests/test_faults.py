"""Nothing lost, nothing half-done (issue 13): faults tried as a careless or hostile user would.

- The fault corpus: broken case files generated from the invented case in
  tests/fixtures/faults (bad YAML, aliases, deep nesting, control characters, huge files,
  dates out of range, infinite and absurd numbers, unknown keys, wrong types, offset cycles
  and chains, unreadable files, folders named .yaml, paths given as case ids). For each,
  `caseseries` runs as a real process and must exit 1 naming the file (`file:LINE` where
  there is a line), print no traceback, end within 2 s and 500 MB, and change nothing in
  reports/. Faults that do not hold yet are listed in NOT_YET with the module that must
  change; they are strict xfails, so a fix makes them fail until the entry is removed.
- Kept notebooks survive a real Ctrl-C (SIGINT to the process group) of `make -j2 reports`
  at several points, and a re-run leaves `git status` clean (end to end, about a minute).
- Ctrl-C or SIGTERM ends `caseseries render` with one line and exit 130/143, and no
  temporary folder, half-written file or kernel is left behind.
- Reports whose case file is gone are listed, pruned and make `check-reports` fail; kept
  reports rendered from another template fail it with "render again: the template changed".
- Outputs that cannot be written are refused before any notebook runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
from conftest import ROOT

FAULTS_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "faults"
BASE_ID = "fault-base"
BASE = (FAULTS_FIXTURE / "data" / "cases" / f"{BASE_ID}.yaml").read_text(encoding="utf-8")
CLI = [sys.executable, "-m", "caseseries"]  # as the console script starts: entry.main
MAX_SECONDS = 2.0
MAX_RSS_MB = 500
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


# ------------------------------------------------------------------ running the CLI


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float


def run(args: list[str], root: Path, cwd: Path | None = None, timeout: float = 30, prefix: list[str] = (),
        env: dict | None = None) -> Run:
    """`caseseries ARGS` as a real process for the project at root, with its own wall time and peak memory."""
    env = {**os.environ, "CASESERIES_ROOT": str(root), **(env or {})}
    started = time.perf_counter()
    proc = subprocess.Popen([*prefix, *CLI, *args], cwd=cwd or root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    chunks: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda name, pipe: chunks.__setitem__(name, pipe.read()), args=(name, pipe))
               for name, pipe in (("out", proc.stdout), ("err", proc.stderr))]
    for reader in readers:
        reader.start()
    deadline = started + timeout
    while True:  # wait4 gives this child's own peak memory
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.01)
    seconds = time.perf_counter() - started
    for reader in readers:
        reader.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(proc.returncode, chunks["out"].decode("utf-8", "replace"), chunks["err"].decode("utf-8", "replace"),
               seconds, usage.ru_maxrss / 1024)


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every file under folder with its bytes' hash and modification time."""
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def unprivileged() -> list[str] | None:
    """A prefix under which file modes hold (root ignores them): none needed, `unshare -U`, or None if impossible."""
    if not IS_ROOT:
        return []
    if shutil.which("unshare") and subprocess.run(["unshare", "-U", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-U"]
    return None


# ------------------------------------------------------------------ the corpus


def sub(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, f"the fault fixture no longer has exactly one {old!r}"
    return text.replace(old, new)


def after_title(extra: str) -> str:
    """The base case with extra top-level YAML right after its title line."""
    line = next(line for line in BASE.splitlines() if line.startswith("title: "))
    return sub(line + "\n", line + "\n" + extra)


def nested_chain(n: int, reverse: bool, start: str = "2020-06-01") -> str:
    """n events, each a day after the one before (an offset from it), listed first to last or last to first."""
    items = [f"  - id: step-{0:04d}\n    kind: follow-up\n    date: {start}\n    label: Step 0\n"
             f"    locator: {{section: Case presentation, paragraph: 2}}\n"]
    items += [f"  - id: step-{i:04d}\n    kind: follow-up\n    date: step-{i - 1:04d} + 1 day\n    label: Step {i}\n"
              f"    locator: {{section: Case presentation, paragraph: 2}}\n" for i in range(1, n)]
    if reverse:
        items.reverse()
    return sub("events:\n", "events:\n" + "".join(items))


def billion_laughs(levels: int = 10) -> str:
    lines = ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, levels)]
    return after_title("\n".join(lines) + "\n")


@dataclass
class Fault:
    name: str
    kind: str
    text: str | bytes | None = None  # the case file fault-base.yaml, or None when `setup` makes the fault
    setup: Callable[[Path, Path], list[str]] | None = None  # (project, folder) -> CLI args
    expect: str | None = None  # a text stderr must hold (default: the file named, with a line when there is one)
    needs_line: bool = True
    unprivileged: bool = False  # run where file modes hold (see unprivileged())
    notes: str = ""
    extra: dict = field(default_factory=dict)


DIAGNOSIS_DATE = "    date: 2020-02\n    label: Cervical"


def _text_faults() -> list[Fault]:
    f = Fault
    dose = "        dose: 40\n        unit: mg/m2\n"
    return [
        # --- not YAML, or YAML a case file may not use
        f("unclosed-flow-list", "bad YAML", sub("  citation: ", "  citation: [unclosed, ")),
        f("tab-indentation", "bad YAML", sub("  patient: the only patient\n", "\tpatient: the only patient\n")),
        f("unclosed-quote", "bad YAML", sub('neutral_title: "Cervical', 'neutral_title: "Cervical\n  oops: "x')),
        f("bad-indentation", "bad YAML", sub("  url: https://example.org", "     url: https://example.org")),
        f("duplicate-key", "bad YAML", after_title("title: again\n")),
        f("two-documents", "bad YAML", BASE + "---\ncase_id: second\n"),
        f("scalar-document", "bad YAML", "just a sentence\n"),
        f("empty-file", "bad YAML", "", needs_line=False),
        f("list-document", "bad YAML", "- case_id: fault-base\n- title: x\n"),
        f("latin-1-bytes", "bad YAML", sub("cervical squamous", "cervical squ\u00e1mous").encode("latin-1"),
          needs_line=False),
        f("utf-16", "bad YAML", BASE.encode("utf-16"), needs_line=False),
        f("python-tag", "bad YAML", after_title("evil: !!python/object/apply:os.system ['echo pwned']\n")),
        f("binary-tag", "bad YAML", after_title("blob: !!binary aGVsbG8=\n")),
        f("timestamp-tag", "bad YAML", sub("last_contact: 2023-05-15", "last_contact: !!timestamp 2023-05-15")),
        f("int-tag-on-text", "bad YAML", sub("    cycles_given: 5", "    cycles_given: !!int five")),
        f("set-tag", "bad YAML", after_title("things: !!set {a, b}\n")),
        f("merge-key", "bad YAML", sub("  - id: pembro\n", "  - <<: {modality: immunotherapy}\n    id: pembro\n")),
        f("list-as-key", "bad YAML", after_title("[a, b]: 1\n")),
        f("yes-as-key", "bad YAML", after_title("yes: 1\n")),
        f("null-key", "bad YAML", after_title("~: 1\n")),
        f("integer-of-5000-digits", "bad YAML", sub("    cycles_given: 5", "    cycles_given: " + "9" * 5000)),
        # --- aliases and anchors
        f("billion-laughs", "aliases", billion_laughs(10)),
        f("billion-laughs-7", "aliases", billion_laughs(7)),
        f("alias-of-a-locator", "aliases", sub("    locator: {section: Case presentation, paragraph: 3}\n\nregimens",
                                                "    locator: &loc {section: Case presentation, paragraph: 3}\n\n"
                                                "regimens").replace(
            "    locator: {section: Case presentation, paragraph: 2}\n  - id: last-contact",
            "    locator: *loc\n  - id: last-contact")),
        f("anchor-alone", "aliases", sub("  patient: the only patient", "  patient: &who the only patient")),
        f("alias-undefined", "aliases", sub("  patient: the only patient", "  patient: *nobody")),
        # --- nesting
        f("flow-lists-5000-deep", "depth", after_title("deep: " + "[" * 5000 + "]" * 5000 + "\n")),
        f("block-lists-3000-deep", "depth", after_title("deep:\n  " + "- " * 3000 + "x\n")),
        f("flow-mappings-3000-deep", "depth", after_title("deep: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n")),
        f("lists-60-deep", "depth", after_title("deep: " + "[" * 60 + "]" * 60 + "\n")),
        # --- control characters
        f("nul", "control characters", sub("Fixture case report: cervical", "Fixture case report:\x00 cervical")),
        f("form-feed", "control characters", sub("\nregimens:\n", "\n\x0c\nregimens:\n")),
        f("escape", "control characters", sub("label: Pulmonary recurrence", "label: \x1b[31mPulmonary recurrence")),
        f("delete", "control characters", sub("    findings: lung nodules smaller", "    findings: lung\x7f nodules")),
        f("vertical-tab", "control characters", sub("  patient: the only patient", "  patient: the only\x0bpatient")),
        f("bell", "control characters", sub("    label: Last follow-up", "    label: Last follow-up\x07")),
        f("next-line-c1", "control characters", sub("    label: Last follow-up", "    label: Last\x85follow-up")),
        # --- size
        f("3-mb-comment", "size", BASE + "# " + "x" * (3 * 1024 * 1024) + "\n"),
        f("just-over-2-mb", "size", BASE + ("# padding padding padding padding padding padding padding\n"
                                            * (2 * 1024 * 1024 // 58 + 2))),
        # --- dates
        f("year-0000", "dates", sub(DIAGNOSIS_DATE, DIAGNOSIS_DATE.replace("2020-02", "0000-01"))),
        f("year-9999", "dates", sub(DIAGNOSIS_DATE, DIAGNOSIS_DATE.replace("2020-02", "9999-01"))),
        f("year-1799", "dates", sub(DIAGNOSIS_DATE, DIAGNOSIS_DATE.replace("2020-02", "1799-12"))),
        f("year-2201", "dates", sub("  last_contact: 2023-05-15", "  last_contact: 2201-01")),
        f("month-13", "dates", sub(DIAGNOSIS_DATE, DIAGNOSIS_DATE.replace("2020-02", "2020-13"))),
        f("february-30", "dates", sub("    start: 2020-03-02\n    end: 2020-04\n",
                                      "    start: 2020-02-30\n    end: 2020-04\n")),
        f("offset-past-2200", "dates", sub("date: diagnosis + 18 months", "date: diagnosis + 300 years")),
        f("offset-of-a-million-months", "dates", sub("diagnosis + 18 months", "diagnosis + 1000000 months")),
        f("offset-of-10e30-days", "dates", sub("date: diagnosis + 18 months",
                                               "date: diagnosis + 1000000000000000000000000000000 days")),
        f("last-contact-year-9999", "dates", sub("  last_contact: 2023-05-15", "  last_contact: 9999-12-31")),
        f("end-before-start", "dates", sub("start: 2021-09\n    end: 2022-09", "start: 2021-09\n    end: 2019-09")),
        # --- numbers
        f("dose-inf", "numbers", sub(dose, "        dose: .inf\n        unit: mg/m2\n")),
        f("dose-minus-inf", "numbers", sub(dose, "        dose: -.inf\n        unit: mg/m2\n")),
        f("dose-nan", "numbers", sub(dose, "        dose: .nan\n        unit: mg/m2\n")),
        f("dose-1e400", "numbers", sub(dose, "        dose: 1e400\n        unit: mg/m2\n")),
        f("dose-1.0e+400", "numbers", sub(dose, "        dose: 1.0e+400\n        unit: mg/m2\n")),
        f("dose-1e308", "numbers", sub(dose, "        dose: 1.0e+308\n        unit: mg/m2\n")),
        f("dose-negative", "numbers", sub(dose, "        dose: -5\n        unit: mg/m2\n")),
        f("dose-as-words", "numbers", sub(dose, "        dose: forty\n        unit: mg/m2\n")),
        f("cycles-10e29", "numbers", sub("    cycles_given: 5", "    cycles_given: 100000000000000000000000000000")),
        f("cycles-negative", "numbers", sub("    cycles_given: 5", "    cycles_given: -3")),
        f("cycles-fractional", "numbers", sub("    cycles_given: 5", "    cycles_given: 4.5")),
        f("fractions-a-billion", "numbers", sub("        fractions: 25", "        fractions: 1000000000")),
        f("total-dose-a-million-gy", "numbers", sub("        total_dose_gy: 50", "        total_dose_gy: 1000000")),
        f("marker-inf", "numbers", sub("    value: 6.5", "    value: .inf")),
        f("marker-1e300", "numbers", sub("    value: 6.5", "    value: 1.0e+300")),
        f("age-500", "numbers", sub("    value: 52", "    value: 500")),
        f("cycle-days-zero", "numbers", sub("    cycle_days: 7", "    cycle_days: 0")),
        f("duration-inf", "numbers", sub("      value: 39", "      value: .inf")),
        # --- keys and types
        f("unknown-top-level-key", "keys and types", sub("neutral_title:", "titel: typo\nneutral_title:")),
        f("unknown-nested-key", "keys and types", sub("    cycle_days: 7", "    cycle_days: 7\n    dosage: high")),
        f("events-as-text", "keys and types", sub("events:\n", "events: see the case presentation\nevent_list:\n")),
        f("title-as-list", "keys and types", sub('title: "Fixture case', 'title:\n  - "Fixture case')),
        f("case-id-not-the-file-name", "keys and types", sub("case_id: fault-base", "case_id: another-case")),
        f("case-id-a-path", "keys and types", sub("case_id: fault-base", "case_id: ../../etc/passwd")),
        f("missing-title", "keys and types", "\n".join(line for line in BASE.splitlines()
                                                         if not line.startswith("title: ")) + "\n"),
        f("unknown-drug", "keys and types", sub("      - drug: cisplatin", "      - drug: examplumab")),
        f("boolean-as-dose", "keys and types", sub(dose, "        dose: yes\n        unit: mg/m2\n")),
        # --- offsets
        f("offset-cycle", "offsets", sub(DIAGNOSIS_DATE, DIAGNOSIS_DATE.replace("2020-02", "recurrence - 18 months"))),
        f("offset-to-itself", "offsets", sub("date: diagnosis + 18 months", "date: recurrence + 18 months")),
        f("offset-to-unknown-anchor", "offsets", sub("date: diagnosis + 18 months", "date: nowhere + 18 months")),
        f("offset-chain-3000-reverse", "offsets", nested_chain(3000, reverse=True)),
        f("offset-chain-3000-forward", "offsets", nested_chain(3000, reverse=False)),
    ]


def _file_faults() -> list[Fault]:
    def unreadable(project: Path, folder: Path) -> list[str]:
        path = folder / f"{BASE_ID}.yaml"
        path.write_text(BASE)
        path.chmod(0)
        return ["validate", str(path.relative_to(project))]

    def symlink_loop(project: Path, folder: Path) -> list[str]:
        path = folder / f"{BASE_ID}.yaml"
        path.symlink_to(path.name)
        return ["validate", str(path.relative_to(project))]

    def broken_symlink(project: Path, folder: Path) -> list[str]:
        path = folder / f"{BASE_ID}.yaml"
        path.symlink_to("nowhere.yaml")
        return ["validate", str(path.relative_to(project))]

    def fifo(project: Path, folder: Path) -> list[str]:
        path = folder / f"{BASE_ID}.yaml"
        os.mkfifo(path)
        return ["validate", str(path.relative_to(project))]

    def folder_in_cases(project: Path, folder: Path) -> list[str]:
        (project / "data" / "cases" / "x.yaml").mkdir()
        return ["validate"]

    def path_as_id(command: list[str]) -> Callable[[Path, Path], list[str]]:
        return lambda project, folder: command

    f = Fault
    return [
        f("unreadable-file", "OS errors", setup=unreadable, unprivileged=True, needs_line=False),
        f("symlink-loop", "OS errors", setup=symlink_loop, needs_line=False),
        f("broken-symlink", "OS errors", setup=broken_symlink, needs_line=False),
        f("fifo-named-yaml", "OS errors", setup=fifo, needs_line=False),
        f("folder-named-x.yaml-in-data-cases", "OS errors", setup=folder_in_cases, expect="data/cases/x.yaml",
          needs_line=False),
        f("render-a-path-as-id", "path as id", setup=path_as_id(["render", "../../data/cases/fault-base"]),
          expect="'../../data/cases/fault-base' is not a case id"),
        f("render-a-yaml-path-as-id", "path as id", setup=path_as_id(["render", "data/cases/fault-base.yaml"]),
          expect="is not a case id"),
        f("table-an-absolute-path", "path as id", setup=path_as_id(["table", "/etc/passwd", "timeline"]),
          expect="'/etc/passwd' is not a case id"),
        f("teach-a-path", "path as id", setup=path_as_id(["teach", "../fault-base", "2021-01"]),
          expect="is not a case id"),
        f("slides-a-path", "path as id", setup=path_as_id(["slides", "..", BASE_ID]), expect="is not a case id"),
        f("series-upper-case-id", "path as id", setup=path_as_id(["series", "Fault-Base"]), expect="is not a case id"),
        f("care-id-with-a-newline", "path as id", setup=path_as_id(["care", "fault-base\n"]),
          expect="'fault-base\\n' is not a case id"),
    ]


FAULTS = _text_faults() + _file_faults()

# Faults that do not hold yet, with the module that must change (strict xfails: remove the entry once it holds).
NOT_YET: dict[str, str] = {}
# (A 3,000-step chain of offsets inside the case's dates is not a fault: it is valid and resolves in well under a
# second without recursion; tests/test_timeline.py holds it.)


def test_the_corpus_is_large_and_covers_every_kind():
    names = [f.name for f in FAULTS]
    assert len(names) == len(set(names))
    assert len(FAULTS) >= 60
    kinds = {f.kind for f in FAULTS}
    assert kinds >= {"bad YAML", "aliases", "depth", "control characters", "size", "dates", "numbers",
                     "keys and types", "offsets", "OS errors", "path as id"}
    assert set(NOT_YET) <= set(names)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A scratch project: the fault fixture's case and drug reference, and a reports/ that must not change."""
    root = tmp_path_factory.mktemp("faults")
    shutil.copytree(FAULTS_FIXTURE / "data", root / "data")
    (root / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / "case_report.ipynb", root / "notebooks")
    for name, text in (("reports/cases/fault-base.ipynb", '{"cells": []}\n'), ("reports/cases/fault-base.html", "<p>"),
                       ("reports/series.ipynb", '{"cells": []}\n'), ("reports/index.html", "<p>")):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    valid = run(["validate"], root)
    assert valid.returncode == 0, f"the fault fixture itself must be valid:\n{valid.stderr}"
    return root


def _params():
    for fault in FAULTS:
        marks = [pytest.mark.xfail(reason=NOT_YET[fault.name], strict=True)] if fault.name in NOT_YET else []
        yield pytest.param(fault, id=fault.name, marks=marks)


@pytest.mark.parametrize("fault", list(_params()))
def test_fault_ends_in_one_message_naming_the_file(project, fault):
    prefix: list[str] = []
    if fault.unprivileged:
        prefix = unprivileged()
        if prefix is None:
            pytest.skip("running as root without `unshare -U`: file modes cannot be tested")
    folder = project / "faults" / fault.name
    folder.mkdir(parents=True)
    before = snapshot(project / "reports")
    try:
        if fault.setup is not None:
            args = fault.setup(project, folder)
        else:
            path = folder / f"{BASE_ID}.yaml"
            path.write_bytes(fault.text if isinstance(fault.text, bytes) else fault.text.encode("utf-8"))
            args = ["validate", str(path.relative_to(project))]
        out = run(args, project, timeout=10, prefix=prefix)
    finally:
        shutil.rmtree(project / "data" / "cases" / "x.yaml", ignore_errors=True)
    said = out.stdout + out.stderr
    shown = f"faults/{fault.name}/{BASE_ID}.yaml"
    assert "Traceback" not in said, said[-3000:]
    assert out.returncode == 1, f"exit {out.returncode}, expected 1:\n{said[-2000:]}"
    if fault.expect is not None:
        assert fault.expect in out.stderr, out.stderr[-2000:]
    elif fault.needs_line:
        assert f"{shown}:" in out.stderr and any(line.startswith(f"{shown}:") and line[len(shown) + 1:].split(":")[0]
                                                 .isdigit() for line in out.stderr.splitlines()), out.stderr[-2000:]
    else:
        assert shown in out.stderr, out.stderr[-2000:]
    assert out.seconds < MAX_SECONDS, f"took {out.seconds:.2f} s"
    assert out.max_rss_mb < MAX_RSS_MB, f"peak memory {out.max_rss_mb:.0f} MB"
    assert snapshot(project / "reports") == before
    long = [line for line in out.stderr.splitlines() if len(line) > 1000]
    assert not long, f"a message line of {len(long[0])} characters"


def test_a_folder_named_yaml_breaks_no_other_case(project):
    folder = project / "data" / "cases" / "x.yaml"
    folder.mkdir()
    try:
        table = run(["table", BASE_ID, "timeline"], project)
        listed = run(["list"], project)
    finally:
        folder.rmdir()
    assert table.returncode == 0 and "Traceback" not in table.stderr, table.stderr
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr
    assert listed.stdout.split("  ")[0] == BASE_ID


def test_the_command_line_id_rule_is_the_models():
    from caseseries.model import case as model
    from caseseries.model.paths import CASE_ID, CASE_ID_MAX

    metadata = model.Case.model_fields["case_id"].metadata
    patterns = [m.pattern for m in metadata if getattr(m, "pattern", None)]
    lengths = [m.max_length for m in metadata if getattr(m, "max_length", None)]
    assert patterns == [f"^{CASE_ID.pattern}$"] and lengths == [CASE_ID_MAX]


# ------------------------------------------------------------------ orphans, provenance, write access


def _fake_notebook(path: Path, template: Path | None) -> None:
    from caseseries.outputs.render import provenance

    metadata = {"caseseries": provenance(template)} if template is not None else {}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": [], "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}))


@pytest.fixture
def kept(tmp_path) -> Path:
    """A project whose kept reports are current (fabricated with the real provenance; no kernel runs)."""
    shutil.copytree(FAULTS_FIXTURE / "data", tmp_path / "data")
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    _fake_notebook(tmp_path / "reports/cases/fault-base.ipynb", tmp_path / "notebooks/case_report.ipynb")
    _fake_notebook(tmp_path / "reports/series.ipynb", tmp_path / "notebooks/case_series.ipynb")
    for name in ("reports/cases/fault-base.html", "reports/slides/fault-base.slides.html", "reports/index.html",
                 "reports/series.html", "reports/slides/reveal.js/dist/reveal.js",
                 "reports/teaching/fault-base@2021-01.html", "reports/cases/README.md",
                 "reports/cases/.fault-base.ipynb.tmp1234"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("kept")
    return tmp_path


ORPHANS = ["reports/cases/gone.html", "reports/cases/gone.ipynb", "reports/exports/gone.csv",
           "reports/slides/gone.slides.html", "reports/slides/gone@2021-01.slides.html",
           "reports/teaching/gone@2021-01.html"]


def test_reports_of_a_deleted_case_are_listed_pruned_and_fail_the_check(kept):
    check = run(["check-reports"], kept)
    assert check.returncode == 0 and check.stderr == "", check.stderr
    for name in ORPHANS:
        (kept / name).parent.mkdir(parents=True, exist_ok=True)
        (kept / name).write_text("orphan")
    keep = sorted(set(snapshot(kept / "reports")) - {n.removeprefix("reports/") for n in ORPHANS})

    listed = run(["prune", "--list"], kept)
    assert listed.returncode == 0
    assert listed.stderr.splitlines() == [f"{n}: its case file data/cases/gone.yaml is gone" for n in ORPHANS]
    assert all((kept / n).exists() for n in ORPHANS)

    check = run(["check-reports"], kept)
    assert check.returncode == 1
    lines = check.stderr.splitlines()
    assert lines[:-1] == [f"{n}: its case file data/cases/gone.yaml is gone: `make reports` removes it "
                          "(or `caseseries prune`)" for n in ORPHANS]
    assert "run `make reports`" in lines[-1]

    pruned = run(["prune"], kept)
    assert pruned.returncode == 0
    assert pruned.stderr.splitlines() == [f"removed {n}: its case file data/cases/gone.yaml is gone" for n in ORPHANS]
    assert sorted(snapshot(kept / "reports")) == keep
    assert run(["prune", "--list"], kept).stderr == ""
    assert run(["check-reports"], kept).returncode == 0


def test_a_template_edit_is_caught_until_rendered_again(kept):
    template = kept / "notebooks/case_report.ipynb"
    nb = json.loads(template.read_text())
    # Saving from JupyterLab (outputs, counts, ids, notebook metadata) is not an edit of the template.
    for i, cell in enumerate(nb["cells"]):
        cell["id"] = f"saved-{i}"
        if cell["cell_type"] == "code":
            cell["execution_count"] = i
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "run in Lab\n"}]
    nb["metadata"]["widgets"] = {"state": {}}
    template.write_text(json.dumps(nb, indent=2))
    assert run(["check-reports"], kept).returncode == 0

    heading = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    heading["source"] = "## A heading someone edited"
    template.write_text(json.dumps(nb, indent=2))
    out = run(["check-reports"], kept)
    assert out.returncode == 1
    assert out.stderr.splitlines()[0] == ("reports/cases/fault-base.ipynb: render again: the template changed "
                                          "(notebooks/case_report.ipynb is not the one it was rendered from)")

    series = kept / "notebooks/case_series.ipynb"
    nb = json.loads(series.read_text())
    next(c for c in nb["cells"] if c["cell_type"] == "code")["source"] += "\n# edited"
    series.write_text(json.dumps(nb))
    assert "reports/series.ipynb: render again: the template changed" in run(["check-reports"], kept).stderr

    _fake_notebook(kept / "reports/cases/fault-base.ipynb", None)  # rendered before reports carried a hash
    assert ("reports/cases/fault-base.ipynb: render again: the template changed (the report records no template "
            "hash" in run(["check-reports"], kept).stderr)


def test_the_kept_reports_of_the_checkout_are_current_and_have_their_case():
    """What `make test` checks first (`caseseries check-reports`): one line per stale or orphan report."""
    out = run(["check-reports"], ROOT)
    assert out.returncode == 0, "\n" + out.stderr


def test_remove_stale_temp_removes_only_folders_of_dead_processes(tmp_path):
    from caseseries.outputs.render import remove_stale_temp

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    folders = {name: tmp_path / name for name in (f"caseseries-{dead.pid}-abc", f"caseseries-{os.getpid()}-def",
                                                 "caseseries-bench-data-1", "caseseries-ghi")}
    for folder in folders.values():
        folder.mkdir()
    (folders[f"caseseries-{dead.pid}-abc"] / "out.ipynb").write_text("{}")
    assert remove_stale_temp(tmp_path) == [folders[f"caseseries-{dead.pid}-abc"]]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(set(folders) - {f"caseseries-{dead.pid}-abc"})
    assert remove_stale_temp(tmp_path, own=True) == [folders[f"caseseries-{os.getpid()}-def"]]


def _render_project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FAULTS_FIXTURE / "data", root / "data")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    return root


def test_outputs_that_cannot_be_written_are_refused_before_anything_runs(tmp_path):
    root = _render_project(tmp_path)
    (root / "reports").mkdir()
    (root / "reports" / "cases").write_text("a file where the folder should be")
    out = run(["render", BASE_ID], root, timeout=60)
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.splitlines() == ["caseseries: cannot write into reports/cases: reports/cases is not a folder; "
                                       "nothing was rendered"]  # that line alone: no job started

    (root / "reports" / "cases").unlink()
    (root / "reports" / "cases" / f"{BASE_ID}.ipynb").mkdir(parents=True)
    out = run(["render", BASE_ID], root, timeout=60)
    assert out.returncode == 1 and out.stderr.splitlines() == [
        "caseseries: cannot write reports/cases/fault-base.ipynb: it is a folder; move it away"]


def test_a_read_only_reports_folder_is_refused_before_anything_runs(tmp_path):
    prefix = unprivileged()
    if prefix is None:
        pytest.skip("running as root without `unshare -U`: file modes cannot be tested")
    root = _render_project(tmp_path)
    (root / "reports" / "cases").mkdir(parents=True)
    (root / "reports" / "cases").chmod(0o555)
    try:
        out = run(["render", BASE_ID], root, timeout=60, prefix=prefix)
    finally:
        (root / "reports" / "cases").chmod(0o755)
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.splitlines() == ["caseseries: cannot write into reports/cases: permission denied (read-only?); "
                                       "nothing was rendered"]
    assert "executing" not in out.stderr


# ------------------------------------------------------------------ interrupts


def _kernels_using(folder: Path) -> list[str]:
    import psutil

    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info.get("cmdline") or [])
        if str(folder) in cmdline:
            found.append(cmdline)
    return found


def _handler_seconds(env: dict) -> float:
    """How long a CLI process takes here, now, to have its Ctrl-C handler in place (the interpreter's start and
    caseseries.entry), the slowest of three: a signal sent before then meets Python's own start-up, which no
    program can handle; one sent after lands in the imports of the command line or in the command."""
    slowest = 0.0
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import caseseries.entry"], env=env, check=True)
        slowest = max(slowest, time.perf_counter() - started)
    return slowest


@pytest.mark.parametrize("signum, code, when", [
    (signal.SIGINT, 130, "kernel running"), (signal.SIGTERM, 143, "kernel running"),
    (signal.SIGINT, 130, "writing"),
    (signal.SIGINT, 130, "importing"),  # the console script handles Ctrl-C before it imports the command line
], ids=["SIGINT-kernel", "SIGTERM-kernel", "SIGINT-writing", "SIGINT-importing"])
def test_an_interrupted_render_says_one_line_and_leaves_nothing_behind(tmp_path, signum, code, when):
    root = _render_project(tmp_path)
    previous = root / "reports" / "cases" / f"{BASE_ID}.ipynb"
    previous.parent.mkdir(parents=True)
    previous.write_text('{"previous": true}\n')
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "CASESERIES_ROOT": str(root), "TMPDIR": str(temp)}
    proc = subprocess.Popen([*CLI, "render", BASE_ID], cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    if when in ("kernel running", "writing"):  # the kernel's connection file is in the render's temporary folder
        deadline = time.perf_counter() + 60
        while not _kernels_using(temp):
            assert proc.poll() is None and time.perf_counter() < deadline, proc.communicate()
            time.sleep(0.05)
        time.sleep(0.3 if when == "kernel running" else 1.2)  # the notebook runs in about a second
    else:  # once the handler is in place, while the command line is still being imported
        time.sleep(2 * _handler_seconds(env))
    if proc.poll() is not None:
        pytest.skip(f"the render ended before the signal ({when}): the machine is faster than this test assumes")
    os.killpg(proc.pid, signum)
    stdout, stderr = proc.communicate(timeout=30)
    said = stdout + stderr
    time.sleep(0.3)
    assert sorted(p.name for p in temp.iterdir()) == [], "left in the temp dir"
    assert sorted(p.name for p in previous.parent.iterdir()) == [previous.name], "half-written files left"
    assert previous.read_text() == '{"previous": true}\n'
    assert _kernels_using(temp) == [], "a kernel outlived the render"
    assert proc.returncode == code, said
    assert "Traceback" not in said and said.count("caseseries: interrupted") == 1, said
    assert said.rstrip().splitlines()[-1] == "caseseries: interrupted"


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=faults", "-c", "user.email=faults@example.org", *args], cwd=root,
                          capture_output=True, text=True, check=True).stdout


def _make(root: Path, temp: Path, *goals: str, **popen) -> subprocess.Popen:
    """make -j2 GOALS in the scratch copy, never rebuilding the shared environment (-o: its stamps count as done)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CASESERIES_ROOT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.Popen(["make", "-j2", "-o", ".venv/.installed", "-o", "node_modules/.package-lock.json",
                             *goals], cwd=root, env={**env, "TMPDIR": str(temp)}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, **popen)


def _start_up_interrupts(log: str) -> bool:
    """Whether LOG has tracebacks and every one is Python's own KeyboardInterrupt in a process's start-up, before
    caseseries.entry installed its handler (site and the .pth files it runs, the console script's first line, the
    package's light __init__ files): a few ms that no program can handle. A frame in any other module of the
    package (entry.py and everything it imports) is a real failure."""
    before_entry = ("/caseseries/__init__.py", "/caseseries/model/__init__.py")
    tracebacks = log.split("Traceback (most recent call last):\n")[1:]
    for traceback in tracebacks:
        lines = traceback.splitlines()
        frames = [line for line in lines if line.startswith("  File ")]
        files = [line.split('"')[1] for line in frames]
        last = next((line for line in lines if not line.startswith(" ")), "")
        chained = "\nDuring handling of the above exception, another exception occurred:" in traceback
        # "KeyboardInterrupt: " after "Exception ignored in: ...": Python's own handler met an import lock's callback
        if (last.rstrip(": ") != "KeyboardInterrupt" and not chained) or any("/caseseries/" in f and not f.endswith(before_entry) for f in files):
            return False
    return bool(tracebacks)


def test_only_a_start_up_keyboard_interrupt_counts_as_one():
    """The helper above lets the make test try a later moment only for Python's own start-up, nothing else."""
    start_up = ('Traceback (most recent call last):\n  File "/x/.venv/bin/caseseries", line 4, in <module>\n'
                '    from caseseries.entry import main\n  File "<frozen importlib._bootstrap>", line 1176, in _find\n'
                'KeyboardInterrupt\nmake: *** [Makefile:63: reports/series.ipynb] Interrupt\n')
    assert _start_up_interrupts(start_up)
    assert not _start_up_interrupts("make: *** Interrupt\n")
    in_entry = start_up.replace("<frozen importlib._bootstrap>", "/x/src/caseseries/entry.py")
    assert not _start_up_interrupts(in_entry)
    assert not _start_up_interrupts(start_up.replace("KeyboardInterrupt\n", "ValueError: x\n"))
    assert _start_up_interrupts('Traceback (most recent call last):\n  File "<frozen importlib._bootstrap_external>"'
                                ', line 1437, in _path_importer_cache\nKeyError: \'/x/site-packages\'\n\nDuring '
                                'handling of the above exception, another exception occurred:\n\n' + start_up)
    assert not _start_up_interrupts(start_up + start_up.replace("bin/caseseries", "src/caseseries/cli.py"))


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("make") is None or shutil.which("git") is None, reason="needs make and git")
def test_interrupted_make_reports_never_deletes_kept_notebooks(tmp_path):
    """Ctrl-C on `make -j2 reports` at several points; then a re-run repairs and `git status` is clean."""
    root = tmp_path / "copy"
    (root / "data" / "cases").mkdir(parents=True)
    shutil.copytree(FAULTS_FIXTURE / "data" / "reference", root / "data" / "reference")
    (root / "data" / "cases" / f"{BASE_ID}.yaml").write_text(BASE)
    (root / "data" / "cases" / "fault-twin.yaml").write_text(sub(f"case_id: {BASE_ID}", "case_id: fault-twin"))
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    for name in ("Makefile", "requirements.lock", "pyproject.toml", ".gitignore"):
        shutil.copy(ROOT / name, root / name)
    for name in ("src", ".venv", "node_modules"):
        (root / name).symlink_to(ROOT / name)
    temp = tmp_path / "tmp"
    temp.mkdir()
    first = _make(root, temp, "reports")
    log = first.communicate(timeout=240)[0]
    assert first.returncode == 0, log
    _git(root, "init", "-q")
    (root / ".git" / "info" / "exclude").write_text("src\n.venv\nnode_modules\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "the kept reports")
    kept = [p for p in _git(root, "ls-files", "reports").split() if p.endswith(".ipynb")]
    assert sorted(kept) == ["reports/cases/fault-base.ipynb", "reports/cases/fault-twin.ipynb",
                            "reports/series.ipynb", "reports/teaching.ipynb"]
    assert run(["check-reports"], root).returncode == 0

    for moment in (0.5, 2.5, 4.5, 6.5):  # starting; in the case kernels; writing; the series and the decks
        for delay in (moment, moment + 0.137, moment + 0.291):  # later only if it met a process's start-up
            for template in ("case_report.ipynb", "case_series.ipynb"):
                os.utime(root / "notebooks" / template)  # every report is due again (same content: same bytes)
            make = _make(root, temp, "reports", start_new_session=True)
            time.sleep(delay)
            if make.poll() is None:
                os.killpg(make.pid, signal.SIGINT)
            log = make.communicate(timeout=60)[0]
            status = _git(root, "status", "--porcelain")
            assert "Deleting file" not in log, log
            assert not [line for line in status.splitlines() if "D" in line[:2]], f"after {delay} s:\n{status}\n{log}"
            assert all((root / p).is_file() for p in kept)
            assert not [p for p in temp.iterdir() if p.name.startswith("caseseries-")]
            if not _start_up_interrupts(log):
                break
        assert "Traceback" not in log, log
    # A typo in a case file: its render fails, and its kept notebook (and the series) stay.
    twin = root / "data" / "cases" / "fault-twin.yaml"
    good = twin.read_text()
    twin.write_text(sub("    cycles_given: 5", "    cycles_given: -3", good))
    broken = _make(root, temp, "reports")
    log = broken.communicate(timeout=120)[0]
    assert broken.returncode != 0 and "cycles_given: expected a number ≥ 0" in log, log
    assert "Deleting file" not in log and all((root / p).is_file() for p in kept), log
    twin.write_text(good)

    again = _make(root, temp, "reports")
    log = again.communicate(timeout=240)[0]
    assert again.returncode == 0, log
    assert _git(root, "status", "--porcelain") == "", _git(root, "diff")[:3000] + "\n" + log

    # A deleted case: `make reports` removes its report, HTML and deck, one line each.
    (root / "data" / "cases" / "fault-twin.yaml").unlink()
    pruned = _make(root, temp, "reports")
    log = pruned.communicate(timeout=240)[0]
    assert pruned.returncode == 0, log
    for name in ("reports/cases/fault-twin.html", "reports/cases/fault-twin.ipynb",
                 "reports/slides/fault-twin.slides.html"):
        assert f"removed {name}: its case file data/cases/fault-twin.yaml is gone" in log, log
        assert not (root / name).exists()
