"""Derived figures of one case: durations at the dates' precision, radiobiological doses.

Pure functions over the case model. Every date is read through the case's resolved
timeline (``timeline.py``): no function here resolves a date on its own. A figure the
case cannot give is None, never 0; an open end gives a censored figure ("> 26
months", "≥ 47 years"), never an error; a duration the authors report for the span
asked for is shown as theirs ("65 months, as reported").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from caseseries.model.dates import DAYS_PER_MONTH, DateSpec, Duration
from caseseries.model.case import Case, Event, RadiotherapyTarget, Regimen, ReportedDuration, modality_parts
from caseseries.model.timeline import When, timeline

ALPHA_BETA_TUMOR = 10.0
RELAPSE = ("recurrence", "progression")


def is_immunotherapy(regimen: Regimen) -> bool:
    """A regimen whose modality gives immunotherapy, alone or combined ('chemo-immunotherapy',
    'radio-immunotherapy', 'radio-chemo-immunotherapy'), whether its checkpoint inhibitor is named or not."""
    return "immunotherapy" in modality_parts(regimen.modality)


# ---------------------------------------------------------------- radiotherapy


def dose_per_fraction(target: RadiotherapyTarget) -> float | None:
    if target.dose_per_fraction_gy is not None:
        return target.dose_per_fraction_gy
    if target.total_dose_gy is not None and target.fractions:
        return target.total_dose_gy / target.fractions
    return None


def total_dose(target: RadiotherapyTarget) -> float | None:
    """The stated total, or dose per fraction × fractions where the schedule gives both."""
    if target.total_dose_gy is not None:
        return target.total_dose_gy
    if target.dose_per_fraction_gy is not None and target.fractions:
        return target.dose_per_fraction_gy * target.fractions
    return None


def bed(target: RadiotherapyTarget, alpha_beta: float = ALPHA_BETA_TUMOR) -> float | None:
    """Biologically effective dose, Gy: n·d·(1 + d/(α/β))."""
    d, total = dose_per_fraction(target), total_dose(target)
    if d is None or total is None:
        return None
    return total * (1 + d / alpha_beta)


def eqd2(target: RadiotherapyTarget, alpha_beta: float = ALPHA_BETA_TUMOR) -> float | None:
    """Equivalent dose in 2-Gy fractions, Gy: BED / (1 + 2/(α/β))."""
    b = bed(target, alpha_beta)
    return None if b is None else b / (1 + 2 / alpha_beta)


# ---------------------------------------------------------------- key dates


def _first_event_index(case: Case, kinds: tuple[str, ...]) -> int | None:
    """Index of the earliest event of the kinds in the timeline's order (file order for unplaced ones)."""
    tl = timeline(case)
    found = [i for i, e in enumerate(case.events) if e.kind in kinds]
    if not found:
        return None
    return min(found, key=lambda i: (tl.order_key(tl.at(("events", i, "date"))), i))


def first_event(case: Case, *kinds: str) -> Event | None:
    """The earliest event of the kinds (in time where placeable, else in file order)."""
    i = _first_event_index(case, kinds)
    return None if i is None else case.events[i]


def first_event_when(case: Case, *kinds: str) -> When | None:
    """The resolved date of the earliest event of the kinds (None when there is none or it cannot be placed)."""
    i = _first_event_index(case, kinds)
    return None if i is None else timeline(case).at(("events", i, "date"))


def _diagnosis_path(case: Case) -> tuple | None:
    i = _first_event_index(case, ("diagnosis",))
    if i is not None:
        return ("events", i, "date")
    for j, s in enumerate(case.diagnosis.stages):
        if s.date is not None:
            return ("diagnosis", "stages", j, "date")
    return None


def diagnosis_date(case: Case) -> DateSpec | None:
    """The first diagnosis event's date as the case file states it, else the first dated stage's."""
    path = _diagnosis_path(case)
    if path is None:
        return None
    return case.events[path[1]].date if path[0] == "events" else case.diagnosis.stages[path[2]].date


def diagnosis_when(case: Case) -> When | None:
    """The resolved date of the diagnosis (first diagnosis event, else first dated stage)."""
    path = _diagnosis_path(case)
    return None if path is None else timeline(case).at(path)


def immunotherapy_regimens(case: Case) -> list[Regimen]:
    return [r for r in case.regimens if is_immunotherapy(r)]


def _index(items: list, item: object) -> int:
    for i, x in enumerate(items):
        if x is item:
            return i
    return items.index(item)


# ---------------------------------------------------------------- reported durations


