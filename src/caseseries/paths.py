"""Where the project's folders are, from wherever the code runs (CLI, kernel, nbval)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path


@cache
def project_root() -> Path:
    """$CASESERIES_ROOT, else the nearest folder up from here holding data/cases, else the checkout."""
    if os.environ.get("CASESERIES_ROOT"):
        return Path(os.environ["CASESERIES_ROOT"]).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "data" / "cases").is_dir():
            return folder
    return Path(__file__).resolve().parents[2]


def cases_dir() -> Path:
    return project_root() / "data" / "cases"
