"""Tidy pandas tables of one case, one row per fact, each with its locator.

Every date is read through the case's resolved timeline (``timeline.py``) and shown
in the words a clinician reads (``When.words``: "2024-11", "after 2019-09 (after the
start of ...)", "more than 12 months after ..."), never as an item id. Rows follow
the timeline's order (an item dated after X never stands before X). Missing values
are None (empty in CSV); ``for_display`` turns them into "—".

The chronology (``timeline_table``) also gives ``earliest`` and ``latest``, the
interval a date can mean: ISO dates on the calendar, months from the anchor on a
relative axis (empty when unbounded).

Agents are named through the drug reference (``drugs.agent_info``): an agent the source
does not name reads as its class or group ("platinum compound, drug not stated"). A
radiotherapy course of a regimen (``regimen: <id>``) names it, and the regimen lists its
courses. Every table has a ``notes`` column: the case file's notes on the row's item
(ambiguities and reading decisions), empty when there are none.
"""

from __future__ import annotations

import math

import pandas as pd

from caseseries.model import drugs
from caseseries.views import metrics
from caseseries.model.dates import DAYS_PER_MONTH, UnknownDate
from caseseries.model.case import KIND_NOT_STATED, NOT_STATED, Case, RadiotherapyCourse, course_name, modality_parts, notes_of
from caseseries.model.timeline import Span, Timeline, When, timeline

TABLE_NAMES = ("timeline", "regimens", "radiotherapy", "markers", "imaging", "adverse-events", "metrics")
NOT_REPORTED = "date not reported"
NOT_PLACED = "date cannot be placed"
DOSE_NOT_STATED = NOT_STATED  # a dose cell of a target whose dose the source does not give


# ---------------------------------------------------------------- notes, names


def notes_text(*items) -> str | None:
    """The notes of the items (any that have them) as one text: sentences run on, other notes are joined by ';'.

    None when none of them has a note. A text (not an item) is taken as a note itself.
    """
    notes = [n for item in items for n in ([item] if isinstance(item, str) else notes_of(item))]
    if not notes:
        return None
    out = notes[0]
    for n in notes[1:]:
        out += (" " if out.rstrip().endswith((".", "!", "?", ")", "”", '"', "'")) else "; ") + n
    return out


def regimen_of(case: Case, course: RadiotherapyCourse):
    """The regimen a radiotherapy course is part of (``regimen: <id>``), or None."""
    if course.regimen is None:
        return None
    return next((r for r in case.regimens if r.id == course.regimen), None)


def protocol_name(regimen, reference=None, short: bool = False) -> str:
    """How a course names the regimen it is part of: its name, else its modality and agents
    ('chemoradiotherapy (cisplatin)'); ``short`` (figures, where the regimen's own bar names its agents):
    its name, else its modality."""
    if regimen.name or short:
        return regimen.name or regimen.modality
    return f"{regimen.modality} ({drugs.regimen_name(regimen, drugs.view_reference(reference))})"


def course_label(case: Case, course: RadiotherapyCourse, reference=None, targets: bool = False,
                 part_of: bool = True, short: bool = False) -> str:
    """A course as views name it: technique or kind, its targets (when asked), and ', part of <regimen>'
    (``short``: the regimen by its name or modality, for figures)."""
    text = course_name(course)
    names = ", ".join(t.name for t in course.targets)
    if targets and names:
        text += f" to {names}"
    regimen = regimen_of(case, course)
    if part_of and regimen is not None:
        text += f", part of {protocol_name(regimen, reference, short)}"
    return text


# ---------------------------------------------------------------- dates in words


def words(when: When | None) -> str | None:
    """A resolved date as a clinician reads it (None when there is none)."""
    return None if when is None else when.words


def end_words(span: Span) -> str | None:
    """The end of a span in words: as stated, 'ongoing as of …', '… as reported', or None when not given."""
    if span.end is None:
        return None
    if span.end_basis == "ongoing":
        return f"ongoing as of {span.end.words}"
    if span.end_basis == "reported" and "as reported" not in span.end.words:
        return f"{span.end.words}, as reported"
    return span.end.words


