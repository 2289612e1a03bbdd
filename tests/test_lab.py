"""JupyterLab as a person uses it: the explore notebook run in a real browser.

Starts ``jupyter lab`` from the project environment on a free local port with a token,
in a copy of the fixture project (CASESERIES_ROOT), drives Debian's headless Chromium over
the DevTools protocol (the helper of test_browser.py), opens notebooks/explore.ipynb,
runs all cells with the project kernel through the Run menu, and checks: no error
output, the interactive (plotly) figures are there and hovering a mark shows its source
quote, and reports/ is listed in the file browser. The server is stopped by the test.
Skipped, with the reason, where Chromium is missing (.ci/run installs it).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, copy_fixture_project
import test_browser
from test_browser import CHROMIUM, Browser

CASE = "fx-relative-axis"  # its follow-up event quotes the source: "progression-free for more than 12 months"
QUOTE = "progression-free for more than 12 months"
SCREENSHOT = Path(os.environ.get("CASESERIES_LAB_SCREENSHOT", "/work/notes/lab/explore-hover.png"))
JUPYTER = Path(sys.executable).with_name("jupyter")
LAB_LOG: list[Path] = []  # the running server's log, named in a failure (kernel deaths and tracebacks land there)
STALL = 240  # seconds with no cell finishing before a run counts as hung

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found (/usr/bin/chromium; .ci/run installs Debian's "
                       "chromium package): the JupyterLab test needs one"),
    pytest.mark.skipif(not JUPYTER.is_file(), reason=f"no jupyter next to {sys.executable}"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of the fixture project, with explore.ipynb set to CASE and no outputs."""
    import nbformat

    root = copy_fixture_project(tmp_path_factory.mktemp("project"))
    (root / "reports" / "cases").mkdir(parents=True)
    path = root / "notebooks" / "explore.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if "parameters" in cell.metadata.get("tags", []):
            cell.source = cell.source.replace("case_id = None", f'case_id = "{CASE}"')
    nbformat.write(nb, path)
    port, token = free_port(), secrets.token_hex(16)
    home = tmp_path_factory.mktemp("home")
    env = {**os.environ, "CASESERIES_ROOT": str(root), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings")}
    args = [str(JUPYTER), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
            "--MappingKernelManager.default_kernel_name=caseseries",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.getuid() == 0:
        args.append("--allow-root")
    LAB_LOG[:] = [home / "lab.log"]
    log = open(home / "lab.log", "w")
    proc = subprocess.Popen(args, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"jupyter lab did not start: {(home / 'lab.log').read_text()[-2000:]}")
                time.sleep(0.3)
        yield base, token, root
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the server and the kernels it started (its own session)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    assert proc.returncode is not None


class LabBrowser(Browser):
    """The test_browser helper with the network on (the lab is served from 127.0.0.1)."""

    def __init__(self, tmp: Path):
        flags = test_browser.FLAGS  # every host name still resolves to nothing; 127.0.0.1 is reachable
        test_browser.FLAGS = [f + ", EXCLUDE 127.0.0.1" if f.startswith("--host-resolver-rules=") else f for f in flags]
        try:
            super().__init__(tmp)
        finally:
            test_browser.FLAGS = flags
        self.call("Network.emulateNetworkConditions", offline=False, latency=0, downloadThroughput=-1,
                  uploadThroughput=-1)
        self.call("Emulation.setDeviceMetricsOverride", width=1400, height=1000, deviceScaleFactor=1, mobile=False)

    def goto(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired", timeout=60)

    def until(self, expression: str, timeout: float = 60, what: str = ""):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.25)
        self.fail(what or expression)

    def fail(self, what: str):
        """Raise TimeoutError naming what was awaited, with a screenshot, the page's text and its errors."""
        shot = Path(os.environ.get("TMPDIR", "/tmp")) / "lab-timeout.png"
        self.screenshot(shot)
        text = self.evaluate("document.body ? document.body.innerText.slice(0, 1500) : ''")
        log = LAB_LOG[0].read_text(errors="replace")[-3000:] if LAB_LOG and LAB_LOG[0].is_file() else ""
        raise TimeoutError(f"{what} (screenshot: {shot}; page: {text!r}; errors: {self.errors()[:5]}; "
                           f"server log: {log!r})")

    def mouse(self, x: float, y: float, kind: str = "mouseMoved") -> None:
        self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left" if kind != "mouseMoved" else "none",
                  clickCount=1 if kind != "mouseMoved" else 0)

    def click(self, box: dict) -> None:
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        self.mouse(x, y)
        self.mouse(x, y, "mousePressed")
        self.mouse(x, y, "mouseReleased")


def box_of(selector: str, text: str | None = None, scroll: bool = False) -> str:
    """JS: the bounding box of the first visible element matching selector (and whose text is ``text``); with
    ``scroll``, of the first such element at all, scrolled into view first (a widget below the fold)."""
    match = f"e.textContent.trim() === {json.dumps(text)}" if text is not None else "true"
    shown = "true" if scroll else "e.getBoundingClientRect().width > 0"
    return f"""(() => {{
      const e = Array.from(document.querySelectorAll({json.dumps(selector)})).find(e => {shown} && {match});
      if (!e) return null;
      {"e.scrollIntoView({block: 'center'});" if scroll else ""}
      const r = e.getBoundingClientRect();
      return r.width > 0 ? {{x: r.x, y: r.y, width: r.width, height: r.height}} : null;
    }})()"""


def run_all_cells(browser: LabBrowser, notebook: Path) -> None:
    """Run > Run All Cells, with the mouse, and wait until every code cell of the notebook (file) has run: its
    fresh kernel has numbered its last code cell, and no cell is running.

    The cells are counted in the file, not on the page: the page may hold fewer of them when the run
    starts (JupyterLab adds a long notebook's cells a few at a time) or more (another notebook open
    beside it, as CI once showed: the 12 cells had run, and the test waited for cells that were not
    the notebook's)."""
    # under load a click can land before the menu is ready: try again
    started = """Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt'),
                            p => p.textContent.trim()).some(p => p !== '[ ]:')"""
    for attempt in range(3):
        browser.click(browser.until(box_of(".lm-MenuBar-itemLabel", "Run"), what="the Run menu"))
        browser.click(browser.until(box_of(".lm-Menu-itemLabel", "Run All Cells"), what="Run All Cells"))
        try:
            browser.until(started, timeout=20, what="a cell starts")
            break
        except TimeoutError:
            if attempt == 2:
                raise
            browser.evaluate("document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}))")
    n_code = sum(cell["cell_type"] == "code" for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"])
    prompts = """Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt'),
                            p => p.textContent.trim())"""
    # Under a loaded CI machine a cell can take minutes: wait while cells keep finishing, and fail only when
    # none has finished for STALL seconds (a kernel that hangs), naming each cell's prompt.
    ran, last, since = -1, None, time.monotonic()
    while True:
        shown = browser.evaluate(prompts)
        finished = sum(bool(re.fullmatch(r"\[\d+\]:", p)) for p in shown)
        if f"[{n_code}]:" in shown and "[*]:" not in shown:
            return
        if finished != ran or shown != last:
            ran, last, since = finished, shown, time.monotonic()
        elif time.monotonic() - since > STALL:
            browser.fail(f"every cell ran: no cell finished for {STALL} s; prompts {shown}")
        time.sleep(0.5)


def test_explore_notebook_runs_in_jupyterlab_with_hover_and_reports(lab, tmp_path):
    base, token, root = lab
    browser = LabBrowser(tmp_path)
    try:
        browser.goto(f"{base}/lab/tree/notebooks/explore.ipynb?token={token}")
        browser.until("document.querySelectorAll('.jp-Notebook .jp-Cell').length > 5", what="the notebook opens")
        browser.until("""(() => { const s = document.querySelector('.jp-Notebook-ExecutionIndicator,'
                         + ' .jp-KernelStatus'); return !!document.querySelector('.jp-Toolbar-kernelName')
                         && document.querySelector('.jp-Toolbar-kernelName').textContent.includes('caseseries'); })()""",
                      what="the project kernel is chosen")
        run_all_cells(browser, root / "notebooks" / "explore.ipynb")
        errors = browser.evaluate("""Array.from(document.querySelectorAll(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'), e => e.textContent)""")
        assert errors == []
        # the interactive figures: plotly, drawn by JupyterLab's own renderer
        plots = browser.until("document.querySelectorAll('.js-plotly-plot').length", what="plotly figures")
        assert plots >= 2
        # hover every mark of the timeline until one shows its source quote
        points = browser.evaluate("""(() => {
          const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
          const out = [];
          plots.forEach((p, i) => p.querySelectorAll('.scatterlayer .points path').forEach((_, j) => out.push([i, j])));
          return out;
        })()""")
        assert points, "no marks in the figures"
        shown = ""
        for i, j in points:
            box = browser.evaluate(f"""(() => {{
              const p = document.querySelectorAll('.js-plotly-plot')[{i}];
              const e = p.querySelectorAll('.scatterlayer .points path')[{j}];
              e.scrollIntoView({{block: 'center'}});
              const r = e.getBoundingClientRect();
              return {{x: r.x, y: r.y, width: r.width, height: r.height}};
            }})()""")
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            browser.mouse(x + 40, y + 40)
            browser.mouse(x, y)
            time.sleep(0.4)
            shown = browser.evaluate("Array.from(document.querySelectorAll('.hoverlayer'), h => h.textContent).join(' ')")
            if QUOTE in shown:
                break
        assert QUOTE in shown, shown
        assert "date precision" in shown and "source: “" in shown, shown
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shot = browser.screenshot(SCREENSHOT)
        assert len(shot) > 20_000
        # the file browser at the project root lists reports/, data/ and notebooks/
        browser.click(browser.until(box_of(".jp-BreadCrumbs-home"), what="the file browser's home"))
        listed = browser.until("""(() => { const names = Array.from(document.querySelectorAll(
            '.jp-DirListing-item .jp-DirListing-itemText'), e => e.textContent.trim());
            return names.includes('reports') ? names : null; })()""", what="reports/ in the file browser")
        assert {"reports", "data", "notebooks"} <= set(listed)
    finally:
        browser.close()


STEPPER = "document.querySelector('.widget-output .cs-stage, .jupyter-widgets-output-area .cs-stage')"


def test_the_stage_stepper_shows_a_stage_and_reveals_it_on_request(lab, tmp_path):
    """teaching.ipynb's widget in JupyterLab: stage 1 shown without its ending; the reveal toggle shows what was
    done; picking the next stage shows that stage, hidden again."""
    base, token, root = lab
    browser = LabBrowser(tmp_path)
    try:
        # a workspace of its own: the explore notebook of the other test is not open beside it
        browser.goto(f"{base}/lab/workspaces/teaching/tree/notebooks/teaching.ipynb?token={token}")
        browser.until("document.querySelectorAll('.jp-Notebook .jp-Cell').length > 3", what="the notebook opens")
        try:  # JupyterLab may ask which kernel to start, the notebook's own preselected
            browser.click(browser.until(box_of(".jp-Dialog .jp-mod-accept", "Select"), timeout=10))
        except TimeoutError:
            pass
        browser.until("!!document.querySelector('.jp-Toolbar-kernelName') && document.querySelector("
                      "'.jp-Toolbar-kernelName').textContent.includes('caseseries')", what="the project kernel")
        run_all_cells(browser, root / "notebooks" / "teaching.ipynb")
        heading = f"({STEPPER} && {STEPPER}.querySelector('h3').textContent)"
        revealed = f"({STEPPER} && {STEPPER}.textContent.includes('What was done and what followed'))"
        first = browser.until(heading, what="the stepper's first stage")
        assert first.startswith("Stage 1 of "), first
        count = int(first.split(" of ")[1].split(" ")[0])
        assert not browser.evaluate(revealed), "stage 1 shows its ending before the reveal"
        browser.click(browser.until(box_of(".widget-toggle-button", "Reveal what was done", scroll=True), what="the reveal"))
        browser.until(revealed, what="what was done, after the reveal")
        browser.evaluate(f"Array.from({STEPPER}.querySelectorAll('h4')).pop().scrollIntoView({{block: 'start'}})")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        browser.screenshot(SCREENSHOT.with_name("teaching-stepper.png"))
        if count > 1:
            browser.click(browser.until(box_of(".widget-toggle-button", "Stage 2", scroll=True), what="the Stage 2 button"))
            second = browser.until(f"{heading} && {heading}.startsWith('Stage 2 of') && {heading}", what="stage 2")
            assert second.startswith(f"Stage 2 of {count} "), second
            assert not browser.evaluate(revealed), "a newly picked stage shows its ending before the reveal"
    finally:
        browser.close()
