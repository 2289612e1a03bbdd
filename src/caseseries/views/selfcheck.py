"""What `caseseries validate` adds to loading: every table of a valid case is built once.

A file that validates must render. The timeline is built by the loader's checks; here
the tables, the derived figures and the CARE table are built too, so that a case that
would fail in a notebook cell fails here, as one line naming the file, instead.
"""

from __future__ import annotations

from pathlib import Path

from caseseries.model.case import Case


def build_problems(case: Case, shown: str | Path) -> list[str]:
    """Lines `file:1: table NAME: message` for each table that cannot be built (none for a sound case)."""
    from caseseries.views import care, tables

    builders = [(name, lambda name=name: tables.table(case, name)) for name in tables.TABLE_NAMES]
    builders.append(("care", lambda: care.care_table(case)))
    out = []
    for name, build in builders:
        try:
            build()
        except Exception as exc:  # noqa: BLE001 - any failure here is a bug to report, with the file it came from
            out.append(f"{shown}:1: table {name}: cannot be built ({type(exc).__name__}: {exc}); "
                       "please report this with the case file")
    return out
