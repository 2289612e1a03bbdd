"""The case series side by side: one row per patient, swimmer lanes and marker kinetics on one time 0.

Pure functions over a list of cases and the drug reference. Time 0 of each patient is
the alignment event: by default the first dose of a checkpoint inhibitor (a drug whose
group in data/reference/drugs.yaml is "immune checkpoint inhibitor"); a case that names
no drug falls back to its first immunotherapy event, such as the undated anchor of a
relative axis. Every date is read through the case's resolved timeline
(``timeline.py``): nothing here resolves a date on its own.

Where an item lies from time 0 is an interval of months, [item earliest − time 0 latest,
item latest − time 0 earliest], narrowed by what the case states relative to time 0
itself (an item dated ``time-0 + 3 months`` is 3 months after it, however imprecise
time 0's own date; an item stated to precede time 0 is not after it). An item bounded on
both sides is drawn at its position (item position − time 0 position) with its span; an
item bounded on one side only (an open "more than", "after X", or anything measured from
a time 0 that started an unknown time after it) is never drawn at a point: it is an open
band from its bound with an arrow; an item bounded on neither side, or on another time
axis, is listed as not drawn with the reason in words. Dates in tables are in words
(``When.words``), durations are ``Duration`` labels. Whatever a case does not give reads
"not reported"; nothing is left blank.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from caseseries.model import drugs as drug_ref
from caseseries.views import metrics
from caseseries.model.dates import DAYS_PER_MONTH, UnknownDate
from caseseries.model.case import EVENT_KINDS, NOT_STATED, Case, Regimen, course_name, derived, modality_parts
from caseseries.views.tables import course_label, display_unit, protocol_name, reference_limit, regimen_of, times_uln
from caseseries.model.timeline import ANCHORING, Span, Timeline, When, timeline

NOT_REPORTED = "not reported"
IMMUNOTHERAPY = "immunotherapy"
ALIGN_CHOICES: tuple[str, ...] = (IMMUNOTHERAPY,) + tuple(k for k in EVENT_KINDS if k != IMMUNOTHERAPY)
RELAPSE = ("recurrence", "progression")
MMR_PROTEINS = ("MLH1", "MSH2", "MSH6", "PMS2")
MMR_SUMMARIES = ("mmr", "mmr status", "dmmr", "pmmr", "msi", "msi status", "msi-h", "mss")

# Why an item is not placed relative to time 0, in words.
DATE_NOT_REPORTED = "date not reported"
DATE_NOT_PLACED = "its date cannot be placed"
OTHER_AXIS = "not on the time axis of time 0"
NOT_ALIGNED = "date cannot be placed relative to time 0"
INF = math.inf


def _reference(reference: drug_ref.Reference | None) -> drug_ref.Reference:
    return drug_ref.load_reference() if reference is None else reference


def _num(x: float) -> str:
    return f"{x:g}"


def _signed(months: float) -> str:
    """Months with a sign, one decimal: '+3.0', '-1.2', '0' (never '-0.0')."""
    text = f"{months:+.1f}"
    return "0" if text in ("+0.0", "-0.0") else text


def _finite(x: float | None) -> bool:
    return x is not None and not math.isnan(x) and not math.isinf(x)


# ---------------------------------------------------------------- where an item lies from time 0


@dataclass(frozen=True)
class Offset:
    """Months from time 0: the interval an item can lie in (``-inf``/``inf`` when open) and where it is drawn.

    An item bounded on both sides is a point, drawn at ``position`` with its span. An item
    open on one side is never drawn at a point: a band starts at ``position`` (its drawing
    position on the timeline, inside the interval: never before what it follows) and an
    arrow points toward the open side.
    """

    low: float
    high: float
    position: float

    @property
    def open_before(self) -> bool:
        return math.isinf(self.low)

    @property
    def open_after(self) -> bool:
        return math.isinf(self.high)

    @property
    def is_point(self) -> bool:
        return not (self.open_before or self.open_after)

    def label(self) -> str:
        """'+3.0', '-2.1 (-2.6 to -1.6)', '≥ -4.1', '≤ 0' (months from time 0)."""
        if self.open_after:
            return f"≥ {_signed(self.position)}"
        if self.open_before:
            return f"≤ {_signed(self.position)}"
        text = _signed(self.position)
        if self.high - self.low >= 0.1:
            text += f" ({_signed(self.low)} to {_signed(self.high)})"
        return text

    def frame_values(self) -> dict:
        """Columns of a table row: start (a point's mark) or bound (where an open band starts), the interval."""
        return {"start": self.position if self.is_point else math.nan,
                "bound": math.nan if self.is_point else self.position,
                "low": self.low if _finite(self.low) else math.nan,
                "high": self.high if _finite(self.high) else math.nan,
                "open_before": self.open_before, "open_after": self.open_after}


@dataclass(frozen=True)
class Alignment:
    """Time 0 of one patient: the item, where it lies, and in words what it is (or why there is none).

    ``point`` is the item's resolved date (a :class:`When`), ``date`` its words, ``path``
    the dated field it comes from.
    """

    case_id: str
    point: When | None
    item: str | None
    date: str | None
    label: str
    path: tuple | None = None


def check_align_on(align_on: str) -> str:
    if align_on not in ALIGN_CHOICES:
        raise ValueError(f"align_on: expected one of {', '.join(repr(c) for c in ALIGN_CHOICES)}, found {align_on!r}")
    return align_on


def checkpoint_regimens(case: Case, reference: drug_ref.Reference) -> list[tuple[Regimen, list[drug_ref.AgentInfo]]]:
    """Regimens with a checkpoint inhibitor among their agents, named (per the drug reference) or given only
    by its group or class ('a PD-1 inhibitor'), in file order."""
    return [(r, found) for _, r, found in _ici(case, reference)]


def _ici(case: Case, reference: drug_ref.Reference) -> list[tuple[int, Regimen, list[drug_ref.AgentInfo]]]:
    out = []
    for i, r in enumerate(case.regimens):
        found = drug_ref.checkpoint_agents(r.agents, reference)
        if found:
            out.append((i, r, found))
    return out


def _first_ici(case: Case, reference: drug_ref.Reference):
    """The checkpoint-inhibitor regimen that starts first on the timeline (file order breaks ties), or None."""
    tl = timeline(case)
    ici = _ici(case, reference)
    return min(ici, key=lambda x: (tl.order_key(tl.at(("regimens", x[0], "start"))), x[0]), default=None)


def _regimen_name(r: Regimen, reference: drug_ref.Reference) -> str:
    return drug_ref.regimen_name(r, reference)


def alignment(case: Case, align_on: str = IMMUNOTHERAPY, reference: drug_ref.Reference | None = None) -> Alignment:
    """The patient's time 0: the first placeable item of the chosen kind on the timeline.

    For immunotherapy, checkpoint-inhibitor regimens come first; the case's immunotherapy
    events are used only when no such regimen can be placed (a drug not named, or undated).
    """
    check_align_on(align_on)
    reference = _reference(reference)
    tl = timeline(case)
    tiers: list[list[tuple]] = []  # each: [(label, item id, path)], tried in order
    if align_on == IMMUNOTHERAPY:
        tiers.append([(f"first dose of {' + '.join(d.label for d in found)} (regimen '{r.id}')", r.id,
                       ("regimens", i, "start")) for i, r, found in _ici(case, reference)])
        tiers.append([(f"immunotherapy event '{e.id}': {e.label} (drug not reported)", e.id, ("events", i, "date"))
                      for i, e in enumerate(case.events) if e.kind == IMMUNOTHERAPY])
    else:
        tier = [(f"{e.kind} event '{e.id}': {e.label}", e.id, ("events", i, "date"))
                for i, e in enumerate(case.events) if e.kind == align_on]
        if align_on in ("chemotherapy", "targeted therapy"):
            tier += [(f"first dose of {_regimen_name(r, reference)} (regimen '{r.id}')", r.id, ("regimens", i, "start"))
                     for i, r in enumerate(case.regimens) if align_on in modality_parts(r.modality)]
        if align_on in ("radiotherapy", "brachytherapy"):
            tier += [(f"{course_label(case, c, reference)} (course '{c.id}')", c.id, ("radiotherapy", i, "start"))
                     for i, c in enumerate(case.radiotherapy) if align_on == "radiotherapy" or c.kind == "brachytherapy"]
        if align_on == "radiotherapy":  # a protocol of radiotherapy with drugs starts with its radiotherapy
            tier += [(f"start of {_regimen_name(r, reference)} (regimen '{r.id}')", r.id, ("regimens", i, "start"))
                     for i, r in enumerate(case.regimens) if align_on in modality_parts(r.modality)]
        tiers.append(tier)
    for tier in tiers:
        placed = [(tl.order_key(w), k, label, item, path) for k, (label, item, path) in enumerate(tier)
                  if (w := tl.at(path)) is not None]
        if placed:
            *_, label, item, path = min(placed)
            point = tl.at(path)
            if not point.is_calendar and item in tl.roots:
                label += "; undated, the origin of this case's relative time axis"
            return Alignment(case.case_id, point, item, point.words, label, path)
    candidates = [c for tier in tiers for c in tier]
    if candidates:
        label, item, path = candidates[0]
        stated = _stated(case, path)
        return Alignment(case.case_id, None, item, stated, f"{label}: its date cannot be placed, not aligned", path)
    what = "checkpoint-inhibitor regimen or immunotherapy event" if align_on == IMMUNOTHERAPY else f"'{align_on}' item"
    return Alignment(case.case_id, None, None, None, f"no {what} recorded, not aligned")


def _stated(case: Case, path: tuple) -> str:
    """A date the timeline cannot place, for a table: 'not reported' when the source gives none."""
    field, index, name = path
    spec = getattr(getattr(case, field)[index], name)
    return NOT_REPORTED if spec is None or isinstance(spec, UnknownDate) else str(spec)


def _timeline_from_time_0(case: Case, path: tuple) -> Timeline | None:
    """The case's timeline with time 0's own date set aside: what the case dates from time 0
    (``time-0 + 3 months``, ``on or before time-0``) then lies on an axis rooted at time 0, exactly,
    however imprecise or open time 0's own date is. None when time 0 is already undated. Built once
    per case and time 0 (kept on the case, ``derived``)."""
    field, index, name = path
    item = getattr(case, field)[index]
    if isinstance(getattr(item, name), UnknownDate):
        return None
    return derived(case, ("timeline from time 0", tuple(path)), lambda: _without_time_0(case, field, index, name))


def _without_time_0(case: Case, field: str, index: int, name: str) -> Timeline | None:
    items = list(getattr(case, field))
    items[index] = items[index].model_copy(update={name: UnknownDate()})
    try:
        return Timeline(case.model_copy(update={field: items}))
    except Exception:  # noqa: BLE001 - a view never fails on this: without it, plain intervals
        return None


class Clock:
    """Where each dated item of one case lies from its time 0, in months (see the module docstring)."""

    def __init__(self, case: Case, a: Alignment):
        self.case, self.alignment = case, a
        self.tl = timeline(case)
        self.t0 = a.point
        self.item = a.item
        self.tl0 = _timeline_from_time_0(case, a.path) if a.point is not None else None
        self._anchors = {getattr(case, f)[i].id: self.tl.at((f, i, name))
                         for f, name in ANCHORING for i in range(len(getattr(case, f)))}
        self._t0_after = self._after(self.t0) if self.t0 is not None else set()

    @property
    def aligned(self) -> bool:
        return self.t0 is not None

    def _after(self, w: When | None) -> set[str]:
        """The ids a date is stated to follow, directly or through those it follows."""
        seen: set[str] = set()
        todo = list(w.follows) if w is not None else []
        while todo:
            x = todo.pop()
            if x in seen:
                continue
            seen.add(x)
            a = self._anchors.get(x)
            if a is not None:
                todo.extend(a.follows)
        return seen

    def at(self, path: tuple) -> Offset | str:
        """Where the dated field at ``path`` lies from time 0, or why it cannot be placed."""
        path = tuple(path)
        if not self.aligned:
            return NOT_ALIGNED
        if path == tuple(self.alignment.path):
            return Offset(0.0, 0.0, 0.0)
        w = self.tl.at(path)
        if w is None:
            return DATE_NOT_REPORTED if _stated(self.case, path) == NOT_REPORTED else DATE_NOT_PLACED
        owner = getattr(self.case, path[0])[path[1]].id if (path[0], path[-1]) in ANCHORING else None
        return self.offset(w, self.tl0.at(path) if self.tl0 is not None else None, owner)

    def span(self, field_name: str, index: int) -> tuple[Span, Span | None]:
        return self.tl.span(field_name, index), (self.tl0.span(field_name, index) if self.tl0 is not None else None)

    def offset(self, w: When | None, w0: When | None = None, owner: str | None = None) -> Offset | str:
        """Months from time 0 to a resolved date: the interval, narrowed by what the case states
        relative to time 0 (``w0``: the same date on the axis rooted at time 0; stated order)."""
        t0 = self.t0
        if t0 is None:
            return NOT_ALIGNED
        if w is None:
            return DATE_NOT_PLACED
        if w.axis != t0.axis:
            return OTHER_AXIS
        low = -INF if w.open_start or t0.open_end else (w.earliest - t0.latest) / DAYS_PER_MONTH
        high = INF if w.open_end or t0.open_start else (w.latest - t0.earliest) / DAYS_PER_MONTH
        low = -INF if math.isnan(low) or math.isinf(low) else low
        high = INF if math.isnan(high) or math.isinf(high) else high
        position = None
        if w0 is not None and w0.axis == self.item:  # dated from time 0 itself: exact whatever time 0's precision
            low0 = -INF if w0.open_start or math.isinf(w0.earliest) else w0.earliest / DAYS_PER_MONTH
            high0 = INF if w0.open_end or math.isinf(w0.latest) else w0.latest / DAYS_PER_MONTH
            low, high = max(low, low0), min(high, high0)
            if low > high:  # calendar months against months of 30.44 days: a day or two apart, the statement wins
                low, high = low0, high0
            if w0.position is not None:
                position = w0.position / DAYS_PER_MONTH
        if owner is not None and owner in self._t0_after:  # time 0 is stated to follow it
            high = min(high, 0.0)
        if self.item in self._after(w):  # it is stated to follow time 0
            low = max(low, 0.0)
        if low > high:  # the dates' precision against the stated order (both clamp toward 0): the statement wins
            low = high = 0.0
        if math.isinf(low) and math.isinf(high):
            return f"its time from time 0 is unknown: it is {w.words}, and time 0 is {t0.words}"
        if position is None and w.position is not None and t0.position is not None:
            position = (w.position - t0.position) / DAYS_PER_MONTH
        if position is None or math.isnan(position):  # no drawing position on the timeline: a bound, never a guess
            position = high if math.isinf(low) else low
        return Offset(low, high, min(max(position, low), high))


def clock(case: Case, align_on: str = IMMUNOTHERAPY, reference: drug_ref.Reference | None = None) -> Clock:
    """The patient's time 0 and where each item lies from it; worked out once per case, time 0 and drug
    reference (every section of a series asks for it again)."""
    reference = _reference(reference)
    kept = derived(case, ("clock", align_on), dict)  # id(reference) -> (reference, clock)
    hit = kept.get(id(reference))
    if hit is None or hit[0] is not reference:
        hit = kept[id(reference)] = (reference, Clock(case, alignment(case, align_on, reference)))
    return hit[1]


def alignment_table(cases: list[Case], align_on: str = IMMUNOTHERAPY,
                    reference: drug_ref.Reference | None = None) -> pd.DataFrame:
    """One row per patient: what time 0 is, its date in words, and the time axis it lies on."""
    rows = []
    for c in cases:
        a = alignment(c, align_on, reference)
        if a.point is None:
            axis = NOT_REPORTED
        elif a.point.is_calendar:
            axis = "calendar"
        else:
            axis = f"relative to {timeline(c).name_of(a.point.axis)} (no calendar date)"
        rows.append({"patient": c.case_id, "time 0": a.label, "date": a.date or NOT_REPORTED, "time axis": axis})
    return pd.DataFrame(rows, columns=["patient", "time 0", "date", "time axis"])


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
    tl = timeline(case)
    first = _first_ici(case, reference)
    first_ici = (first[1], first[2]) if first is not None else None
    c = clock(case, IMMUNOTHERAPY, reference)
    age = case.patient.age_at_diagnosis
    return {
        "patient": case.case_id,
        "source": _source(case),
        "age at diagnosis": f"{_num(age.value)} years" if age else NOT_REPORTED,
        "histology": str(case.diagnosis.histology.value) if case.diagnosis.histology else NOT_REPORTED,
        "initial stage": _initial_stage(case, tl),
        "PD-L1": _pd_l1(case),
        "MMR status": _mmr(case),
        "sites of recurrence or metastasis": _relapse_sites(case, tl),
        "systemic regimens before immunotherapy": _regimens_before(case, c, first, reference),
        "radiotherapy": _radiotherapy(case, tl, reference),
        "checkpoint inhibitor": _ici_names(first_ici),
        "target": " + ".join(d.target or NOT_REPORTED for d in first_ici[1]) if first_ici else NOT_REPORTED,
        "dose and schedule": _dose_schedule(first_ici, reference),
        "time on immunotherapy": _time_on_ici(case, tl, _ici(case, reference)),
        "response as reported": (first_ici[0].response or NOT_REPORTED) if first_ici else NOT_REPORTED,
        "immune-related adverse events": _irae(case, tl, [n for _, _, found in _ici(case, reference)
                                                           for d in found for n in _attribution_names(d)]),
        "overall survival from diagnosis": _overall_survival(case),
        "durations as reported": "; ".join(f"{d.name}: {metrics.reported_label(d).removesuffix(', as reported')}"
                                           + (" (censored)" if d.censored else "")
                                           for d in case.outcome.durations) or NOT_REPORTED,
        "status at last contact": _status(case, tl),
        "discrepancies in the source": "; ".join(d.topic for d in case.discrepancies) or "none recorded",
    }


def _source(case: Case) -> str:
    s = case.source
    where = f"doi:{s.doi}" if s.doi else s.url if s.url else f"source text {s.file}" if s.file else s.citation
    return where if s.patient == "the only patient" else f"{where} ({s.patient})"


def _initial_stage(case: Case, tl: Timeline) -> str:
    stages = case.diagnosis.stages
    if not stages:
        return NOT_REPORTED
    i = min(range(len(stages)), key=lambda k: (tl.order_key(tl.at(("diagnosis", "stages", k, "date"))), k))
    first = stages[i]
    text = f"{first.value} (staging system not stated)" if first.system == "not stated" else f"{first.system} {first.value}"
    when = tl.at(("diagnosis", "stages", i, "date"))
    extra = [x for x in (first.basis if first.basis != "not stated" else None, when.words if when else None) if x]
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


def _relapse_sites(case: Case, tl: Timeline) -> str:
    found = [i for i, e in enumerate(case.events) if e.kind in RELAPSE]
    found.sort(key=lambda i: (tl.order_key(tl.at(("events", i, "date"))), i))
    events = [case.events[i] for i in found]
    sites = list(dict.fromkeys(s for e in events for s in e.sites))
    if sites:
        return "; ".join(sites)
    return "; ".join(e.label for e in events) or NOT_REPORTED


def _regimens_before(case: Case, c: Clock, first, reference: drug_ref.Reference) -> str:
    """Regimens that began before time 0 (certainly, or at a position before it), and those whose order is unknown."""
    if not case.regimens:
        return NOT_REPORTED
    if not c.aligned:
        return f"{len(case.regimens)} regimen(s) recorded; time of immunotherapy not reported"
    before, unknown = [], []
    for i, r in enumerate(case.regimens):
        if first is not None and i == first[0]:
            continue
        off = c.at(("regimens", i, "start"))
        named = f"{_regimen_name(r, reference)} ({r.setting})"
        if isinstance(off, Offset) and (off.high <= 0 or (off.is_point and off.position < 0)):
            before.append(named)
        elif not isinstance(off, Offset) or (not off.is_point and off.low < 0 < off.high):
            unknown.append(named)
    text = f"{len(before)}: {'; '.join(before)}" if before else "none recorded"
    if unknown:
        text += f"; order relative to immunotherapy unknown: {'; '.join(unknown)}"
    return text


def _radiotherapy(case: Case, tl: Timeline, reference: drug_ref.Reference) -> str:
    """Each course: what it is (and the regimen it is part of), when, its concurrent chemotherapy as worded, each
    target with its dose as stated."""
    courses = []
    for i, c in enumerate(case.radiotherapy):
        doses = []
        for t in c.targets:
            if t.total_dose_gy is not None:
                doses.append(f"{t.name} {_num(t.total_dose_gy)} Gy" + (f"/{t.fractions} F" if t.fractions else ""))
            elif t.dose_per_fraction_gy is not None:
                doses.append(f"{t.name} {_num(t.dose_per_fraction_gy)} Gy per fraction"
                             + (f" × {t.fractions}" if t.fractions else ""))
            else:
                doses.append(f"{t.name}: dose {NOT_STATED}")
        start = tl.at(("radiotherapy", i, "start"))
        when = start.words if start is not None else "date not reported"
        name = course_name(c)
        regimen = regimen_of(case, c)
        part = f", part of {protocol_name(regimen, reference)}" if regimen is not None else ""
        if c.concurrent_chemotherapy:
            part += f"; concurrent chemotherapy: {c.concurrent_chemotherapy}"
        courses.append(f"{name} ({when}{part}): " + ("; ".join(doses) or "dose not reported"))
    return " | ".join(courses) or NOT_REPORTED


def _ici_names(first_ici) -> str:
    """'toripalimab (anti-PD-1 monoclonal antibody)'; an unnamed one by its label, with the class the case gives."""
    if first_ici is None:
        return NOT_REPORTED
    return " + ".join(f"{d.label} ({d.drug_class})" if d.drug_class and d.drug_class not in d.label else d.label
                      for d in first_ici[1])


def _dose_schedule(first_ici, reference: drug_ref.Reference) -> str:
    if first_ici is None:
        return NOT_REPORTED
    regimen, _ = first_ici
    parts = []
    for a in regimen.agents:
        info = drug_ref.agent_info(a, reference)
        if not info.is_checkpoint_inhibitor:
            continue
        dose = f"{_num(a.dose)} {display_unit(a.unit)}" if a.dose is not None else "dose not reported"
        extra = [x for x in (a.route if a.route != "not stated" else None, a.days) if x]
        parts.append(f"{info.label}{' ' if info.named else ': '}{dose}" + (f" {' '.join(extra)}" if extra else ""))
    schedule = f"every {_num(regimen.cycle_days)} days" if regimen.cycle_days else "schedule not reported"
    return "; ".join(parts) + f", {schedule}"


def _time_on_ici(case: Case, tl: Timeline, ici) -> str:
    """From the timeline (metrics): censored when ongoing, the authors' figure when they give the course's length;
    and any other duration the authors state for the drug."""
    if not ici:
        return NOT_REPORTED
    parts = []
    computed = metrics.time_on_immunotherapy(case)
    if computed is not None:
        text = computed.label()
        if computed.reported:
            d = next((x for x in (metrics.reported_of(case, r.id) for r in metrics.immunotherapy_regimens(case))
                      if x is not None), None)
            text += f" ({d.locator})" if d is not None else ""
        ongoing = [w for i, r, _ in ici if r.ongoing_as_of is not None
                   and (w := tl.at(("regimens", i, "ongoing_as_of"))) is not None]
        if ongoing:
            text += f", ongoing as of {max(ongoing, key=tl.order_key).words}"
        parts.append(text)
    names = {n for _, _, found in ici for d in found for n in _attribution_names(d)} | {"immunotherapy"}
    for d in case.outcome.durations:
        if d.of is None and any(n in d.name.lower() for n in names):
            parts.append(f"{metrics.reported_label(d)} ({d.locator})")
    return "; ".join(parts) or NOT_REPORTED


def _attribution_names(d: drug_ref.AgentInfo) -> list[str]:
    """How an adverse event's attribution may name a checkpoint inhibitor: its name; an unnamed one by the class or
    group the case gives, or its target ('PD-1 inhibitor')."""
    if d.name:
        return [d.name.lower()]
    names = [x.lower() for x in (d.drug_class, d.group) if x]
    return names + ([f"{d.target.lower()} inhibitor"] if d.target else [])


def _irae(case: Case, tl: Timeline, ici_names: list[str]) -> str:
    found = []
    for i, a in enumerate(case.adverse_events):
        attribution = (a.attribution or "").lower()
        if not ("immune" in a.term.lower() or any(n in attribution for n in ici_names)):
            continue
        if not a.observed:
            found.append(f"no {a.term} (as stated)")
            continue
        when = tl.at(("adverse_events", i, "date")) if a.date is not None else None
        found.append(a.term + (f", grade {a.grade}" if a.grade else "") + (f", {when.words}" if when else ""))
    return "; ".join(found) or NOT_REPORTED


def _overall_survival(case: Case) -> str:
    """The authors' figure when they give it from the diagnosis; else diagnosis to last contact from the
    timeline, with any overall survival they state without an origin."""
    if metrics.reported_overall_survival(case) is not None:
        return metrics.overall_survival_metric(case).label or NOT_REPORTED
    parts = []
    computed = metrics.overall_survival(case)
    if computed is not None:
        parts.append(f"{computed.label()} (from the dates)")
    parts += [metrics.reported_label(d) for d in case.outcome.durations
              if d.name.lower() == "overall survival" and d.of is None]
    return "; ".join(parts) or NOT_REPORTED


def _status(case: Case, tl: Timeline) -> str:
    o = case.outcome
    last = tl.last_contact
    text = f"{o.status}, last contact {last.words if last is not None else NOT_REPORTED}"
    return text + (f" (as worded: “{o.status_as_worded}”)" if o.status_as_worded else "")


# ---------------------------------------------------------------- swimmer lanes

SWIMMER_COLUMNS = ["patient", "group", "kind", "category", "label", "drawn", "start", "bound", "low", "high",
                   "open_before", "open_after", "end", "end_kind", "end_open", "date", "locator", "part_of"]
UNPLACED_COLUMNS = ["patient", "item", "date", "why not drawn"]
THERAPY_EVENT_KINDS = ("chemotherapy", "targeted therapy", "radiotherapy", "brachytherapy", "immunotherapy")
MARKED_EVENT_KINDS = ("diagnosis", "surgery", "recurrence", "progression", "death", "treatment declined")


TARGET_NOT_STATED = "PD-1/PD-L1 not stated"


def patient_group(case: Case, reference: drug_ref.Reference) -> str:
    """What lanes are grouped by: the target of the patient's first checkpoint inhibitor, named or not
    ('anti-PD-1'); 'checkpoint inhibitor, PD-1/PD-L1 not stated' when the source gives no target."""
    first = _first_ici(case, reference)
    if first is None:
        return f"checkpoint inhibitor {NOT_REPORTED}"
    targets = [d.target for d in first[2]]
    if not any(targets):
        return f"checkpoint inhibitor, {TARGET_NOT_STATED}"
    return "anti-" + " + ".join(t or TARGET_NOT_STATED for t in targets)


def swimmer_table(cases: list[Case], align_on: str = IMMUNOTHERAPY,
                  reference: drug_ref.Reference | None = None) -> pd.DataFrame:
    """Everything a swimmer lane draws, in months from time 0; what cannot be placed is listed by
    ``unplaced_items`` instead.

    kind: therapy, event, response (imaging), follow-up (first drawn item to the last contact).
    drawn: point (a mark at ``start``, its date's span ``low``..``high`` in months from time 0), bar (a therapy
    from ``start`` to ``end``), open band (no point: ``start`` is empty, a band begins at ``bound`` with an
    arrow toward the open side, ``open_before`` or ``open_after``), line (follow-up from ``start`` to ``end``;
    its ``low``..``high`` is the span of the last contact).
    end_kind: stated, open (stated as 'more than'), ongoing, as reported (the authors' duration), not reported
    (therapy); death, censored, open (follow-up). end_open: an arrow at the end. part_of: for a radiotherapy
    course that is part of a regimen (``regimen: <id>``), the regimen's name (its label ends ', part of …').
    """
    reference = _reference(reference)
    rows = []
    for case in cases:
        c = clock(case, align_on, reference)
        if c.aligned:
            rows += _lane(case, c, patient_group(case, reference), reference)[0]
    return pd.DataFrame(rows, columns=SWIMMER_COLUMNS)


def unplaced_items(cases: list[Case], align_on: str = IMMUNOTHERAPY,
                   reference: drug_ref.Reference | None = None) -> pd.DataFrame:
    """What the swimmer plot cannot draw, and why, in words: unaligned patients, undated items, items on
    another time axis, items whose time from time 0 is unknown on both sides."""
    reference = _reference(reference)
    rows = []
    for case in cases:
        c = clock(case, align_on, reference)
        if not c.aligned:
            rows.append({"patient": case.case_id, "item": "the whole case", "date": c.alignment.date or NOT_REPORTED,
                         "why not drawn": c.alignment.label})
            continue
        rows += _lane(case, c, "", reference)[1]
    return pd.DataFrame(rows, columns=UNPLACED_COLUMNS)


def _lane(case: Case, c: Clock, group: str, reference: drug_ref.Reference) -> tuple[list[dict], list[dict]]:
    """The rows one patient's lane draws, and the rows of what it cannot draw."""
    tl = c.tl
    rows: list[dict] = []
    missing: list[dict] = []

    def words(path: tuple) -> str:
        w = tl.at(path)
        return w.words if w is not None else _stated(case, path)

    def skip(label: str, path: tuple, why: str) -> None:
        missing.append({"patient": case.case_id, "item": label, "date": words(path), "why not drawn": why})

    def row(kind, category, label, off: Offset, date, locator, **extra) -> None:
        drawn = extra.pop("drawn", "point" if off.is_point else "open band")
        out = {"patient": case.case_id, "group": group, "kind": kind, "category": category, "label": label,
               "drawn": drawn, **off.frame_values(),
               "end": math.nan, "end_kind": None, "end_open": False, "date": date, "locator": str(locator),
               "part_of": None}
        out.update(extra)
        rows.append(out)

    def therapy(field_name: str, index: int, category: str, label: str, item, part_of: str | None = None) -> None:
        path = (field_name, index, "date" if field_name == "events" else "start")
        off = c.at(path)
        if isinstance(off, str):
            skip(label, path, off)
            return
        span, span0 = c.span(field_name, index)
        end_w = span.end
        date = words(path) + (f" to {end_w.words}" if end_w is not None else "")
        basis = {"stated": "stated", "ongoing": "ongoing", "reported": "as reported",
                 None: "not reported"}[span.end_basis]
        reported = metrics.reported_of(case, getattr(item, "id", None)) if span.end_basis == "reported" else None
        if reported is not None:
            label = f"{label} ({metrics.reported_label(reported)})"
        if not off.is_point:  # the start is known on one side only: an open band, no bar of a length
            row("therapy", category, label, off, date, item.locator, end_kind=basis, part_of=part_of)
            return
        end, end_kind, end_open = _bar_end(c, off, span, span0, basis, reported)
        row("therapy", category, label, off, date, item.locator, drawn="bar", end=end, end_kind=end_kind,
            end_open=end_open, part_of=part_of)

    for i, r in enumerate(case.regimens):
        therapy("regimens", i, r.modality, _regimen_name(r, reference), r)
    for i, course in enumerate(case.radiotherapy):
        kind = "brachytherapy" if course.kind == "brachytherapy" else "radiotherapy"
        regimen = regimen_of(case, course)
        therapy("radiotherapy", i, kind, course_label(case, course, reference, short=True), course,
                protocol_name(regimen, reference, short=True) if regimen is not None else None)
    for i, e in enumerate(case.events):
        if e.kind in THERAPY_EVENT_KINDS:
            therapy("events", i, e.kind, e.label, e)
        elif e.kind in MARKED_EVENT_KINDS:
            off = c.at(("events", i, "date"))
            if isinstance(off, str):
                skip(e.label, ("events", i, "date"), off)
            else:
                row("event", e.kind, e.label, off, words(("events", i, "date")), e.locator)
    for i, im in enumerate(case.imaging):
        if not (im.category or im.response_as_worded):
            continue
        label = im.response_as_worded or im.category
        off = c.at(("imaging", i, "date"))
        if isinstance(off, str):
            skip(label, ("imaging", i, "date"), off)
        else:
            row("response", im.category or "as worded", label, off, words(("imaging", i, "date")), im.locator)
    _follow_up(case, c, group, rows, missing)
    return rows, missing


def _bar_end(c: Clock, start: Offset, span: Span, span0: Span | None, basis: str, reported) -> tuple[float, str, bool]:
    """Where a therapy bar that starts at a point ends: (months, end_kind, arrow)."""
    if span.end is None:
        return math.nan, "not reported", False
    if reported is not None and _same(c.tl.duration_origin(reported), span.start):
        d = metrics.reported_as_duration(reported)  # the authors' length, from the start as drawn
        return start.position + d.low, "as reported", d.at_least
    off = c.offset(span.end, span0.end if span0 is not None else None)
    if isinstance(off, str) or (off.open_before and off.open_after):  # goes on for an unknown time
        return start.position, basis, True
    end = max(off.position, start.position)
    if off.open_after:  # 'more than': drawn from where the timeline draws its lower bound, with an arrow
        return end, "open" if basis == "stated" else basis, True
    return end, basis, basis == "ongoing"


def _same(a: When | None, b: When | None) -> bool:
    return a is not None and b is not None and (a.axis, a.earliest, a.latest) == (b.axis, b.earliest, b.latest)


def _follow_up(case: Case, c: Clock, group: str, rows: list[dict], missing: list[dict]) -> None:
    """The follow-up line: from the diagnosis (else the first item drawn at a point, else time 0) to the last
    contact; not drawn, and listed with the reason, when the last contact has no lower bound from time 0."""
    tl = c.tl
    last = tl.last_contact
    label = f"last contact: {case.outcome.status}"
    off = c.offset(last, c.tl0.last_contact if c.tl0 is not None else None) if last is not None else DATE_NOT_PLACED
    if not isinstance(off, str) and off.open_before:
        off = f"its time from time 0 is unknown: it is {last.words}, and time 0 is {c.t0.words}"
    if isinstance(off, str):
        missing.append({"patient": case.case_id, "item": label,
                        "date": last.words if last is not None else NOT_REPORTED, "why not drawn": off})
        return
    fixed = [r["start"] for r in rows if r["drawn"] in ("point", "bar")]
    dx = [r["start"] for r in rows if r["category"] == "diagnosis" and r["drawn"] == "point"]
    start = min(min(dx) if dx else min(fixed, default=0.0), 0.0)
    end_kind = "open" if off.open_after else "death" if case.outcome.status == "dead" else "censored"
    rows.append({"patient": case.case_id, "group": group, "kind": "follow-up", "category": case.outcome.status,
                 "label": label, "drawn": "line", **off.frame_values(), "start": start, "bound": math.nan,
                 "end": max(off.position, start),
                 "end_kind": end_kind, "end_open": end_kind != "death", "date": last.words,
                 "locator": str(case.outcome.locator)})


# ---------------------------------------------------------------- marker kinetics

KINETICS_COLUMNS = ["patient", "analyte", "date", "months", "months_low", "months_high", "open_before", "open_after",
                    "months from time 0", "value", "unit", "reference", "times_uln", "context", "locator"]


def kinetics_table(cases: list[Case], align_on: str = IMMUNOTHERAPY,
                   reference: drug_ref.Reference | None = None) -> pd.DataFrame:
    """Numeric marker values placed in months from time 0, as multiples of the upper limit valid at their date.

    ``months`` is where the value is drawn: its position when its date is bounded on both sides
    (``months_low``..``months_high``), else its one bound (a value dated 'after X' at X's earliest, never
    before it), with ``open_before``/``open_after`` saying which side is open (drawn as an arrow).
    times_uln is missing when the source gives no limit for that analyte and unit; such values,
    values that cannot be placed, and every qualitative observation are listed by ``marker_notes``.
    """
    reference = _reference(reference)
    rows = []
    for case in cases:
        c = clock(case, align_on, reference)
        for i, m in enumerate(case.markers):
            off = c.at(("markers", i, "date"))
            if m.value is None or isinstance(off, str):
                continue
            limit = reference_limit(case, m.analyte, c.tl.at(("markers", i, "date")))
            times = times_uln(m, limit)
            values = off.frame_values()
            rows.append({
                "patient": case.case_id, "analyte": m.analyte, "date": c.tl.at(("markers", i, "date")).words,
                "months": round(off.position, 2), "months_low": _round(values["low"]),
                "months_high": _round(values["high"]),
                "open_before": off.open_before, "open_after": off.open_after, "months from time 0": off.label(),
                "value": m.value, "unit": m.unit,
                "reference": f"< {_num(limit.upper)} {limit.unit}" if limit is not None else NOT_REPORTED,
                "times_uln": None if times is None else round(times, 3), "context": m.context or NOT_REPORTED,
                "locator": str(m.locator),
            })
    frame = pd.DataFrame(rows, columns=KINETICS_COLUMNS)
    return frame.sort_values(["patient", "analyte", "months"], kind="stable").reset_index(drop=True)


def _round(x: float) -> float:
    return x if math.isnan(x) else round(x, 2)


NOTE_COLUMNS = ["patient", "analyte", "date", "months from time 0", "as reported", "why not plotted", "locator"]


def marker_notes(cases: list[Case], align_on: str = IMMUNOTHERAPY,
                 reference: drug_ref.Reference | None = None) -> pd.DataFrame:
    """Every marker fact the kinetics plot does not draw, and every patient with no marker, with the reason."""
    reference = _reference(reference)
    rows = []
    for case in cases:
        if not case.markers:
            rows.append({"patient": case.case_id, "analyte": NOT_REPORTED, "date": NOT_REPORTED,
                         "months from time 0": NOT_REPORTED, "as reported": "no tumor marker reported",
                         "why not plotted": "no marker in the source", "locator": NOT_REPORTED})
            continue
        c = clock(case, align_on, reference)
        for i, m in enumerate(case.markers):
            off = c.at(("markers", i, "date"))
            when = c.tl.at(("markers", i, "date"))
            limit = reference_limit(case, m.analyte, when)
            if m.value is not None and not isinstance(off, str) and limit is not None and limit.unit == m.unit:
                continue  # plotted
            if m.value is None:
                why = "qualitative observation (no number in the source)"
            elif isinstance(off, str):
                why = off
            else:
                why = "no reference limit in the source for this analyte and unit"
            shown = m.observation if m.value is None else f"{_num(m.value)} {m.unit}" + (
                f" ({m.observation})" if m.observation else "")
            rows.append({"patient": case.case_id, "analyte": m.analyte,
                         "date": when.words if when is not None else _stated(case, ("markers", i, "date")),
                         "months from time 0": off.label() if isinstance(off, Offset) else NOT_REPORTED,
                         "as reported": shown, "why not plotted": why, "locator": str(m.locator)})
    return pd.DataFrame(rows, columns=NOTE_COLUMNS)


# ---------------------------------------------------------------- drugs


DRUG_COLUMNS = ["drug", "class", "group", "target", "source", "patients"]


UNNAMED_SOURCE = "not named by the source"


def _no_target(group: str | None) -> str:
    """The target cell of an agent with none: cytotoxics and cytokines have no molecular target listed."""
    return "not listed (cytotoxic)" if drug_ref.GROUP_KINDS.get(group) == "chemotherapy" else "not listed"


def drug_table(cases: list[Case], reference: drug_ref.Reference | None = None) -> pd.DataFrame:
    """The reference entry of every drug these cases name, with the patients who received it; then a row per
    agent the sources do not name (as the case gives its class, group and target), with its patients."""
    reference = _reference(reference)
    used: dict[str, list[str]] = {}
    unnamed: dict[tuple, list[str]] = {}
    for case in cases:
        for r in case.regimens:
            for agent in r.agents:
                if agent.named:
                    patients = used.setdefault(agent.drug, [])
                else:
                    info = drug_ref.agent_info(agent, reference)
                    patients = unnamed.setdefault((info.label, agent.drug_class, info.group, info.target), [])
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
                     "target": d.target or _no_target(d.group),
                     "source": s.reference + (f" [{'; '.join(where)}]" if where else "") + (f" “{quote}”" if quote else ""),
                     "patients": ", ".join(used[name])})
    for (label, drug_class, group, target), patients in sorted(unnamed.items(), key=lambda x: x[0][0]):
        rows.append({"drug": label, "class": drug_class or NOT_STATED, "group": group or NOT_REPORTED,
                     "target": target or (_no_target(group) if group in drug_ref.GROUPS_WITHOUT_TARGET
                                          else NOT_STATED),
                     "source": UNNAMED_SOURCE, "patients": ", ".join(patients)})
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
