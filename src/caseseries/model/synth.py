"""Synthetic case files: realistic shape, invented content, for benchmarks and tests of scale.

A synthetic case looks like a real case file to every part of the tool (10 to 80
events, 1 to 4 regimens, 0 to 40 marker values on 1 to 4 analytes with a reference
limit that sometimes changes once, radiotherapy targets with doses and fractions,
calendar-dated or relative-time cases, month-precision dates, censored outcomes),
but describes no patient: ``source.synthetic`` is ``true``, the citation and a banner
say so, and every locator's section is ``Synthetic``.

Generation is pure: ``case_text(seed, number)`` depends on nothing but its two
arguments (its own ``random.Random``), so the same seed gives the same bytes on any
machine, and case *n* of a seed is the same whether 10 or 10,000 cases are written.
Drugs are drawn only from those the real cases in ``data/cases`` name, so a
synthetic case passes any check of drug names that the real ones pass.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from caseseries.model.dates import DAYS_PER_MONTH

SECTION = "Synthetic"
BANNER = (
    "# SYNTHETIC CASE - NOT A REAL PATIENT. Written by `caseseries synth` (seed {seed}, case {number})\n"
    "# for benchmarks and tests of scale; every fact below is invented. Never copy it into data/cases/.\n"
)

# Every drug here is named in a real case of data/cases (tests/test_synth.py checks it).
# (drug, dose, unit, route, days)
_PACLITAXEL = ("paclitaxel", 175, "mg/m2", "IV", "d1")
_CISPLATIN = ("cisplatin", 75, "mg/m2", "IV", "d1")
_CARBOPLATIN = ("carboplatin", 5, "AUC", "IV", "d1")
_NAB = ("nab-paclitaxel", 260, "mg/m2", "IV", "d1")
_LIPOSOME = ("paclitaxel liposome", 175, "mg/m2", "IV", "d1")
_LOBAPLATIN = ("lobaplatin", 40, "mg", "IV", "d1")
_BEVACIZUMAB = ("bevacizumab", 15, "mg/kg", "IV", "d1")
_APATINIB = ("apatinib", 250, "mg", "oral", "daily")
_TORIPALIMAB = ("toripalimab", 240, "mg", "IV", "d1")
_SOCAZOLIMAB = ("socazolimab", 200, "mg", "IV", "d1")


@dataclass(frozen=True)
class RegimenKind:
    name: str
    modality: str
    agents: tuple[tuple, ...]
    cycle_days: int
    cycles: tuple[int, int]


CONCURRENT = RegimenKind("weekly cisplatin", "chemotherapy", (("cisplatin", 40, "mg/m2", "IV", "d1"),), 7, (4, 6))
ADJUVANT = (
    RegimenKind("TP", "chemotherapy", (_PACLITAXEL, _CISPLATIN), 21, (3, 6)),
    RegimenKind("TC", "chemotherapy", (_PACLITAXEL, _CARBOPLATIN), 21, (3, 6)),
    RegimenKind("paclitaxel liposome + lobaplatin", "chemotherapy", (_LIPOSOME, _LOBAPLATIN), 21, (3, 4)),
)
SYSTEMIC = ADJUVANT + (
    RegimenKind("nab-paclitaxel + cisplatin", "chemotherapy", (_NAB, _CISPLATIN), 21, (2, 6)),
    RegimenKind("TP + bevacizumab", "chemotherapy + targeted therapy", (_PACLITAXEL, _CISPLATIN, _BEVACIZUMAB), 21, (4, 6)),
    RegimenKind("TC + apatinib", "chemotherapy + targeted therapy", (_PACLITAXEL, _CARBOPLATIN, _APATINIB), 21, (4, 6)),
    RegimenKind("TC + toripalimab", "chemo-immunotherapy", (_PACLITAXEL, _CARBOPLATIN, _TORIPALIMAB), 21, (4, 6)),
    RegimenKind("toripalimab", "immunotherapy", (_TORIPALIMAB,), 21, (4, 35)),
    RegimenKind("socazolimab", "immunotherapy", (_SOCAZOLIMAB,), 21, (4, 35)),
)
DRUGS = tuple(sorted({a[0] for r in (CONCURRENT, *SYSTEMIC) for a in r.agents}))

# (analyte, unit, upper limit, a changed upper limit, typical value at diagnosis)
ANALYTES = (
    ("SCCA", "ng/mL", 1.5, 2.7, 25.0),
    ("CA125", "U/mL", 35.0, 30.0, 90.0),
    ("CEA", "ng/mL", 5.0, 3.4, 12.0),
    ("CYFRA 21-1", "ng/mL", 3.3, 2.08, 9.0),
    ("NSE", "ng/mL", 16.3, 17.0, 25.0),
)

# (total Gy, fractions, dose per fraction as a source would state it, or None)
EBRT = ((50.4, 28, 1.8), (45, 25, 1.8), (47.5, 25, 1.9), (50, 25, 2), (48.6, 27, 1.8), (60, 30, 2))
BOOST = ((60.2, 28, 2.15), (61.25, 25, 2.45), (10, 5, 2), (55, 25, 2.2))
BRACHY = ((28, 4, 7), (24, 4, 6), (18, 3, 6), (30, 5, 6))
SBRT = ((40, 5, 8), (35, 5, 7), (30, 3, 10), (24, 3, 8))
PALLIATIVE = ((30, 10, 3), (20, 5, 4), (8, 1, 8))

STAGES_SURGICAL = ("IB1", "IB2", "IB3", "IIA1", "IIA2")
STAGES_ADVANCED = ("IIB", "IIIA", "IIIB", "IIIC1r", "IIIC2r", "IVA")
HISTOLOGY = ("squamous cell carcinoma", "squamous cell carcinoma", "squamous cell carcinoma", "adenocarcinoma",
             "adenosquamous carcinoma")
RECURRENCE_SITES = ("para-aortic lymph nodes", "left supraclavicular lymph nodes", "lung", "liver", "bone",
                    "pelvic side wall", "vaginal vault", "mediastinal lymph nodes", "inguinal lymph nodes")
TOXICITIES = (("neutropenia", ("2", "3", "4")), ("anemia", ("2", "3")), ("nausea", ("1", "2")),
              ("peripheral neuropathy", ("1", "2")), ("hypothyroidism", ("1", "2")),
              ("thrombocytopenia", ("2", "3")), ("hypertension", ("2", "3")), ("proctitis", ("1", "2")))
STATUSES_ALIVE = ("alive", "alive with disease", "alive without evidence of disease", "alive on treatment")


def case_id(seed: int, number: int) -> str:
    return f"synth-{seed}-{number:05d}"


# ---------------------------------------------------------------- time


@dataclass
class Clock:
    """Writes the dates of one case in story order, never earlier than the story's cursor.

    Calendar cases: the cursor is a day ordinal; a date is written at day or month
    precision, and a month always contains the cursor's day. Relative cases: the
    cursor counts days from the undated root event; a date is written as an offset
    rounded *up* to a whole unit, and the cursor moves to exactly the day the offset
    resolves to. Either way ends never precede starts and nothing lies after the last
    contact, whatever the precision.
    """

    rng: random.Random
    calendar: bool
    anchor: str  # relative cases: the id offsets are written from (the root, later a recurrence)
    cursor: float
    month_share: float
    anchor_day: float = 0.0
    points: list[tuple[str, float, float]] = field(default_factory=list)  # (written, day, burden)

    def wait(self, days: float) -> None:
        self.cursor += max(days, 0.0)

    def stamp(self, burden: float | None = None, month: bool | None = None) -> str:
        """The cursor as a case-file date; remembered (with the disease burden) for markers."""
        if self.calendar:
            day = dt.date.fromordinal(int(self.cursor))
            month = self.rng.random() < self.month_share if month is None else month
            text = f"{day:%Y-%m}" if month else day.isoformat()
        else:
            text, self.cursor = self._offset(self.anchor, self.anchor_day, self.cursor)
        if burden is not None:
            self.points.append((text, self.cursor, burden))
        return text

    def end_after(self, start_id: str, start_text: str, start_day: float, days: float) -> str:
        """An end date `days` after a start: a calendar date, or an offset from the start's own id."""
        self.cursor = max(self.cursor, start_day + days)
        if self.calendar:
            return self.stamp()
        text, self.cursor = self._offset(start_id, start_day, self.cursor)
        return text

    def rebase(self, anchor: str) -> None:
        """Relative cases: write later dates from this item (dated at the cursor), as sources do."""
        if not self.calendar:
            self.anchor, self.anchor_day = anchor, self.cursor

    def open_stamp(self) -> str:
        """'more than N months' after the anchor: a relative last contact (never after the cursor)."""
        months = int((self.cursor - self.anchor_day) // DAYS_PER_MONTH)
        return f"{self.anchor} + >{months} months"

    def _offset(self, anchor: str, base: float, target: float) -> tuple[str, float]:
        """`anchor + N unit` at or just after target (N rounded up), and the day it resolves to."""
        gap = max(target - base, 0.0)
        units = [("week", 7.0)] if gap < 182 else [("month", DAYS_PER_MONTH)]
        if gap < 21:
            units.append(("day", 1.0))
        name, size = self.rng.choice(units)
        n = math.ceil(gap / size)
        if n == 0:
            return anchor, base
        return f"{anchor} + {n} {name}{'s' if n != 1 else ''}", base + n * size


# ---------------------------------------------------------------- the story


def _loc(paragraph: int, **extra) -> dict:
    return {"section": SECTION, "paragraph": paragraph, **extra}


class _Story:
    """Builds one case dict in story order; each add_* appends items with their locators."""

    def __init__(self, seed: int, number: int):
        self.rng = rng = random.Random(f"caseseries-synth:{seed}:{number}")
        self.calendar = rng.random() < 0.7
        self.histology = rng.choice(HISTOLOGY)
        self.size = round(rng.uniform(1.5, 7.0), 1)
        start_year = rng.randint(2003, 2012)
        start = dt.date(start_year, rng.randint(1, 12), rng.randint(1, 28)).toordinal()
        self.clock = Clock(rng, self.calendar, "diagnosis", float(start) if self.calendar else 0.0,
                           month_share=rng.choice((0.0, 0.15, 0.3, 0.5)))
        self.paragraph = 1
        self.events: list[dict] = []
        self.regimens: list[dict] = []
        self.radiotherapy: list[dict] = []
        self.imaging: list[dict] = []
        self.adverse_events: list[dict] = []
        self.ids: set[str] = set()
        self.reported: list[dict] = []  # durations the "authors" give instead of an end date
        self.start_days: dict[str, float] = {}
        self.dx_day = 0.0

    # ---- helpers

    def new_id(self, stem: str) -> str:
        n, ident = 1, stem
        while ident in self.ids:
            n += 1
            ident = f"{stem}-{n}"
        self.ids.add(ident)
        return ident

    def next_paragraph(self) -> int:
        self.paragraph += 1
        return self.paragraph

    def event(self, stem: str, kind: str, label: str, burden: float, date: str | None = None,
              lasts: int | None = None, **extra) -> dict:
        """An event at the cursor (or at `date`); `lasts` days gives it an end."""
        ident = self.new_id(stem)
        item = {"id": ident, "kind": kind, "date": date or self.clock.stamp(burden)}
        if lasts is not None:
            item["end"] = self.clock.end_after(ident, item["date"], self.clock.cursor, lasts)
        item.update(label=label, **extra, locator=_loc(self.paragraph))
        self.events.append(item)
        return item

    # ---- phases

    def diagnosis_phase(self, surgical: bool) -> None:
        rng, clock = self.rng, self.clock
        presentation_gap = rng.choice((2, 3, 4, 6, 8))  # weeks before the diagnosis
        self.events.append({"id": self.new_id("presentation"), "kind": "presentation",
                            "date": f"diagnosis - {presentation_gap} weeks",
                            "label": rng.choice(("Postcoital bleeding", "Abnormal vaginal bleeding",
                                                 "Vaginal discharge and pelvic pain", "Abnormal screening cytology")),
                            "locator": _loc(1)})
        if self.calendar:
            clock.wait(rng.randint(0, 10))
            self.event("biopsy", "biopsy", "Cervical biopsy", 1.0, sites=["cervix"])
            clock.wait(rng.randint(3, 14))
            self.event("diagnosis", "diagnosis", f"Cervical {self.histology} diagnosed", 1.0)
            self.dx_day = clock.cursor
        else:
            # Relative case: the diagnosis is undated and roots the axis (like bian2024-p1's rit-start).
            self.ids.add("diagnosis")
            self.events.append({"id": "diagnosis", "kind": "diagnosis", "date": "unknown",
                                "label": f"Cervical {self.histology} diagnosed", "locator": _loc(1)})
            clock.points.append(("diagnosis", 0.0, 1.0))
            clock.wait(rng.randint(1, 10))
            self.event("biopsy", "biopsy", "Cervical biopsy confirms the diagnosis", 1.0, sites=["cervix"])
        clock.wait(rng.randint(3, 14))
        self.imaging.append({"id": self.new_id("mri-staging"), "date": clock.stamp(1.0), "modality": "MRI",
                             "sites": ["cervix", "pelvis"],
                             "findings": f"{self.size} cm cervical mass" + (
                                 "" if surgical else "; parametrial invasion and enlarged pelvic lymph nodes"),
                             "locator": _loc(self.paragraph)})

    def primary_phase(self, surgical: bool, n_regimens: int) -> int:
        """Surgery (+ adjuvant) or definitive chemoradiotherapy; returns the regimens used."""
        rng, clock = self.rng, self.clock
        used = 0
        self.next_paragraph()
        clock.wait(rng.randint(7, 30))
        if surgical:
            self.event("surgery", "surgery", "Radical hysterectomy with bilateral pelvic lymphadenectomy", 0.2,
                       sites=["cervix"])
            clock.wait(rng.randint(5, 15))
            self.event("pathology", "pathology", f"Pathology: {self.histology}, margins clear", 0.15)
            if n_regimens > 0 and rng.random() < 0.8:
                clock.wait(rng.randint(14, 42))
                self.add_regimen(rng.choice(ADJUVANT), "adjuvant", 0.1)
                used += 1
            if rng.random() < 0.6:
                clock.wait(rng.randint(7, 28))
                self.add_radiotherapy("external beam", "IMRT", "adjuvant", EBRT, 0.1, "pelvic PTV")
        else:
            concurrent = n_regimens > 0 and rng.random() < 0.85
            rt = self.add_radiotherapy("external beam", rng.choice(("IMRT", "VMAT")), "definitive", EBRT, 0.5,
                                       "pelvic PTV", boost=rng.random() < 0.5,
                                       concurrent="weekly cisplatin" if concurrent else "none")
            if concurrent:
                rt_end = clock.cursor
                clock.cursor = self.start_days[rt["id"]]
                self.add_regimen(CONCURRENT, "concurrent with pelvic radiotherapy", 0.4,
                                 start=rt["start"] if not self.calendar or rng.random() < 0.5 else None)
                clock.cursor = max(clock.cursor, rt_end)
                used += 1
            clock.wait(rng.randint(3, 14))
            self.add_radiotherapy("brachytherapy", "HDR brachytherapy", "definitive", BRACHY, 0.2,
                                  "high-risk CTV", energy="Ir-192")
        return used

    def add_regimen(self, kind: RegimenKind, setting: str, burden: float, start: str | None = None,
                    ongoing: bool = False) -> dict:
        rng, clock = self.rng, self.clock
        ident = self.new_id(kind.name.replace(" + ", "-").replace(" ", "-").lower())
        start_text = start or clock.stamp(burden)
        start_day = clock.cursor
        planned = rng.randint(*kind.cycles)
        given = planned if rng.random() < 0.7 else rng.randint(1, planned)
        p = self.paragraph
        item = {"id": ident, "name": kind.name, "setting": setting, "modality": kind.modality,
                "agents": [_agent(a, p) for a in kind.agents], "cycle_days": kind.cycle_days,
                "cycles_planned": planned, "cycles_given": given, "start": start_text}
        if not ongoing:
            item["end"] = clock.end_after(ident, start_text, start_day, kind.cycle_days * max(given - 1, 0) + 1)
            months = _whole_months(start_day, clock.cursor, self.calendar)
            if months >= 1 and rng.random() < 0.15:  # a course given as "for N months", with no end date
                del item["end"]
                self.reported.append({"name": f"duration of {kind.name}", "value": months, "unit": "months",
                                      "qualifier": "=", "of": ident, "locator": _loc(p)})
            if given < planned:
                item["reason_stopped"] = rng.choice(("toxicity", "progression", "patient's request"))
                if item["reason_stopped"] == "toxicity":
                    self.add_toxicity(kind, ident, p)
            elif rng.random() < 0.3:
                self.add_toxicity(kind, ident, p)
        item["locator"] = _loc(p)
        self.regimens.append(item)
        return item

    def add_toxicity(self, kind: RegimenKind, regimen_id: str, paragraph: int) -> None:
        term, grades = self.rng.choice(TOXICITIES)
        self.adverse_events.append({"term": term, "grade": self.rng.choice(grades),
                                    "attribution": " + ".join(a[0] for a in kind.agents),
                                    "date": regimen_id if self.rng.random() < 0.5 or not self.calendar
                                    else self.clock.stamp(month=True),
                                    "locator": _loc(paragraph)})

    def add_radiotherapy(self, kind: str, technique: str, intent: str, schedules, burden: float, target: str,
                         boost: bool = False, concurrent: str | None = None, energy: str = "6 MV X-rays") -> dict:
        rng, clock = self.rng, self.clock
        ident = self.new_id({"external beam": "ebrt", "brachytherapy": "brachy", "stereotactic": "sbrt"}[kind])
        start_text = clock.stamp(burden)
        start_day = self.start_days[ident] = clock.cursor
        p = self.paragraph
        targets = [_target(target, rng.choice(schedules), rng, p)]
        if boost:
            targets.append(_target("nodal boost (GTVnd)", rng.choice(BOOST), rng, p))
        fractions = max(t.get("fractions", 1) for t in targets)
        per_week = 5 if kind != "brachytherapy" else 1
        days = (fractions // per_week) * 7 + fractions % per_week
        item = {"id": ident, "kind": kind, "technique": technique, "energy": energy, "intent": intent,
                "start": start_text, "end": clock.end_after(ident, start_text, start_day, max(days - 1, 0)),
                "targets": targets}
        if concurrent:
            item["concurrent_chemotherapy"] = concurrent
        item["locator"] = _loc(p)
        self.radiotherapy.append(item)
        return item

    def quiet_period(self, n_events: int, months: float, burden: float) -> None:
        """Follow-up visits, labs, response assessments and imaging spread over a period."""
        rng, clock = self.rng, self.clock
        if n_events <= 0:
            clock.wait(months * DAYS_PER_MONTH)
            return
        self.next_paragraph()
        step = months * DAYS_PER_MONTH / n_events
        for _ in range(n_events):
            clock.wait(step * rng.uniform(0.7, 1.3))
            kind = rng.choices(("follow-up", "lab", "response assessment", "imaging", "adverse event"),
                               (6, 2, 2, 2, 1))[0]
            if kind == "imaging":
                ev = self.event("imaging", "imaging", "Surveillance CT of chest, abdomen and pelvis", burden)
                self.imaging.append({"id": self.new_id("ct"), "date": ev["id"], "modality": "CT",
                                     "findings": "no evidence of disease" if burden < 0.3 else "residual disease",
                                     "locator": _loc(self.paragraph)})
            elif kind == "adverse event":
                term, _ = rng.choice(TOXICITIES)
                self.event("admission", "adverse event", f"Admitted with {term}", burden, lasts=rng.randint(2, 9))
            elif kind == "follow-up" and self.calendar and rng.random() < 0.3:
                day = dt.date.fromordinal(int(clock.cursor))  # "in early 2015": the part of the year holding the day
                part = "early" if day.month <= 4 else "mid" if day.month <= 8 else "late"
                self.event("follow-up", kind, "Follow-up visit", burden, date=f"{part} {day.year}")
            elif kind == "response assessment":
                self.event("assessment", kind, "Response assessment: " + (
                    "no evidence of disease" if burden < 0.3 else "stable disease"), burden)
            elif kind == "lab":
                self.event("lab", kind, "Blood tests and tumor markers", burden)
            else:
                self.event("follow-up", kind, "Follow-up visit", burden)

    def recurrence_phase(self, line: int, regimen_kinds: list[RegimenKind], ongoing: bool) -> None:
        rng, clock = self.rng, self.clock
        self.next_paragraph()
        sites = sorted(rng.sample(RECURRENCE_SITES, rng.randint(1, 3)))
        kind, label = ("recurrence", "Recurrence") if line == 1 else ("progression", "Progression")
        ev = self.event(kind, kind, f"{label}: {', '.join(sites)}", 0.8, sites=sites)
        clock.rebase(ev["id"])
        pet = {"id": self.new_id("pet-ct"), "date": ev["id"], "modality": "PET-CT", "sites": sites,
               "findings": "FDG-avid lesions: " + ", ".join(sites)}
        if line > 1:
            pet.update(response_as_worded="progressive disease", category="PD")
        self.imaging.append({**pet, "locator": _loc(self.paragraph)})
        clock.wait(rng.randint(7, 28))
        if rng.random() < 0.35:
            self.add_radiotherapy("stereotactic" if rng.random() < 0.5 else "external beam", "SBRT", "palliative",
                                  SBRT if rng.random() < 0.5 else PALLIATIVE, 0.6, sites[0])
            clock.wait(rng.randint(3, 14))
        setting = ("first" if line == 1 else "second" if line == 2 else "third") + " line for recurrent disease"
        for n, kind_ in enumerate(regimen_kinds):
            self.add_regimen(kind_, setting, 0.5, ongoing=ongoing and n == len(regimen_kinds) - 1)
            clock.wait(rng.randint(14, 60))
            date = clock.stamp(0.3)
            if rng.random() < 0.3:  # "after the regimen", with no date, as sources often write
                date = rng.choice((f"on or after {self.regimens[-1]['id']}", f"{self.regimens[-1]['id']} + >0 months"))
            self.imaging.append({"id": self.new_id("ct-response"), "date": date, "modality": "CT",
                                 "findings": "lesions smaller", "response_as_worded": "partial response",
                                 "category": "PR", "locator": _loc(self.paragraph)})


def _agent(spec: tuple, paragraph: int) -> dict:
    drug, dose, unit, route, days = spec
    return {"drug": drug, "dose": dose, "unit": unit, "route": route, "days": days, "locator": _loc(paragraph)}


def _target(name: str, schedule: tuple, rng: random.Random, paragraph: int) -> dict:
    total, fractions, per_fraction = schedule
    out = {"name": name, "total_dose_gy": total, "fractions": fractions}
    if rng.random() < 0.5:
        out["dose_per_fraction_gy"] = per_fraction
    if rng.random() < 0.5:
        out["schedule"] = "5 fractions a week" if per_fraction < 5 else "weekly" if fractions < 5 else "daily"
    out["locator"] = _loc(paragraph)
    return out


# ---------------------------------------------------------------- the whole case


def case_dict(seed: int, number: int) -> dict:
    """One synthetic case as the dict a case file holds (keys in the documented order)."""
    s = _Story(seed, number)
    rng, clock = s.rng, s.clock
    surgical = rng.random() < 0.45
    stage = rng.choice(STAGES_SURGICAL if surgical else STAGES_ADVANCED)

    n_events = rng.randint(10, 80)
    n_regimens = rng.randint(1, 4)
    s.diagnosis_phase(surgical)
    used = s.primary_phase(surgical, n_regimens)
    remaining = n_regimens - used
    # Lines of treatment after recurrence (a recurrence may also get radiotherapy alone).
    lines = _split(remaining, rng) if remaining else ([] if rng.random() < 0.5 else [0])
    dead = bool(lines) and rng.random() < 0.35
    ongoing = not dead and bool(lines) and lines[-1] > 0 and rng.random() < 0.5

    # Events the story needs besides the quiet periods: recurrences/progressions + the end.
    needed = len(s.events) + len(lines) + 1
    quiet = max(n_events - needed, 0)
    parts = _partition(quiet, len(lines) + 1, rng)
    s.quiet_period(parts[0], rng.uniform(6, 48), 0.05)
    for i, size in enumerate(lines):
        line_kinds = [rng.choice(SYSTEMIC) for _ in range(size)]
        s.recurrence_phase(i + 1, line_kinds, ongoing and i == len(lines) - 1)
        s.quiet_period(parts[i + 1], rng.uniform(3, 18), 0.3)

    # The end: death, or a last contact (relative cases: sometimes "more than N months").
    clock.wait(rng.randint(7, 60))
    s.next_paragraph()
    if dead:
        last = s.event("death", "death", "Died of progressive disease", 1.0)["date"]
    elif not s.calendar and rng.random() < 0.5:
        last = clock.open_stamp()
        s.event("last-contact", "last contact", "Last follow-up", 0.1, date=last)
    else:
        last = s.event("last-contact", "last contact", "Last follow-up", 0.1)["date"]
    if ongoing:
        s.regimens[-1]["ongoing_as_of"] = last
        s.regimens[-1]["locator"] = s.regimens[-1].pop("locator")

    markers, limits = _markers(s, rng)
    status = "dead" if dead else ("alive on treatment" if ongoing else rng.choice(STATUSES_ALIVE))
    os_months = max(_whole_months(s.dx_day, clock.cursor, s.calendar), 1)
    durations = [{"name": "overall survival", "value": os_months, "unit": "months",
                  "qualifier": "=" if dead else ">", "censored": not dead, "measured_from": "diagnosis",
                  **({} if dead else {"origin": "diagnosis"}), "locator": _loc(s.paragraph)}]
    if lines and rng.random() < 0.6:
        durations.append({"name": "progression-free survival", "value": max(round(os_months * rng.uniform(0.2, 0.6)), 1),
                          "unit": "months", "qualifier": "=", "censored": False,
                          "measured_from": "end of primary treatment", "locator": _loc(s.paragraph)})
    durations += s.reported

    case: dict = {
        "case_id": case_id(seed, number),
        "title": f"Synthetic case {number} (seed {seed}): FIGO 2018 {stage} cervical {s.histology}, "
                 f"{len(s.regimens)} regimen{'s' if len(s.regimens) != 1 else ''}",
        "neutral_title": f"Synthetic cervical cancer case {number}",
        "source": {"citation": f"Synthetic case generated by caseseries synth (seed {seed}, case {number}); "
                               "not a real patient.",
                   "patient": "synthetic patient", "synthetic": True},
        "patient": _patient(rng),
        "diagnosis": _diagnosis(rng, s, stage, surgical),
        "events": s.events,
        "regimens": s.regimens,
        "radiotherapy": s.radiotherapy,
        "reference_limits": limits,
        "markers": markers,
        "imaging": s.imaging,
        "adverse_events": s.adverse_events,
        "outcome": {"status": status, "last_contact": last, "durations": durations, "locator": _loc(s.paragraph)},
    }
    if s.regimens and rng.random() < 0.3:
        r = s.regimens[0]
        case["discrepancies"] = [{
            "id": "cycles-given", "topic": f"number of {r['name']} cycles given",
            "statements": [{"says": f"{r['cycles_given']} cycles", "locator": _loc(2)},
                           {"says": f"{r['cycles_given'] + 1} cycles", "locator": {"section": SECTION, "table": "1"}}],
            "note": "cycles_given follows the text.", "date": r["id"]}]
    return {k: v for k, v in case.items() if v != [] and v != {}}


def _whole_months(first: float, last: float, on_calendar: bool) -> int:
    """Whole months from one day to another: calendar months on the calendar (as the timeline counts them)."""
    if not on_calendar:
        return int((last - first) // DAYS_PER_MONTH)
    a, b = dt.date.fromordinal(int(first)), dt.date.fromordinal(int(last))
    return (b.year - a.year) * 12 + b.month - a.month - (b.day < a.day)


def _split(n: int, rng: random.Random) -> list[int]:
    """n regimens into lines of treatment of one or two regimens each."""
    lines: list[int] = []
    while n > 0:
        take = 1 if n == 1 or rng.random() < 0.7 else 2
        lines.append(take)
        n -= take
    return lines


def _partition(total: int, parts: int, rng: random.Random) -> list[int]:
    """total split into `parts` random non-negative counts."""
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total])]


