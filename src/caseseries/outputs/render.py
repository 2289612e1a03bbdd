"""Rendering: papermill runs a notebook template per case, nbconvert makes offline HTML.

Outputs are normalised (no timestamps, paths or random ids) so that rendering the
same inputs twice gives byte-identical files, and written atomically: a render
that fails or is interrupted leaves the previous report untouched. Every output
folder is checked for write access before any notebook runs. A kept notebook
records the template and the caseseries version it was rendered from (its
``caseseries`` metadata), so that `caseseries check-reports` (run by `make test`)
can say which reports must be rendered again; it also names reports whose case
file is gone, which `caseseries prune` (run by `make reports`) removes.

Temporary folders are ``caseseries-<pid>-*`` in the temp dir, removed on any exit
the process sees (an error, Ctrl-C, SIGTERM through the CLI); a folder left by a
killed process is removed by the next render.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import nbformat

from caseseries.model import interrupts
from caseseries.model.checked import CaseCheck
from caseseries.model.load import CaseFileError, each_or_errors, find_case
from caseseries.model.files import RenderError, check_writable, reason as _reason, shown as _shown, write_atomic
from caseseries.model.paths import CASE_ID, NEUTRAL_STEM, CaseIdError, case_files, check_case_id, neutral_stem, project_root
from caseseries.outputs.forkserver import GC_THRESHOLD

KERNEL = "caseseries"
CELL_SECONDS = 900  # a cell still running after this fails its render: a lost reply must not hang make for ever
TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Job:
    """One notebook to run: template, parameters, where the kept notebook and HTML go."""

    name: str
    template: Path
    parameters: dict
    notebook: Path | None
    html: Path
    title: str
    slides: Path | None = None  # a reveal.js deck of the same run (caseseries.outputs.slides)
    # the check of the job's case files (caseseries.model.checked.CaseCheck), made by run before any kernel starts and
    # handed to the job's kernel: never a parameter
    checked: CaseCheck | None = field(default=None, compare=False, repr=False)


def case_job(case_id: str, root: Path | None = None) -> Job:
    _name_only(case_id)  # a name, never a path: the report goes to reports/cases/<id>.*
    root = root or project_root()
    case = find_case(case_id, root / "data" / "cases")  # fail fast, with the file's own errors
    out = root / "reports" / "cases"
    return Job(case_id, root / "notebooks" / "case_report.ipynb", {"case_id": case_id},
               out / f"{case_id}.ipynb", out / f"{case_id}.html", case.title)


def _name_only(case_id: str) -> None:
    try:
        check_case_id(case_id)
    except CaseIdError as exc:
        raise CaseFileError([str(exc)]) from None


def series_job(case_ids: list[str] | None = None, align_on: str = "immunotherapy", root: Path | None = None) -> Job:
    """The case-series notebook (reports/series.*); every case it shows is checked before it runs.

    Each case file is loaded and validated once per render, by :func:`run` while its kernels' fork
    server imports: a bad file fails before any kernel starts, with its ``file:LINE: field: message``
    lines. What was validated goes with the job (``Job.checked``) to its kernel, which takes the cases
    from it instead of loading them again (:mod:`caseseries.model.checked`, :func:`handover`); the
    notebook's parameters stay the case ids and time 0, with no path, so the kept notebook is the same
    with or without it.
    """
    from caseseries.views.series import check_align_on

    check_align_on(align_on)
    root = root or project_root()
    out = root / "reports"
    return Job("series", root / "notebooks" / "case_series.ipynb",
               {"case_ids": list(case_ids) if case_ids else None, "align_on": align_on},
               out / "series.ipynb", out / "series.html", "Case series",
               checked=CaseCheck(list(case_ids) if case_ids else None, root / "data" / "cases"))


def teach_job(case_id: str, as_of: str, root: Path | None = None) -> Job:
    """The teaching view as of a date: reports/teaching/case-<hash>@<date>.html and its deck; no kept notebook.

    The as-of date is resolved on the case's timeline and checked before any kernel
    starts (DisclosureError); the notebook gets it as the case file would state it. The
    HTML title is the case's neutral title, never the case id; the file names neither (teach_name).
    """
    from caseseries.model.disclosure import as_of_point, case_as_of

    _name_only(case_id)
    root = root or project_root()
    case = find_case(case_id, root / "data" / "cases")
    cut = as_of_point(case, as_of)
    view = case_as_of(case, cut)
    name = teach_name(case_id, cut)
    return Job(name, root / "notebooks" / "case_report.ipynb", {"case_id": case_id, "as_of": cut.stated},
               None, root / "reports" / "teaching" / f"{name}.html", view.title,
               root / "reports" / "slides" / f"{name}.slides.html")


def teach_name(case_id: str, cut) -> str:
    """A teaching output's name that gives nothing away: 'case-<8 hex of the id>@<date>'.

    The id may name the drug (toripalimab-iiic2p) and an offset its anchor (socazolimab + 2 months):
    a calendar as-of date is named by its stated date or its last day, a relative one by its day number.
    """
    from caseseries.model.disclosure import as_of_label

    if cut.is_calendar:
        label = as_of_label(cut) if re.fullmatch(r"[0-9-]+", cut.stated) else f"{cut.latest_date:%Y-%m-%d}"
    else:
        label = f"day{int(cut.latest)}"
    return f"{neutral_stem(case_id)}@{label}"


def run(jobs: list[Job], progress=sys.stderr) -> None:
    """Render every job in this process, in order, one notebook running at a time.

    While a job's notebook runs, the next job is made ready: its kernel forked from a server that did the
    imports once (kernels.py), papermill's set-up done and its client connected, its first cell held
    (:class:`Execution`); and the job before's pages are made and written.
    """
    check_writable([p for job in jobs for p in (job.notebook, job.html, job.slides) if p is not None])
    if not jobs:
        return
    # the fork server imports while papermill is imported
    with gil_handed_over_sooner(), collected_less_often(), kernels_for(jobs) as pool:
        import papermill  # heavy: imported only when rendering

        ran = None  # the job before, its notebook run: (n, job, notebook, when it started)
        running = following = None
        try:
            following = Execution(jobs[0], papermill, pool)
            for n, job in enumerate(jobs, 1):
                started = time.perf_counter()
                print(f"[{n}/{len(jobs)}] {job.name}: executing {job.template.name} ...", file=progress, flush=True)
                running, following = following.go(), None
                following = Execution(jobs[n], papermill, pool) if n < len(jobs) else None
                if ran is not None:
                    write_job(*ran, len(jobs), progress)
                ran = (n, job, running.result(), started)
            write_job(*ran, len(jobs), progress)
        except BaseException:
            for execution in (running, following):  # a held one would otherwise wait for its turn for ever
                if execution is not None:
                    execution.abandon()
            raise


# How long a thread of this process may hold the GIL while another waits for it (Python's default: 5 ms).
# The papermill thread hands each cell to the kernel and must take the GIL for every message, while the
# main thread makes the pages of the job before: at 5 ms each cell's round trip waited up to 5 ms more.
SWITCH_SECONDS = 0.0005


@contextmanager
def gil_handed_over_sooner():
    """sys.setswitchinterval(SWITCH_SECONDS) while a render runs, then as it was."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_SECONDS)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@contextmanager
