"""Real papermill renders in a scratch project: escaping, byte-identical re-renders, atomic failure."""

import json
import re
import shutil

import pytest
from conftest import FIXTURE_CASES, ROOT, copy_fixture_project, remote_urls, run_cli

LABEL = "label: Progression-free for more than 12 months"
SOURCE = (FIXTURE_CASES / "fx-relative-axis.yaml").read_text()
XSS_CASE = SOURCE.replace("case_id: fx-relative-axis", "case_id: xss").replace(
    LABEL, "label: \"<script>alert(1)</script>\"")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    assert LABEL in SOURCE and XSS_CASE.count("<script>") == 1  # the label to replace is still in the fixture
    root = tmp_path_factory.mktemp("project")
    (root / "data/cases").mkdir(parents=True)
    (root / "data/cases/xss.yaml").write_text(XSS_CASE)
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    return root


def render(root, *ids):
    return run_cli("render", *ids, root=root)


@pytest.fixture(scope="module")
def rendered(project):
    out = render(project, "xss")
    assert out.returncode == 0, out.stderr
    return project / "reports/cases"


def test_case_text_is_escaped_in_html(rendered):
    page = (rendered / "xss.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_html_loads_nothing_from_the_network(rendered):
    page = (rendered / "xss.html").read_text()
    assert remote_urls(page) == []
    assert 'src="data:image/svg+xml;base64,' in page


def test_second_render_is_byte_identical(project, rendered):
    before = {p.name: p.read_bytes() for p in rendered.iterdir()}
    out = render(project, "xss")
    assert out.returncode == 0, out.stderr
    assert {p.name: p.read_bytes() for p in rendered.iterdir()} == before


def test_kept_notebook_has_no_volatile_metadata(rendered):
    nb = json.loads((rendered / "xss.ipynb").read_text())
    assert nb["metadata"]["papermill"] == {"parameters": {"case_id": "xss"}}
    assert all(set(c["metadata"]) <= {"tags", "slideshow"} for c in nb["cells"])


def test_failed_render_names_the_cell_and_keeps_the_previous_report(project, rendered):
    before = (rendered / "xss.html").read_bytes()
    template = project / "notebooks/case_report.ipynb"
    good = template.read_text()
    nb = json.loads(good)
    nb["cells"].insert(3, {"cell_type": "code", "id": "boom", "metadata": {}, "execution_count": None,
                           "outputs": [], "source": "raise RuntimeError('broken section')"})
    template.write_text(json.dumps(nb))
    try:
        out = render(project, "xss")
    finally:
        template.write_text(good)
    assert out.returncode == 1
    assert "render xss: cell" in out.stderr and "raise RuntimeError('broken section')" in out.stderr
    assert "RuntimeError: broken section" in out.stderr and "Traceback" not in out.stderr
    assert (rendered / "xss.html").read_bytes() == before


def test_invalid_case_is_refused_before_anything_runs(project, rendered):
    bad = project / "data/cases/broken.yaml"
    bad.write_text("case_id: broken\n")
    try:
        out = render(project, "xss", "broken")
    finally:
        bad.unlink()
    assert out.returncode == 1
    assert "broken.yaml:1: title: missing (required)" in out.stderr
    assert "executing" not in out.stderr


def test_a_render_prints_progress_and_nothing_else(tmp_path):
    """No kernel warning (TCP without encryption), no "KeyboardInterrupt caught in kernel" from its shutdown."""
    project = copy_fixture_project(tmp_path)
    ids = sorted(p.stem for p in (project / "data/cases").glob("*.yaml"))
    progress = r"\[\d+/\d+\] [a-z0-9-]+: (executing [a-z_]+\.ipynb \.\.\.|wrote .* in [0-9.]+ s)"
    for args, said in ((["render", *ids], []), (["series"], ["wrote reports/index.html"])):
        out = run_cli(*args, root=project)
        assert out.returncode == 0, out.stderr
        assert [line for line in out.stderr.splitlines() if not re.fullmatch(progress, line)] == said, out.stderr


def test_the_network_check_finds_what_a_page_would_load():
    page = ('<html><head><script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="//fonts.example/c">'
            '<style>@import "http://a.example/i.css"; .x { background: url(https://b.example/p.png) }</style></head>'
            '<body><img src="data:image/png;base64,AAAA"><img src="figures/local.png"><a href="https://doi.org/1">'
            '<div style="background-image: url(\'http://c.example/d.png\')"></div></body></html>')
    assert sorted(remote_urls(page)) == ["//fonts.example/c", "http://a.example/i.css", "http://c.example/d.png",
                                         "https://b.example/p.png", "https://cdn.example/x.js"]


def test_a_cell_that_never_finishes_fails_its_render_in_one_line(tmp_path, monkeypatch):
    """A cell past CELL_SECONDS (a lost reply, a loop) ends the render with a message, not a hang."""
    import nbformat
    import papermill

    from caseseries.model.files import RenderError
    from caseseries.outputs import render as render_module

    template = tmp_path / "slow.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time\ntime.sleep(120)")])
    nbformat.write(nb, template)
    job = render_module.Job("slow", template, {}, tmp_path / "slow.out.ipynb", tmp_path / "slow.html", "Slow")
    monkeypatch.setattr(render_module, "CELL_SECONDS", 2)
    with pytest.raises(RenderError) as failed:
        render_module.execute(job, papermill)
    message = str(failed.value)
    assert message.startswith("render slow: the notebook did not run: CellTimeoutError:")
    assert "2 seconds" in message and "\n" not in message