def _patient(rng: random.Random) -> dict:
    loc = _loc(1)
    out = {"age_at_diagnosis": {"value": rng.randint(28, 78), "locator": loc},
           "sex": {"value": "female", "locator": loc},
           "ecog": {"value": rng.choice((0, 0, 1, 1, 2)), "locator": loc}}
    if rng.random() < 0.5:
        out["hpv_status"] = {"value": rng.choice(("HPV16 positive", "HPV18 positive", "HPV negative", "unknown")),
                             "locator": loc}
    out["presenting_complaint"] = {"value": rng.choice(("postcoital bleeding", "abnormal vaginal bleeding",
                                                        "pelvic pain")), "locator": loc}
    return out


def _diagnosis(rng: random.Random, s: _Story, stage: str, surgical: bool) -> dict:
    loc = _loc(1)
    out = {"primary_site": {"value": "cervix", "locator": loc},
           "histology": {"value": s.histology, "locator": loc},
           "stages": [{"system": "FIGO 2018", "value": stage, "basis": "clinical" if not stage.endswith("r")
                       else "radiological", "date": "diagnosis", "locator": loc}],
           "tumor_size": [{"dimensions_cm": [s.size], "method": "MRI", "locator": loc}]}
    if surgical:
        examined = rng.randint(12, 35)
        positive = rng.choice((0, 0, 1, 2, 3))
        out["nodes"] = [{"region": "pelvic", "positive": min(positive, examined), "examined": examined,
                         "locator": _loc(2)}]
    else:
        out["nodes"] = [{"region": "pelvic", "finding": "enlarged nodes on MRI", "locator": loc}]
    if rng.random() < 0.6:
        out["biomarkers"] = [{"name": "PD-L1", "result": str(rng.choice((0, 1, 5, 10, 20, 50))), "method": "IHC",
                              "assay": "22C3", "score_type": "CPS", "specimen": "cervical biopsy", "locator": loc}]
    return out