def machine_day(when: When | None, day: float | None) -> str | float | None:
    """A day of a date's axis for programs: an ISO date on the calendar, months from the anchor elsewhere."""
    if when is None or day is None or math.isinf(day) or math.isnan(day):
        return None
    if when.is_calendar:
        return when.day(day).isoformat()
    return round(day / DAYS_PER_MONTH, 2)


def _in_order(tl: Timeline, rows: list[tuple[When | None, dict]], columns: list[str]) -> pd.DataFrame:
    """Rows sorted by the timeline's order of their date (stable: file order breaks ties; undated last)."""
    ordered = [row for _, _, row in sorted(((tl.order_key(w), i, row) for i, (w, row) in enumerate(rows)),
                                           key=lambda x: (x[0], x[1]))]
    return pd.DataFrame(ordered, columns=columns)


# ---------------------------------------------------------------- chronology


ONGOING = " (ongoing)"  # after the label of a regimen going on at the case's (or the view's) last date
TIMELINE_COLUMNS = ["when", "end", "precision", "earliest", "latest", "lane", "kind", "label", "notes", "locator"]
_DATE_FIELD = {"events": "date", "regimens": "start", "radiotherapy": "start", "imaging": "date", "markers": "date",
               "adverse_events": "date"}


def _describe(case: Case, field: str, item, span: Span | None, reference) -> dict:
    """Lane, kind and label of one item of the chronology."""
    if field == "events":
        detail = f". {item.detail}" if item.detail else ""  # the source's fuller account, with the label
        return {"lane": lane_of_event(item.kind), "kind": item.kind, "label": item.label + detail}
    if field == "regimens":
        label = drugs.regimen_name(item, reference)
        label += ONGOING if span is not None and span.end_basis == "ongoing" else ""
        return {"lane": lane_of_regimen(item.modality), "kind": item.modality, "label": f"{item.setting}: {label}"}
    if field == "radiotherapy":
        return {"lane": "radiotherapy", "kind": KIND_NOT_STATED if item.kind == NOT_STATED else item.kind,
                "label": course_label(case, item, reference, targets=True)}
    if field == "imaging":
        return {"lane": "imaging", "kind": item.modality, "label": item.findings}
    if field == "markers":
        value = f"{item.value:g} {item.unit}" if item.value is not None else item.observation
        return {"lane": "labs", "kind": "marker", "label": f"{item.analyte}: {value}"}
    grade = f", grade {item.grade}" if item.grade else ""
    return {"lane": "adverse events", "kind": "adverse event",
            "label": item.term + grade + ("" if item.observed else ": none observed")}


def timeline_table(case: Case, reference=None) -> pd.DataFrame:
    """Every dated item of the case in the timeline's order, then the items whose date is not reported.

    ``when`` and ``end`` are in words; ``precision`` as resolved; ``earliest`` and
    ``latest`` the interval the date can mean (ISO dates, or months from the anchor).
    Adverse events the source does not date at all are only in their own table.
    """
    tl = timeline(case)
    reference = drugs.view_reference(reference)
    rows = []
    for e in tl.entries:
        span = Span(e.start, e.end, e.end_basis) if e.end_basis is not None or e.end is not None else None
        rows.append({"when": e.start.words, "end": end_words(span) if span else None,
                     "precision": e.start.precision, "earliest": machine_day(e.start, e.start.earliest),
                     "latest": machine_day(e.start, e.start.latest),
                     **_describe(case, e.field, e.item, span, reference), "notes": notes_text(e.item),
                     "locator": str(e.item.locator)})
    for field, _, item in tl.unplaced:
        spec = getattr(item, _DATE_FIELD[field])
        if spec is None:  # an undated adverse-event statement is not part of the chronology
            continue
        unknown = isinstance(spec, UnknownDate)
        rows.append({"when": NOT_REPORTED if unknown else NOT_PLACED, "end": None,
                     "precision": "unknown" if unknown else None, "earliest": None, "latest": None,
                     **_describe(case, field, item, None, reference), "notes": notes_text(item),
                     "locator": str(item.locator)})
    return pd.DataFrame(rows, columns=TIMELINE_COLUMNS)


