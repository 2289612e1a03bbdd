"""Tidy pandas tables of one case, one row per fact, each with its locator.

Missing values are None (empty in CSV); ``for_display`` turns them into "—".
Time columns: ``date`` as the source gives it, ``precision``, and ``t`` (days on
the case's axis: calendar ordinal or days from the root anchor) for ordering.
"""

from __future__ import annotations

import pandas as pd

from . import metrics
from .chronology import Chronology
from .model import Case

TABLE_NAMES = ("timeline", "regimens", "radiotherapy", "markers", "imaging", "adverse-events", "metrics")


def _when(chrono: Chronology, date, item_id: str | None = None) -> dict:
    point = chrono.safe_point(date, item_id)
    return {
        "date": None if date is None else str(date),
        "precision": None if date is None else (point.precision if point else date.precision),
        "t": None if point is None else point.mid,
    }


def _sorted(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns + ["t"])
    if not frame.empty:
        frame = frame.sort_values("t", kind="stable", na_position="last")
    return frame.drop(columns="t").reset_index(drop=True)


TIMELINE_COLUMNS = ["date", "end", "precision", "lane", "kind", "label", "locator"]


def timeline_table(case: Case) -> pd.DataFrame:
    """Every dated item of the case in time order: events, courses, imaging, markers."""
    chrono = Chronology(case)
    rows = []

    def add(date, end, lane, kind, label, locator, item_id=None):
        rows.append({**_when(chrono, date, item_id), "end": None if end is None else str(end),
                     "lane": lane, "kind": kind, "label": label, "locator": str(locator)})

    for e in case.events:
        add(e.date, e.end, lane_of_event(e.kind), e.kind, e.label, e.locator, e.id)
    for r in case.regimens:
        end = r.end if r.end is not None else r.ongoing_as_of
        label = (r.name or " + ".join(a.drug for a in r.agents)) + (" (ongoing)" if r.ongoing_as_of else "")
        add(r.start, end, lane_of_regimen(r.modality), r.modality, f"{r.setting}: {label}", r.locator, r.id)
    for c in case.radiotherapy:
        targets = ", ".join(t.name for t in c.targets)
        add(c.start, c.end, "radiotherapy", c.kind, f"{c.technique or c.kind}" + (f" to {targets}" if targets else ""), c.locator, c.id)
    for i in case.imaging:
        add(i.date, None, "imaging", i.modality, i.findings, i.locator, i.id)
    for m in case.markers:
        value = f"{m.value:g} {m.unit}" if m.value is not None else m.observation
        add(m.date, None, "labs", "marker", f"{m.analyte}: {value}", m.locator)
    return _sorted(rows, TIMELINE_COLUMNS)


_EVENT_LANES = {
    "surgery": "surgery", "chemotherapy": "chemotherapy", "targeted therapy": "targeted therapy",
    "radiotherapy": "radiotherapy", "brachytherapy": "radiotherapy", "immunotherapy": "immunotherapy",
    "imaging": "imaging", "lab": "labs", "biopsy": "surgery", "pathology": "surgery",
}
LANES = ("surgery", "chemotherapy", "targeted therapy", "radiotherapy", "immunotherapy", "imaging", "labs", "disease status")


def lane_of_event(kind: str) -> str:
    return _EVENT_LANES.get(kind, "disease status")


def lane_of_regimen(modality: str) -> str:
    if "immunotherapy" in modality:
        return "immunotherapy"
    return "chemotherapy" if "chemotherapy" in modality else "targeted therapy"


REGIMEN_COLUMNS = ["regimen", "setting", "modality", "name", "drug", "dose", "unit", "route", "days",
                   "cycle_days", "cycles_planned", "cycles_given", "start", "end", "ongoing_as_of",
                   "duration", "reason_stopped", "response", "locator"]


def regimen_table(case: Case) -> pd.DataFrame:
    """One row per agent per regimen."""
    chrono = Chronology(case)
    rows = []
    for r in case.regimens:
        duration = metrics.regimen_duration(case, r)
        for a in r.agents:
            rows.append({
                "regimen": r.id, "setting": r.setting, "modality": r.modality, "name": r.name,
                "drug": a.drug, "dose": a.dose, "unit": display_unit(a.unit), "route": a.route, "days": a.days,
                "cycle_days": r.cycle_days, "cycles_planned": r.cycles_planned, "cycles_given": r.cycles_given,
                "start": str(r.start), "end": _str(r.end), "ongoing_as_of": _str(r.ongoing_as_of),
                "duration": duration.label() if duration else None,
                "reason_stopped": r.reason_stopped, "response": r.response, "locator": str(a.locator),
                "t": _when(chrono, r.start)["t"],
            })
    return _sorted(rows, REGIMEN_COLUMNS)


def display_unit(unit: str | None) -> str | None:
    return None if unit is None else unit.replace("m2", "m²")


RADIOTHERAPY_COLUMNS = ["course", "kind", "technique", "energy", "start", "end", "target", "total_dose_gy",
                        "fractions", "dose_per_fraction_gy", "schedule", "bed_gy", "eqd2_gy", "locator"]


