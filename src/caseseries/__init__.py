"""caseseries: reproducible notebooks for oncology case series.

The package is imported by notebooks and the CLI. Nothing heavy is imported here:
`Case`, `find_case`, `load_case`, `load_cases` and `CaseFileError` load on first use,
so that the command line starts (and answers Ctrl-C) at once.

The API for notebooks (``api.py``, README "Exploring in JupyterLab") loads the same way:
``cs.cases()``, ``cs.case(id)``, ``cs.comparison()``, the typed tidy frames of a case or of
several (``cs.events``, ``cs.regimens``, ``cs.agents``, ``cs.radiotherapy``, ``cs.markers``,
``cs.imaging``, ``cs.adverse_events``, ``cs.outcomes``, ``cs.discrepancies``,
``cs.chronology``, ``cs.frame(name, ...)``) and the figures (``cs.plot.timeline(case)``).
"""

from __future__ import annotations

_API = ("cases", "case", "comparison", "frame", "chronology", "events", "regimens", "agents", "radiotherapy", "markers",
        "imaging", "adverse_events", "outcomes", "discrepancies", "FRAMES", "PRECISIONS")
__all__ = ["Case", "CaseFileError", "find_case", "load_case", "load_cases", *_API, "plot"]
__version__ = "0.1.0"

_LAZY = {"Case": "model.case", "CaseFileError": "model.load", "find_case": "model.load", "load_case": "model.load",
         "load_cases": "model.load", **{name: "views.api" for name in _API}}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    if name == "plot":
        from importlib import import_module

        return import_module(".outputs.plot", __name__)
    raise AttributeError(f"module 'caseseries' has no attribute {name!r}")


def __dir__() -> list[str]:
    """Tab completion lists the API without importing it."""
    return sorted(set(globals()) | set(__all__))