_EVENT_LANES = {
    "surgery": "surgery", "chemotherapy": "chemotherapy", "targeted therapy": "targeted therapy",
    "radiotherapy": "radiotherapy", "brachytherapy": "radiotherapy", "immunotherapy": "immunotherapy",
    "imaging": "imaging", "lab": "labs", "biopsy": "surgery", "pathology": "surgery",
}
LANES = ("surgery", "chemotherapy", "targeted therapy", "radiotherapy", "immunotherapy", "imaging", "labs", "disease status")


def lane_of_event(kind: str) -> str:
    return _EVENT_LANES.get(kind, "disease status")


def lane_of_regimen(modality: str) -> str:
    """The lane of a regimen by what its modality combines: immunotherapy first, then chemotherapy, then targeted
    therapy ('chemoradiotherapy' is chemotherapy, 'radio-immunotherapy' immunotherapy); its radiotherapy courses
    have their own lane."""
    parts = modality_parts(modality)
    for lane in ("immunotherapy", "chemotherapy", "targeted therapy", "radiotherapy"):
        if lane in parts:
            return lane
    return "disease status"


# ---------------------------------------------------------------- treatment


REGIMEN_COLUMNS = ["regimen", "setting", "modality", "name", "drug", "dose", "unit", "route", "days",
                   "cycle_days", "cycles_planned", "cycles_given", "start", "end", "duration",
                   "reason_stopped", "response", "radiotherapy", "notes", "locator"]


def regimen_table(case: Case, reference=None) -> pd.DataFrame:
    """One row per agent per regimen, in the order the regimens start.

    ``drug`` is the agent as the reference names it ('platinum compound, drug not stated' when the
    source gives only the class). ``end`` is stated, 'ongoing as of …', or given by a duration the
    authors report ('…, as reported'); ``duration`` from the same span ('65 months, as reported').
    ``radiotherapy`` lists the courses that are part of the regimen; ``notes`` the regimen's notes
    (on its first row) and the agent's.
    """
    tl = timeline(case)
    reference = drugs.view_reference(reference)
    rows = []
    for i, r in enumerate(case.regimens):
        span = tl.span("regimens", i)
        duration = metrics.regimen_metric(case, r).label
        courses = "; ".join(f"{course_label(case, c, targets=True, part_of=False)} (course {c.id})"
                            for c in case.radiotherapy if c.regimen == r.id) or None
        for k, a in enumerate(r.agents):
            rows.append((span.start, {
                "regimen": r.id, "setting": r.setting, "modality": r.modality, "name": r.name,
                "drug": drugs.agent_label(a, reference), "dose": a.dose, "unit": display_unit(a.unit),
                "route": a.route, "days": a.days,
                "cycle_days": r.cycle_days, "cycles_planned": r.cycles_planned, "cycles_given": r.cycles_given,
                "start": words(span.start) or NOT_REPORTED, "end": end_words(span), "duration": duration,
                "reason_stopped": r.reason_stopped, "response": r.response, "radiotherapy": courses,
                "notes": notes_text(*([r] if k == 0 else []), a), "locator": str(a.locator),
            }))
    return _in_order(tl, rows, REGIMEN_COLUMNS)


def display_unit(unit: str | None) -> str | None:
    """A unit as a clinician reads it: 'mg/m²', 'µg/kg' (the case file stores m2 and ug)."""
    if unit is None:
        return None
    return ("µg" + unit[2:] if unit.startswith("ug") else unit).replace("m2", "m²")


RADIOTHERAPY_COLUMNS = ["course", "kind", "technique", "energy", "regimen", "concurrent_chemotherapy", "start", "end",
                        "target", "total_dose_gy", "fractions", "dose_per_fraction_gy", "schedule", "bed_gy",
                        "eqd2_gy", "notes", "locator"]


