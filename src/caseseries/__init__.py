"""caseseries: reproducible notebooks for oncology case series.

The package is imported by notebooks and the CLI. Nothing heavy is imported here:
`Case`, `find_case`, `load_case`, `load_cases` and `CaseFileError` load on first use,
so that the command line starts (and answers Ctrl-C) at once.
"""

from __future__ import annotations

__all__ = ["Case", "CaseFileError", "find_case", "load_case", "load_cases"]
__version__ = "0.1.0"

_LAZY = {"Case": "model", "CaseFileError": "load", "find_case": "load", "load_case": "load", "load_cases": "load"}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'caseseries' has no attribute {name!r}")
