"""Derived figures of one case: durations at the dates' precision, radiobiological doses.

Pure functions over the case model. A figure the case cannot give is None, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from .chronology import Chronology
from .dates import DateSpec, Duration
from .model import Case, Event, RadiotherapyTarget, Regimen

ALPHA_BETA_TUMOR = 10.0
IMMUNOTHERAPY = ("immunotherapy", "chemo-immunotherapy")


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


def diagnosis_date(case: Case) -> DateSpec | None:
    """The first diagnosis event, else the first dated stage."""
    event = first_event(case, "diagnosis")
    if event is not None:
        return event.date
    dated = [s.date for s in case.diagnosis.stages if s.date is not None]
    return dated[0] if dated else None


def first_event(case: Case, *kinds: str) -> Event | None:
    """The earliest event of the kinds (in time where placeable, else in file order)."""
    chrono = Chronology(case)
    events = [e for e in case.events if e.kind in kinds]
    if not events:
        return None
    placed = [(p.mid, i, e) for i, e in enumerate(events) if (p := chrono.safe_point(e.date)) is not None]
    return min(placed)[2] if placed else events[0]


def immunotherapy_regimens(case: Case) -> list[Regimen]:
    return [r for r in case.regimens if r.modality in IMMUNOTHERAPY]


# ---------------------------------------------------------------- durations


def regimen_duration(case: Case, regimen: Regimen) -> Duration | None:
    """Start to end; censored at ongoing_as_of; None when the source gives neither."""
    chrono = Chronology(case)
    if regimen.end is not None:
        return chrono.duration(regimen.start, regimen.end)
    if regimen.ongoing_as_of is not None:
        return chrono.duration(regimen.start, regimen.ongoing_as_of, censored=True)
    return None


def time_on_immunotherapy(case: Case) -> Duration | None:
    """First immunotherapy start to its last end, censored when still ongoing."""
    regimens = immunotherapy_regimens(case)
    if not regimens:
        return None
    chrono = Chronology(case)
    start = min(regimens, key=lambda r: _mid(chrono, r.start)).start
    ongoing = [r for r in regimens if r.ongoing_as_of is not None]
    if ongoing:
        return chrono.duration(start, max(ongoing, key=lambda r: _mid(chrono, r.ongoing_as_of)).ongoing_as_of, True)
    ended = [r for r in regimens if r.end is not None]
    if len(ended) == len(regimens):
        return chrono.duration(start, max(ended, key=lambda r: _mid(chrono, r.end)).end)
    return None


def _mid(chrono: Chronology, date: DateSpec) -> float:
    p = chrono.safe_point(date)
    return p.mid if p is not None else float("inf")


def overall_survival(case: Case) -> Duration | None:
    """Diagnosis to last contact, censored unless the patient died."""
    start = diagnosis_date(case)
    return Chronology(case).duration(start, case.outcome.last_contact, censored=case.outcome.status != "dead")


RELAPSE = ("recurrence", "progression")


def time_to_first_recurrence(case: Case) -> Duration | None:
    """Diagnosis to the first recurrence or progression event."""
    event = first_event(case, *RELAPSE)
    return None if event is None else Chronology(case).duration(diagnosis_date(case), event.date)


def age_at(case: Case, date: DateSpec | None) -> tuple[float, float] | None:
    """Age range in years at a date: age at diagnosis (whole years) plus the interval."""
    age = case.patient.age_at_diagnosis
    if age is None or date is None:
        return None
    span = Chronology(case).duration(diagnosis_date(case), date)
    if span is None:
        return None
    return age.value + span.low / 12, age.value + 1 + span.high / 12


def age_label(bounds: tuple[float, float] | None) -> str | None:
    if bounds is None:
        return None
    low, high = int(bounds[0]), int(bounds[1] - 1e-9)
    return f"{low} years" if low == high else f"{low}–{high} years"


@dataclass(frozen=True)
class Metric:
    name: str
    duration: Duration | None = None
    text: str | None = None
    basis: str = ""

    @property
    def label(self) -> str | None:
        if self.duration is not None:
            return self.duration.label()
        return self.text


def case_metrics(case: Case) -> list[Metric]:
    """The derived figures shown in reports, each with how it was derived."""
    chrono = Chronology(case)
    out = [
        Metric("overall survival from diagnosis", overall_survival(case),
               basis="diagnosis to last contact" + ("" if case.outcome.status == "dead" else ", censored (alive at last contact)")),
        Metric("time from diagnosis to first recurrence or progression", time_to_first_recurrence(case),
               basis="diagnosis to the first recurrence or progression event"),
        Metric("time on immunotherapy", time_on_immunotherapy(case),
               basis="first immunotherapy start to end, censored when ongoing"),
    ]
    for regimen in case.regimens:
        out.append(Metric(f"time on {regimen.name or regimen.id}", regimen_duration(case, regimen),
                          basis=f"regimen {regimen.id}: start to end" + (", censored (ongoing)" if regimen.ongoing_as_of else "")))
    for label, date in (
        ("age at first recurrence or progression", (first_event(case, *RELAPSE) or _none()).date),
        ("age at first immunotherapy", min((r.start for r in immunotherapy_regimens(case)), key=lambda d: _mid(chrono, d), default=None)),
        ("age at last contact", case.outcome.last_contact),
    ):
        out.append(Metric(label, text=age_label(age_at(case, date)), basis="age at diagnosis plus the interval"))
    return out


class _none:
    date = None