_MONTHS_PER_UNIT = {"days": 1 / DAYS_PER_MONTH, "weeks": 7 / DAYS_PER_MONTH, "months": 1.0, "years": 12.0}


def reported_as_duration(d: ReportedDuration) -> Duration:
    """The authors' figure in months, marked as reported; "more than" is censored."""
    months = d.value * _MONTHS_PER_UNIT[d.unit]
    if d.qualifier in (">", "≥"):
        return Duration(months, math.inf, at_least=True, reported=True)
    return Duration(months, months, reported=True)


def reported_label(d: ReportedDuration) -> str:
    """The authors' figure in their words and unit: '65 months, as reported', '> 72 months, as reported'."""
    q = "" if d.qualifier == "=" else ("about " if d.qualifier == "about" else f"{d.qualifier} ")
    unit = d.unit[:-1] if d.value == 1 else d.unit
    return f"{q}{d.value:g} {unit}, as reported"


def reported_of(case: Case, item_id: str | None) -> ReportedDuration | None:
    """The duration the authors report for an item (``outcome.durations[].of``) that gives its end."""
    tl = timeline(case)
    for d in case.outcome.durations:
        if item_id is not None and d.of == item_id and tl.duration_origin(d) is not None:
            return d
    return None


def reported_overall_survival(case: Case) -> ReportedDuration | None:
    """The authors' follow-up figure counted from the diagnosis, if they give one with that origin."""
    return timeline(case).reported_duration(diagnosis_when(case))


def _same(a: When | None, b: When | None) -> bool:
    return a is not None and b is not None and (a.axis, a.earliest, a.latest) == (b.axis, b.earliest, b.latest)


# ---------------------------------------------------------------- durations


def span_duration(case: Case, field: str, index: int) -> Duration | None:
    """Start to end of a regimen, radiotherapy course or event, from the timeline's span.

    Censored at ongoing_as_of; an end given by a duration the authors report from the
    start is their figure (marked reported); None when the source gives no end.
    """
    tl = timeline(case)
    span = tl.span(field, index)
    if span.start is None or span.end is None:
        return None
    if span.end_basis == "reported":
        d = reported_of(case, getattr(getattr(case, field)[index], "id", None))
        if d is not None and _same(tl.duration_origin(d), span.start):
            return reported_as_duration(d)
    return tl.duration(span.start, span.end, censored=span.end_basis == "ongoing")


def regimen_duration(case: Case, regimen: Regimen) -> Duration | None:
    """Start to end; censored at ongoing_as_of; the authors' figure when they report it; None without an end."""
    return span_duration(case, "regimens", _index(case.regimens, regimen))


def time_on_immunotherapy(case: Case) -> Duration | None:
    """First immunotherapy start to the last end, censored when one is ongoing.

    Not computable (None) when a checkpoint-inhibitor regimen has no end and none is
    ongoing, or when one cannot be placed: the course could have stopped any time.
    """
    tl = timeline(case)
    idx = [i for i, r in enumerate(case.regimens) if is_immunotherapy(r)]
    if not idx:
        return None
    spans = {i: tl.span("regimens", i) for i in idx}
    if any(s.start is None for s in spans.values()):
        return None
    first = min(idx, key=lambda i: (tl.order_key(spans[i].start), i))
    start = spans[first].start
    # the first course began by the latest day any of them can have begun (an open start is not the bound)
    latest = min(spans[i].start.latest for i in idx if spans[i].start.axis == start.axis)
    if latest < start.latest:
        start = replace(start, latest=latest)
    ongoing = [i for i in idx if spans[i].end_basis == "ongoing"]
    if ongoing:
        last = max(ongoing, key=lambda i: (tl.order_key(spans[i].end), i))
        return tl.duration(start, spans[last].end, censored=True)
    if any(spans[i].end is None for i in idx):
        return None
    last = max(idx, key=lambda i: (tl.order_key(spans[i].end), i))
    if last == first:
        return span_duration(case, "regimens", first)
    return tl.duration(start, spans[last].end)


def overall_survival(case: Case) -> Duration | None:
    """Diagnosis to last contact computed from the dates, censored unless the patient died.

    The authors' own figure, when they give one from the diagnosis, is
    :func:`reported_overall_survival`; :func:`case_metrics` shows that one first.
    """
    tl = timeline(case)
    return tl.duration(diagnosis_when(case), tl.last_contact, censored=case.outcome.status != "dead")


def time_to_first_recurrence(case: Case) -> Duration | None:
    """Diagnosis to the first recurrence or progression event."""
    event = first_event_when(case, *RELAPSE)
    return None if event is None else timeline(case).duration(diagnosis_when(case), event)


