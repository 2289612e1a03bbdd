"""Cases checked once: the render process validates a series' case files and its kernel reuses them.

A series render must refuse a bad case file before any kernel starts (with the
``file:LINE: field: message`` lines), and its kernel needs the same cases. Loading them in
both places read and validated every file twice. Instead the render process keeps what it
validated (:func:`check_cases`), writes it into the render's private temporary folder
(:func:`write`, a pickle), and starts the kernel with :data:`ENV` naming that file; the
notebook's :func:`caseseries.outputs.series_report.open_cases` takes each case from it
(:func:`case_for`) and loads only what it does not find there.

A case is taken from the file only when the case file it was validated from still has the
same bytes (sha256), at the same resolved path, and the drug reference (which the check
used) is unchanged: a file edited after the check is read and checked again, so the
notebook always shows what the files say, as a kernel without the file would (JupyterLab,
nbval). Nothing of this reaches the notebook: no parameter, no output, no path; the same
inputs give the same bytes with or without it.

The file is a pickle written by this user's own render into a folder only this user can
read (``tempfile`` creates it with mode 0700), and read only when ``ENV`` names it. Reading
it costs about half of loading the files (pydantic objects are rebuilt one by one), and
writing it less than that again.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

from caseseries.model import drugs
from caseseries.model.case import Case
from caseseries.model.load import CaseFileError, each_or_errors, find_case, load_case
from caseseries.model.paths import CaseIdError, case_files, cases_dir as default_cases_dir, check_case_id

ENV = "CASESERIES_CHECKED_CASES"  # the kernel's environment: the file of cases its render process checked
FORMAT = 1


def digest(path: Path) -> str | None:
    """sha256 of the file's bytes, None when it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


@dataclass
class Checked:
    """Cases validated in this process, by (resolved path, sha256 of the bytes validated); and the drug
    reference's sha256 at the time (None when missing)."""

    reference: str | None
    cases: dict[tuple[str, str], Case] = field(default_factory=dict)

    def add(self, path: Path, load) -> Case:
        """load(path), kept under the file's bytes; not kept when the file changed while it was read."""
        before = digest(path)
        case = load(path)
        if before is not None and digest(path) == before:
            self.cases[(str(Path(path).resolve()), before)] = case
        return case

    def get(self, path: Path) -> Case | None:
        """The case validated from this file with its present bytes, or None."""
        if not self.cases:
            return None
        found = digest(path)
        return self.cases.get((str(Path(path).resolve()), found)) if found is not None else None


def _reference_digest() -> str | None:
    return digest(drugs.reference_path())


def check_cases(case_ids: list[str] | None = None, cases_dir: Path | None = None) -> tuple[list[Case], Checked]:
    """The named cases (or every case of the folder, sorted), each loaded and validated once; CaseFileError
    with the errors of every bad file together. Also what was validated, to hand to a kernel (:func:`write`)."""
    cases_dir = cases_dir or default_cases_dir()
    checked = Checked(_reference_digest())
    if case_ids:
        cases = each_or_errors(lambda case_id: checked.add(cases_dir / f"{_name(case_id)}.yaml",
                                                           lambda _: find_case(case_id, cases_dir)), case_ids)
    else:
        cases = each_or_errors(lambda path: checked.add(path, load_case), case_files(cases_dir))
    return cases, checked


class CaseCheck:
    """The check of a series' case files (:func:`check_cases`), made once when first asked for, kept as
    :func:`packed` bytes: a render asks for it while its kernels' fork server imports, before any kernel starts."""

    def __init__(self, case_ids: list[str] | None, cases_dir: Path):
        for case_id in case_ids or ():
            _name(case_id)  # a path instead of a name fails at once
        self.case_ids = list(case_ids) if case_ids else None
        self.cases_dir = Path(cases_dir)
        self._packed: bytes | None = None

    def packed(self) -> bytes:
        """What was checked, as :func:`packed` bytes; CaseFileError with the errors of every bad file together."""
        if self._packed is None:
            self._packed = packed(check_cases(self.case_ids, self.cases_dir)[1])
        return self._packed


def _name(case_id: str) -> str:
    """A case id that is a name, never a path (CaseFileError with the hint otherwise)."""
    try:
        return check_case_id(case_id)
    except CaseIdError as exc:
        raise CaseFileError([str(exc)]) from None


def packed(checked: Checked) -> bytes:
    """What was checked as bytes (a pickle): the render keeps these, not the cases, until its kernel starts
    (a series of 1,000 cases is ≈ 15 MB of bytes against ≈ 190 MB of case objects)."""
    return pickle.dumps((FORMAT, checked), protocol=pickle.HIGHEST_PROTOCOL)


def unpacked(data: bytes | None) -> Checked | None:
    """What :func:`packed` made, or None (no bytes, another format, or a drug reference changed since)."""
    if not data:
        return None
    kind, checked = pickle.loads(data)
    if kind != FORMAT or not isinstance(checked, Checked) or checked.reference != _reference_digest():
        return None
    return checked


def write(data: Checked | bytes, folder: Path, name: str = "cases") -> Path:
    """The cases (or their :func:`packed` bytes) into ``folder/<name>.pickle`` (a folder of this render's own);
    its path, for :data:`ENV`."""
    path = Path(folder) / f"{name}.pickle"
    path.write_bytes(data if isinstance(data, bytes) else packed(data))
    return path


_read: dict[str, Checked | None] = {}


def from_env() -> Checked | None:
    """What the render process checked, when :data:`ENV` names a readable file of this format (read once per
    process); None otherwise, or when the drug reference changed since."""
    name = os.environ.get(ENV)
    if not name:
        return None
    if name not in _read:
        try:
            with open(name, "rb") as f:
                kind, checked = pickle.load(f)
            _read[name] = checked if kind == FORMAT and isinstance(checked, Checked) else None
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
            _read[name] = None
    checked = _read[name]
    if checked is None or checked.reference != _reference_digest():
        return None
    return checked


def open_cases(case_ids: list[str] | None = None, cases_dir: Path | None = None,
               checked: Checked | None = None) -> list[Case]:
    """The named cases in the order given, or every case of the folder (sorted): each from what was checked
    (given, or the render process's: :func:`from_env`) when its file is unchanged, else loaded and validated
    here (CaseFileError as loading gives)."""
    cases_dir = cases_dir or default_cases_dir()
    checked = checked if checked is not None else from_env()

    def one(path: Path, load) -> Case:
        hit = checked.get(path) if checked is not None else None
        return hit if hit is not None else load()

    if case_ids is None:
        return each_or_errors(lambda path: one(path, lambda: load_case(path)), case_files(cases_dir))
    return each_or_errors(lambda case_id: one(cases_dir / f"{case_id}.yaml", lambda: find_case(case_id, cases_dir)),
                          case_ids)


__all__ = ["ENV", "Checked", "CaseCheck", "check_cases", "packed", "unpacked", "write", "from_env", "open_cases",
           "CaseFileError"]