def collected_less_often():
    """The collector's thresholds at forkserver.GC_THRESHOLD while a render runs (the cases it checks live until
    it ends), then as they were."""
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def write_job(n: int, job: Job, nb: nbformat.NotebookNode, started: float, total: int, progress) -> None:
    """A job's pages from its run notebook, all made before any is written, each written atomically."""
    html = to_html(nb, job.title)
    if job.slides is not None:
        from caseseries.outputs.slides import to_slides

        deck = to_slides(nb, job.title)
    interrupts.check()  # nothing is written after an interrupt, even one whose exception was lost
    outputs = [(job.notebook, nbformat.writes(nb) + "\n")] if job.notebook is not None else []
    outputs.append((job.html, html))
    if job.slides is not None:
        outputs.append((job.slides, deck))
    for path, text in outputs:
        try:
            write_atomic(path, text)
        except OSError as exc:
            raise RenderError(f"render {job.name}: cannot write {_shown(path)}: {_reason(exc)}") from None
    written = ", ".join(str(p.relative_to(project_root())) if p.is_relative_to(project_root()) else str(p)
                        for p in (job.notebook, job.html, job.slides) if p is not None)
    print(f"[{n}/{total}] {job.name}: wrote {written} in {time.perf_counter() - started:.1f} s",
          file=progress, flush=True)


