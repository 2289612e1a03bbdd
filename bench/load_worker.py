"""In-process timing of reading a folder of case files: ours (load + validate) or plain YAML.

    python bench/load_worker.py caseseries|safe_load|memory FOLDER RUNS

Prints one JSON object: the seconds of each pass (imports are done before timing),
and for `memory` the peak resident set size of a fresh process that loads every case
once (interpreter and libraries included) and the size right after the imports.
Run in its own process so that one mode's caches and memory never help the other.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main(mode: str, folder: str, runs: int) -> dict:
    paths = sorted(Path(folder).glob("*.yaml"))
    if mode == "safe_load":
        import yaml

        def one_pass():
            return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in paths]
    else:
        from caseseries.model.load import load_cases

        def one_pass():
            return load_cases(paths)
    if mode == "memory":
        before = rss_mb()
        cases = one_pass()
        return {"files": len(paths), "cases": len(cases), "rss_after_imports_mb": before, "peak_rss_mb": rss_mb()}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = one_pass()
        times.append(time.perf_counter() - started)
        del result
    return {"files": len(paths), "times": times}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
