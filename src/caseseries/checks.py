"""Rules that span several items of a case: unique ids, anchors, order of dates.

Each check yields ``(path, message)`` so that the loader can name the line.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator

from .chronology import AnchorError, Chronology
from .dates import DateSpec, TimePoint, definitely_before
from .model import Case

Problem = tuple[tuple[str | int, ...], str]


def case_problems(case: Case, file_stem: str | None = None,
                  known_drugs: Collection[str] | None = None) -> list[Problem]:
    """Every cross-item problem of a case, in file order; drugs are checked when the known names are given."""
    problems: list[Problem] = []
    if file_stem is not None and case.case_id != file_stem:
        problems.append((("case_id",), f"expected the file name '{file_stem}', found '{case.case_id}'"))
    problems += _duplicate_ids(case)
    chrono = Chronology(case)
    points: dict[tuple, TimePoint | None] = {}
    for path, date in _dated_fields(case):
        try:
            points[path] = chrono.point(date)
        except AnchorError as exc:
            problems.append((path, str(exc)))
    problems += _ends_after_starts(case, points)
    problems += _nothing_after_last_contact(points)
    if known_drugs is not None:
        problems += _unknown_drugs(case, known_drugs)
    return problems


def _duplicate_ids(case: Case) -> Iterator[Problem]:
    seen: dict[str, tuple] = {}
    for field in ("events", "regimens", "radiotherapy", "imaging", "discrepancies", "questions"):
        for i, item in enumerate(getattr(case, field)):
            if item.id in seen:
                yield (field, i, "id"), f"duplicate id '{item.id}' (first used at {dotted(seen[item.id])})"
            else:
                seen[item.id] = (field, i, "id")


def dotted(path: tuple) -> str:
    """A path as the error messages show it: regimens[2].agents[0].dose."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def _dated_fields(case: Case) -> Iterator[tuple[tuple, DateSpec]]:
    """Every date of the case with its path, in file order."""
    for i, s in enumerate(case.diagnosis.stages):
        if s.date is not None:
            yield ("diagnosis", "stages", i, "date"), s.date
    for i, b in enumerate(case.diagnosis.biomarkers):
        if b.date is not None:
            yield ("diagnosis", "biomarkers", i, "date"), b.date
    for field, names in (
        ("events", ("date", "end")),
        ("regimens", ("start", "end", "ongoing_as_of")),
        ("radiotherapy", ("start", "end")),
        ("reference_limits", ("valid_from", "valid_until")),
        ("markers", ("date",)),
        ("imaging", ("date",)),
        ("adverse_events", ("date",)),
        ("discrepancies", ("date",)),
        ("questions", ("decision_point",)),
    ):
        for i, item in enumerate(getattr(case, field)):
            for name in names:
                value = getattr(item, name)
                if value is not None:
                    yield (field, i, name), value
    yield ("outcome", "last_contact"), case.outcome.last_contact


def _ends_after_starts(case: Case, points: dict) -> Iterator[Problem]:
    pairs = [("events", "date", "end"), ("regimens", "start", "end"), ("radiotherapy", "start", "end"),
             ("reference_limits", "valid_from", "valid_until")]
    for field, start, end in pairs:
        for i, item in enumerate(getattr(case, field)):
            a, b = points.get((field, i, start)), points.get((field, i, end))
            if a is not None and b is not None and definitely_before(b, a):
                yield (field, i, end), (
                    f"ends before it starts: {end} {getattr(item, end)} is before {start} {getattr(item, start)}"
                )


def _nothing_after_last_contact(points: dict) -> Iterator[Problem]:
    last = points.get(("outcome", "last_contact"))
    if last is None:
        return
    for path, point in points.items():
        if path[0] in ("outcome", "reference_limits", "questions") or point is None:
            continue
        if definitely_before(last, point):
            yield path, "is after the last contact (outcome.last_contact)"


def _unknown_drugs(case: Case, known: Collection[str]) -> Iterator[Problem]:
    """Every agent must be in the drug reference; suggest the closest known names."""
    names = sorted(known)
    for i, regimen in enumerate(case.regimens):
        for j, agent in enumerate(regimen.agents):
            if agent.drug in known:
                continue
            same = [n for n in names if n == agent.drug.strip().lower()]  # only the case differs
            close = same or difflib.get_close_matches(agent.drug.lower(), names, n=3, cutoff=0.6)
            hint = (" (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)") if close else ""
            yield ("regimens", i, "agents", j, "drug"), (
                f"unknown drug '{agent.drug}'{hint}: not in data/reference/drugs.yaml "
                "(a new agent goes there with its class, group, target and source)")