# Imports a template's run reaches beyond its own import statements, done in its kernel ahead of the job too:
# the case report's figures import caseseries.views.plots (matplotlib, seaborn) at their first call.
LAZY_IMPORTS = {"case_report.ipynb": ["import caseseries.views.plots"]}


@contextmanager
def kernels_for(jobs: list[Job]):
    """The kernels of the jobs, in order (kernels.Kernels), their files in temporary folders removed on the way out.

    The jobs' cases are checked (:func:`handover`) once the fork server is starting, while it imports, and
    before any kernel starts: a bad case file fails the render with no kernel run.

    Connection files go to a ``caseseries-<pid>-*`` folder in the temp dir, the kernels' sockets to
    one in SOCKETS, short whatever TMPDIR is (a socket path may not be longer than 107 bytes).
    """
    from caseseries.outputs import kernels

    remove_stale_temp()
    with _temporary() as folder, _temporary(SOCKETS) as sockets:
        imports = [kernels.template_imports(job.template) + LAZY_IMPORTS.get(job.template.name, []) for job in jobs]

        def envs() -> list[dict[str, str]]:
            return [handover(job, Path(folder), n) for n, job in enumerate(jobs)]

        with kernels.Kernels(imports, KERNEL, project_root(), folder, sockets, envs) as pool:
            yield pool


def handover(job: Job, folder: Path, n: int) -> dict[str, str]:
    """What a job's kernel gets in its environment beyond ours: the file of the cases this process checked for
    it (checked now, written into the render's temporary folder; :mod:`caseseries.model.checked`), when it has
    any."""
    if job.checked is None:
        return {}
    from caseseries.model import checked

    return {checked.ENV: str(checked.write(job.checked.packed(), folder, f"cases-{n}"))}


def _temporary(parent: Path | None = None) -> tempfile.TemporaryDirectory:
    """A folder ``caseseries-<pid>-*`` (in parent, default the temp dir), removed on leaving."""
    return tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=parent, ignore_cleanup_errors=True)


def execute(job: Job, papermill, pool=None) -> nbformat.NotebookNode:
    """Run the template with the job's parameters in the project kernel; normalised result.

    The kernel is the pool's next (:func:`kernels_for`), or one of its own without a pool.
    """
    if pool is None:
        with kernels_for([job]) as pool:
            return execute(job, papermill, pool)
    return Execution(job, papermill, pool).go().result()


