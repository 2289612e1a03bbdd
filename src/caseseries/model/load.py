"""Loading case files: YAML to validated :class:`Case`, or every error of the file.

Errors read ``data/cases/x.yaml:LINE: regimens[2].agents[0].dose: expected a
positive number, found '-5'`` so that a clinician can fix the file without code.

All the errors of a file come in one run, in the order of its lines: a field the model
refuses is set aside (an optional field or a list item is left out, a required one is
given a neutral stand-in) so that the rules across items (dates in order, anchors,
drugs in the reference) still run on the rest; what they find about the stand-ins is
not reported. Errors of the drug reference are reported once, with its own file and
lines (:func:`validate_files`), and the case files are still checked against its valid
entries.
"""

from __future__ import annotations


import copy
import difflib
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from caseseries.model import drugs, case as model
from caseseries.model.checks import case_problems
from caseseries.model.messages import CaseFileError, display_path, format_error as _format, leaf_errors as _leaf_errors, line_of, model_in, message as _message
from caseseries.model.case import Case
from caseseries.model.paths import case_files, cases_dir as default_cases_dir
from caseseries.model.yamlfile import YamlError, read_yaml



def load_case(path: str | Path, reference: drugs.ReferenceRead | None = None) -> Case:
    """Read and validate one case file; raise CaseFileError listing all its problems.

    When the case names drugs and the drug reference has errors, those come too (after the
    file's own), so that nothing is built on a broken reference.
    """
    case, errors, reference = check_case_file(path, reference)
    if reference is not None and reference.errors:
        errors = errors + reference.errors
    if errors:
        raise CaseFileError(errors)
    return case


def check_case_file(path: str | Path, reference: drugs.ReferenceRead | None = None
                    ) -> tuple[Case | None, list[str], drugs.ReferenceRead | None]:
    """Every problem of one case file in one run: (the case or None, its errors in line order, the reference used).

    The errors are the file's own; the drug reference (read when the case has regimens and no
    reference is given) is returned so that its errors can be reported once, with its own file.
    """
    path = Path(path)
    shown = display_path(path)
    try:
        data, lines = read_yaml(path)
    except FileNotFoundError:  # any other OSError (a folder, no permission) is a YamlError of read_yaml's
        return None, [f"{shown}: no such file"], reference
    except UnicodeDecodeError as exc:
        return None, [f"{shown}: not UTF-8 text ({exc.reason} at byte {exc.start})"], reference
    except YamlError as exc:
        return None, [f"{shown}:{exc.line}: {exc.message}"], reference
    if not isinstance(data, dict):
        return None, [f"{shown}:1: expected a mapping of case fields, found {type(data).__name__}"], reference
    found: list[tuple[tuple, str]] = []
    try:
        case, repair = Case.model_validate(data), None
    except ValidationError as exc:
        found = [(tuple(e["loc"]), _message(e)) for e in _leaf_errors(exc)]
        case, repair = _repaired(data, path.stem)
    if case is not None:
        if reference is None and case.regimens:  # the reference is needed only for agents
            reference = drugs.read_reference()
        known = reference.drugs if reference is not None and reference.readable else None
        broken = reference.broken if reference is not None else ()
        for loc, msg in case_problems(case, path.stem, known, broken):
            if repair is not None:
                loc = repair.original(loc)
                if repair.hides(loc, msg, data):
                    continue
            found.append((loc, msg))
    if case is not None:  # the timeline the checks built is not kept: loading many files holds only the cases
        model.forget(case)
    order = sorted(range(len(found)), key=lambda n: (line_of(lines, found[n][0]), n))
    errors = list(dict.fromkeys(_format(shown, lines, *found[n]) for n in order))
    return (None if errors else case), errors, reference


@dataclass
class Validation:
    """What `caseseries validate` reports: each file's errors, and the drug reference's, once."""

    paths: list[Path]
    errors: dict[Path, list[str]] = field(default_factory=dict)  # the files with errors
    cases: dict[Path, Case] = field(default_factory=dict)  # the files without (valid, but for the reference's)
    reference: drugs.ReferenceRead | None = None  # None when no case names a drug

    @property
    def reference_errors(self) -> list[str]:
        return list(self.reference.errors) if self.reference is not None else []

    @property
    def ok(self) -> bool:
        return not self.errors and not self.reference_errors

    def lines(self) -> list[str]:
        """Every error line: the reference's first (once), then each file's; then the count."""
        out = self.reference_errors + [line for path in self.paths for line in self.errors.get(path, [])]
        if self.reference_errors:
            out.append(f"{display_path(self.reference.path)} invalid")
        if not self.ok:
            out.append(f"{len(self.errors)} of {len(self.paths)} case files invalid")
        return out


