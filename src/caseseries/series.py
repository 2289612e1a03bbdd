"""The case series side by side: one row per patient, swimmer lanes and marker kinetics on one time 0.

Pure functions over a list of cases and the drug reference. Time 0 of each patient is
the alignment event: by default the first dose of a checkpoint inhibitor (a drug whose
group in data/reference/drugs.yaml is "immune checkpoint inhibitor"); a case that names
no drug falls back to its first immunotherapy event, such as the undated anchor of the
Bian cases' relative axis. Times are months from that point, on the patient's own axis,
so relative-time cases take part on equal terms. Whatever a case does not give reads
"not reported"; nothing is left blank.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from . import drugs as drug_ref
from . import metrics
from .chronology import Chronology
from .dates import DAYS_PER_MONTH, TimePoint
from .model import EVENT_KINDS, Case, Regimen, ReportedDuration
from .tables import display_unit, reference_limit

NOT_REPORTED = "not reported"
IMMUNOTHERAPY = "immunotherapy"
ALIGN_CHOICES: tuple[str, ...] = (IMMUNOTHERAPY,) + tuple(k for k in EVENT_KINDS if k != IMMUNOTHERAPY)
RELAPSE = ("recurrence", "progression")
MMR_PROTEINS = ("MLH1", "MSH2", "MSH6", "PMS2")
MMR_SUMMARIES = ("mmr", "mmr status", "dmmr", "pmmr", "msi", "msi status", "msi-h", "mss")


def _reference(reference: drug_ref.Reference | None) -> drug_ref.Reference:
    return drug_ref.load_reference() if reference is None else reference


def _num(x: float) -> str:
    return f"{x:g}"


# ---------------------------------------------------------------- time 0


@dataclass(frozen=True)
class Alignment:
    """Time 0 of one patient: the item, where it lies, and in words what it is (or why there is none)."""

    case_id: str
    point: TimePoint | None
    item: str | None
    date: str | None
    label: str

    def months(self, p: TimePoint | None) -> float | None:
        """Months from time 0 to a point on the same axis (lower bound for a 'more than' date)."""
        if self.point is None or p is None or p.axis != self.point.axis:
            return None
        return (p.mid - self.point.mid) / DAYS_PER_MONTH


def check_align_on(align_on: str) -> str:
    if align_on not in ALIGN_CHOICES:
        raise ValueError(f"align_on: expected one of {', '.join(repr(c) for c in ALIGN_CHOICES)}, found {align_on!r}")
    return align_on


def checkpoint_regimens(case: Case, reference: drug_ref.Reference) -> list[tuple[Regimen, list[drug_ref.Drug]]]:
    """Regimens with a checkpoint inhibitor among their agents (per the drug reference), in file order."""
    out = []
    for r in case.regimens:
        found = drug_ref.checkpoint_inhibitors([a.drug for a in r.agents], reference)
        if found:
            out.append((r, found))
    return out


def alignment(case: Case, align_on: str = IMMUNOTHERAPY, reference: drug_ref.Reference | None = None) -> Alignment:
    """The patient's time 0: the earliest placeable item of the chosen kind.

    For immunotherapy, checkpoint-inhibitor regimens come first; the case's immunotherapy
    events are used only when no such regimen can be placed (a drug not named, or undated).
    """
    check_align_on(align_on)
    reference = _reference(reference)
    chrono = Chronology(case)
    tiers: list[list[tuple]] = []  # each: [(label, item id, date)], tried in order
    if align_on == IMMUNOTHERAPY:
        tiers.append([(f"first dose of {' + '.join(d.name for d in found)} (regimen '{r.id}')", r.id, r.start)
                      for r, found in checkpoint_regimens(case, reference)])
        tiers.append([(f"immunotherapy event '{e.id}': {e.label} (drug not reported)", e.id, e.date)
                      for e in case.events if e.kind == IMMUNOTHERAPY])
    else:
        tier = [(f"{e.kind} event '{e.id}': {e.label}", e.id, e.date) for e in case.events if e.kind == align_on]
        if align_on in ("chemotherapy", "targeted therapy"):
            tier += [(f"first dose of {r.name or ' + '.join(a.drug for a in r.agents)} (regimen '{r.id}')", r.id,
                      r.start) for r in case.regimens if align_on in r.modality]
        if align_on in ("radiotherapy", "brachytherapy"):
            tier += [(f"{c.technique or c.kind} (course '{c.id}')", c.id, c.start) for c in case.radiotherapy
                     if align_on == "radiotherapy" or c.kind == "brachytherapy"]
        tiers.append(tier)
    for tier in tiers:
        placed = [(*_order(p), i, label, item, date) for i, (label, item, date) in enumerate(tier)
                  if (p := chrono.safe_point(date, item)) is not None]
        if placed:
            *_, label, item, date = min(placed)
            point = chrono.safe_point(date, item)
            if not point.is_calendar and item in chrono.roots:
                label += "; undated, the origin of this case's relative time axis"
            return Alignment(case.case_id, point, item, str(date), label)
    candidates = [c for tier in tiers for c in tier]
    if candidates:
        label, item, date = candidates[0]
        return Alignment(case.case_id, None, item, str(date), f"{label}: its date cannot be placed, not aligned")
    what = "checkpoint-inhibitor regimen or immunotherapy event" if align_on == IMMUNOTHERAPY else f"'{align_on}' item"
    return Alignment(case.case_id, None, None, None, f"no {what} recorded, not aligned")


def _order(p: TimePoint) -> tuple[float, bool, float]:
    """Which of two items came first: earliest possible day, a 'more than' date after a fixed one, then the middle."""
    return (p.earliest, p.is_open, p.mid)


def alignment_table(cases: list[Case], align_on: str = IMMUNOTHERAPY,
                    reference: drug_ref.Reference | None = None) -> pd.DataFrame:
    """One row per patient: what time 0 is, its date as stated, and the time axis it lies on."""
    rows = []
    for c in cases:
        a = alignment(c, align_on, reference)
        axis = NOT_REPORTED if a.point is None else ("calendar" if a.point.is_calendar else f"relative to '{a.point.axis}'")
        rows.append({"patient": c.case_id, "time 0": a.label, "date as stated": a.date or NOT_REPORTED,
                     "time axis": axis})
    return pd.DataFrame(rows, columns=["patient", "time 0", "date as stated", "time axis"])


# ---------------------------------------------------------------- comparison table

COMPARISON_COLUMNS = [
    "patient", "source", "age at diagnosis", "histology", "initial stage", "PD-L1", "MMR status",
    "sites of recurrence or metastasis", "systemic regimens before immunotherapy", "radiotherapy",
    "checkpoint inhibitor", "target", "dose and schedule", "time on immunotherapy", "response as reported",
    "immune-related adverse events", "overall survival from diagnosis", "durations as reported",
    "status at last contact", "discrepancies in the source",
]


def comparison_table(cases: list[Case], reference: drug_ref.Reference | None = None) -> pd.DataFrame:
    """One row per patient, every cell text; what the case does not give reads 'not reported'."""
    reference = _reference(reference)
    rows = [_comparison_row(c, reference) for c in cases]
    frame = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    return frame.fillna(NOT_REPORTED)


def _comparison_row(case: Case, reference: drug_ref.Reference) -> dict:
    chrono = Chronology(case)
    ici = checkpoint_regimens(case, reference)
    first_ici = min(ici, key=lambda x: _start_order(chrono, x[0]), default=None)
    start = alignment(case, IMMUNOTHERAPY, reference)
    age = case.patient.age_at_diagnosis
    return {
        "patient": case.case_id,
        "source": _source(case),
        "age at diagnosis": f"{_num(age.value)} years" if age else NOT_REPORTED,
        "histology": str(case.diagnosis.histology.value) if case.diagnosis.histology else NOT_REPORTED,
        "initial stage": _initial_stage(case, chrono),
        "PD-L1": _pd_l1(case),
        "MMR status": _mmr(case),
        "sites of recurrence or metastasis": _relapse_sites(case, chrono),
        "systemic regimens before immunotherapy": _regimens_before(case, chrono, start, first_ici),
        "radiotherapy": _radiotherapy(case),
        "checkpoint inhibitor": _ici_names(first_ici),
        "target": " + ".join(d.target or NOT_REPORTED for d in first_ici[1]) if first_ici else NOT_REPORTED,
        "dose and schedule": _dose_schedule(first_ici),
        "time on immunotherapy": _time_on_ici(case, ici),
        "response as reported": (first_ici[0].response or NOT_REPORTED) if first_ici else NOT_REPORTED,
        "immune-related adverse events": _irae(case, [d.name for _, found in ici for d in found]),
        "overall survival from diagnosis": _overall_survival(case),
        "durations as reported": "; ".join(f"{d.name}: {_reported(d)}" + (" (censored)" if d.censored else "")
                                           for d in case.outcome.durations) or NOT_REPORTED,
        "status at last contact": _status(case),
        "discrepancies in the source": "; ".join(d.topic for d in case.discrepancies) or "none recorded",
    }


def _mid(chrono: Chronology, date, item_id: str | None = None) -> float:
    p = chrono.safe_point(date, item_id)
    return p.mid if p is not None else math.inf


def _start_order(chrono: Chronology, regimen: Regimen) -> tuple:
    p = chrono.safe_point(regimen.start, regimen.id)
    return (0, *_order(p)) if p is not None else (1, 0.0, False, 0.0)


def _source(case: Case) -> str:
    s = case.source
    where = f"doi:{s.doi}" if s.doi else s.url if s.url else f"source text {s.file}"
    return where if s.patient == "the only patient" else f"{where} ({s.patient})"


def _initial_stage(case: Case, chrono: Chronology) -> str:
    stages = case.diagnosis.stages
    if not stages:
        return NOT_REPORTED
    first = min(enumerate(stages), key=lambda x: (_mid(chrono, x[1].date), x[0]))[1]
    text = f"{first.value} (staging system not stated)" if first.system == "not stated" else f"{first.system} {first.value}"
    extra = [x for x in (first.basis if first.basis != "not stated" else None, str(first.date) if first.date else None) if x]
    return text + (f", {', '.join(extra)}" if extra else "")


def _pd_l1(case: Case) -> str:
    found = []
    for b in case.diagnosis.biomarkers:
        if b.name.strip().lower().replace(" ", "") not in ("pd-l1", "pdl1"):
            continue
        score = f"{b.score_type} {b.result}" if b.score_type else b.result
        detail = [x for x in (b.assay, b.method if b.method != "not stated" else None) if x]
        found.append(score + (f" ({', '.join(detail)})" if detail else ""))
    return "; ".join(found) or NOT_REPORTED


def _mmr(case: Case) -> str:
    """MMR proteins as stated (MLH1 +, ...), and any MMR/MSI summary the source gives; never inferred."""
    by_name = {}
    for b in case.diagnosis.biomarkers:
        by_name.setdefault(b.name.strip().upper(), []).append(b)
    parts = [f"{name} {b.result}" for name in MMR_PROTEINS for b in by_name.get(name, [])]
    parts += [f"{b.name}: {b.result}" for b in case.diagnosis.biomarkers if b.name.strip().lower() in MMR_SUMMARIES]
    return ", ".join(parts) or NOT_REPORTED


def _relapse_sites(case: Case, chrono: Chronology) -> str:
    events = sorted((e for e in case.events if e.kind in RELAPSE), key=lambda e: _mid(chrono, e.date, e.id))
    sites = list(dict.fromkeys(s for e in events for s in e.sites))
    if sites:
        return "; ".join(sites)
    return "; ".join(e.label for e in events) or NOT_REPORTED


def _regimens_before(case: Case, chrono: Chronology, start: Alignment, first_ici) -> str:
    if not case.regimens:
        return NOT_REPORTED
    if start.point is None:
        return f"{len(case.regimens)} regimen(s) recorded; time of immunotherapy not reported"
    before = [r for r in case.regimens
              if (first_ici is None or r.id != first_ici[0].id)
              and (m := start.months(chrono.safe_point(r.start, r.id))) is not None and m < 0]
    if not before:
        return "none recorded"
    names = "; ".join(f"{r.name or ' + '.join(a.drug for a in r.agents)} ({r.setting})" for r in before)
    return f"{len(before)}: {names}"


def _radiotherapy(case: Case) -> str:
    courses = []
    for c in case.radiotherapy:
        doses = []
        for t in c.targets:
            if t.total_dose_gy is not None:
                dose = f"{_num(t.total_dose_gy)} Gy" + (f"/{t.fractions} F" if t.fractions else "")
            else:
                dose = f"{_num(t.dose_per_fraction_gy)} Gy per fraction" + (f" × {t.fractions}" if t.fractions else "")
            doses.append(f"{t.name} {dose}")
        courses.append(f"{c.technique or c.kind} ({c.start}): " + ("; ".join(doses) or "dose not reported"))
    return " | ".join(courses) or NOT_REPORTED


def _ici_names(first_ici) -> str:
    if first_ici is None:
        return NOT_REPORTED
    return " + ".join(f"{d.name} ({d.drug_class})" for d in first_ici[1])


def _dose_schedule(first_ici) -> str:
    if first_ici is None:
        return NOT_REPORTED
    regimen, found = first_ici
    names = {d.name for d in found}
    parts = []
    for a in regimen.agents:
        if a.drug not in names:
            continue
        dose = f"{_num(a.dose)} {display_unit(a.unit)}" if a.dose is not None else "dose not reported"
        extra = [x for x in (a.route if a.route != "not stated" else None, a.days) if x]
        parts.append(f"{a.drug} {dose}" + (f" {' '.join(extra)}" if extra else ""))
    schedule = f"every {_num(regimen.cycle_days)} days" if regimen.cycle_days else "schedule not reported"
    return "; ".join(parts) + f", {schedule}"


def _reported(d: ReportedDuration) -> str:
    qualifier = "" if d.qualifier == "=" else ("about " if d.qualifier == "about" else f"{d.qualifier} ")
    return f"{qualifier}{_num(d.value)} {d.unit}"


def _time_on_ici(case: Case, ici) -> str:
    """Computed from the dates (metrics), and any duration the authors state for the drug."""
    if not ici:
        return NOT_REPORTED
    parts = []
    computed = metrics.time_on_immunotherapy(case)
    if computed is not None:
        ongoing = [r.ongoing_as_of for r, _ in ici if r.ongoing_as_of is not None]
        parts.append(computed.label() + (f", ongoing as of {ongoing[-1]}" if ongoing else ""))
    names = {d.name for _, found in ici for d in found} | {"immunotherapy"}
    for d in case.outcome.durations:
        if any(n in d.name.lower() for n in names):
            parts.append(f"{_reported(d)} (as reported, {d.locator})")
    return "; ".join(parts) or NOT_REPORTED


def _irae(case: Case, ici_names: list[str]) -> str:
    found = []
    for a in case.adverse_events:
        attribution = (a.attribution or "").lower()
        if not ("immune" in a.term.lower() or any(n in attribution for n in ici_names)):
            continue
        if not a.observed:
            found.append(f"no {a.term} (as stated)")
        else:
            found.append(a.term + (f", grade {a.grade}" if a.grade else "") + (f", {a.date}" if a.date else ""))
    return "; ".join(found) or NOT_REPORTED


def _overall_survival(case: Case) -> str:
    parts = []
    computed = metrics.overall_survival(case)
    if computed is not None:
        parts.append(f"{computed.label()} (from the dates)")
    parts += [f"{_reported(d)} (as reported)" for d in case.outcome.durations if d.name.lower() == "overall survival"]
    return "; ".join(parts) or NOT_REPORTED


def _status(case: Case) -> str:
    o = case.outcome
    text = f"{o.status}, last contact {o.last_contact}"
    return text + (f" (as worded: “{o.status_as_worded}”)" if o.status_as_worded else "")


# ---------------------------------------------------------------- swimmer lanes

SWIMMER_COLUMNS = ["patient", "group", "kind", "category", "label", "start", "end", "end_kind", "open_start",
                   "date", "locator"]
THERAPY_EVENT_KINDS = ("chemotherapy", "targeted therapy", "radiotherapy", "brachytherapy", "immunotherapy")
MARKED_EVENT_KINDS = ("diagnosis", "surgery", "recurrence", "progression", "death", "treatment declined")


def patient_group(case: Case, reference: drug_ref.Reference) -> str:
    """What lanes are grouped by: the target of the patient's first checkpoint inhibitor."""
    chrono = Chronology(case)
    ici = checkpoint_regimens(case, reference)
    if not ici:
        return f"checkpoint inhibitor {NOT_REPORTED}"
    _, found = min(ici, key=lambda x: _start_order(chrono, x[0]))
    return "anti-" + " + ".join(d.target or NOT_REPORTED for d in found)