class Execution:
    """A job's notebook in the pool's next kernel, run by papermill in a worker thread while this thread goes on.

    It starts held: papermill reads and parameterises the template, connects to the kernel once that
    is ready, and waits before the first cell (nbclient's ``on_notebook_start`` hook) until :meth:`go`.
    So the next job's set-up is done while the job before runs, and no two notebooks run at once.

    Signals reach only the main thread, so Ctrl-C (or SIGTERM through the CLI) interrupts at once,
    while the main thread waits in :meth:`result` or does anything else: the kernels are stopped
    (:func:`stop_kernels`) and every temporary file is in the pool's temporary folders (the kernels'
    connection files and sockets too), removed on the way out.
    """

    def __init__(self, job: Job, papermill, pool):
        self.job, self.pool = job, pool
        self.kernel = pool.take()
        self.box: dict = {}
        self.turn = threading.Event()  # set: the first cell may run
        self.abandoned = False
        self.thread = threading.Thread(target=self._work, args=(papermill,), name="caseseries-papermill", daemon=True)
        self.thread.start()

    def go(self) -> Execution:
        """Let the notebook run (its set-up may still be under way)."""
        self.turn.set()
        return self

    def _work(self, papermill) -> None:
        try:
            # No output path: the run notebook is handed over as it is, not written to a file and read back.
            # No cwd: the kernel runs in the project already, and papermill's chdir would change this process's
            # working folder under the other job's papermill thread.
            self.box["notebook"] = self.pool.run(self.kernel, lambda km: papermill.execute_notebook(
                str(self.job.template), None, parameters=self.job.parameters, kernel_name=KERNEL,
                progress_bar=False, request_save_on_cell_execute=False, km=km, execution_timeout=CELL_SECONDS,
                on_notebook_start=self._wait_for_turn,
            ))
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            self.box["error"] = exc

    def _wait_for_turn(self, **_) -> None:
        """nbclient's hook once the kernel is connected and ready: hold the first cell until :meth:`go`."""
        self.turn.wait()
        if self.abandoned:
            raise RenderError(f"render {self.job.name}: not run (the render stopped)")

    def result(self) -> nbformat.NotebookNode:
        """The normalised notebook, once run; a failure as one RenderError line."""
        from papermill.exceptions import PapermillExecutionError

        try:
            wait_for(self.thread)
        except BaseException:  # Ctrl-C, SIGTERM: the kernel must not outlive us
            stop_kernels()
            raise
        exc = self.box.get("error")
        if isinstance(exc, PapermillExecutionError):
            source = (exc.source or "").strip().splitlines()
            first = source[0] if source else ""
            raise RenderError(
                f"render {self.job.name}: cell {exc.exec_count} ({first!r}) failed: {exc.ename}: {exc.evalue}"
            ) from None
        if isinstance(exc, Exception):  # the kernel died, did not start, timed out: one line, not a traceback
            message = " ".join(str(exc).split()) or "no message"
            last = self.pool.last_words(self.kernel)
            said = f"; the kernel's last words: {last[:200]}" if last else ""
            raise RenderError(f"render {self.job.name}: the notebook did not run: {type(exc).__name__}: "
                              f"{message[:300]}{said}") from None
        if exc is not None:
            raise exc
        return normalise(self.box["notebook"], self.job.template)

    def abandon(self) -> None:
        """Stop the run (something else failed): this process's kernels are killed (:func:`stop_kernels`), a held
        notebook is let go without running, and the worker thread waited for."""
        self.abandoned = True
        self.turn.set()
        stop_kernels()
        self.thread.join(30)


def wait_for(thread) -> None:
    """Wait for the thread, the main thread alone receiving signals, checking for a lost Ctrl-C now and then."""
    while thread.is_alive():
        thread.join(0.1)
        interrupts.check()  # a Ctrl-C whose exception was lost (raised inside a finaliser) still stops


def stop_kernels() -> None:
    """Kill the Jupyter kernels this process started, the fork server and its kernels among them (they run in
    sessions of their own: no signal reaches them)."""
    try:
        import psutil

        children = psutil.Process().children(recursive=True)
    except Exception:  # noqa: BLE001 - best effort on the way out
        return
    for child in children:
        try:
            if any("ipykernel" in part for part in child.cmdline()):
                for process in [*child.children(recursive=True), child]:
                    process.kill()
        except Exception:  # noqa: BLE001 - gone already, or not ours to see
            continue


