"""`caseseries teach` and `caseseries slides`, run as real processes in a scratch copy of the fixture project."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

from caseseries.outputs import slides
from conftest import ROOT, copy_fixture_project, run_cli

CASE = "fx-cervix-calendar"
AS_OF = "2020-09"  # before its first pembrolizumab, paclitaxel and carboplatin dose (2020-10-05)
NAME = f"case-{hashlib.sha256(CASE.encode()).hexdigest()[:8]}@{AS_OF}"  # neutral: the id may name the drug
VIEW = f"reports/teaching/{NAME}.html"
DECK = f"reports/slides/{NAME}.slides.html"
LATER_DRUGS = ("pembrolizumab", "paclitaxel", "carboplatin")


def cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli(*args, root=root)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = copy_fixture_project(tmp_path_factory.mktemp("project"), node_modules=True)
    (root / "reports/cases").mkdir(parents=True)
    (root / "reports/cases/untouched.txt").write_text("the full reports are not touched\n")
    return root


@pytest.fixture(scope="module")
def taught(project):
    out = cli(project, "teach", CASE, AS_OF)
    assert out.returncode == 0, out.stderr
    return project, out


def test_teach_writes_the_view_and_its_deck_only(taught):
    project, out = taught
    assert (project / VIEW).is_file() and (project / DECK).is_file()
    assert (project / "reports/slides/reveal.js/dist/reveal.js").is_file()
    assert sorted(p.name for p in (project / "reports/cases").iterdir()) == ["untouched.txt"]
    assert sorted(p.name for p in (project / "reports/teaching").iterdir()) == [f"{NAME}.html"]
    assert f"wrote {VIEW}, {DECK}" in out.stderr


def test_view_has_a_neutral_title_and_no_parameters(taught):
    project, _ = taught
    case_file = (project / f"data/cases/{CASE}.yaml").read_text()
    neutral = re.search(r'^neutral_title: "(.*)"$', case_file, re.M).group(1)
    assert all(d in case_file for d in LATER_DRUGS)  # the check can fail: the case file names them
    for path in (VIEW, DECK):
        page = (project / path).read_text(encoding="utf-8")
        assert re.search(r"<title>(.*?)</title>", page).group(1).startswith(neutral)
        assert not [d for d in LATER_DRUGS if d in page.lower()], path
        assert CASE not in page and "case_id" not in page and "papermill" not in page
        assert 'src="data:image/svg+xml;base64,' in page


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
    out = cli(project, "teach", CASE, AS_OF)
    assert out.returncode == 0, out.stderr
    assert {p: (project / p).read_bytes() for p in (VIEW, DECK)} == before


@pytest.mark.parametrize("as_of, message", [
    ("2020-13", "caseseries teach: as_of: month 13 does not exist"),
    ("rit-start + 6 months", "caseseries teach: as_of: anchor 'rit-start' does not exist"),
    ("1999", "caseseries teach: as_of: 1999 is before the first dated fact of the case"),
])
def test_bad_as_of_exits_1_before_anything_runs(taught, as_of, message):
    project, _ = taught
    out = cli(project, "teach", CASE, as_of)
    assert out.returncode == 1 and message in out.stderr
    assert "Traceback" not in out.stderr and "executing" not in out.stderr
    assert sorted(p.name for p in (project / "reports/teaching").iterdir()) == [f"{NAME}.html"]


def test_unknown_case_exits_1(taught):
    project, _ = taught
    out = cli(project, "teach", "fx-cervix", AS_OF)
    assert out.returncode == 1 and f"did you mean '{CASE}'" in out.stderr and "Traceback" not in out.stderr


def test_a_case_whose_source_has_only_a_doi_is_taught(tmp_path):
    """The source of fx-relative-axis has a doi and neither a url nor a file."""
    project = copy_fixture_project(tmp_path)
    assert re.search(r"^  doi: ", (project / "data/cases/fx-relative-axis.yaml").read_text(), re.M)
    assert not re.search(r"^  (file|url|synthetic): ", (project / "data/cases/fx-relative-axis.yaml").read_text(),
                         re.M)
    out = cli(project, "teach", "fx-relative-axis", "rit-start + 6 months", "--no-slides")
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    [written] = (project / "reports/teaching").glob("case-*@day*.html")  # no id, no anchor in the name
    assert "fx-relative" not in written.name and "rit-start" not in written.name
    page = written.read_text(encoding="utf-8")
    assert "Citation withheld until the reveal" in page and "Example E, Sample F" not in page
    doi = re.search(r"^  doi: (\S+)", (project / "data/cases/fx-relative-axis.yaml").read_text(), re.M)[1]
    assert doi not in page  # the address would name the paper, and with it the ending
    assert not (project / "reports/slides").exists()


def test_slides_of_a_full_report_from_its_kept_notebook(taught):
    project, _ = taught
    missing = cli(project, "slides", "fx-relative-axis")
    assert missing.returncode == 1 and "no rendered notebook for 'fx-relative-axis'" in missing.stderr
    kept = [project / "reports/cases/fx-relative-axis.ipynb", project / "reports/cases/fx-relative-axis.html"]
    try:
        rendered = cli(project, "render", "fx-relative-axis")
        assert rendered.returncode == 0, rendered.stderr
        out = cli(project, "slides", "fx-relative-axis")
        assert out.returncode == 0, out.stderr
        deck = (project / "reports/slides/fx-relative-axis.slides.html").read_text(encoding="utf-8")
        title = re.search(r'^title: "(.*)"$', (project / "data/cases/fx-relative-axis.yaml").read_text(), re.M)
        assert f"<title>{title.group(1)}" in deck
        assert "reveal.js/dist/reveal.js" in deck and 'src="data:image/svg+xml;base64,' in deck
    finally:
        for path in kept:
            path.unlink(missing_ok=True)


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
    from caseseries.outputs import reveal

    monkeypatch.setattr(reveal, "CHECKOUT", tmp_path)
    with pytest.raises(slides.SlidesError) as exc:
        slides.install_reveal(tmp_path / "reports/slides", root=tmp_path)
    assert "reveal.js is not installed" in str(exc.value) and "npm ci" in str(exc.value)


def test_slides_reveal_only_copies_reveal_js_and_nothing_else(tmp_path):
    """What make and Snakemake run once before the decks: reveal.js beside them, no deck, no half folder."""
    root = copy_fixture_project(tmp_path / "project", notebooks=False, node_modules=True)
    done = run_cli("slides", "--reveal-only", root=root)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert [p.name for p in (root / "reports/slides").iterdir()] == ["reveal.js"]
    assert (root / "reports/slides/reveal.js/package.json").read_bytes() == \
        (ROOT / "node_modules/reveal.js/package.json").read_bytes()
    refused = run_cli("slides", "--reveal-only", "fx-lung-egfr", root=root)
    assert refused.returncode == 2 and "--reveal-only takes no case" in refused.stderr


def test_an_interrupted_reveal_copy_leaves_no_half_folder(tmp_path, monkeypatch):
    from caseseries.outputs import reveal

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(reveal.shutil, "copy2", interrupted)  # the last step before the rename
    with pytest.raises(KeyboardInterrupt):
        reveal.install_reveal(tmp_path / "slides", root=ROOT)
    assert list((tmp_path / "slides").iterdir()) == []


def test_package_json_pins_reveal_exactly():
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    version = package["dependencies"]["reveal.js"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert lock["packages"]["node_modules/reveal.js"]["version"] == version