def swimmer_table(cases: list[Case], align_on: str = IMMUNOTHERAPY,
                  reference: drug_ref.Reference | None = None) -> pd.DataFrame:
    """Everything a swimmer lane draws, in months from time 0; items that cannot be placed are left out
    here and listed by ``unplaced_items``.

    kind: therapy (a bar), event, response (imaging), follow-up (diagnosis or first item to last contact).
    end_kind: stated, ongoing, open ('more than'), as reported (the authors' duration), not reported.
    """
    reference = _reference(reference)
    rows = []
    for case in cases:
        a = alignment(case, align_on, reference)
        if a.point is not None:
            rows += _lane_rows(case, a, patient_group(case, reference), reference)
    return pd.DataFrame(rows, columns=SWIMMER_COLUMNS)


def _lane_rows(case: Case, a: Alignment, group: str, reference: drug_ref.Reference) -> list[dict]:
    chrono = Chronology(case)
    rows = []

    def add(kind, category, label, start_point, end_point=None, end_kind="stated", date=None, locator=None):
        start = a.months(start_point)
        if start is None:
            return
        end = a.months(end_point)
        if end is None and kind == "therapy":
            end_kind = "not reported"
        elif end_point is not None and end_point.is_open and end_kind == "stated":
            end_kind = "open"
        rows.append({"patient": case.case_id, "group": group, "kind": kind, "category": category, "label": label,
                     "start": start, "end": end, "end_kind": end_kind,
                     "open_start": bool(start_point.is_open), "date": str(date) if date is not None else NOT_REPORTED,
                     "locator": str(locator) if locator is not None else NOT_REPORTED})

    ici_names = {d.name for _, found in checkpoint_regimens(case, reference) for d in found}
    for r in case.regimens:
        label = r.name or " + ".join(x.drug for x in r.agents)
        start = chrono.safe_point(r.start, r.id)
        if r.end is not None:
            add("therapy", r.modality, label, start, chrono.safe_point(r.end), "stated", r.start, r.locator)
        elif r.ongoing_as_of is not None:
            add("therapy", r.modality, label, start, chrono.safe_point(r.ongoing_as_of), "ongoing", r.start, r.locator)
        else:
            reported = _reported_end(case, r, start, ici_names)
            if reported is not None:
                end_point, text = reported
                add("therapy", r.modality, f"{label} ({text})", start, end_point, "as reported", r.start, r.locator)
            else:
                add("therapy", r.modality, label, start, None, "not reported", r.start, r.locator)
    for c in case.radiotherapy:
        kind = "brachytherapy" if c.kind == "brachytherapy" else "radiotherapy"
        end = chrono.safe_point(c.end)
        add("therapy", kind, c.technique or c.kind, chrono.safe_point(c.start, c.id), end,
            "stated" if end is not None else "not reported", c.start, c.locator)
    for e in case.events:
        p = chrono.safe_point(e.date, e.id)
        if e.kind in THERAPY_EVENT_KINDS:
            end = chrono.safe_point(e.end)
            add("therapy", e.kind, e.label, p, end, "stated" if end is not None else "not reported", e.date, e.locator)
        elif e.kind in MARKED_EVENT_KINDS:
            add("event", e.kind, e.label, p, date=e.date, locator=e.locator)
    for i in case.imaging:
        if i.category or i.response_as_worded:
            add("response", i.category or "as worded", i.response_as_worded or i.category,
                chrono.safe_point(i.date, i.id), date=i.date, locator=i.locator)
    last = chrono.safe_point(case.outcome.last_contact)
    placed = [r["start"] for r in rows]
    dx = chrono.safe_point(metrics.diagnosis_date(case))
    first = a.months(dx) if a.months(dx) is not None else min(placed + [0.0])
    if last is not None and a.months(last) is not None:
        alive = case.outcome.status != "dead"
        rows.append({"patient": case.case_id, "group": group, "kind": "follow-up", "category": case.outcome.status,
                     "label": f"last contact: {case.outcome.status}", "start": min(first, 0.0), "end": a.months(last),
                     "end_kind": "open" if last.is_open else ("ongoing" if alive else "stated"), "open_start": False,
                     "date": str(case.outcome.last_contact), "locator": str(case.outcome.locator)})
    return rows


