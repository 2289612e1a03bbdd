"""In-process timing of one case report against its floor, as `caseseries render` does it.

    CASESERIES_ROOT=COPY python bench/render_worker.py COPY CASE_ID RUNS

Figure: ``render.run([case_job(CASE_ID)])``, i.e. papermill executes the report
template in the project kernel, nbconvert writes the HTML, both files are written.
Floor: papermill executes a notebook with one empty cell in the same kernel, and the
same HTML conversion runs on it. Both are warmed once (kernel spec, .pyc, fonts),
then interleaved run by run. `import papermill` is timed once, at the start, since
`caseseries render` pays it once per process whatever the number of cases.

Also measured, as a what-if and not a figure: the same report executed again and
again in one kept kernel (nbclient), i.e. what a render that reused its kernel across
cases would pay per case once the kernel's imports are done.
Prints one JSON object.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main(root: Path, case_id: str, runs: int) -> dict:
    started = time.perf_counter()
    import papermill
    import_papermill = time.perf_counter() - started

    import nbformat

    from caseseries.outputs import render

    tmp = Path(tempfile.mkdtemp(prefix=f"caseseries-bench-empty-{os.getpid()}-"))
    empty = tmp / "empty.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("")])
    nb.metadata["kernelspec"] = {"name": render.KERNEL, "display_name": render.KERNEL, "language": "python"}
    nbformat.write(nb, empty)

    def figure() -> None:
        render.run([render.case_job(case_id, root)], progress=io.StringIO())

    def floor() -> None:
        out = tmp / "out.ipynb"
        papermill.execute_notebook(str(empty), str(out), kernel_name=render.KERNEL, progress_bar=False,
                                   cwd=str(root), request_save_on_cell_execute=False)
        (tmp / "out.html").write_text(render.to_html(nbformat.read(out, as_version=4), "empty"))

    figure()
    floor()
    fig, flo = [], []
    for _ in range(runs):
        for fn, times in ((figure, fig), (floor, flo)):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
    return {"import_papermill": import_papermill, "figure": fig, "floor": flo,
            "warm_kernel": warm_kernel(root, case_id, runs, render)}


def warm_kernel(root: Path, case_id: str, runs: int, render) -> list[float]:
    """Seconds per report (execute + HTML) in one kernel kept across runs; the first run is the warm-up."""
    import copy

    import nbformat
    from nbclient import NotebookClient

    template = nbformat.read(root / "notebooks" / "case_report.ipynb", as_version=4)
    client = NotebookClient(copy.deepcopy(template), kernel_name=render.KERNEL,
                            resources={"metadata": {"path": str(root)}})
    times = []
    with client.setup_kernel():
        for _ in range(runs + 1):
            nb = copy.deepcopy(template)
            nb.cells[0].source += f"\ncase_id = {case_id!r}"  # what papermill's injected cell does
            client.nb = nb
            started = time.perf_counter()
            for i, cell in enumerate(nb.cells):
                client.execute_cell(cell, i)
            render.to_html(nb, case_id)
            times.append(time.perf_counter() - started)
    return times[1:]


if __name__ == "__main__":
    try:
        print(json.dumps(main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]))))
    finally:
        for folder in Path(tempfile.gettempdir()).glob(f"caseseries-bench-empty-{os.getpid()}-*"):
            shutil.rmtree(folder, ignore_errors=True)
