"""In-process timing of a batch of case reports, per report, against its floor.

    CASESERIES_ROOT=PROJECT python bench/batch_worker.py PROJECT MODE [N]

Every case of PROJECT/data/cases (or its first N: N=1 is one report alone) is rendered once, in this process, after the imports
(`import papermill` is paid once per `caseseries render` process, whatever the number of cases):

- figure: ``render.run`` over all the cases, as `caseseries render A B C ...` does: each kernel
  is forked from a server that did the imports once, and its notebook set up up to the first cell,
  while the report before it runs, and each report's pages are written while the next one runs;
- floor: per case, papermill executes a notebook with one empty cell in a kernel of its own
  and the same HTML export writes the page;
- before: per case, the report as `render.run` made it before (bench/before.py: papermill's
  own kernel per report).

Prints one JSON object: the seconds of the whole batch and the number of reports.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main(root: Path, mode: str, limit: int | None = None) -> dict:
    import nbformat
    import papermill

    from caseseries.outputs import render
    from caseseries.model.paths import case_files

    jobs = [render.case_job(path.stem, root) for path in case_files(root / "data" / "cases")][:limit]
    tmp = Path(tempfile.mkdtemp(prefix="caseseries-bench-batch-"))
    try:
        if mode == "floor":
            empty = tmp / "empty.ipynb"
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("")])
            nb.metadata["kernelspec"] = {"name": render.KERNEL, "display_name": render.KERNEL, "language": "python"}
            nbformat.write(nb, empty)

            def batch() -> None:
                for job in jobs:
                    out = tmp / "out.ipynb"
                    papermill.execute_notebook(str(empty), str(out), kernel_name=render.KERNEL, progress_bar=False,
                                               cwd=str(root), request_save_on_cell_execute=False)
                    render.write_atomic(tmp / "out.html", render.to_html(nbformat.read(out, as_version=4), job.title))
        elif mode == "before":
            from before import render_before

            def batch() -> None:
                render_before(jobs)
        else:
            def batch() -> None:
                render.run(jobs, progress=io.StringIO())

        started = time.perf_counter()
        batch()
        return {"seconds": time.perf_counter() - started, "reports": len(jobs)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else None)))