def _reported_end(case: Case, regimen: Regimen, start: TimePoint | None, ici_names: set[str]):
    """An end drawn from the authors' stated duration of this drug, when the case gives no end date."""
    if start is None:
        return None
    names = {a.drug for a in regimen.agents} & ici_names
    for d in case.outcome.durations:
        if any(n in d.name.lower() for n in names) and d.qualifier in ("=", "about"):
            days = d.value * {"days": 1, "weeks": 7, "months": DAYS_PER_MONTH, "years": 365.25}[d.unit]
            end = TimePoint(start.axis, start.earliest + days, start.latest + days, "offset")
            return end, f"{_reported(d)} as reported"
    return None


def unplaced_items(cases: list[Case], align_on: str = IMMUNOTHERAPY,
                   reference: drug_ref.Reference | None = None) -> pd.DataFrame:
    """What the swimmer plot cannot draw, and why: unaligned patients, undated items, other time axes."""
    reference = _reference(reference)
    rows = []
    for case in cases:
        a = alignment(case, align_on, reference)
        if a.point is None:
            rows.append({"patient": case.case_id, "item": "the whole case", "date as stated": a.date or NOT_REPORTED,
                         "why not drawn": a.label})
            continue
        chrono = Chronology(case)
        items = [(r.name or r.id, r.start, r.id) for r in case.regimens]
        items += [(c.technique or c.kind, c.start, c.id) for c in case.radiotherapy]
        items += [(e.label, e.date, e.id) for e in case.events
                  if e.kind in THERAPY_EVENT_KINDS + MARKED_EVENT_KINDS]
        items += [(i.response_as_worded or i.category, i.date, i.id) for i in case.imaging
                  if i.category or i.response_as_worded]
        for label, date, item_id in items:
            if a.months(chrono.safe_point(date, item_id)) is None:
                why = "date not reported" if str(date) == "unknown" else "not on the time axis of time 0"
                rows.append({"patient": case.case_id, "item": label, "date as stated": str(date), "why not drawn": why})
    return pd.DataFrame(rows, columns=["patient", "item", "date as stated", "why not drawn"])