def radiotherapy_table(case: Case, reference=None) -> pd.DataFrame:
    """One row per target, in the order the courses start; BED and EQD2 at α/β = 10, rounded to 0.1 Gy.

    ``kind`` reads 'radiotherapy (kind not stated)' when the source does not give it; ``regimen`` is the
    name of the regimen the course is part of; ``concurrent_chemotherapy`` as the case file words it. A
    target whose dose the source does not give reads 'not stated' in its dose cells, with no BED or EQD2; a
    course with no target has one row, target 'not stated'. ``notes``: the course's notes (on its first row)
    and the target's.
    """
    tl = timeline(case)
    reference = drugs.view_reference(reference)
    rows = []
    for i, c in enumerate(case.radiotherapy):
        span = tl.span("radiotherapy", i)
        regimen = regimen_of(case, c)
        course = {"course": c.id, "kind": KIND_NOT_STATED if c.kind == NOT_STATED else c.kind,
                  "technique": c.technique, "energy": c.energy,
                  "regimen": protocol_name(regimen, reference) if regimen is not None else None,
                  "concurrent_chemotherapy": c.concurrent_chemotherapy,
                  "start": words(span.start) or NOT_REPORTED, "end": end_words(span)}
        for k, t in enumerate(c.targets):
            total, per_fraction = metrics.total_dose(t), metrics.dose_per_fraction(t)
            no_dose = t.total_dose_gy is None and t.dose_per_fraction_gy is None
            rows.append((span.start, {
                **course, "target": t.name,
                "total_dose_gy": DOSE_NOT_STATED if no_dose else _round(total, 2), "fractions": t.fractions,
                "dose_per_fraction_gy": DOSE_NOT_STATED if no_dose else _round(per_fraction, 2),
                "schedule": t.schedule, "bed_gy": _round(metrics.bed(t)), "eqd2_gy": _round(metrics.eqd2(t)),
                "notes": notes_text(*([c] if k == 0 else []), t), "locator": str(t.locator),
            }))
        if not c.targets:
            rows.append((span.start, {
                **course, "target": NOT_STATED, "total_dose_gy": DOSE_NOT_STATED, "fractions": None,
                "dose_per_fraction_gy": DOSE_NOT_STATED, "schedule": None, "bed_gy": None, "eqd2_gy": None,
                "notes": notes_text(c), "locator": str(c.locator),
            }))
    return _in_order(tl, rows, RADIOTHERAPY_COLUMNS)


# ---------------------------------------------------------------- markers and imaging


MARKER_COLUMNS = ["analyte", "date", "precision", "value", "unit", "observation", "reference", "times_uln",
                  "context", "notes", "locator"]


def marker_table(case: Case) -> pd.DataFrame:
    """Marker values and qualitative observations in time order, each with the limit valid at its date."""
    tl = timeline(case)
    rows = []
    limit_noted: set[int] = set()  # a limit's notes go with the first value read against it
    for i, m in enumerate(case.markers):
        when = tl.at(("markers", i, "date"))
        limit = reference_limit(case, m.analyte, when)
        times = times_uln(m, limit)
        limit_notes = []
        if limit is not None and id(limit) not in limit_noted and notes_of(limit):
            limit_noted.add(id(limit))
            limit_notes = [f"reference limit: {notes_text(limit)}"]
        rows.append((when, {
            "analyte": m.analyte, "date": words(when) or NOT_REPORTED, "precision": when.precision if when else None,
            "value": m.value, "unit": m.unit, "observation": m.observation,
            "reference": f"< {limit.upper:g} {limit.unit}" if limit else None,
            "times_uln": _round(times, 2), "context": m.context, "notes": notes_text(m, *limit_notes),
            "locator": str(m.locator),
        }))
    return _in_order(tl, rows, MARKER_COLUMNS)


def times_uln(marker, limit) -> float | None:
    """The value as a multiple of the upper reference limit; None without a value or a limit in its unit."""
    if limit is None or marker.value is None or limit.unit != marker.unit:
        return None
    return marker.value / limit.upper


