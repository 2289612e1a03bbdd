"""The Python API for exploring cases in a notebook: typed tidy frames and figures.

``import caseseries as cs`` gives::

    cs.cases()                   # ids and titles, a frame
    case = cs.case("fx-lung-egfr")   # the validated model (by id; a path also works)
    cs.markers(case)             # one row per marker value, typed
    cs.markers(["a", "b"])       # the same for several cases (or None: every case), with a case_id column
    cs.comparison()              # the comparison table of the series, one row per patient
    cs.plot.timeline(case)       # a matplotlib figure; interactive=True: a plotly figure

The frames are the tables of ``tables.py`` (the ones the report and ``caseseries table``
show) with typed columns added, never a second reading of dates: every date is read
through the case's timeline (``timeline.py``).

- ``earliest`` and ``latest``: the interval a date can mean. ``datetime64`` on a calendar
  case; on a relative-axis case (dated from an anchor such as the start of a treatment),
  ``float`` months from the anchor. Unbounded ends and items not placed are NaT/NaN.
  In a frame over several cases that mix both axes, the calendar rows keep ``earliest``/
  ``latest`` and the relative rows give ``earliest_months``/``latest_months`` instead.
- ``stated``: the date as the case file states it; ``precision`` a categorical
  (``PRECISIONS``); the date in words stays in ``date`` (or ``when``/``start``).
- numbers are ``float`` with a unit column; a dose the source does not give is NaN.
- ``locator`` (where in the source) and ``quote`` (the source's words, when the case file
  gives them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from caseseries.model import drugs
from caseseries.views import tables
from caseseries.model.dates import DAYS_PER_MONTH
from caseseries.model.case import Case
from caseseries.model.timeline import When, timeline

__all__ = ["FRAMES", "PRECISIONS", "adverse_events", "agents", "case", "cases", "chronology", "discrepancies",
           "events", "frame", "imaging", "markers", "outcomes", "radiotherapy", "regimens", "comparison"]

PRECISIONS = ("day", "month", "part of year", "year", "bounded", "offset", "anchor", "unknown")
FRAMES = ("chronology", "events", "regimens", "agents", "radiotherapy", "markers", "imaging", "adverse_events",
          "outcomes", "discrepancies")


# ---------------------------------------------------------------- cases


def cases() -> pd.DataFrame:
    """Every case of data/cases: ``case_id`` and ``title``, in id order."""
    from caseseries.model.load import load_cases

    return pd.DataFrame([{"case_id": c.case_id, "title": c.title} for c in load_cases()],
                        columns=["case_id", "title"])


def case(case_id: str | Path | Case) -> Case:
    """The validated case model: by id (``data/cases/<id>.yaml``), by the path of a case file, or a case itself."""
    from caseseries.model.load import find_case, load_case

    if isinstance(case_id, Case):
        return case_id
    path = Path(case_id)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return load_case(path)
    return find_case(str(case_id))


def _cases(which) -> list[Case]:
    from caseseries.model.load import load_cases

    if which is None:
        return load_cases()
    if isinstance(which, (str, Path, Case)):
        return [case(which)]
    return [case(c) for c in which]


def comparison(ids: Iterable[str] | None = None) -> pd.DataFrame:
    """The comparison table of the series (one row per patient, as in reports/series.ipynb)."""
    from caseseries.views.series import comparison_table

    return comparison_table(_cases(ids))


# ---------------------------------------------------------------- typed columns


def _date_columns(whens: list[When | None], axis: str) -> dict[str, pd.Series]:
    """earliest/latest (datetimes on the calendar, months from the anchor elsewhere), stated, precision."""
    def value(w: When | None, day: float):
        if w is None or w.axis != axis or math.isinf(day) or math.isnan(day):
            return None
        return pd.Timestamp(w.day(day)) if w.is_calendar else day / DAYS_PER_MONTH

    calendar = axis == "calendar"
    out = {}
    for name in ("earliest", "latest"):
        values = [value(w, getattr(w, name)) if w is not None else None for w in whens]
        out[name] = pd.Series(values, dtype="float64") if not calendar else pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]")
    out["stated"] = pd.Series([w.stated if w is not None else None for w in whens], dtype="string")
    precisions = [w.precision if w is not None else None for w in whens]
    categories = list(PRECISIONS) + sorted({p for p in precisions if p and p not in PRECISIONS})
    out["precision"] = pd.Categorical(precisions, categories=categories)
    return out


def _number(values) -> pd.Series:
    """Numbers as float; text such as 'not stated' and None as NaN."""
    return pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").astype("float64")


def _order(tl, whens: list[When | None]) -> list[int]:
    """The row order the tables use (the timeline's order of their dates): read from tables itself."""
    ordered = tables._in_order(tl, [(w, {"i": i}) for i, w in enumerate(whens)], ["i"])
    return [int(i) for i in ordered["i"]]


def _typed(frame: pd.DataFrame, case: Case, whens: list[When | None], items: list, drop_date: bool = False,
           numbers: tuple[str, ...] = ()) -> pd.DataFrame:
    """A table of tables.py with the typed columns added; ``whens`` and ``items`` in the table's row order."""
    tl = timeline(case)
    out = frame.reset_index(drop=True).copy()
    typed = _date_columns(whens, tl.axis)
    for name in ("earliest", "latest", "stated"):
        out[name] = typed[name]
    out["precision"] = typed["precision"]
    for name in numbers:
        out[name] = _number(out[name])
    out["quote"] = pd.Series([_quote(i) for i in items], dtype="string")
    out.insert(0, "case_id", case.case_id)
    out.attrs["axis"] = tl.axis
    return out


def _quote(item) -> str | None:
    """The source's words at an item's locator, when the case file gives them."""
    return getattr(getattr(item, "locator", None), "quote", None)


# ---------------------------------------------------------------- the rows of a frame, in its order


class _Row(NamedTuple):
    """One row of a frame: its item, the date it is ordered by and (in the chronology) the case field it is from."""

    item: object
    when: When | None
    field: str | None = None


def _chronology_rows(c: Case) -> list[_Row]:
    """Every item of the timeline in its order, then the unplaced ones that state a date: tables.timeline_table's."""
    tl = timeline(c)
    rows = [_Row(e.item, e.start, e.field) for e in tl.entries]
    return rows + [_Row(item, None, f) for f, _, item in tl.unplaced
                   if getattr(item, tables._DATE_FIELD[f]) is not None]


def _ordered(tl, rows: list[_Row]) -> list[_Row]:
    """The rows in the order the tables give them (the timeline's order of their dates)."""
    return [rows[k] for k in _order(tl, [r.when for r in rows])]


def _agent_rows(c: Case) -> list[_Row]:
    """Each agent of each regimen, dated by its regimen's start, in the order the regimens start."""
    tl = timeline(c)
    return _ordered(tl, [_Row(a, tl.span("regimens", i).start)
                         for i, r in enumerate(c.regimens) for a in r.agents])


def _target_rows(c: Case) -> list[_Row]:
    """Each target of each radiotherapy course (the course itself when it names none), in the order they start."""
    tl = timeline(c)
    return _ordered(tl, [_Row(t, tl.span("radiotherapy", i).start)
                         for i, course in enumerate(c.radiotherapy) for t in course.targets or [course]])


def _dated_rows(c: Case, field: str) -> list[_Row]:
    """The items of a list of the case dated by their ``date``, in the timeline's order."""
    tl = timeline(c)
    return _ordered(tl, [_Row(item, tl.at((field, n, "date"))) for n, item in enumerate(getattr(c, field))])


_ROWS = {"chronology": _chronology_rows, "agents": _agent_rows, "radiotherapy": _target_rows,
         **{field: partial(_dated_rows, field=field) for field in ("markers", "imaging", "adverse_events")}}


def quotes(name: str, case: Case) -> list[str | None]:
    """The ``quote`` column of the frame ``name`` of one case, row for row, read from its items without building
    the frame: the report's tables add it to theirs. Frames of tables.py's rows only (``_ROWS``)."""
    if name not in _ROWS:
        raise ValueError(f"no quotes of frame {name!r}; frames: {', '.join(_ROWS)}")
    return [_quote(r.item) for r in _ROWS[name](_cases(case)[0])]


# ---------------------------------------------------------------- per case


def _chronology(case: Case) -> pd.DataFrame:
    c = _cases(case)[0]
    rows = _chronology_rows(c)
    out = _typed(tables.timeline_table(c), c, [r.when for r in rows], [r.item for r in rows])
    out.insert(1, "field", pd.Series([r.field for r in rows], dtype="string"))
    out.insert(2, "id", pd.Series([getattr(r.item, "id", None) for r in rows], dtype="string"))
    return out


def _events(case: Case) -> pd.DataFrame:
    frame = _chronology(case)
    return frame[frame["field"] == "events"].drop(columns=["field", "lane"]).reset_index(drop=True)


def _agents(case: Case) -> pd.DataFrame:
    c = _cases(case)[0]
    rows = _agent_rows(c)
    reference = drugs.view_reference()
    out = _typed(tables.regimen_table(c), c, [r.when for r in rows], [r.item for r in rows],
                 numbers=("dose", "cycle_days", "cycles_planned", "cycles_given"))
    infos = [drugs.agent_info(r.item, reference) for r in rows]
    out.insert(out.columns.get_loc("drug") + 1, "drug_class",
               pd.Series([getattr(i, "drug_class", None) for i in infos], dtype="string"))
    out.insert(out.columns.get_loc("drug_class") + 1, "group",
               pd.Series([getattr(i, "group", None) for i in infos], dtype="string"))
    return out


def _regimens(case: Case) -> pd.DataFrame:
    c = _cases(case)[0]
    agents = _agents(c)
    names = agents.groupby("regimen", sort=False)["drug"].agg("; ".join)
    out = agents.drop_duplicates("regimen").drop(columns=["drug", "drug_class", "group", "dose", "unit", "route",
                                                          "days"]).reset_index(drop=True)
    out.insert(out.columns.get_loc("name") + 1, "agents", out["regimen"].map(names).astype("string"))
    quotes = {r.id: r.locator.quote for r in c.regimens}
    out["quote"] = out["regimen"].map(quotes).astype("string")
    out["locator"] = out["regimen"].map({r.id: str(r.locator) for r in c.regimens})
    return out


def _radiotherapy(case: Case) -> pd.DataFrame:
    c = _cases(case)[0]
    rows = _target_rows(c)
    return _typed(tables.radiotherapy_table(c), c, [r.when for r in rows], [r.item for r in rows],
                  numbers=("total_dose_gy", "fractions", "dose_per_fraction_gy", "bed_gy", "eqd2_gy"))


def _dated(case: Case, field: str, build, numbers: tuple[str, ...] = ()) -> pd.DataFrame:
    c = _cases(case)[0]
    rows = _dated_rows(c, field)
    return _typed(build(c), c, [r.when for r in rows], [r.item for r in rows], numbers=numbers)


def _markers(case: Case) -> pd.DataFrame:
    out = _dated(case, "markers", tables.marker_table, numbers=("value", "times_uln"))
    out["upper_limit"] = _number(out["reference"].str.extract(r"<\s*([0-9.eE+-]+)", expand=False))
    return out


def _imaging(case: Case) -> pd.DataFrame:
    return _dated(case, "imaging", tables.imaging_table)


def _adverse_events(case: Case) -> pd.DataFrame:
    out = _dated(case, "adverse_events", tables.adverse_event_table)
    out["grade"] = _number(out["grade"])
    return out


def _outcomes(case: Case) -> pd.DataFrame:
    """The status at last contact, then each duration the authors report (value as a float, with its unit)."""
    c = _cases(case)[0]
    tl = timeline(c)
    o = c.outcome
    rows = [{"what": "status at last contact", "status": o.status, "status_as_worded": o.status_as_worded,
             "value": None, "unit": None, "qualifier": None, "censored": None, "date": tl.last_contact.words
             if tl.last_contact else None, "notes": tables.notes_text(o), "locator": str(o.locator)}]
    items, whens = [o], [tl.last_contact]
    for d in o.durations:
        rows.append({"what": d.name, "status": None, "status_as_worded": None, "value": d.value, "unit": d.unit,
                     "qualifier": d.qualifier, "censored": d.censored, "date": None, "notes": tables.notes_text(d),
                     "locator": str(d.locator)})
        items.append(d)
        whens.append(None)
    out = _typed(pd.DataFrame(rows), c, whens, items, numbers=("value",))
    out["censored"] = out["censored"].astype("boolean")
    return out


def _discrepancies(case: Case) -> pd.DataFrame:
    """One row per statement of each disagreement the case file records, with the note saying which it follows."""
    c = _cases(case)[0]
    rows = [{"case_id": c.case_id, "discrepancy": d.id, "topic": d.topic, "statement": s.says,
             "note": d.note, "notes": tables.notes_text(d), "locator": str(s.locator), "quote": s.locator.quote}
            for d in c.discrepancies for s in d.statements]
    columns = ["case_id", "discrepancy", "topic", "statement", "note", "notes", "locator", "quote"]
    return pd.DataFrame(rows, columns=columns).astype({"quote": "string"})


_BUILD = {"chronology": _chronology, "events": _events, "regimens": _regimens, "agents": _agents,
          "radiotherapy": _radiotherapy, "markers": _markers, "imaging": _imaging,
          "adverse_events": _adverse_events, "outcomes": _outcomes, "discrepancies": _discrepancies}


def frame(name: str, which=None) -> pd.DataFrame:
    """A frame by name (``FRAMES``) for one case (a model, an id or a path) or several (a list; None: every case).

    Over several cases the frames are stacked, each row keeping its ``case_id``.
    """
    if name not in _BUILD:
        raise ValueError(f"no frame {name!r}; frames: {', '.join(FRAMES)}")
    chosen = _cases(which)
    parts = [_BUILD[name](c) for c in chosen]
    if len(parts) == 1:
        return parts[0]
    axes = {p.attrs.get("axis") for p in parts} - {None}
    if len(axes) > 1 and "earliest" in parts[0].columns:
        # calendar rows keep earliest/latest (datetimes); relative-axis rows give months from their anchor
        fixed = []
        for p in parts:
            p = p.copy()
            calendar = p.attrs.get("axis") == "calendar"
            p["earliest_months"] = pd.Series(float("nan"), index=p.index) if calendar else p["earliest"]
            p["latest_months"] = pd.Series(float("nan"), index=p.index) if calendar else p["latest"]
            if not calendar:
                p["earliest"] = pd.Series(pd.NaT, index=p.index, dtype="datetime64[ns]")
                p["latest"] = pd.Series(pd.NaT, index=p.index, dtype="datetime64[ns]")
            fixed.append(p)
        parts = fixed
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    if "precision" in out.columns:
        out["precision"] = pd.Categorical(out["precision"].astype(object),
                                          categories=parts[0]["precision"].cat.categories)
    out.attrs = {"axis": axes.pop()} if len(axes) == 1 else {}
    return out


def _public(name: str):
    def get(which=None) -> pd.DataFrame:
        return frame(name, which)

    get.__name__ = get.__qualname__ = name
    get.__doc__ = (f"The {name.replace('_', ' ')} frame of one case (a model, an id or a path) or of several "
                   f"(a list of them; None: every case), with a case_id column. {_BUILD[name].__doc__ or ''}")
    return get


chronology = _public("chronology")
events = _public("events")
regimens = _public("regimens")
agents = _public("agents")
radiotherapy = _public("radiotherapy")
markers = _public("markers")
imaging = _public("imaging")
adverse_events = _public("adverse_events")
outcomes = _public("outcomes")
discrepancies = _public("discrepancies")