def _markers(s: _Story, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """0-40 marker values on 1-4 analytes, following the disease burden; and their reference limits."""
    points = s.clock.points
    n = rng.choice((0, rng.randint(1, 40), rng.randint(1, 40), rng.randint(1, 40)))
    if n == 0 or not points:
        return [], []
    analytes = rng.sample(ANALYTES, rng.randint(1, 4))
    chosen = sorted(rng.choices(range(len(points)), k=n))
    markers = []
    for i in chosen:
        text, _, burden = points[i]
        name, unit, upper, _, peak = rng.choice(analytes)
        value = upper * 0.4 + (peak - upper * 0.4) * burden * rng.uniform(0.6, 1.4)
        item = {"analyte": name, "date": text}
        if rng.random() < 0.1:
            item["observation"] = "elevated" if value > upper else "within the normal range"
        else:
            item.update(value=round(value, 1), unit=unit)
        item["locator"] = _loc(2)
        markers.append(item)
    limits = []
    used = {m["analyte"] for m in markers}
    for k, (name, unit, upper, changed, _) in enumerate(a for a in analytes if a[0] in used):
        if k == 0 and rng.random() < 0.4 and len(points) > 2:
            change = points[rng.randrange(1, len(points))][0]
            limits += [{"analyte": name, "upper": upper, "unit": unit, "valid_until": change, "locator": _loc(2)},
                       {"analyte": name, "upper": changed, "unit": unit, "valid_from": change, "locator": _loc(3)}]
        else:
            limits.append({"analyte": name, "upper": upper, "unit": unit, "locator": _loc(2)})
    return markers, limits


# ---------------------------------------------------------------- text and files


LOCATOR_KEYS = {"section", "paragraph", "table", "figure", "quote"}


class _Dumper(yaml.SafeDumper):
    """Written like the hand-made files: blocks for structure, one-line locators and short
    lists, dates unquoted (the case loader reads them as text), never anchors."""

    def ignore_aliases(self, data):
        return True

    def represent_dict(self, data):
        return self.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=set(data) <= LOCATOR_KEYS)

    def represent_list(self, data):
        flat = all(isinstance(x, (str, int, float)) for x in data)
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_Dumper.add_representer(dict, _Dumper.represent_dict)
_Dumper.add_representer(list, _Dumper.represent_list)
_Dumper.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
}


def case_text(seed: int, number: int) -> str:
    """One synthetic case file, banner included: the same bytes for the same seed and number."""
    body = yaml.dump(case_dict(seed, number), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return BANNER.format(seed=seed, number=number) + body


def protected_folders() -> tuple[Path, ...]:
    """Where synthetic cases must never go: this checkout's data/cases and the project's in use."""
    from caseseries.model.paths import cases_dir

    return (Path(__file__).resolve().parents[3] / "data" / "cases", cases_dir())


def write_cases(out: Path, n: int, seed: int, forbidden: tuple[Path, ...] | None = None) -> list[Path]:
    """Write cases 1..n of a seed into `out` (created if needed); refuse a folder inside `forbidden`."""
    out = Path(out).resolve()
    for folder in protected_folders() if forbidden is None else forbidden:
        folder = Path(folder).resolve()
        if out == folder or folder in out.parents:
            raise ValueError(f"refusing to write synthetic cases into {folder}: data/cases holds published "
                             "cases only; choose another folder")
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(1, n + 1):
        path = out / f"{case_id(seed, number)}.yaml"
        path.write_text(case_text(seed, number), encoding="utf-8")
        paths.append(path)
    return paths