def normalise(nb: nbformat.NotebookNode, template: Path | None = None) -> nbformat.NotebookNode:
    """Drop what varies between runs: timings, paths, random cell ids, papermill bookkeeping.

    With the template, record where the notebook comes from (:func:`provenance`): the
    same template and version give the same bytes.
    """
    parameters = nb.metadata.get("papermill", {}).get("parameters", {})
    metadata = {
        "kernelspec": {"display_name": "caseseries (Python 3.11)", "language": "python", "name": KERNEL},
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
        "papermill": {"parameters": parameters},
    }
    if template is not None:
        metadata["caseseries"] = provenance(template)
    nb.metadata = nbformat.NotebookNode(metadata)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
        metadata = cell.get("metadata", {})  # tags (parameters) and slide types (the decks) are kept
        cell["metadata"] = nbformat.NotebookNode({k: metadata[k] for k in ("tags", "slideshow") if metadata.get(k)})
    return nb


def to_html(nb: nbformat.NotebookNode, title: str) -> str:
    """Offline HTML: inputs hidden, figures embedded, no script or font fetched from the network."""
    nb = nbformat.from_dict(nb)
    nb.metadata["title"] = title
    body, _ = html_exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


@functools.cache
def html_exporter():
    """The HTML exporter, made once per process: a new one compiles its Jinja templates again (≈ 0.1 s a page)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="caseseries", extra_template_basedirs=[str(TEMPLATES)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


TEMP_PREFIX = "caseseries-"
_TEMP = re.compile(re.escape(TEMP_PREFIX) + r"(\d+)-")
SOCKETS = Path("/tmp")  # where the kernels' socket folders go: a short path whatever TMPDIR is


def remove_stale_temp(folder: Path | None = None, own: bool = False) -> list[Path]:
    """Remove the temporary folders (caseseries-<pid>-*) of processes that no longer run (e.g. killed),
    and with `own` this process's too (on the way out); by default in the temp dir and in SOCKETS."""
    folders = [Path(folder)] if folder else list(dict.fromkeys([Path(tempfile.gettempdir()), SOCKETS]))
    removed = []
    try:
        candidates = [path for each in folders for path in each.glob(f"{TEMP_PREFIX}*")]
    except OSError:
        return removed
    for path in candidates:
        match = _TEMP.match(path.name)
        pid = int(match.group(1)) if match else None
        if pid is None or (pid == os.getpid() and not own) or (pid != os.getpid() and _alive(pid)):
            continue
        try:
            if path.is_dir() and not path.is_symlink() and path.stat().st_uid == os.getuid():
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        except OSError:
            continue
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. a process of another user: alive
        return True
    return True


def render_cases(case_ids: list[str], progress=sys.stderr) -> None:
    """Render the named cases (all when none is named); every case is checked before any runs."""
    root = project_root()
    if not case_ids:
        case_ids = [p.stem for p in case_files(root / "data" / "cases")]
    run(each_or_errors(lambda case_id: case_job(case_id, root), case_ids), progress)


# ------------------------------------------------------------- kept reports: provenance and orphans

# The kept notebooks and the template each is rendered from.
KEPT = (("reports/cases", "*.ipynb", "notebooks/case_report.ipynb"),
        ("reports", "series.ipynb", "notebooks/case_series.ipynb"),
        ("reports", "teaching.ipynb", "notebooks/teaching.ipynb"))
NOT_CASES = frozenset({"series", "index", "teaching"})  # names of outputs under reports/ that belong to no one case