def radiotherapy_table(case: Case) -> pd.DataFrame:
    """One row per target; BED and EQD2 at α/β = 10, rounded to 0.1 Gy."""
    chrono = Chronology(case)
    rows = []
    for c in case.radiotherapy:
        for t in c.targets:
            rows.append({
                "course": c.id, "kind": c.kind, "technique": c.technique, "energy": c.energy,
                "start": str(c.start), "end": _str(c.end), "target": t.name,
                "total_dose_gy": _round(metrics.total_dose(t), 2), "fractions": t.fractions,
                "dose_per_fraction_gy": _round(metrics.dose_per_fraction(t), 2), "schedule": t.schedule,
                "bed_gy": _round(metrics.bed(t)), "eqd2_gy": _round(metrics.eqd2(t)), "locator": str(t.locator),
                "t": _when(chrono, c.start)["t"],
            })
    return _sorted(rows, RADIOTHERAPY_COLUMNS)


MARKER_COLUMNS = ["analyte", "date", "precision", "value", "unit", "observation", "reference", "times_uln",
                  "context", "locator"]


def marker_table(case: Case) -> pd.DataFrame:
    """Marker values and qualitative observations, each with the limit valid at its date."""
    chrono = Chronology(case)
    rows = []
    for m in case.markers:
        limit = reference_limit(case, m.analyte, m.date)
        times = m.value / limit.upper if (limit and m.value is not None and limit.unit == m.unit) else None
        rows.append({
            "analyte": m.analyte, **_when(chrono, m.date), "value": m.value, "unit": m.unit,
            "observation": m.observation, "reference": f"< {limit.upper:g} {limit.unit}" if limit else None,
            "times_uln": _round(times, 2), "context": m.context, "locator": str(m.locator),
        })
    return _sorted(rows, MARKER_COLUMNS)


def reference_limit(case: Case, analyte: str, date):
    """The reference limit of an analyte valid at a date (valid_from inclusive, valid_until exclusive)."""
    chrono = Chronology(case)
    point = chrono.safe_point(date)
    for limit in case.reference_limits:
        if limit.analyte != analyte:
            continue
        start, end = chrono.safe_point(limit.valid_from), chrono.safe_point(limit.valid_until)
        if point is None:
            if start is None and end is None:
                return limit
            continue
        if start is not None and point.mid < start.earliest:
            continue
        if end is not None and point.mid >= end.earliest:
            continue
        return limit
    return None


IMAGING_COLUMNS = ["imaging", "date", "precision", "modality", "sites", "findings", "response_as_worded",
                   "category", "locator"]


def imaging_table(case: Case) -> pd.DataFrame:
    chrono = Chronology(case)
    rows = [{
        "imaging": i.id, **_when(chrono, i.date), "modality": i.modality, "sites": "; ".join(i.sites) or None,
        "findings": i.findings, "response_as_worded": i.response_as_worded, "category": i.category,
        "locator": str(i.locator),
    } for i in case.imaging]
    return _sorted(rows, IMAGING_COLUMNS)


ADVERSE_EVENT_COLUMNS = ["term", "observed", "grade", "attribution", "date", "locator"]


def adverse_event_table(case: Case) -> pd.DataFrame:
    chrono = Chronology(case)
    rows = [{
        "term": a.term, "observed": "yes" if a.observed else "none observed", "grade": a.grade,
        "attribution": a.attribution, "date": _str(a.date), "locator": str(a.locator),
        "t": _when(chrono, a.date)["t"],
    } for a in case.adverse_events]
    return _sorted(rows, ADVERSE_EVENT_COLUMNS)


METRIC_COLUMNS = ["metric", "value", "low_months", "high_months", "censored", "basis"]


def metrics_table(case: Case) -> pd.DataFrame:
    """Derived figures, then the durations the authors report, each saying where it came from."""
    rows = []
    for m in metrics.case_metrics(case):
        d = m.duration
        rows.append({"metric": m.name, "value": m.label or "not computable from the source",
                     "low_months": _round(d.low) if d else None,
                     "high_months": None if d is None or d.at_least else _round(d.high),
                     "censored": None if d is None else d.at_least, "basis": m.basis})
    for r in case.outcome.durations:
        qualifier = "" if r.qualifier == "=" else ("about " if r.qualifier == "about" else f"{r.qualifier} ")
        rows.append({"metric": f"{r.name} (as reported)", "value": f"{qualifier}{r.value:g} {r.unit}",
                     "low_months": None, "high_months": None, "censored": r.censored,
                     "basis": f"reported by the authors, {r.locator}"})
    return pd.DataFrame(rows, columns=METRIC_COLUMNS)


_BUILDERS = {
    "timeline": timeline_table, "regimens": regimen_table, "radiotherapy": radiotherapy_table,
    "markers": marker_table, "imaging": imaging_table, "adverse-events": adverse_event_table,
    "metrics": metrics_table,
}


def table(case: Case, name: str) -> pd.DataFrame:
    """A table by its CLI name."""
    return _BUILDERS[name](case)


def for_display(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values as '—' for reading; numbers keep their values."""
    return frame.astype(object).where(frame.notna(), "—")


def to_markdown(frame: pd.DataFrame) -> str:
    return for_display(frame).to_markdown(index=False)


def _str(value) -> str | None:
    return None if value is None else str(value)


def _round(x: float | None, digits: int = 1) -> float | None:
    return None if x is None else round(x, digits)
