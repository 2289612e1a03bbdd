"""In-process timing of the series notebook over the cases of one scratch project.

    CASESERIES_ROOT=COPY python bench/series_worker.py COPY RUNS

Renders ``render.series_job()`` (every case in COPY/data/cases) RUNS times after one
warm-up, as `caseseries series` does, and prints one JSON object with the seconds of
each run and where the HTML is (to look at the swimmer plot).
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path


def main(root: Path, runs: int) -> dict:
    from caseseries import render

    job = render.series_job(None, root=root)
    render.run([job], progress=io.StringIO())
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        render.run([render.series_job(None, root=root)], progress=io.StringIO())
        times.append(time.perf_counter() - started)
    return {"times": times, "html": str(job.html), "notebook": str(job.notebook)}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), int(sys.argv[2]))))
