"""The stages of an unfolding case discussion: what is known at each decision point, and what followed.

A stage is an as-of view (disclosure.case_as_of) at a decision point of the case: the
decision points of its ``questions`` when it has any, else the days before its main
treatment decisions (surgery, each systemic regimen, each radiotherapy course). Each
stage holds the chronology rows new since the stage before, its questions (with their
answers, for the speaker only) and the rows that the next stage (or the full report)
reveals. Pure functions over the case model; the deck and handout are made in stagedeck.py.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

from caseseries.views import api, tables
from caseseries.model.disclosure import DisclosureError, as_of_point, case_as_of
from caseseries.model.case import Case, Locator
from caseseries.model.timeline import Timeline, When, timeline

MAX_FALLBACK_STAGES = 4
FALLBACK_QUESTION = "What would you recommend at this point, and why?"
# A row is new when no earlier view had it. A dated item with an id is the same row in every view (a course shown
# as ongoing earlier, once its end is known); one without (a marker, an adverse event) by what it says and where.
ROW_KEY = ("field", "id")
FALLBACK_KEY = ("field", "lane", "kind", "label", "locator", "stated")


@dataclass(frozen=True)
class Prompt:
    """A question of a stage: its text, where it stands in the source, and the answer (speaker notes only)."""

    question: str
    locator: Locator | None
    answer: str | None
    from_case: bool  # False: a generic question at a main decision event of a case without questions


@dataclass
class Stage:
    """One decision point: the view then, what is new in it, its questions, and what follows it."""

    number: int
    as_of: When
    view: Case
    new_rows: pd.DataFrame  # chronology rows of the view that no earlier stage showed
    prompts: list[Prompt]
    revealed_rows: pd.DataFrame = field(default_factory=pd.DataFrame)  # rows the next stage (or the end) adds


def decision_points(case: Case) -> list[tuple[When, list[Prompt]]]:
    """(as-of point, prompts) in time order: the questions' decision points, else the main decision events."""
    tl = timeline(case)
    points: dict[str, tuple[When, list[Prompt]]] = {}
    for i, q in enumerate(case.questions):
        try:
            cut = as_of_point(case, q.decision_point)
        except DisclosureError:
            continue  # validate reports a decision point that cannot be placed
        points.setdefault(cut.stated, (cut, []))[1].append(Prompt(q.question, q.locator, q.answer, True))
    if not points:
        for cut, locator in _decision_events(case, tl) or _first_point(case, tl):
            points.setdefault(cut.stated, (cut, [Prompt(FALLBACK_QUESTION, locator, None, False)]))
    return sorted(points.values(), key=lambda p: (p[0].latest, p[0].earliest, p[0].stated))


def _decision_events(case: Case, tl: Timeline) -> list[tuple[When, Locator]]:
    """The day before each surgery, regimen and radiotherapy course starts (the first few), as as-of points."""
    starts = [(("events", i, "date"), e.locator) for i, e in enumerate(case.events) if e.kind == "surgery"]
    starts += [(("regimens", i, "start"), r.locator) for i, r in enumerate(case.regimens)]
    starts += [(("radiotherapy", i, "start"), c.locator) for i, c in enumerate(case.radiotherapy)]
    found: list[tuple[When, Locator]] = []
    for path, locator in sorted(starts, key=lambda s: tl.order_key(tl.at(s[0]))):
        w = tl.at(path)
        if w is None or w.axis != tl.axis or not math.isfinite(w.earliest):
            continue
        day = int(w.earliest) - 1
        if tl.axis == "calendar":
            text = dt.date.fromordinal(day).isoformat()
        elif day >= 0:
            text = f"{tl.axis} + {day} days"
        else:
            continue
        try:
            cut = as_of_point(case, text)
        except DisclosureError:
            continue  # before the first dated fact: nothing to discuss yet
        if all(cut.stated != c.stated for c, _ in found):
            found.append((cut, locator))
    return found[:MAX_FALLBACK_STAGES]


def _first_point(case: Case, tl: Timeline) -> list[tuple[When, Locator | None]]:
    """The earliest as-of point the case allows (its first dated fact), for a case with no other decision point."""
    for entry in sorted(tl.entries, key=lambda e: (e.start.latest, e.start.earliest)):
        w = entry.start
        if w.axis != tl.axis or not math.isfinite(w.latest) or w.open_end:
            continue
        text = dt.date.fromordinal(int(w.latest)).isoformat() if tl.axis == "calendar" else f"{tl.axis} + {int(w.latest)} days"
        try:
            return [(as_of_point(case, text), None)]
        except DisclosureError:
            continue
    return []


def chronology(case: Case) -> pd.DataFrame:
    """The chronology rows a stage shows: when, what, details, where in the source and its quote; with the
    field, id and stated date that tell rows apart across views."""
    return api.frame("chronology", case)[["field", "id", "when", "lane", "kind", "label", "locator", "stated",
                                          "quote"]]


def _key(row) -> tuple:
    """A row's identity across views (ROW_KEY, else FALLBACK_KEY): two courses that read the same are two rows."""
    if isinstance(row["id"], str) and row["id"]:
        return tuple(row[k] for k in ROW_KEY)
    return tuple(str(row[k]).removesuffix(tables.ONGOING) for k in FALLBACK_KEY)


def _new(rows: pd.DataFrame, seen: set[tuple]) -> pd.DataFrame:
    return rows[[_key(r) not in seen for _, r in rows.iterrows()]].reset_index(drop=True)


def _keys(rows: pd.DataFrame) -> set[tuple]:
    return {_key(r) for _, r in rows.iterrows()}


def stages(case: Case) -> list[Stage]:
    """The stages of the case in time order; the last stage's revealed rows run to the end of the case."""
    out: list[Stage] = []
    seen: set[tuple] = set()
    for n, (cut, prompts) in enumerate(decision_points(case), 1):
        view = case_as_of(case, cut)
        rows = chronology(view)
        out.append(Stage(n, cut, view, _new(rows, seen), prompts))
        seen |= _keys(rows)
    for stage, following in zip(out, [*(s.view for s in out[1:]), case]):
        stage.revealed_rows = _new(chronology(following), _keys(chronology(stage.view)))
    return out


def stage_table(case: Case) -> pd.DataFrame:
    """One row per stage: its number, the as-of date in words and its precision, how many questions it asks.

    The questions themselves are not listed: read ahead, a later stage's question can hint at what came before it.
    """
    return pd.DataFrame([{"stage": s.number, "as of": s.as_of.words, "precision": s.as_of.precision,
                          "questions": len(s.prompts), "new facts then": len(s.new_rows)} for s in stages(case)],
                        columns=["stage", "as of", "precision", "questions", "new facts then"])


__all__ = ["stage_table", "Prompt", "Stage", "stages", "decision_points", "chronology", "FALLBACK_QUESTION"]
