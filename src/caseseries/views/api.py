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
from pathlib import Path

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
    out["quote"] = pd.Series([getattr(getattr(i, "locator", None), "quote", None) for i in items], dtype="string")
    out.insert(0, "case_id", case.case_id)
    out.attrs["axis"] = tl.axis
    return out


# ---------------------------------------------------------------- per case


def _chronology(case: Case) -> pd.DataFrame:
    c = _cases(case)[0]
    tl = timeline(c)
    frame = tables.timeline_table(c)
    rows = [(e.field, e.index, e.item, e.start) for e in tl.entries]
    rows += [(f, i, item, None) for f, i, item in tl.unplaced if getattr(item, tables._DATE_FIELD[f]) is not None]
    out = _typed(frame, c, [r[3] for r in rows], [r[2] for r in rows])
    out.insert(1, "field", pd.Series([r[0] for r in rows], dtype="string"))
    out.insert(2, "id", pd.Series([getattr(r[2], "id", None) for r in rows], dtype="string"))
    return out


def _events(case: Case) -> pd.DataFrame:
    frame = _chronology(case)
    return frame[frame["field"] == "events"].drop(columns=["field", "lane"]).reset_index(drop=True)


def _agents(case: Case) -> pd.DataFrame:
    c = _cases(case)[0]
    tl = timeline(c)
    whens, items = [], []
    for i, r in enumerate(c.regimens):
        start = tl.span("regimens", i).start
        for a in r.agents:
            whens.append(start)
            items.append(a)
    order = _order(tl, whens)
    reference = drugs.view_reference()
    out = _typed(tables.regimen_table(c), c, [whens[k] for k in order], [items[k] for k in order],
                 numbers=("dose", "cycle_days", "cycles_planned", "cycles_given"))
    infos = [drugs.agent_info(items[k], reference) for k in order]
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
    tl = timeline(c)
    whens, items = [], []
    for i, course in enumerate(c.radiotherapy):
        start = tl.span("radiotherapy", i).start
        for t in course.targets or [course]:
            whens.append(start)
            items.append(t)
    order = _order(tl, whens)
    return _typed(tables.radiotherapy_table(c), c, [whens[k] for k in order], [items[k] for k in order],
                  numbers=("total_dose_gy", "fractions", "dose_per_fraction_gy", "bed_gy", "eqd2_gy"))


def _dated(case: Case, field: str, build, numbers: tuple[str, ...] = ()) -> pd.DataFrame:
    c = _cases(case)[0]
    tl = timeline(c)
    items = list(getattr(c, field))
    whens = [tl.at((field, n, "date")) for n in range(len(items))]
    order = _order(tl, whens)
    return _typed(build(c), c, [whens[k] for k in order], [items[k] for k in order], numbers=numbers)


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
