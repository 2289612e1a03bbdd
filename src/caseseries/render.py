"""Rendering: papermill runs a notebook template per case, nbconvert makes offline HTML.

Outputs are normalised (no timestamps, paths or random ids) so that rendering the
same inputs twice gives byte-identical files, and written atomically: a render
that fails leaves the previous report untouched.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .load import each_or_errors, find_case
from .paths import project_root

KERNEL = "caseseries"
TEMPLATES = Path(__file__).parent / "templates"


class RenderError(Exception):
    """A render that failed; the message names the case and the failing cell."""


@dataclass(frozen=True)
class Job:
    """One notebook to run: template, parameters, where the kept notebook and HTML go."""

    name: str
    template: Path
    parameters: dict
    notebook: Path | None
    html: Path
    title: str
    slides: Path | None = None  # a reveal.js deck of the same run (caseseries.slides)


def case_job(case_id: str, root: Path | None = None) -> Job:
    root = root or project_root()
    case = find_case(case_id, root / "data" / "cases")  # fail fast, with the file's own errors
    out = root / "reports" / "cases"
    return Job(case_id, root / "notebooks" / "case_report.ipynb", {"case_id": case_id},
               out / f"{case_id}.ipynb", out / f"{case_id}.html", case.title)


def series_job(case_ids: list[str] | None = None, align_on: str = "immunotherapy", root: Path | None = None) -> Job:
    """The case-series notebook (reports/series.*); every case it shows is checked before it runs."""
    from .load import load_cases
    from .series import check_align_on

    check_align_on(align_on)
    root = root or project_root()
    cases_dir = root / "data" / "cases"
    if case_ids:
        each_or_errors(lambda case_id: find_case(case_id, cases_dir), case_ids)
    else:
        load_cases(cases_dir=cases_dir)
    out = root / "reports"
    return Job("series", root / "notebooks" / "case_series.ipynb",
               {"case_ids": list(case_ids) if case_ids else None, "align_on": align_on},
               out / "series.ipynb", out / "series.html", "Case series")


def teach_job(case_id: str, as_of: str, root: Path | None = None) -> Job:
    """The teaching view as of a date: reports/teaching/<id>@<date>.html and its deck; no kept notebook.

    The as-of date is checked before any kernel starts (DisclosureError); the HTML
    title is the case's neutral title, never the case id.
    """
    from .disclosure import as_of_label, case_as_of
    from .dates import parse_date

    root = root or project_root()
    case = find_case(case_id, root / "data" / "cases")
    view = case_as_of(case, as_of)
    name = f"{case_id}@{as_of_label(as_of)}"
    return Job(name, root / "notebooks" / "case_report.ipynb", {"case_id": case_id, "as_of": str(parse_date(as_of))},
               None, root / "reports" / "teaching" / f"{name}.html", view.title,
               root / "reports" / "slides" / f"{name}.slides.html")


def run(jobs: list[Job], progress=sys.stderr) -> None:
    """Render every job in this process (papermill and the kernel start-up are paid once per job)."""
    import papermill  # heavy: imported only when rendering

    for n, job in enumerate(jobs, 1):
        started = time.perf_counter()
        print(f"[{n}/{len(jobs)}] {job.name}: executing {job.template.name} ...", file=progress, flush=True)
        nb = execute(job, papermill)
        html = to_html(nb, job.title)
        if job.slides is not None:
            from .slides import to_slides

            deck = to_slides(nb, job.title)  # made before anything is written: all or nothing
        if job.notebook is not None:
            write_atomic(job.notebook, nbformat.writes(nb) + "\n")
        write_atomic(job.html, html)
        if job.slides is not None:
            write_atomic(job.slides, deck)
        written = ", ".join(str(p.relative_to(project_root())) if p.is_relative_to(project_root()) else str(p)
                            for p in (job.notebook, job.html, job.slides) if p is not None)
        print(f"[{n}/{len(jobs)}] {job.name}: wrote {written} in {time.perf_counter() - started:.1f} s",
              file=progress, flush=True)


def execute(job: Job, papermill) -> nbformat.NotebookNode:
    """Run the template with the job's parameters in the project kernel; normalised result."""
    from papermill.exceptions import PapermillExecutionError

    root = project_root()
    with tempfile.TemporaryDirectory(prefix="caseseries-") as tmp:
        out = Path(tmp) / "out.ipynb"
        try:
            papermill.execute_notebook(
                str(job.template), str(out), parameters=job.parameters, kernel_name=KERNEL,
                progress_bar=False, cwd=str(root), request_save_on_cell_execute=False,
            )
        except PapermillExecutionError as exc:
            source = (exc.source or "").strip().splitlines()
            first = source[0] if source else ""
            raise RenderError(
                f"render {job.name}: cell {exc.exec_count} ({first!r}) failed: {exc.ename}: {exc.evalue}"
            ) from None
        nb = nbformat.read(out, as_version=4)
    return normalise(nb)


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what varies between runs: timings, paths, random cell ids, papermill bookkeeping."""
    parameters = nb.metadata.get("papermill", {}).get("parameters", {})
    nb.metadata = nbformat.NotebookNode({
        "kernelspec": {"display_name": "caseseries (Python 3.11)", "language": "python", "name": KERNEL},
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
        "papermill": {"parameters": parameters},
    })
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
        metadata = cell.get("metadata", {})  # tags (parameters) and slide types (the decks) are kept
        cell["metadata"] = nbformat.NotebookNode({k: metadata[k] for k in ("tags", "slideshow") if metadata.get(k)})
    return nb


def to_html(nb: nbformat.NotebookNode, title: str) -> str:
    """Offline HTML: inputs hidden, figures embedded, no script or font fetched from the network."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="caseseries", extra_template_basedirs=[str(TEMPLATES)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    nb = nbformat.from_dict(nb)
    nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render_cases(case_ids: list[str], progress=sys.stderr) -> None:
    """Render the named cases (all when none is named); every case is checked before any runs."""
    root = project_root()
    if not case_ids:
        case_ids = [p.stem for p in sorted((root / "data" / "cases").glob("*.yaml"))]
    run(each_or_errors(lambda case_id: case_job(case_id, root), case_ids), progress)