# ---------------------------------------------------------------- marker kinetics

KINETICS_COLUMNS = ["patient", "analyte", "date", "months", "months_low", "months_high", "value", "unit",
                    "reference", "times_uln", "context", "locator"]


def kinetics_table(cases: list[Case], align_on: str = IMMUNOTHERAPY,
                   reference: drug_ref.Reference | None = None) -> pd.DataFrame:
    """Numeric marker values placed in months from time 0, as multiples of the upper limit valid at their date.

    times_uln is missing when the source gives no limit for that analyte and unit; such
    values and every qualitative observation are listed by ``marker_notes``.
    """
    reference = _reference(reference)
    rows = []
    for case in cases:
        a = alignment(case, align_on, reference)
        chrono = Chronology(case)
        for m in case.markers:
            p = chrono.safe_point(m.date)
            months = a.months(p)
            if m.value is None or months is None:
                continue
            limit = reference_limit(case, m.analyte, m.date)
            times = m.value / limit.upper if limit is not None and limit.unit == m.unit else None
            rows.append({
                "patient": case.case_id, "analyte": m.analyte, "date": str(m.date), "months": round(months, 2),
                "months_low": round((p.earliest - a.point.mid) / DAYS_PER_MONTH, 2),
                "months_high": None if p.is_open else round((p.latest - a.point.mid) / DAYS_PER_MONTH, 2),
                "value": m.value, "unit": m.unit,
                "reference": f"< {_num(limit.upper)} {limit.unit}" if limit is not None else NOT_REPORTED,
                "times_uln": None if times is None else round(times, 3), "context": m.context or NOT_REPORTED,
                "locator": str(m.locator),
            })
    frame = pd.DataFrame(rows, columns=KINETICS_COLUMNS)
    return frame.sort_values(["patient", "analyte", "months"], kind="stable").reset_index(drop=True)


