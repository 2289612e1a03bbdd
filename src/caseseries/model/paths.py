"""Where the project's folders are, from wherever the code runs (CLI, kernel, nbval)."""

from __future__ import annotations

import os
import re
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
    return Path(__file__).resolve().parents[3]


def cases_dir() -> Path:
    return project_root() / "data" / "cases"


# A case id names a file in data/cases and the reports made from it: a name, never a path.
# The same rule as the case model's `case_id` (model.Id).
CASE_ID = re.compile(r"[a-z][a-z0-9_-]*")
CASE_ID_MAX = 64


class CaseIdError(ValueError):
    """A command-line case id that is not a name (e.g. a path, or upper case)."""


def check_case_id(case_id: str) -> str:
    """The id itself when it is a name like bian2024-p1; CaseIdError (one line, with a hint) when not."""
    if CASE_ID.fullmatch(case_id) and len(case_id) <= CASE_ID_MAX:
        return case_id
    hint = ""
    stem = Path(case_id).name.removesuffix(".yaml").removesuffix(".yml")
    if stem != case_id and CASE_ID.fullmatch(stem):
        hint = f" (did you mean '{stem}'?)"
    shown = repr(case_id if len(case_id) <= 70 else case_id[:67] + "...")  # repr: a newline stays on one line
    raise CaseIdError(f"{shown} is not a case id: a case id is a name, not a path: lower-case letters, digits, "
                      f"'-' and '_', starting with a letter, at most {CASE_ID_MAX} characters, e.g. bian2024-p1"
                      f"{hint}")


NEUTRAL_STEM = re.compile(r"case-[0-9a-f]{8}")  # the name of a teaching output (neutral_stem)


def neutral_stem(case_id: str) -> str:
    """'case-<8 hex of the id>': the name of a teaching output, which gives nothing of the id away (it may name
    the drug: toripalimab-iiic2p)."""
    import hashlib

    return f"case-{hashlib.sha256(case_id.encode()).hexdigest()[:8]}"


def case_files(folder: Path | None = None) -> list[Path]:
    """The case files of a folder (default data/cases): every *.yaml that is a file, sorted.

    A folder named x.yaml is not a case file: commands over every case skip it (`caseseries
    validate` reports it; see :func:`not_case_files`).
    """
    return [p for p in sorted((folder or cases_dir()).glob("*.yaml")) if not p.is_dir()]


def not_case_files(folder: Path | None = None) -> list[Path]:
    """What looks like a case file in the folder but is a folder."""
    return [p for p in sorted((folder or cases_dir()).glob("*.yaml")) if p.is_dir()]
