"""Shared fixtures: the invented fixture project, scratch copies of it, and a factory for broken case files.

Tests of behaviour read the fixture project in tests/fixtures/project: three invented
cases (data/cases) and their own drug reference (data/reference/drugs.yaml), with numbers
the tests compute by hand. Tests over the published cases in data/cases check only what
holds for any case, whichever files are there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from caseseries.model.paths import project_root

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "data" / "cases"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "project"
FIXTURE_CASES = FIXTURE / "data" / "cases"
DAYS_PER_MONTH = 365.25 / 12  # data/README.md: a month counts as 30.44 days


def published_ids() -> list[str]:
    """The ids of whatever case files data/cases holds."""
    return sorted(p.stem for p in CASES.glob("*.yaml"))


def run_cli(*args: str, root: Path = ROOT, timeout: int = 300) -> subprocess.CompletedProcess:
    """`caseseries ARGS` as a real process, in and for the project at root (CASESERIES_ROOT), running the package
    of this tree (src/ beside tests/): a clone's or mutmut's copy, not whichever one is installed."""
    return subprocess.run([sys.executable, "-m", "caseseries", *args], cwd=root, capture_output=True, text=True,
                          timeout=timeout, env=cli_env(root))


def start_cli(*args: str, root: Path = ROOT) -> subprocess.Popen:
    """`caseseries ARGS` started as run_cli runs it, not waited for; its output is captured as text."""
    return subprocess.Popen([sys.executable, "-m", "caseseries", *args], cwd=root, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=cli_env(root))


def cli_env(root: Path) -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "CASESERIES_ROOT": str(root), "PYTHONPATH": path}


def copy_fixture_project(dest: Path, notebooks: bool = True, node_modules: bool = False) -> Path:
    """A scratch project: the fixture's data, the checkout's notebook templates, and node_modules linked.

    Render, series and teach read their templates from <root>/notebooks, so a project that
    renders gets the real templates; nothing is written into tests/fixtures.
    """
    shutil.copytree(FIXTURE / "data", dest / "data")
    if notebooks:
        shutil.copytree(ROOT / "notebooks", dest / "notebooks")
    if node_modules and (ROOT / "node_modules").is_dir():
        (dest / "node_modules").symlink_to(ROOT / "node_modules")
    return dest


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: end to end in a copy of the checkout (about a minute); "
                                       "deselect with -m 'not e2e'")


@pytest.fixture(autouse=True)
def _run_from_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("CASESERIES_ROOT", raising=False)
    project_root.cache_clear()  # the root is cached per process: find it again for each test


@pytest.fixture
def fixture_root():
    """In-process code reads the fixture project (cases and drug reference), as CASESERIES_ROOT says."""
    before = os.environ.get("CASESERIES_ROOT")
    os.environ["CASESERIES_ROOT"] = str(FIXTURE)
    project_root.cache_clear()
    yield FIXTURE
    if before is None:
        os.environ.pop("CASESERIES_ROOT", None)
    else:
        os.environ["CASESERIES_ROOT"] = before
    project_root.cache_clear()


class FixtureCases:
    """The invented cases of tests/fixtures/project by id: ``cases["fx-lung-egfr"]`` is the loaded case,
    ``cases.path(id)`` its file, ``cases.all()`` every case in id order."""

    root = FIXTURE
    _loaded: dict = {}

    @property
    def ids(self) -> list[str]:
        return sorted(p.stem for p in FIXTURE_CASES.glob("*.yaml"))

    def path(self, case_id: str) -> Path:
        path = FIXTURE_CASES / f"{case_id}.yaml"
        assert path.is_file(), f"no fixture case {case_id!r} in {FIXTURE_CASES}"
        return path

    def text(self, case_id: str) -> str:
        return self.path(case_id).read_text(encoding="utf-8")

    def __getitem__(self, case_id: str):
        from caseseries.model.load import load_case

        if case_id not in self._loaded:
            self._loaded[case_id] = load_case(self.path(case_id))
        return self._loaded[case_id]

    def all(self) -> list:
        return [self[case_id] for case_id in self.ids]


@pytest.fixture
def cases(fixture_root) -> FixtureCases:
    """The fixture cases (loaded once per process); in-process code reads the fixture project meanwhile."""
    return FixtureCases()


@pytest.fixture
def case_file(tmp_path):
    """Write YAML text to tmp/<case_id>.yaml and return its path."""

    def write(text: str, name: str = "x") -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return write


MINIMAL = """
case_id: x
title: A minimal case
source:
  citation: Someone 2024
  doi: 10.1/x
  patient: the only patient
outcome:
  status: alive
  last_contact: 2024-05
  locator: {section: Case}
"""


def checkout_files() -> list[str]:
    """The checkout's files as git sees them (tracked, and untracked but not ignored), for copies of it."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        pytest.skip(f"not a git checkout: {out.stderr.strip()}")
    return [f for f in out.stdout.split("\0") if f]


def remote_urls(page: str) -> list[str]:
    """Every address an HTML page would load that is not in the page or beside it: scripts, style sheets, images,
    frames, fonts and imports of its CSS, whatever their form (an absolute URL or one without a scheme, //host)."""
    import re

    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    found = [el.get(attr) for el in soup.find_all(True)
             for attr in ("src", "href", "data", "poster", "srcset")
             if el.get(attr) and (attr != "href" or el.name in ("link", "base"))]
    css = " ".join(s.get_text() for s in soup.find_all("style")) + " ".join(el["style"] for el in soup.find_all(style=True))
    found += re.findall(r"url\(\s*['\"]?([^'\")]+)", css) + re.findall(r"@import\s+['\"]([^'\"]+)", css)
    return [u for u in found if re.match(r"^\s*([a-z][a-z0-9+.-]*:|//)", u, re.I) and not u.strip().startswith("data:")]
