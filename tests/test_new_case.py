"""A new valid case file needs no code: it validates, renders, joins the series, the index and teaching,
and the kept notebooks pass nbval, in a copy of the checkout (issue 12).

End to end, about a minute: deselect it with `-m "not e2e"`. The copy holds the checkout's
files (git ls-files: tracked, and untracked but not ignored) with their times, the existing
.venv and node_modules linked (make is told not to rebuild them), and one invented case
more in data/cases: a fixture case under a new id, whose drugs the real drug reference
already lists. Inside the copy only `make reports`, `make teach`, the nbval line of
`make test` and `caseseries validate` run, never tests/ (which would run this test again);
the environment variable CASESERIES_E2E_NESTED makes it skip itself should it be nested.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from caseseries.model import drugs
from conftest import ROOT, checkout_files

pytestmark = pytest.mark.e2e

NESTED = "CASESERIES_E2E_NESTED"
# An invented case with every form of the format (dates between items, parts of years, a course length
# only the authors give, unnamed agents, linked radiotherapy, notes); its named drugs are in the reference.
TEMPLATE = "every-form"
TEMPLATE_FILE = ROOT / "tests/fixtures/new-case/every-form.yaml"
NEW = "e2e-new-case"
AS_OF = "2021-04"
# make must not rebuild the linked environment or node_modules: they are the checkout's own
MAKE = ["make", "--no-print-directory", "-o", ".venv/.installed", "-o", "node_modules/.package-lock.json"]


def run(args, root: Path, timeout: int = 600, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update({"CASESERIES_ROOT": str(root), NESTED: "1"})
    return subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=timeout, **kw)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    if os.environ.get(NESTED):
        pytest.skip("nested inside tests/test_new_case.py")
    for needed, why in ((ROOT / ".venv" / ".installed", "the environment (.venv): run `make .venv`"),
                        (ROOT / "node_modules" / "reveal.js", "reveal.js (node_modules): run `npm ci`")):
        if not needed.exists():
            pytest.skip(f"needs {why}")
    if shutil.which("make") is None:
        pytest.skip("needs make")
    root = tmp_path_factory.mktemp("checkout")
    for name in checkout_files():
        source = ROOT / name
        if source.is_file() and not source.is_symlink():  # a tracked file deleted in the work tree is left out
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    (root / ".venv").symlink_to(ROOT / ".venv")
    (root / "node_modules").symlink_to(ROOT / "node_modules")

    text = TEMPLATE_FILE.read_text(encoding="utf-8").split("\n", 1)[1]  # without its schema line
    assert text.count(f"case_id: {TEMPLATE}\n") == 1
    named = set(re.findall(r"^ +- drug: (.+)$", text, re.M)) - {"not stated"}
    known = set(drugs.load_reference(root / "data/reference/drugs.yaml"))
    assert named and named <= known, f"drugs of {TEMPLATE} missing from data/reference/drugs.yaml: {named - known}"
    text = text.replace(f"case_id: {TEMPLATE}\n", f"case_id: {NEW}\n")
    schema = root / "data/case.schema.json"
    if schema.is_file():  # a case file names the schema on its first line, as `caseseries new` writes it
        from caseseries.model.schema import SCHEMA_COMMENT

        text = f"{SCHEMA_COMMENT}{os.path.relpath(schema, root / 'data/cases')}\n{text}"
    (root / f"data/cases/{NEW}.yaml").write_text(text, encoding="utf-8")
    return root


def make_reports(checkout: Path) -> Path:
    out = run([*MAKE, "reports"], checkout)
    assert out.returncode == 0, (out.stdout + out.stderr)[-4000:]
    return checkout / "reports"


def test_validate_counts_the_new_case(checkout):
    n = len(list((checkout / "data/cases").glob("*.yaml")))
    assert n == len(list((ROOT / "data/cases").glob("*.yaml"))) + 1
    out = run([str(checkout / ".venv/bin/caseseries"), "validate"], checkout, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == f"{n} case files valid"


def test_a_new_case_renders_joins_the_series_index_and_teaching_and_nbval_holds(checkout):
    """One test, so that `make reports` runs once even when pytest-xdist spreads the tests over workers."""
    reports = make_reports(checkout)
    ids = sorted(p.stem for p in (checkout / "data/cases").glob("*.yaml"))

    # the new case's report, its kept notebook and its deck; a kept notebook for every case, no other
    title = re.search(r'^title: "(.*)"$', (checkout / f"data/cases/{NEW}.yaml").read_text(), re.M).group(1)
    page = (reports / f"cases/{NEW}.html").read_text(encoding="utf-8")
    assert f"<title>{title}</title>" in page and 'src="data:image/svg+xml;base64,' in page
    assert (reports / f"cases/{NEW}.ipynb").is_file() and (reports / f"slides/{NEW}.slides.html").is_file()
    assert sorted(p.stem for p in (reports / "cases").glob("*.ipynb")) == ids

    # the series and the landing page name every case, the new one included
    nb = json.loads((reports / "series.ipynb").read_text(encoding="utf-8"))
    outputs = json.dumps([c.get("outputs", []) for c in nb["cells"]])
    assert all(case_id in outputs for case_id in ids)
    assert NEW in (reports / "series.html").read_text(encoding="utf-8")
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert all(f'<a href="cases/{case_id}.html">' in index for case_id in ids) and "not rendered yet" not in index

    # the nbval line of `make test` on the kept notebooks
    dry = run([*MAKE, "-n", "test"], checkout, timeout=60)
    assert dry.returncode == 0, dry.stderr
    [line] = [x for x in dry.stdout.splitlines() if "--nbval " in x and "reports/" in x]
    out = run(["bash", "-c", line], checkout)
    assert out.returncode == 0, (out.stdout + out.stderr)[-4000:]
    assert re.search(r"\b\d+ passed\b", out.stdout) and " failed" not in out.stdout

    # teaching: the view as of a date, and its deck
    out = run([*MAKE, "teach", f"CASE={NEW}", f"AS_OF={AS_OF}"], checkout)
    assert out.returncode == 0, (out.stdout + out.stderr)[-4000:]
    name = f"case-{hashlib.sha256(NEW.encode()).hexdigest()[:8]}@{AS_OF}"  # teaching outputs have neutral names
    view = (checkout / f"reports/teaching/{name}.html").read_text(encoding="utf-8")
    assert "Citation withheld until the reveal" in view and NEW not in view
    assert (checkout / f"reports/slides/{name}.slides.html").is_file()
