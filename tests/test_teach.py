"""`caseseries teach` and `caseseries slides`, run as real processes in a scratch project."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from caseseries import slides
from conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
VIEW = "reports/teaching/socazolimab-xu2025@2023-09.html"
DECK = "reports/slides/socazolimab-xu2025@2023-09.slides.html"


def cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli(*args, root=root)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    for folder in ("data/cases", "data/reference", "notebooks"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, root / folder)
    if (ROOT / "node_modules").is_dir():
        (root / "node_modules").symlink_to(ROOT / "node_modules")
    (root / "reports/cases").mkdir(parents=True)
    (root / "reports/cases/untouched.txt").write_text("the full reports are not touched\n")
    return root


@pytest.fixture(scope="module")
def taught(project):
    out = cli(project, "teach", "socazolimab-xu2025", "2023-09")
    assert out.returncode == 0, out.stderr
    return project, out


def test_teach_writes_the_view_and_its_deck_only(taught):
    project, out = taught
    assert (project / VIEW).is_file() and (project / DECK).is_file()
    assert (project / "reports/slides/reveal.js/dist/reveal.js").is_file()
    assert sorted(p.name for p in (project / "reports/cases").iterdir()) == ["untouched.txt"]
    assert sorted(p.name for p in (project / "reports/teaching").iterdir()) == ["socazolimab-xu2025@2023-09.html"]
    assert f"wrote {VIEW}, {DECK}" in out.stderr


def test_view_has_a_neutral_title_and_no_parameters(taught):
    project, _ = taught
    for path in (VIEW, DECK):
        page = (project / path).read_text(encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", page).group(1)
        assert title.startswith("Late pelvic recurrence and thoracic metastases of cervical squamous cell carcinoma")
        assert "socazolimab" not in page.lower() and "case_id" not in page and "papermill" not in page
        assert 'src="data:image/png;base64,' in page


def test_deck_loads_reveal_from_the_local_copy_and_nothing_else(taught):
    project, _ = taught
    deck = (project / DECK).read_text(encoding="utf-8")
    assert re.findall(r'<script src="([^"]+)"', deck) == ["reveal.js/dist/reveal.js", "reveal.js/plugin/notes/notes.js"]
    assert re.findall(r'<link href="([^"]+)"', deck) == ["reveal.js/dist/reveal.css", "reveal.js/dist/theme/white.css"]
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", deck)
    assert "require.js" not in deck and "mathjax" not in deck.lower() and "jquery" not in deck.lower()
    theme = (project / "reports/slides/reveal.js/dist/theme/white.css").read_text()
    assert "@import url(./fonts/" in theme and not re.search(r"url\((['\"]?)(https?:)?//", theme)
    assert deck.count('<section') >= 12  # a slide per section, some with a second (vertical) slide


def test_teaching_render_is_byte_identical(taught):
    project, _ = taught
    before = {p: (project / p).read_bytes() for p in (VIEW, DECK)}
    out = cli(project, "teach", "socazolimab-xu2025", "2023-09")
    assert out.returncode == 0, out.stderr
    assert {p: (project / p).read_bytes() for p in (VIEW, DECK)} == before


@pytest.mark.parametrize("as_of, message", [
    ("2023-13", "caseseries teach: as_of: month 13 does not exist"),
    ("rit-start + 6 months", "caseseries teach: as_of: anchor 'rit-start' does not exist"),
    ("1999", "caseseries teach: as_of: 1999 is before the first dated fact of the case"),
])
def test_bad_as_of_exits_1_before_anything_runs(taught, as_of, message):
    project, _ = taught
    out = cli(project, "teach", "socazolimab-xu2025", as_of)
    assert out.returncode == 1 and message in out.stderr
    assert "Traceback" not in out.stderr and "executing" not in out.stderr
    assert sorted(p.name for p in (project / "reports/teaching").iterdir()) == ["socazolimab-xu2025@2023-09.html"]


def test_unknown_case_exits_1(taught):
    project, _ = taught
    out = cli(project, "teach", "socazolimab", "2023-09")
    assert out.returncode == 1 and "did you mean 'socazolimab-xu2025'" in out.stderr and "Traceback" not in out.stderr


def test_slides_of_a_full_report_from_its_kept_notebook(taught):
    project, _ = taught
    missing = cli(project, "slides", "bian2024-p1")
    assert missing.returncode == 1 and "no rendered notebook for 'bian2024-p1'" in missing.stderr
    kept = project / "reports/cases/bian2024-p1.ipynb"
    shutil.copy(ROOT / "reports/cases/bian2024-p1.ipynb", kept)
    try:
        out = cli(project, "slides", "bian2024-p1")
        assert out.returncode == 0, out.stderr
        deck = (project / "reports/slides/bian2024-p1.slides.html").read_text(encoding="utf-8")
        assert "<title>Giant neck lymph node metastases of cervical cancer" in deck
        assert "reveal.js/dist/reveal.js" in deck and 'src="data:image/png;base64,' in deck
    finally:
        kept.unlink()


def test_kept_slide_types_reach_the_deck():
    nb = nbformat.read(ROOT / "notebooks/case_report.ipynb", as_version=4)
    kinds = {c.id: c.metadata.get("slideshow", {}).get("slide_type") for c in nb.cells}
    headings = [c.id for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert headings and all(kinds[i] == "slide" for i in headings) and kinds["cell-00"] == "skip"
    assert all(kind in {"slide", "subslide", "skip", "-"} for kind in kinds.values())
    nb.cells.insert(1, nbformat.v4.new_code_cell("case_id = 'secret-drug-case'", metadata={"tags": ["injected-parameters"]}))
    deck = slides.to_slides(nb, "A neutral title")
    assert "secret-drug-case" not in deck and deck.count("<section") >= len(headings)


def test_missing_reveal_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(slides, "CHECKOUT", tmp_path)
    with pytest.raises(slides.SlidesError) as exc:
        slides.install_reveal(tmp_path / "reports/slides", root=tmp_path)
    assert "reveal.js is not installed" in str(exc.value) and "npm ci" in str(exc.value)


def test_package_json_pins_reveal_exactly():
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    version = package["dependencies"]["reveal.js"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert lock["packages"]["node_modules/reveal.js"]["version"] == version
