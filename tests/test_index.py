"""reports/index.html: links exactly the outputs present, names the commit rendered from, escapes, and every
page links back to it. In scratch copies of the fixture project (dummy outputs; one real render)."""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from caseseries.outputs import index, render
from caseseries.model.files import holding
from caseseries.model.paths import project_root
from conftest import copy_fixture_project, run_cli, start_cli

CASE = "fx-cervix-calendar"
TEACHING = f"case-{hashlib.sha256(CASE.encode()).hexdigest()[:8]}@2020-09"  # as render.teach_name names it
NEUTRAL = "A woman with cervical cancer after chemoradiotherapy"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A scratch fixture project that in-process code reads (CASESERIES_ROOT)."""
    root = copy_fixture_project(tmp_path / "project", notebooks=False)
    monkeypatch.setenv("CASESERIES_ROOT", str(root))
    project_root.cache_clear()
    return root


def put(root: Path, name: str, text: str = "x\n") -> str:
    path = root / "reports" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return name


def hrefs(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<a href="([^"]*)"', page)]


def git(root: Path, *args: str, **env: str) -> str:
    return subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", *args], cwd=root,
                          capture_output=True, text=True, check=True, env={**os.environ, **env}).stdout.strip()


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def test_the_index_links_exactly_the_outputs_present(project):
    ids = sorted(p.stem for p in (project / "data/cases").glob("*.yaml"))
    present = {put(project, f"cases/{CASE}.html"), put(project, f"slides/{CASE}.slides.html"),
               put(project, "series.html"), put(project, f"exports/fhir/{CASE}.fhir.json"),
               put(project, f"teaching/{TEACHING}.html", f"<html><head><title>{NEUTRAL}</title></head></html>"),
               put(project, f"slides/{TEACHING}.slides.html")}
    put(project, f"cases/{CASE}.ipynb")  # a kept notebook, reveal.js and a stray file: never linked
    put(project, "slides/reveal.js/dist/reveal.js")
    put(project, "teaching/notes.txt")
    stem = TEACHING.split('@')[0]
    present.add(put(project, f"teaching/{stem}.handout.html", f"<title>{NEUTRAL}: handout</title>"))
    present.add(put(project, f"slides/{stem}.stages.html"))  # the unfolding case's deck, beside its handout
    page = index.write_index(project).read_text(encoding="utf-8")
    assert sorted(hrefs(page)) == sorted(present)
    assert all((project / "reports" / h).is_file() for h in hrefs(page))
    assert page.count("not rendered yet") == len(ids) - 1  # the reports of the other cases
    teaching = page.split("<h2>Teaching views</h2>")[1]
    assert f'<a href="teaching/{TEACHING}.html">{NEUTRAL}</a> (as of 2020-09) · <a href="slides/{TEACHING}.slides.html">' \
        in teaching and f"{NEUTRAL}: handout</a> (stage-1 handout, for print) · " \
        f'<a href="slides/{stem}.stages.html">unfolding case deck</a>' in teaching
    assert not [i for i in ids if i in teaching] and "pembrolizumab" not in teaching  # never the case or its drug


def _waits_for_a_lock(pid: int) -> bool:
    """Whether process pid is blocked on a lock (/proc/locks lists a waiter as `N: -> FLOCK ... pid ...`)."""
    return any(fields[1] == "->" and fields[5] == str(pid)
               for fields in map(str.split, Path("/proc/locks").read_text().splitlines()) if len(fields) > 5)


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="reads /proc/locks (Linux)")
def test_an_index_written_while_another_is_written_waits_and_links_what_is_there_when_it_writes(project):
    """make or Snakemake running `reports` and `exports` together write the index twice at once; the one written
    last must not be a page read before the other's outputs were there."""
    put(project, f"cases/{CASE}.html")
    with holding(project / "reports"):  # as another `caseseries index` between reading and writing
        proc = start_cli("index", root=project)
        deadline = time.monotonic() + 120
        while proc.poll() is None and not _waits_for_a_lock(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        waited = _waits_for_a_lock(proc.pid)
        export = put(project, f"exports/fhir/{CASE}.fhir.json")  # the other writer's outputs, now complete
    assert waited, "the second index did not wait for the first"
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert export in hrefs((project / "reports/index.html").read_text(encoding="utf-8"))


def test_a_file_system_without_locks_still_gets_its_index(project, monkeypatch):
    """Some cluster file systems refuse flock (ENOLCK): the index is then written without the lock, not lost."""
    import errno
    import fcntl

    def refused(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", refused)
    put(project, f"cases/{CASE}.html")
    index.write_index(project)
    assert f"cases/{CASE}.html" in hrefs((project / "reports/index.html").read_text(encoding="utf-8"))


def test_without_teaching_views_there_is_no_such_heading(project):
    page = index.write_index(project).read_text(encoding="utf-8")
    assert "Teaching views" not in page and "<script" not in page and "http" not in page


@needs_git
def test_the_index_names_the_commit_and_its_date_and_uncommitted_changes(project):
    git(project, "init", "-q")
    git(project, "add", "data")
    git(project, "commit", "-q", "-m", "cases", GIT_COMMITTER_DATE="2024-03-05T12:00:00+00:00",
        GIT_AUTHOR_DATE="2024-01-01T12:00:00+00:00")
    short = git(project, "rev-parse", "--short", "HEAD")
    first = index.write_index(project).read_bytes()
    assert f"Rendered from commit <code>{short}</code> of 2024-03-05.".encode() in first  # the commit's own date
    assert index.write_index(project).read_bytes() == first  # reports/ is not committed: the same page again
    case = project / f"data/cases/{CASE}.yaml"
    case.write_text(case.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    dirty = index.write_index(project).read_text(encoding="utf-8")
    assert f"commit <code>{short}</code> of 2024-03-05, with uncommitted changes in data/" in dirty


def test_the_index_says_when_it_is_not_from_a_git_checkout(project, monkeypatch):
    stamp = "Rendered from files not from a git checkout"
    assert stamp in index.write_index(project).read_text(encoding="utf-8")  # tmp is no checkout
    monkeypatch.setenv("PATH", str(project / "no-bin"))  # and no git at all
    assert index.render_stamp(project) is None
    assert stamp in index.write_index(project).read_text(encoding="utf-8")


def test_the_index_escapes_titles_of_cases_and_teaching_pages(project, cases):
    evil = "<x onerror=1>"
    put(project, f"teaching/{TEACHING}.html", f"<title>{html.escape(evil)}</title>")  # as nbconvert writes it
    all_cases = cases.all()
    page = index.index_html([all_cases[0].model_copy(update={"title": evil}), *all_cases[1:]], project / "reports")
    assert "<x onerror" not in page and page.count("&lt;x onerror=1&gt;") == 2


def _back_link(page: Path) -> Path:
    [href] = re.findall(r'<nav class="cs-back"><a href="([^"]+)">← All reports</a></nav>', page.read_text("utf-8"))
    return (page.parent / href).resolve()


def test_a_rendered_report_links_back_to_the_index(project):
    shutil.copytree(Path(__file__).resolve().parents[1] / "notebooks", project / "notebooks")
    out = run_cli("render", CASE, root=project)
    assert out.returncode == 0, out.stderr
    written = index.write_index(project)
    assert _back_link(project / f"reports/cases/{CASE}.html") == written.resolve() and written.is_file()


@pytest.mark.parametrize("kind", ["series", "teaching"])
def test_the_series_and_a_teaching_page_link_back_to_the_index(project, kind):
    """The page each job writes, from a notebook as a render leaves it (normalised), without running a kernel."""
    shutil.copytree(Path(__file__).resolve().parents[1] / "notebooks", project / "notebooks")
    job = render.series_job(root=project) if kind == "series" else render.teach_job(CASE, "2020-09", root=project)
    nb = render.normalise(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# x")]), job.template)
    nb.metadata.papermill = {"parameters": job.parameters}
    job.html.parent.mkdir(parents=True, exist_ok=True)
    job.html.write_text(render.to_html(nb, job.title), encoding="utf-8")
    assert _back_link(job.html) == index.write_index(project).resolve()