def reference_limit(case: Case, analyte: str, date):
    """The reference limit of an analyte valid at a date (valid_from inclusive, valid_until exclusive).

    ``date`` is a resolved :class:`When`, or a case-file date resolved through the
    timeline. A limit with a validity period applies only when every day the date
    can mean lies inside that period: an open or imprecise date that straddles a
    change of limit gets none. A limit without validity dates applies at any date.
    """
    tl = timeline(case)
    when = date if isinstance(date, When) or date is None else tl.when(date)
    for i, limit in enumerate(case.reference_limits):
        if limit.analyte != analyte:
            continue
        if limit.valid_from is None and limit.valid_until is None:
            return limit
        if when is None:
            continue
        if limit.valid_from is not None:
            start = tl.at(("reference_limits", i, "valid_from"))
            if start is None or start.axis != when.axis or when.earliest < start.earliest:
                continue
        if limit.valid_until is not None:
            end = tl.at(("reference_limits", i, "valid_until"))
            if end is None or end.axis != when.axis or when.latest >= end.earliest:
                continue
        return limit
    return None


IMAGING_COLUMNS = ["imaging", "date", "precision", "modality", "sites", "findings", "response_as_worded",
                   "category", "notes", "locator"]


def imaging_table(case: Case) -> pd.DataFrame:
    tl = timeline(case)
    rows = []
    for n, i in enumerate(case.imaging):
        when = tl.at(("imaging", n, "date"))
        rows.append((when, {
            "imaging": i.id, "date": words(when) or NOT_REPORTED, "precision": when.precision if when else None,
            "modality": i.modality, "sites": "; ".join(i.sites) or None, "findings": i.findings,
            "response_as_worded": i.response_as_worded, "category": i.category, "notes": notes_text(i),
            "locator": str(i.locator),
        }))
    return _in_order(tl, rows, IMAGING_COLUMNS)


ADVERSE_EVENT_COLUMNS = ["term", "observed", "grade", "attribution", "date", "notes", "locator"]


def adverse_event_table(case: Case) -> pd.DataFrame:
    """Adverse events in time order; an undated one has no date (it is listed after the dated ones)."""
    tl = timeline(case)
    rows = []
    for n, a in enumerate(case.adverse_events):
        when = tl.at(("adverse_events", n, "date"))
        shown = words(when) if when is not None else (NOT_REPORTED if a.date is not None else None)
        rows.append((when, {
            "term": a.term, "observed": "yes" if a.observed else "none observed", "grade": a.grade,
            "attribution": a.attribution, "date": shown, "notes": notes_text(a), "locator": str(a.locator),
        }))
    return _in_order(tl, rows, ADVERSE_EVENT_COLUMNS)


# ---------------------------------------------------------------- figures


METRIC_COLUMNS = ["metric", "value", "low_months", "high_months", "censored", "basis", "notes"]


def metrics_table(case: Case) -> pd.DataFrame:
    """Derived figures, then the durations the authors report, each saying where it came from."""
    rows = []
    for m in metrics.case_metrics(case):
        d = m.duration
        rows.append({"metric": m.name, "value": m.label or "not computable from the source",
                     "low_months": _round(d.low) if d else None,
                     "high_months": None if d is None or d.at_least or math.isinf(d.high) else _round(d.high),
                     "censored": None if d is None else d.at_least, "basis": m.basis, "notes": None})
    for r in case.outcome.durations:
        qualifier = "" if r.qualifier == "=" else ("about " if r.qualifier == "about" else f"{r.qualifier} ")
        rows.append({"metric": f"{r.name} (as reported)", "value": f"{qualifier}{r.value:g} {r.unit}",
                     "low_months": None, "high_months": None, "censored": r.censored,
                     "basis": f"reported by the authors, {r.locator}", "notes": notes_text(r)})
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
    return frame.astype(object).fillna("—")


def to_markdown(frame: pd.DataFrame) -> str:
    return for_display(frame).to_markdown(index=False)


def _round(x: float | None, digits: int = 1) -> float | None:
    return None if x is None or math.isinf(x) or math.isnan(x) else round(x, digits)
