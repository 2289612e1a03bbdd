"""In-process timing of the series notebook over the cases of one scratch project.

    CASESERIES_ROOT=COPY python bench/series_worker.py COPY RUNS [WARMUP]

Renders ``render.series_job()`` (every case in COPY/data/cases) RUNS times after WARMUP
warm-up runs (default 1), as `caseseries series` does, and prints one JSON object with the
seconds of each run, the peak memory (RSS of this process plus its kernel children, sampled
every 50 ms with psutil, and of this process alone) and where the HTML is (to look at the
swimmer plot).
"""

from __future__ import annotations

import io
import json
import sys
import threading
import time
from pathlib import Path


class PeakRSS:
    """Peak RSS, in MB, of this process and of this process plus its children, sampled in a thread."""

    def __init__(self, every: float = 0.05):
        import psutil

        self.me = psutil.Process()
        self.every = every
        self.total = self.own = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psutil

        while not self._stop.is_set():
            own = self.me.memory_info().rss
            total = own
            for child in self.me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
            self.own, self.total = max(self.own, own / 2**20), max(self.total, total / 2**20)
            self._stop.wait(self.every)

    def __enter__(self) -> "PeakRSS":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def main(root: Path, runs: int, warmup: int = 1) -> dict:
    from caseseries.outputs import render

    job = render.series_job(None, root=root)
    for _ in range(warmup):
        render.run([render.series_job(None, root=root)], progress=io.StringIO())
    times = []
    with PeakRSS() as peak:
        for _ in range(runs):
            started = time.perf_counter()
            render.run([render.series_job(None, root=root)], progress=io.StringIO())
            times.append(time.perf_counter() - started)
    return {"times": times, "html": str(job.html), "notebook": str(job.notebook),
            "peak_rss_mb": peak.total, "peak_rss_own_mb": peak.own}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)))