def age_at(case: Case, date: DateSpec | When | str | None) -> tuple[float, float] | None:
    """Age range in years at a date: age at diagnosis (whole years) plus the interval.

    The upper bound is ``inf`` when the interval is censored or open (the age is "at
    least"); None when the age, the diagnosis or the date cannot be placed on one axis.
    """
    age = case.patient.age_at_diagnosis
    if age is None or date is None:
        return None
    tl = timeline(case)
    when = date if isinstance(date, When) else tl.when(date)
    span = tl.duration(diagnosis_when(case), when)
    if span is None or math.isnan(span.low):
        return None
    high = math.inf if span.at_least or math.isinf(span.high) or math.isnan(span.high) else span.high
    return age.value + span.low / 12, age.value + 1 + high / 12


def age_label(bounds: tuple[float, float] | None) -> str | None:
    """'62–63 years', '47 years', or '≥ 47 years' when only a lower bound is known."""
    if bounds is None:
        return None
    low = int(math.floor(bounds[0]))
    if math.isinf(bounds[1]) or math.isnan(bounds[1]):
        return f"≥ {low} years"
    high = int(math.floor(bounds[1] - 1e-9))
    return f"{low} years" if low == high else f"{low}–{high} years"


@dataclass(frozen=True)
class Metric:
    """A derived figure: its duration (numbers) and, when given, the text that replaces its label."""

    name: str
    duration: Duration | None = None
    text: str | None = None
    basis: str = ""

    @property
    def label(self) -> str | None:
        if self.text is not None:
            return self.text
        return None if self.duration is None else self.duration.label()


def regimen_metric(case: Case, regimen: Regimen) -> Metric:
    """Time on one regimen: the authors' figure when their duration gives its end, else from the dates."""
    i = _index(case.regimens, regimen)
    span = timeline(case).span("regimens", i)
    duration = span_duration(case, "regimens", i)
    basis = f"regimen {regimen.id}: start to end"
    text = None
    if span.end_basis == "ongoing":
        basis += ", censored (ongoing)"
    elif span.end_basis == "reported":
        d = reported_of(case, regimen.id)
        if duration is not None and duration.reported and d is not None:
            text = reported_label(d)
            basis += f" as reported by the authors ({d.locator})"
        else:
            basis += " (end from a duration the authors report)"
    return Metric(f"time on {regimen.name or regimen.id}", duration, text, basis)


def overall_survival_metric(case: Case) -> Metric:
    """The authors' figure from the diagnosis when they give one, else diagnosis to last contact from the dates."""
    name = "overall survival from diagnosis"
    d = reported_overall_survival(case)
    if d is not None:
        return Metric(name, reported_as_duration(d), reported_label(d),
                      f"reported by the authors ({d.locator}): diagnosis to last contact")
    censored = "" if case.outcome.status == "dead" else ", censored (alive at last contact)"
    return Metric(name, overall_survival(case), basis="diagnosis to last contact" + censored)


def _first_immunotherapy_start(case: Case) -> When | None:
    tl = timeline(case)
    starts = [tl.at(("regimens", i, "start")) for i, r in enumerate(case.regimens) if is_immunotherapy(r)]
    placed = [w for w in starts if w is not None]
    return min(placed, key=tl.order_key) if placed else None


def _immunotherapy_metric(case: Case) -> Metric:
    duration = time_on_immunotherapy(case)
    basis = "first immunotherapy start to end, censored when ongoing; not computable when one has no end"
    text = None
    if duration is not None and duration.reported:  # one course whose length the authors give
        regimens = immunotherapy_regimens(case)
        d = next((x for x in (reported_of(case, r.id) for r in regimens) if x is not None), None)
        if d is not None:
            text, basis = reported_label(d), f"first immunotherapy start to end, as reported by the authors ({d.locator})"
    return Metric("time on immunotherapy", duration, text, basis)


def case_metrics(case: Case) -> list[Metric]:
    """The derived figures shown in reports, each with how it was derived."""
    tl = timeline(case)
    out = [
        overall_survival_metric(case),
        Metric("time from diagnosis to first recurrence or progression", time_to_first_recurrence(case),
               basis="diagnosis to the first recurrence or progression event"),
        _immunotherapy_metric(case),
    ]
    for regimen in case.regimens:
        out.append(regimen_metric(case, regimen))
    for label, when in (
        ("age at first recurrence or progression", first_event_when(case, *RELAPSE)),
        ("age at first immunotherapy", _first_immunotherapy_start(case)),
        ("age at last contact", tl.last_contact),
    ):
        out.append(Metric(label, text=age_label(age_at(case, when)), basis="age at diagnosis plus the interval"))
    return out
