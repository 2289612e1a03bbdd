"""Rules that span several items of a case: unique ids, dates that can be placed, order of dates.

Each check yields ``(path, message)`` so that the loader can name the line.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator

from .model import Case
from .timeline import Timeline, dated_fields, timeline

Problem = tuple[tuple[str | int, ...], str]


def case_problems(case: Case, file_stem: str | None = None,
                  known_drugs: Collection[str] | None = None) -> list[Problem]:
    """Every cross-item problem of a case, in file order; drugs are checked when the known names are given."""
    problems: list[Problem] = []
    if file_stem is not None and case.case_id != file_stem:
        problems.append((("case_id",), f"expected the file name '{file_stem}', found '{case.case_id}'"))
    problems += _duplicate_ids(case)
    if not problems:  # a duplicate id makes every offset to it ambiguous
        tl = timeline(case)
        problems += tl.problems
        problems += _ends_after_starts(case, tl)
        problems += _nothing_after_last_contact(tl)
        problems += _durations_name_items(case, tl)
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


def _ends_after_starts(case: Case, tl: Timeline) -> Iterator[Problem]:
    pairs = [("events", "date", "end"), ("regimens", "start", "end"), ("regimens", "start", "ongoing_as_of"),
             ("radiotherapy", "start", "end"), ("reference_limits", "valid_from", "valid_until")]
    for field, start, end in pairs:
        for i, item in enumerate(getattr(case, field)):
            a, b = tl.at((field, i, start)), tl.at((field, i, end))
            if a is not None and b is not None and b.certainly_before(a):
                yield (field, i, end), (
                    f"ends before it starts: {end} {getattr(item, end)} is before {start} {getattr(item, start)}"
                )


def _nothing_after_last_contact(tl: Timeline) -> Iterator[Problem]:
    last = tl.last_contact
    if last is None:
        return
    for path, _ in dated_fields(tl.case):
        if path[0] in ("outcome", "reference_limits", "questions"):
            continue
        point = tl.at(path)
        if point is not None and last.certainly_before(point):
            yield path, "is after the last contact (outcome.last_contact)"


def _durations_name_items(case: Case, tl: Timeline) -> Iterator[Problem]:
    """A reported duration's `of` names an event, regimen or radiotherapy course of the case."""
    ids = {x.id for field in ("events", "regimens", "radiotherapy") for x in getattr(case, field)}
    for i, d in enumerate(case.outcome.durations):
        if d.of is not None and d.of not in ids:
            yield ("outcome", "durations", i, "of"), (
                f"'{d.of}' is not the id of an event, regimen or radiotherapy course of this case")


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