def validate_files(paths: list[str | Path]) -> Validation:
    """Check every file in one run; the drug reference is read once, when a case names a drug."""
    out = Validation([Path(p) for p in paths])
    for path in out.paths:
        case, errors, out.reference = check_case_file(path, out.reference)
        if errors:
            out.errors[path] = errors
        else:
            out.cases[path] = case
    return out


def case_paths(paths: list[str | Path] | None = None, cases_dir: Path | None = None) -> list[Path]:
    """The case files named, or every *.yaml in data/cases, sorted."""
    if paths:
        out: list[Path] = []
        for p in map(Path, paths):
            out.extend(case_files(p) if p.is_dir() else [p])
        return out
    return case_files(cases_dir)


def each_or_errors(load_one, items) -> list:
    """load_one over every item; one CaseFileError with every item's errors, never only the first.

    A line given by several items (an error of the drug reference they share) is given once.
    """
    out, errors = [], []
    for item in items:
        try:
            out.append(load_one(item))
        except CaseFileError as exc:
            errors.extend(exc.errors)
    if errors:
        raise CaseFileError(list(dict.fromkeys(errors)))
    return out


def load_cases(paths: list[str | Path] | None = None, cases_dir: Path | None = None) -> list[Case]:
    """Load every case; raise CaseFileError with the errors of all bad files together."""
    return each_or_errors(load_case, case_paths(paths, cases_dir))


def find_case(case_id: str, cases_dir: Path | None = None) -> Case:
    """Load the case with this id, or fail naming the ids that exist."""
    cases_dir = cases_dir or default_cases_dir()
    path = cases_dir / f"{case_id}.yaml"
    if not path.exists():
        known = [p.stem for p in sorted(cases_dir.glob("*.yaml"))]
        hint = difflib.get_close_matches(case_id, known, n=1)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
        raise CaseFileError([f"no case '{case_id}' in {display_path(cases_dir)}{suggestion}; known: {', '.join(known)}"])
    return load_case(path)


# ------------------------------------------------------------------ repairs: checking past model errors

_DROP = object()
_REPAIR_ROUNDS = 12
# What a message offers in place of a value: '(ids that can anchor: a, b)', '(regimens: r1)', '(did you mean 'x'?)'.
_OFFERED = re.compile(r"\([^()]*: [^()]*\)|\(did you mean [^()]*\)")


class _Repair:
    """How a file the model refuses was made checkable: fields left out or stood in for, by original path."""

    def __init__(self):
        self.fixes: dict[tuple, object] = {}  # original path -> _DROP or the stand-in value
        self.keep: dict[tuple, list[int]] = {}  # original path of a list -> original indices kept, in order
        self.tainted: set[str] = set()  # ids of items left out, or whose id or dates were stood in for

    def apply(self, data: object, path: tuple = ()) -> object:
        if isinstance(data, dict):
            out = {}
            for key, value in data.items():
                at = path + (key,)
                fix = self.fixes.get(at)
                if fix is _DROP:
                    continue
                out[key] = copy.deepcopy(fix) if at in self.fixes else self.apply(value, at)
            merged = self.fixes.get(path + ("<merge>",))
            return {**out, **merged} if isinstance(merged, dict) else out
        if isinstance(data, list):
            kept, out = [], []
            for i, value in enumerate(data):
                at = path + (i,)
                fix = self.fixes.get(at)
                if fix is _DROP:
                    continue
                kept.append(i)
                out.append(copy.deepcopy(fix) if at in self.fixes else self.apply(value, at))
            self.keep[path] = kept
            return out
        return data

    def original(self, loc: tuple) -> tuple:
        """A path in the repaired data as a path in the file."""
        out: tuple = ()
        for step in loc:
            if isinstance(step, int) and out in self.keep and step < len(self.keep[out]):
                step = self.keep[out][step]
            out += (step,)
        return out

    def hides(self, loc: tuple, message: str, data: dict) -> bool:
        """A problem about a stand-in, or about an item that names one left out: not the file's own.

        The ids a message offers in its lists and suggestions are not what it is about.
        """
        if any(loc[:n] in self.fixes for n in range(1, len(loc) + 1)):
            return True
        text = _OFFERED.sub("", message) + " " + str(_at(data, loc) or "")
        return any(re.search(rf"(?<![a-z0-9_-]){re.escape(i)}(?![a-z0-9_-])", text) for i in self.tainted)