def template_hash(template: Path) -> str:
    """sha256 of what a render takes from a template: each cell's type, source, tags and slide type.

    Outputs, execution counts, cell ids and notebook metadata are left out, so saving the
    template from JupyterLab without editing it changes nothing.
    """
    nb = json.loads(Path(template).read_text(encoding="utf-8"))
    cells = []
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        metadata = cell.get("metadata", {})
        cells.append([cell.get("cell_type"), "".join(source) if isinstance(source, list) else source,
                      metadata.get("tags") or [], metadata.get("slideshow") or {}])
    text = json.dumps(cells, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def provenance(template: Path) -> dict:
    """What a kept notebook records of where it comes from (normalised metadata `caseseries`)."""
    return {"template": Path(template).name, "template_hash": template_hash(template), "version": version("caseseries")}


def case_id_of(output: Path) -> str:
    """The case an output under reports/ belongs to: its name up to the first '@' or '.'."""
    return re.split(r"[@.]", output.name, maxsplit=1)[0]


def orphans(root: Path | None = None) -> list[Path]:
    """Outputs under reports/ (reports, HTML, decks, teaching views, exports) whose case file is gone.

    Every file in a folder under reports/ is named after its case (``<id>.<ext>``), or for
    teaching outputs after its neutral stem (``case-<hash>@<as-of>.<ext>``,
    ``case-<hash>.stages.html``), except ``series`` and ``index``; reveal.js, hidden files and
    names that cannot be case ids (README.md) are not outputs of a case.
    """
    root = root or project_root()
    reports, cases = root / "reports", root / "data" / "cases"
    if not reports.is_dir():
        return []
    stems = {neutral_stem(p.stem) for p in case_files(cases)}
    out = []
    for folder, dirs, files in os.walk(reports):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "reveal.js")
        if Path(folder) == reports:
            continue  # series.*, index.html: of the whole series
        for name in sorted(files):
            path = Path(folder) / name
            case_id = case_id_of(path)
            if name.startswith(".") or case_id in NOT_CASES or not CASE_ID.fullmatch(case_id):
                continue
            if NEUTRAL_STEM.fullmatch(case_id) and not (cases / f"{case_id}.yaml").is_file():
                if case_id not in stems:
                    out.append(path)
            elif not (cases / f"{case_id}.yaml").is_file():
                out.append(path)
    return out


def prune(root: Path | None = None, list_only: bool = False, out=None) -> list[Path]:
    """Remove (or only list) the outputs whose case file is gone, one line each (to out, default stderr)."""
    out = out or sys.stderr
    root = root or project_root()
    found = orphans(root)
    for path in found:
        case_file = f"data/cases/{case_id_of(path)}.yaml"
        if list_only:
            print(f"{_shown(path)}: its case file {case_file} is gone", file=out)
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise RenderError(f"cannot remove {_shown(path)}: {_reason(exc)}") from None
        print(f"removed {_shown(path)}: its case file {case_file} is gone", file=out)
    return found


def report_problems(root: Path | None = None) -> list[str]:
    """One line per kept report to render again (template or version changed) and per orphan output."""
    root = root or project_root()
    lines = [f"{_shown(p)}: its case file data/cases/{case_id_of(p)}.yaml is gone: `make reports` removes it "
             "(or `caseseries prune`)" for p in orphans(root)]
    for folder, pattern, template_name in KEPT:
        template = root / template_name
        current = provenance(template) if template.is_file() else None
        for notebook in sorted((root / folder).glob(pattern)):
            if folder == "reports/cases" and not (root / "data" / "cases" / f"{notebook.stem}.yaml").is_file():
                continue  # an orphan, named above
            try:
                recorded = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {}).get("caseseries")
            except (OSError, ValueError) as exc:
                lines.append(f"{_shown(notebook)}: render again: not a readable notebook ({exc})")
                continue
            if current is None:
                continue
            if not isinstance(recorded, dict) or "template_hash" not in recorded:
                lines.append(f"{_shown(notebook)}: render again: the template changed (the report records no "
                             f"template hash: it was rendered before reports carried one)")
            elif recorded.get("template_hash") != current["template_hash"]:
                lines.append(f"{_shown(notebook)}: render again: the template changed ({template_name} is not "
                             "the one it was rendered from)")
            elif recorded.get("version") != current["version"]:
                lines.append(f"{_shown(notebook)}: render again: caseseries changed (rendered with "
                             f"{recorded.get('version')}, this is {current['version']})")
    return lines