NOTE_COLUMNS = ["patient", "analyte", "date", "months from time 0", "as reported", "why not plotted", "locator"]


def marker_notes(cases: list[Case], align_on: str = IMMUNOTHERAPY,
                 reference: drug_ref.Reference | None = None) -> pd.DataFrame:
    """Every marker fact the kinetics plot does not draw, and every patient with no marker, with the reason."""
    reference = _reference(reference)
    rows = []
    for case in cases:
        a = alignment(case, align_on, reference)
        chrono = Chronology(case)
        if not case.markers:
            rows.append({"patient": case.case_id, "analyte": NOT_REPORTED, "date": NOT_REPORTED,
                         "months from time 0": NOT_REPORTED, "as reported": "no tumor marker reported",
                         "why not plotted": "no marker in the source", "locator": NOT_REPORTED})
            continue
        for m in case.markers:
            p = chrono.safe_point(m.date)
            months = a.months(p)
            limit = reference_limit(case, m.analyte, m.date)
            if m.value is not None and months is not None and limit is not None and limit.unit == m.unit:
                continue  # plotted
            if m.value is None:
                why = "qualitative observation (no number in the source)"
            elif months is None:
                why = "date cannot be placed relative to time 0"
            else:
                why = "no reference limit in the source for this analyte and unit"
            shown = m.observation if m.value is None else f"{_num(m.value)} {m.unit}" + (
                f" ({m.observation})" if m.observation else "")
            rows.append({"patient": case.case_id, "analyte": m.analyte, "date": str(m.date),
                         "months from time 0": _months_label(months, p), "as reported": shown,
                         "why not plotted": why, "locator": str(m.locator)})
    return pd.DataFrame(rows, columns=NOTE_COLUMNS)