def _at(data: object, loc: tuple) -> object:
    for step in loc:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _repaired(data: dict, stem: str) -> tuple[Case | None, _Repair | None]:
    """The case with what the model refuses left out or stood in for, so that the other checks can run."""
    repair = _Repair()
    for _ in range(_REPAIR_ROUNDS):
        fixed = repair.apply(data)
        try:
            return Case.model_validate(fixed), repair
        except ValidationError as exc:
            progress = False
            for e in _leaf_errors(exc):
                loc = repair.original(tuple(e["loc"]))
                progress |= _fix(repair, data, loc, e["type"], stem)
            if not progress:
                return None, None
    return None, None


def _fix(repair: _Repair, data: dict, loc: tuple, kind: str, stem: str) -> bool:
    """Record how to get past one error at loc (original path); False when nothing more can be done."""
    if loc in repair.fixes or any(loc[:n] in repair.fixes and repair.fixes[loc[:n]] is _DROP
                                  for n in range(1, len(loc))):
        return False
    if kind == "extra_forbidden":
        repair.fixes[loc] = _DROP
        return True
    if loc and isinstance(loc[-1], str):
        field_info = _field_info(loc)
        if field_info is not None and not field_info.is_required():
            return _drop(repair, data, loc)
        if field_info is not None:
            stand_in = _stand_in(field_info, loc, stem, len(repair.fixes))
            if stand_in is not None:
                if loc[-1] == "id" or _is_date(field_info.annotation):
                    _taint(repair, data, loc[:-1])
                repair.fixes[loc] = stand_in
                return True
        if loc == ("source",) and kind == "value_error":  # no doi, url or file: check the rest as if synthetic
            repair.fixes[("source", "<merge>")] = {"synthetic": True}
            return True
    for n in range(len(loc), 0, -1):  # the innermost list item holding the error
        if isinstance(loc[n - 1], int):
            return _drop(repair, data, loc[:n])
    if loc and loc[0] in Case.model_fields and not Case.model_fields[loc[0]].is_required():
        return _drop(repair, data, loc[:1])
    return False


def _drop(repair: _Repair, data: dict, loc: tuple) -> bool:
    _taint(repair, data, loc)
    repair.fixes[loc] = _DROP
    return True


def _taint(repair: _Repair, data: dict, loc: tuple) -> None:
    """Remember the ids within what is left out or stood in for (an item, or the item holding a field)."""
    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("id"), str):
                repair.tainted.add(node["id"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(_at(data, loc))


def _field_info(loc: tuple):
    """The pydantic field at a path of the case (None when the path leaves the model)."""
    cls, info = Case, None
    for step in loc:
        if isinstance(step, int):
            continue
        info = getattr(cls, "model_fields", {}).get(step)
        if info is None:
            return None
        cls = model_in(info.annotation, typing)
    return info


def _is_date(annotation) -> bool:
    from caseseries.model.dates import CalendarDate

    if annotation is CalendarDate:
        return True
    return any(_is_date(arg) for arg in typing.get_args(annotation) if arg is not annotation)


def _literal_values(annotation) -> tuple:
    if typing.get_origin(annotation) is typing.Literal:
        return typing.get_args(annotation)
    for arg in typing.get_args(annotation):
        found = _literal_values(arg)
        if found:
            return found
    return ()


def _stand_in(info, loc: tuple, stem: str, n: int) -> object | None:
    """A neutral valid value for a required field the model refuses, or None when there is none."""
    annotation = info.annotation
    if _is_date(annotation):
        return "unknown"
    if annotation is model.Locator:
        return {"section": "?"}
    values = _literal_values(annotation)
    if values:
        return model.NOT_STATED if model.NOT_STATED in values else values[0]
    if annotation is str:
        if any(getattr(m, "pattern", None) for m in info.metadata):  # an id
            return stem if loc == ("case_id",) and re.match(r"^[a-z][a-z0-9_-]*$", stem) else f"unreadable-id-{n}"
        return "?"
    return None


# ------------------------------------------------------------------ messages
