"""A case as a FHIR R4B Bundle (type collection) shaped on mCODE STU4's model: case -> dict, no I/O.

Which mCODE profile each resource follows, and what it cannot fill, is in docs/exports.md.
Resources are shaped like the profiles but do not claim them (no ``meta.profile``): the
profiles need codes (SNOMED, LOINC, ICD-O-3) that the case files do not give, and none is
invented here. Every value keeps the case file's words in ``text``; every resource that
takes a ``note`` carries the fact's locator and the case file's notes. Dates come from the
timeline (:mod:`caseseries.views.exports.dates`): a day, month or year as FHIR's partial dateTime,
a date known only as an interval as a Period with a note, an open or off-calendar date left
out with a note.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from caseseries.model.drugs import Drug, agent_info, regimen_name
from caseseries.model.case import NOT_STATED, Case, course_name, notes_of
from caseseries.model.timeline import When, timeline
from caseseries.views.exports.dates import day_interval, partial_date, words

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
# mCODE CancerDiseaseStatus: LOINC 97509-4 and the SNOMED codes of its trend value set.
DISEASE_STATUS = {"system": LOINC, "code": "97509-4", "display": "Cancer disease progression"}
TREND = {"improved": ("268910001", "Patient's condition improved"),
         "stable": ("359746009", "Patient's condition stable"),
         "worsened": ("271299001", "Patient's condition worsened")}
# What each response category or event kind says of the trend (only where the case file states it).
CATEGORY_TREND = {"CR": "improved", "PR": "improved", "SD": "stable", "PD": "worsened"}
EVENT_TREND = {"progression": "worsened", "recurrence": "worsened"}
# Case-file units and their UCUM codes; a unit not listed keeps its text with no code.
UCUM_CODES = {"mg": "mg", "mg/m2": "mg/m2", "mg/kg": "mg/kg", "g": "g", "g/m2": "g/m2", "ug": "ug",
              "ug/m2": "ug/m2", "ug/kg": "ug/kg", "IU": "[iU]", "IU/kg": "[iU]/kg", "MIU": "10*6.[iU]",
              "MIU/m2": "10*6.[iU]/m2", "ng/ml": "ng/mL", "ng/mL": "ng/mL", "u/ml": "U/mL", "U/ml": "U/mL",
              "U/mL": "U/mL", "pg/ml": "pg/mL", "pg/mL": "pg/mL", "ug/l": "ug/L", "ug/L": "ug/L",
              "IU/ml": "[iU]/mL", "IU/mL": "[iU]/mL", "Gy": "Gy", "cm": "cm"}
DURATION_UCUM = {"days": "d", "weeks": "wk", "months": "mo", "years": "a"}
COMPARATOR = {">": ">", "≥": ">="}
SURGICAL = ("surgery", "biopsy")


def quantity(value: float, unit: str) -> dict:
    """A Quantity with the case file's unit as text and its UCUM code when there is one."""
    out: dict = {"value": value, "unit": unit}
    if unit in UCUM_CODES:
        out.update(system=UCUM, code=UCUM_CODES[unit])
    return out


