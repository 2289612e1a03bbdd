"""Each case is loaded and validated once per series render (issue 18 §3): the render process checks the
case files and its kernel takes the cases from what was checked (caseseries.model.checked).

In process: what the check kept is used as long as a file's bytes and the drug reference are unchanged,
and nothing is parsed then; a file edited after the check is read and checked again. In a real render:
the kernel gets the file through its environment, never through a parameter.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import nbformat
import pytest

from caseseries.model import checked, load
from caseseries.model.load import CaseFileError
from conftest import copy_fixture_project

IDS = ["fx-cervix-calendar", "fx-lung-egfr", "fx-relative-axis"]


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = copy_fixture_project(tmp_path / "project", notebooks=False)
    monkeypatch.setenv("CASESERIES_ROOT", str(root))
    from caseseries.model.paths import project_root

    project_root.cache_clear()
    monkeypatch.delenv(checked.ENV, raising=False)
    checked._read.clear()
    return root


@pytest.fixture
def handed_over(project, tmp_path, monkeypatch):
    """The fixture cases checked, written where a render writes them, and named in the environment."""
    cases, kept = checked.check_cases()
    monkeypatch.setenv(checked.ENV, str(checked.write(kept, tmp_path)))
    return cases


@pytest.fixture
def parses(monkeypatch):
    """Counts the case files read and validated (load.check_case_file) in this process."""
    seen: list[str] = []
    original = load.check_case_file

    def counting(path, *args, **kwargs):
        seen.append(Path(path).stem)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(load, "check_case_file", counting)
    return seen


def test_the_check_loads_every_case_once_and_keeps_it(project, parses):
    cases, kept = checked.check_cases()
    assert [c.case_id for c in cases] == IDS
    assert parses == IDS  # once each
    assert sorted(Path(path).stem for path, _ in kept.cases) == IDS  # each kept under its own file
    assert sorted(kept.cases.values(), key=lambda c: c.case_id) == cases


def test_the_kernel_takes_the_checked_cases_and_parses_nothing(handed_over, parses):
    assert checked.open_cases() == handed_over
    assert checked.open_cases([IDS[2], IDS[0]]) == [handed_over[2], handed_over[0]]
    assert parses == []


def test_without_the_file_the_kernel_loads_as_before(project, parses):
    """JupyterLab, nbval: no environment variable, every case loaded here."""
    assert [c.case_id for c in checked.open_cases()] == IDS
    assert parses == IDS


def test_a_file_edited_after_the_check_is_read_and_checked_again(handed_over, project, parses):
    path = project / "data/cases/fx-lung-egfr.yaml"
    path.write_text(path.read_text().replace("title:", "titel:", 1))
    with pytest.raises(CaseFileError) as failed:
        checked.open_cases()
    assert parses == ["fx-lung-egfr"]  # the others come from the check
    assert "data/cases/fx-lung-egfr.yaml:" in failed.value.errors[0], failed.value.errors


def test_a_changed_drug_reference_sets_the_checked_cases_aside(handed_over, project, parses):
    reference = project / "data/reference/drugs.yaml"
    reference.write_text(reference.read_text() + "\n# edited\n")
    assert checked.open_cases() == handed_over
    assert parses == IDS


def test_an_unreadable_file_named_in_the_environment_is_ignored(project, tmp_path, monkeypatch, parses):
    (tmp_path / "junk.pickle").write_bytes(b"not a pickle")
    monkeypatch.setenv(checked.ENV, str(tmp_path / "junk.pickle"))
    assert [c.case_id for c in checked.open_cases()] == IDS
    assert parses == IDS


def fork_servers_left() -> list[int]:
    """The pids of this process's fork servers still running (a zombie has ended)."""
    import psutil

    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "forkserver" in " ".join(child.cmdline()):
                found.append(child.pid)
        except psutil.Error:  # ended meanwhile
            continue
    return found