def _months_label(months: float | None, p: TimePoint | None) -> str:
    if months is None:
        return NOT_REPORTED
    return f"{'≥ ' if p is not None and p.is_open else ''}{months:+.1f}"


# ---------------------------------------------------------------- drugs


DRUG_COLUMNS = ["drug", "class", "group", "target", "source", "patients"]


def drug_table(cases: list[Case], reference: drug_ref.Reference | None = None) -> pd.DataFrame:
    """The reference entry of every drug these cases name, with the patients who received it."""
    reference = _reference(reference)
    used: dict[str, list[str]] = {}
    for case in cases:
        for r in case.regimens:
            for agent in r.agents:
                patients = used.setdefault(agent.drug, [])
                if case.case_id not in patients:
                    patients.append(case.case_id)
    rows = []
    for name in sorted(used):
        d = reference.get(name)
        if d is None:
            rows.append({"drug": name, "class": NOT_REPORTED, "group": NOT_REPORTED, "target": NOT_REPORTED,
                         "source": "not in data/reference/drugs.yaml", "patients": ", ".join(used[name])})
            continue
        s = d.source
        where = [x for x in (s.file, str(s.locator) if s.locator else None, s.url) if x]
        quote = s.quote or (s.locator.quote if s.locator else None)
        rows.append({"drug": name, "class": d.drug_class, "group": d.group,
                     "target": d.target or "not listed (cytotoxic)",
                     "source": s.reference + (f" [{'; '.join(where)}]" if where else "") + (f" “{quote}”" if quote else ""),
                     "patients": ", ".join(used[name])})
    return pd.DataFrame(rows, columns=DRUG_COLUMNS)


SERIES_TABLES = ("comparison", "alignment", "swimmer", "unplaced", "kinetics", "marker-notes", "drugs")


def series_table(cases: list[Case], name: str, align_on: str = IMMUNOTHERAPY,
                 reference: drug_ref.Reference | None = None) -> pd.DataFrame:
    """A series table by its CLI name."""
    reference = _reference(reference)
    if name == "comparison":
        return comparison_table(cases, reference)
    if name == "drugs":
        return drug_table(cases, reference)
    builders = {"alignment": alignment_table, "swimmer": swimmer_table, "unplaced": unplaced_items,
                "kinetics": kinetics_table, "marker-notes": marker_notes}
    return builders[name](cases, align_on, reference)
