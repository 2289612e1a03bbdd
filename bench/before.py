"""Case reports rendered as `caseseries render` did before its kernels were started ahead (issue 18 §2).

    CASESERIES_ROOT=COPY python bench/before.py CASE_ID ...

papermill starts a kernel for each report (over TCP) and stops it when the notebook is done;
the kept notebook and HTML are made and written as `render.run` makes them. The bench compares
today's `caseseries render` against this, in the same run (rows `batch` and `alone`).
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path


def render_before(jobs: list, progress=None) -> None:
    """render.run(jobs) with papermill's own kernel per job, as before."""
    import nbformat
    import papermill

    from caseseries.outputs import render

    for job in jobs:
        print(f"{job.name}: executing ...", file=progress or io.StringIO())
        with tempfile.TemporaryDirectory(prefix="caseseries-bench-before-") as tmp:
            out = Path(tmp) / "out.ipynb"
            papermill.execute_notebook(str(job.template), str(out), parameters=job.parameters,
                                       kernel_name=render.KERNEL, progress_bar=False, cwd=str(render.project_root()),
                                       request_save_on_cell_execute=False)
            nb = render.normalise(nbformat.read(out, as_version=4), job.template)
        html = render.to_html(nb, job.title)
        render.write_atomic(job.notebook, nbformat.writes(nb) + "\n")
        render.write_atomic(job.html, html)


if __name__ == "__main__":
    from caseseries.outputs import render

    render_before([render.case_job(case_id) for case_id in sys.argv[1:]], sys.stderr)