def test_one_exporter_per_process_makes_each_page_and_deck_as_a_new_exporter_would():
    """The HTML and reveal.js exporters are made once per process (a new one compiles its templates again): a page
    or deck made after another is byte for byte the one a fresh exporter makes."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from caseseries.outputs import render as rendering, slides

    pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
    notebooks = {
        "First case": new_notebook(cells=[new_markdown_cell("# First\n\nA *case* & its text"), new_code_cell(
            "table", outputs=[new_output("display_data", data={"text/html": "<table><tr><td>a</td></tr></table>",
                                                               "text/plain": "a"})])]),
        "Second case": new_notebook(cells=[new_markdown_cell("## Second\n\n- one\n- two"), new_code_cell(
            "figure", outputs=[new_output("display_data", data={"image/png": pixel, "text/plain": "<figure>"})])]),
    }
    made = {title: (rendering.to_html(nb, title), slides.to_slides(nb, title)) for title, nb in notebooks.items()}
    assert rendering.html_exporter() is rendering.html_exporter()
    for title, nb in notebooks.items():
        rendering.html_exporter.cache_clear()
        slides.slides_exporter.cache_clear()
        assert (rendering.to_html(nb, title), slides.to_slides(nb, title)) == made[title]
        assert title in made[title][0] and title in made[title][1]
    assert made["First case"][0] != made["Second case"][0]


def test_a_render_hands_the_gil_over_sooner_and_then_as_before():
    """While a render runs, a thread waiting for the GIL (papermill's, relaying each cell) gets it within 0.5 ms
    instead of Python's 5 ms; afterwards, even after a failure, the process's own interval is back."""
    import sys

    from caseseries.outputs import render as rendering

    before = sys.getswitchinterval()
    with pytest.raises(RuntimeError):
        with rendering.gil_handed_over_sooner():
            assert sys.getswitchinterval() == pytest.approx(rendering.SWITCH_SECONDS)
            raise RuntimeError("a job failed")
    assert sys.getswitchinterval() == before


def test_a_render_collects_less_often_and_then_as_before():
    """While a render runs (the cases it checks live until it ends), the collector's thresholds are
    forkserver.GC_THRESHOLD; afterwards, even after a failure, the process's own are back."""
    import gc

    from caseseries.outputs import render as rendering
    from caseseries.outputs.forkserver import GC_THRESHOLD

    before = gc.get_threshold()
    assert before != GC_THRESHOLD
    with pytest.raises(RuntimeError):
        with rendering.collected_less_often():
            assert gc.get_threshold() == GC_THRESHOLD
            raise RuntimeError("a job failed")
    assert gc.get_threshold() == before