def test_a_bad_case_fails_the_series_while_the_fork_server_imports_and_before_any_kernel_starts(project, monkeypatch):
    """The render checks the series' case files once its kernels' fork server is importing (the check and the
    imports run side by side), and a bad file fails it there, with its lines and no kernel started."""
    from caseseries.outputs import kernels, render

    said = []
    forkserver, start, check = kernels.Kernels._forkserver, kernels.Kernels._start_up_to, checked.check_cases
    monkeypatch.setattr(kernels.Kernels, "_forkserver", lambda pool: said.append("fork server") or forkserver(pool))
    monkeypatch.setattr(kernels.Kernels, "_start_up_to", lambda pool, n: said.append("kernel") or start(pool, n))
    monkeypatch.setattr(checked, "check_cases", lambda *args: said.append("check") or check(*args))
    (project / "notebooks").mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]),
                   project / "notebooks" / "case_series.ipynb")
    (project / "data/cases/broken.yaml").write_text("case_id: broken\n")
    job = render.series_job(root=project)
    assert said == []  # making the job checks nothing yet
    with pytest.raises(CaseFileError) as failed:
        render.run([job], progress=io.StringIO())
    assert any("data/cases/broken.yaml:1: title: missing" in line for line in failed.value.errors), failed.value.errors
    assert said == ["fork server", "check"]
    assert not job.notebook.exists() and not job.html.exists()
    assert fork_servers_left() == []
    with pytest.raises(CaseFileError) as failed:
        render.series_job(["fx-lung-egfr", "../x"], root=project)  # a path for an id fails at once
    assert "not a case id" in failed.value.errors[0]


def test_a_render_hands_the_checked_cases_to_its_kernel_through_the_environment(project):
    """A series job whose notebook cannot load a case file (the loader refuses in the kernel) still gets the cases:
    from the file its kernel's environment names; its parameters hold no path."""
    from caseseries.outputs import render

    parameters = nbformat.v4.new_code_cell("case_ids = None")
    parameters.metadata["tags"] = ["parameters"]
    probe = nbformat.v4.new_code_cell(
        "import os\n"
        "from caseseries.model import checked, load\n"
        "def refuse(*args, **kwargs):\n"
        "    raise AssertionError('a case file was parsed in the kernel')\n"
        "load.check_case_file = refuse\n"
        "from caseseries.outputs import series_report as sr\n"
        "print('cases:', [c.case_id for c in sr.open_cases(case_ids)])\n"
        "print('named:', os.path.basename(os.environ[checked.ENV]))")
    nb = nbformat.v4.new_notebook(cells=[parameters, probe])
    nb.metadata["kernelspec"] = {"name": "caseseries", "display_name": "caseseries", "language": "python"}
    (project / "notebooks").mkdir()
    nbformat.write(nb, project / "notebooks" / "case_series.ipynb")
    job = render.series_job(root=project)
    render.run([job], progress=io.StringIO())
    kept = json.loads(job.notebook.read_text())
    text = "".join("".join(o.get("text", "")) for c in kept["cells"] for o in c.get("outputs", []))
    assert f"cases: {IDS}" in text
    assert "named: cases-0.pickle" in text
    assert kept["metadata"]["papermill"]["parameters"] == {"case_ids": None, "align_on": "immunotherapy"}


def test_the_index_after_a_series_validates_only_what_changed_since_its_check(project, parses):
    """`caseseries series` writes the index from the cases its series job checked; a file edited since is read again,
    and the page is the one `caseseries index` writes on its own."""
    from caseseries.outputs import index, render

    job = render.series_job(root=project)
    packed = job.checked.packed()  # as the render does, before its kernel starts
    path = project / "data/cases/fx-lung-egfr.yaml"
    path.write_text(path.read_text().replace("title: \"", "title: \"Edited ", 1))
    parses.clear()
    page = index.write_index(project, checked.unpacked(packed))
    assert parses == ["fx-lung-egfr"]
    assert "Edited Fixture case report" in page.read_text()
    alone = page.read_bytes()
    index.write_index(project)
    assert page.read_bytes() == alone


def test_packed_bytes_of_another_drug_reference_are_not_used(project):
    _, kept = checked.check_cases()
    data = checked.packed(kept)
    assert checked.unpacked(data).cases.keys() == kept.cases.keys()
    reference = project / "data/reference/drugs.yaml"
    reference.write_text(reference.read_text() + "\n# edited\n")
    assert checked.unpacked(data) is None
    assert checked.unpacked(None) is None


def test_ctrl_c_during_the_check_stops_the_fork_server_and_starts_no_kernel(project, monkeypatch):
    from caseseries.outputs import kernels, render

    def interrupted(*args):
        raise KeyboardInterrupt

    started = []
    monkeypatch.setattr(checked, "check_cases", interrupted)
    monkeypatch.setattr(kernels.Kernels, "_start_up_to", lambda pool, n: started.append(n))
    (project / "notebooks").mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]),
                   project / "notebooks" / "case_series.ipynb")
    with pytest.raises(KeyboardInterrupt):
        render.run([render.series_job(root=project)], progress=io.StringIO())
    assert started == []
    deadline = time.monotonic() + 10  # killed, not waited for: gone once the signal is delivered
    while fork_servers_left() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fork_servers_left() == []