def _number(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


class _Bundle:
    def __init__(self, case: Case, reference: Mapping[str, Drug]):
        self.case, self.reference, self.tl = case, reference, timeline(case)
        self.entries: list[dict] = []
        self.counts: dict[str, int] = {}
        self.patient = self.ref("Patient", "patient")

    def url(self, rtype: str, rid: str) -> str:
        return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"caseseries:{self.case.case_id}/{rtype}/{rid}"))

    def ref(self, rtype: str, rid: str) -> dict:
        return {"reference": self.url(rtype, rid)}

    def add(self, resource: dict, rid: str | None = None) -> dict:
        rtype = resource["resourceType"]
        if rid is None:
            self.counts[rtype] = self.counts.get(rtype, 0) + 1
            rid = f"{rtype.lower()}-{self.counts[rtype]}"
        resource = {"resourceType": rtype, "id": _fhir_id(rid), **{k: v for k, v in resource.items()
                                                                    if k != "resourceType"}}
        self.entries.append({"fullUrl": self.url(rtype, rid), "resource": resource})
        return self.ref(rtype, rid)

    # ---------------------------------------------------------- dates

    def date_fields(self, prefix: str, w: When | None, required: bool = False) -> tuple[dict, list[str]]:
        """``{prefix}DateTime`` (exact day, month or year) or ``{prefix}Period`` (an interval), with a note when
        the date is an interval or left out; a required element left out carries data-absent-reason."""
        exact = partial_date(w)
        if exact is not None:
            return {f"{prefix}DateTime": exact}, []
        interval = day_interval(w)
        if interval is not None:
            first, last = interval
            return ({f"{prefix}Period": {"start": first.isoformat(), "end": last.isoformat()}},
                    [f"Date known only as an interval: {words(w)}; the Period gives its first and last possible day."])
        note = [f"Date left out (no calendar date or an open interval): {words(w)}."]
        if required:
            return {f"_{prefix}DateTime": {"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]}}, note
        return {}, note

    def period(self, start: When | None, end: When | None, end_basis: str | None) -> tuple[dict | None, list[str]]:
        """A Period of a course: each end kept only when exact (day, month or year); notes for what is left out."""
        period, notes = {}, []
        for key, w in (("start", start), ("end", end)):
            if w is None:
                continue
            exact = partial_date(w)
            if exact is not None and not (key == "end" and end_basis in ("reported", "ongoing")):
                period[key] = exact
            elif key == "end" and end_basis == "reported":
                notes.append(f"End from the duration the authors report: {words(w)}.")
            elif key == "end" and end_basis == "ongoing":
                notes.append(f"Ongoing as of {words(w)}.")
            else:
                notes.append(f"{key.capitalize()} left out (not an exact day, month or year): {words(w)}.")
        return (period or None), notes

    # ---------------------------------------------------------- notes

    def notes(self, item, *extra: str | None) -> list[dict]:
        texts = [t for t in extra if t] + notes_of(item)
        loc = getattr(item, "locator", None)
        if loc is not None:
            texts.append(f"Source: {loc}" + (f": “{loc.quote}”" if loc.quote else ""))
        return [{"text": t} for t in texts]

    def observation(self, code_text: str, item, value: dict, w: When | None = None, extra: list[str] = (),
                    code: dict | None = None, **more) -> dict:
        dates, date_notes = self.date_fields("effective", w) if w is not None else ({}, [])
        resource = {"resourceType": "Observation", "status": "final",
                    "code": {**({"coding": [code]} if code else {}), "text": code_text},
                    "subject": self.patient, **dates, **value, **more}
        note = self.notes(item, *extra, *date_notes)
        if note:
            resource["note"] = note
        return self.add(resource)


def _fhir_id(text: str) -> str:
    out = "".join(c if c.isalnum() or c in "-." else "-" for c in text)
    return out[:64]


def _value(value) -> dict:
    if isinstance(value, bool):
        return {"valueString": str(value).lower()}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, float):
        return {"valueQuantity": {"value": _number(value)}}
    return {"valueString": str(value)}


def bundle(case: Case, reference: Mapping[str, Drug]) -> dict:
    """The case as a FHIR R4B Bundle (a dict, ready for json.dumps and Bundle.model_validate)."""
    b = _Bundle(case, reference)
    tl = b.tl
    _patient(b)
    _source(b)
    condition = _condition(b)
    _diagnosis_findings(b, condition)
    for i, event in enumerate(case.events):
        w = tl.at(("events", i, "date"))
        if event.kind in SURGICAL:
            _procedure(b, event, i)
        elif event.kind in EVENT_TREND:
            _disease_status(b, event, w, EVENT_TREND[event.kind], event.label, condition)
        else:
            b.observation(f"{event.kind}: {event.label}", event, {"valueString": event.label}, w,
                          [event.detail, f"Sites: {', '.join(event.sites)}" if event.sites else None])
    for i, regimen in enumerate(case.regimens):
        _regimen(b, regimen, i)
    for i, course in enumerate(case.radiotherapy):
        _radiotherapy(b, course, i)
    _markers(b)
    for i, img in enumerate(case.imaging):
        w = tl.at(("imaging", i, "date"))
        extra = [f"Findings: {img.findings}", f"Sites: {', '.join(img.sites)}" if img.sites else None]
        if img.category is not None:
            _disease_status(b, img, w, CATEGORY_TREND[img.category],
                            img.response_as_worded or img.findings, condition, extra + [f"Category: {img.category}"])
        else:
            b.observation(f"imaging ({img.modality})", img, {"valueString": img.response_as_worded or img.findings},
                          w, extra)
    for i, ae in enumerate(case.adverse_events):
        w = tl.at(("adverse_events", i, "date")) if ae.date is not None else None
        value = ("observed" if ae.observed else "not observed") + (f", grade {ae.grade}" if ae.grade else "")
        b.observation(f"adverse event: {ae.term}", ae, {"valueString": value}, w,
                      [f"Attribution: {ae.attribution}" if ae.attribution else None])
    _outcome(b)
    return {"resourceType": "Bundle", "id": _fhir_id(case.case_id), "type": "collection", "entry": b.entries}


def _patient(b: _Bundle) -> None:
    case, p = b.case, b.case.patient
    resource: dict = {"resourceType": "Patient", "active": True}
    if p.sex is not None and str(p.sex.value).lower() in ("female", "male", "other", "unknown"):
        resource["gender"] = str(p.sex.value).lower()
    if case.outcome.status == "dead":
        resource["deceasedBoolean"] = True
    b.add(resource, "patient")
    if p.age_at_diagnosis is not None:
        b.observation("age at diagnosis", p.age_at_diagnosis,
                      {"valueQuantity": {"value": _number(p.age_at_diagnosis.value), "unit": "years",
                                         "system": UCUM, "code": "a"}})
    for name in ("ecog", "obstetric_history", "smoking", "ethnicity", "marital_status", "occupation", "education",
                 "comorbidities", "family_history", "hpv_status", "presenting_complaint"):
        fact = getattr(p, name)
        if fact is not None:
            b.observation(name.replace("_", " "), fact, _value(fact.value))


def _source(b: _Bundle) -> None:
    s = b.case.source
    attachment = {"title": s.citation}
    if s.doi:
        attachment["url"] = f"https://doi.org/{s.doi}"
    elif s.url:
        attachment["url"] = s.url
    resource = {"resourceType": "DocumentReference", "status": "current", "subject": b.patient,
                "description": f"{s.citation} (patient: {s.patient})", "content": [{"attachment": attachment}]}
    b.add(resource, "source")


def _condition(b: _Bundle) -> dict:
    case, d, tl = b.case, b.case.diagnosis, b.tl
    resource: dict = {"resourceType": "Condition", "subject": b.patient,
                      "category": [{"text": "primary cancer"}],
                      "code": {"text": (d.histology.value if d.histology else "cancer, histology not stated")
                               if not d.primary_site else
                               f"{d.histology.value if d.histology else 'cancer'} of the {d.primary_site.value}"}}
    if d.histology is not None:
        resource["extension"] = [{"url": MCODE + "mcode-histology-morphology-behavior",
                                  "valueCodeableConcept": {"text": str(d.histology.value)}}]
    if d.primary_site is not None:
        resource["bodySite"] = [{"text": str(d.primary_site.value)}]
    notes = []
    dx = next(((i, e) for i, e in enumerate(case.events) if e.kind == "diagnosis"), None)
    if dx is not None:
        dates, dnotes = b.date_fields("onset", tl.at(("events", dx[0], "date")))
        resource.update(dates)
        notes += [f"Onset: the diagnosis event '{dx[1].label}'."] + dnotes
    for fact, what in ((d.histology, "Histology"), (d.primary_site, "Primary site"),
                       (d.differentiation, "Differentiation")):
        if fact is not None:
            notes.append(f"{what}: {fact.value}. Source: {fact.locator}" + (f": “{fact.locator.quote}”"
                                                                             if fact.locator.quote else ""))
    notes += notes_of(d)
    if notes:
        resource["note"] = [{"text": t} for t in notes]
    ref = b.add(resource, "primary-cancer")
    stages = []
    for i, stage in enumerate(d.stages):
        w = tl.at(("diagnosis", "stages", i, "date")) if stage.date is not None else None
        stages.append(b.observation(f"{stage.system} stage", stage, {"valueCodeableConcept": {"text": stage.value}},
                                    w, [f"Basis: {stage.basis}"], method={"text": stage.system}, focus=[ref]))
    if stages:
        resource["stage"] = [{"assessment": [s]} for s in stages]
    return ref


def _diagnosis_findings(b: _Bundle, condition: dict) -> None:
    d, tl = b.case.diagnosis, b.tl
    for size in d.tumor_size:
        components = [{"code": {"text": f"dimension {n + 1}"}, "valueQuantity": quantity(_number(v), "cm")}
                      for n, v in enumerate(size.dimensions_cm)]
        b.observation("tumor size", size, {}, None, [f"Method: {size.method}",
                                                      "Approximate, as stated." if size.approximate else None],
                      component=components, focus=[condition])
    for node in d.nodes:
        components = [{"code": {"text": name}, "valueInteger": n} for name, n in
                      (("lymph nodes positive", node.positive), ("lymph nodes examined", node.examined))
                      if n is not None]
        value = {"valueString": node.finding} if node.finding else {}
        b.observation(f"regional lymph nodes: {node.region}", node, value, None,
                      **({"component": components} if components else {}), focus=[condition])
    for i, bm in enumerate(d.biomarkers):
        w = tl.at(("diagnosis", "biomarkers", i, "date")) if bm.date is not None else None
        b.observation(f"{bm.name}" + (f" ({bm.score_type})" if bm.score_type else ""), bm,
                      {"valueString": bm.result}, w,
                      [f"Assay: {bm.assay}" if bm.assay else None, f"Specimen: {bm.specimen}" if bm.specimen else None],
                      method={"text": bm.method}, focus=[condition])
    for fact in d.other_findings:
        b.observation("diagnostic finding", fact, _value(fact.value), None, focus=[condition])


def _procedure(b: _Bundle, event, i: int) -> None:
    span = b.tl.span("events", i)
    resource: dict = {"resourceType": "Procedure", "status": "completed", "subject": b.patient,
                      "code": {"text": event.label}, "category": {"text": event.kind}}
    notes = []
    if event.end is not None:
        period, notes = b.period(span.start, span.end, span.end_basis)
        if period:
            resource["performedPeriod"] = period
    else:
        dates, notes = b.date_fields("performed", span.start)
        resource.update(dates)
    if event.sites:
        resource["bodySite"] = [{"text": s} for s in event.sites]
    resource["note"] = b.notes(event, event.detail, *notes)
    b.add(resource, f"event-{event.id}")


def _disease_status(b: _Bundle, item, w, trend: str, said: str, condition: dict, extra: list = ()) -> None:
    code, display = TREND[trend]
    b.observation("cancer disease status", item,
                  {"valueCodeableConcept": {"coding": [{"system": SNOMED, "code": code, "display": display}],
                                            "text": said}},
                  w, [*extra, getattr(item, "detail", None)], code=DISEASE_STATUS, focus=[condition])


def _regimen(b: _Bundle, regimen, i: int) -> None:
    span = b.tl.span("regimens", i)
    period, pnotes = b.period(span.start, span.end, span.end_basis)
    status = ("stopped" if regimen.reason_stopped else "completed" if regimen.end is not None
              else "in-progress" if regimen.ongoing_as_of is not None else "unknown")
    schedule = [f"every {_number(regimen.cycle_days)} days" if regimen.cycle_days else None,
                f"{regimen.cycles_given} cycles given" if regimen.cycles_given is not None else None,
                f"{regimen.cycles_planned} planned" if regimen.cycles_planned is not None else None]
    for n, agent in enumerate(regimen.agents):
        info = agent_info(agent, b.reference)
        resource: dict = {"resourceType": "MedicationAdministration", "status": status,
                          "medicationCodeableConcept": {"text": info.label}, "subject": b.patient}
        # effective[x] is required: a start with no exact date is a Period marked data-absent-reason
        resource["effectivePeriod"] = period if period and "start" in period else {
            **(period or {}), "extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]}
        if regimen.reason_stopped:
            resource["statusReason"] = [{"text": regimen.reason_stopped}]
        dosage: dict = {}
        text = "; ".join(t for t in [f"days {agent.days}" if agent.days else None, *schedule] if t)
        if text:
            dosage["text"] = text
        if agent.route != NOT_STATED:
            dosage["route"] = {"text": agent.route}
        if agent.dose is not None:
            dosage["dose"] = quantity(_number(agent.dose), agent.unit)
        if dosage:
            resource["dosage"] = dosage
        what = [f"Regimen: {regimen_name(regimen, b.reference)} ({regimen.modality}), setting: {regimen.setting}",
                f"Class: {info.drug_class}" if info.drug_class else None,
                f"Target: {info.target}" if info.target else None,
                f"Response (as worded): {regimen.response}" if regimen.response else None, *pnotes,
                *notes_of(regimen)]
        resource["note"] = b.notes(agent, *what)
        b.add(resource, f"regimen-{regimen.id}-{n + 1}")


def _radiotherapy(b: _Bundle, course, i: int) -> None:
    span = b.tl.span("radiotherapy", i)
    period, pnotes = b.period(span.start, span.end, span.end_basis)
    resource: dict = {"resourceType": "Procedure", "status": "completed", "subject": b.patient,
                      "category": {"text": "radiotherapy"},
                      "code": {"text": f"radiotherapy course summary: {course_name(course)}"}}
    ext = [{"url": MCODE + "mcode-radiotherapy-modality-and-technique",
            "extension": [{"url": "modality", "valueCodeableConcept": {"text": course.kind}}]
            + ([{"url": "technique", "valueCodeableConcept": {"text": course.technique}}] if course.technique
               else [])}]
    target_notes = []
    for n, target in enumerate(course.targets):
        volume = b.add({"resourceType": "BodyStructure", "patient": b.patient, "description": target.name},
                       f"rt-{course.id}-volume-{n + 1}")
        parts = [{"url": "volume", "valueReference": volume}]
        if target.total_dose_gy is not None:
            parts.append({"url": "totalDoseDelivered", "valueQuantity": quantity(_number(target.total_dose_gy), "Gy")})
        if target.fractions is not None:
            parts.append({"url": "fractionsDelivered", "valueUnsignedInt": target.fractions})
        ext.append({"url": MCODE + "mcode-radiotherapy-dose-delivered-to-volume", "extension": parts})
        said = [f"{_number(target.dose_per_fraction_gy)} Gy per fraction" if target.dose_per_fraction_gy else None,
                target.schedule, f"coverage {target.coverage}" if target.coverage else None, *notes_of(target),
                f"source: {target.locator}" + (f": “{target.locator.quote}”" if target.locator.quote else "")]
        target_notes.append(f"Target '{target.name}': " + "; ".join(t for t in said if t))
    resource["extension"] = ext
    if period:
        resource["performedPeriod"] = period
    if course.response:
        resource["outcome"] = {"text": course.response}
    resource["note"] = b.notes(course, f"Intent: {course.intent}" if course.intent else None,
                               f"Energy: {course.energy}" if course.energy else None,
                               f"Concurrent chemotherapy: {course.concurrent_chemotherapy}"
                               if course.concurrent_chemotherapy else None,
                               f"Part of regimen '{course.regimen}'" if course.regimen else None,
                               *target_notes, *pnotes)
    b.add(resource, f"rt-{course.id}")


def _markers(b: _Bundle) -> None:
    from caseseries.views.tables import reference_limit  # pandas: only when exporting

    for i, m in enumerate(b.case.markers):
        w = b.tl.at(("markers", i, "date"))
        more: dict = {}
        if m.value is not None:
            value = {"valueQuantity": quantity(_number(m.value), m.unit)}
            limit = reference_limit(b.case, m.analyte, w)
            if limit is not None:
                more["referenceRange"] = [{"high": quantity(_number(limit.upper), limit.unit),
                                           "text": f"< {limit.upper:g} {limit.unit} ({limit.locator})"}]
        else:
            value = {"valueString": m.observation}
        extra = [f"Observation (as worded): {m.observation}" if m.observation and m.value is not None else None,
                 f"Context: {m.context}" if m.context else None]
        b.observation(f"tumor marker: {m.analyte}", m, value, w, extra,
                      category=[{"text": "tumor marker test"}], **more)


def _outcome(b: _Bundle) -> None:
    o, tl = b.case.outcome, b.tl
    b.observation("outcome at last contact", o, {"valueString": o.status}, tl.last_contact,
                  [f"As worded: {o.status_as_worded}" if o.status_as_worded else None])
    for d in o.durations:
        q = {"value": _number(d.value), "unit": d.unit, "system": UCUM, "code": DURATION_UCUM[d.unit]}
        if d.qualifier in COMPARATOR:
            q["comparator"] = COMPARATOR[d.qualifier]
        b.observation(f"reported duration: {d.name}", d, {"valueQuantity": q}, None,
                      ["About, as stated." if d.qualifier == "about" else None,
                       "Censored." if d.censored else None,
                       f"Measured from (as worded): {d.measured_from}" if d.measured_from else None,
                       f"Counted from: {d.origin}" if d.origin is not None else None,
                       f"Length of: {d.of}" if d.of else None])
