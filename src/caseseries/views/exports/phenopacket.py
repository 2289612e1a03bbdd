"""A case as a GA4GH Phenopacket v2 (PyPI ``phenopackets``): case -> protobuf message / JSON text, no I/O.

No ontology term is invented: every OntologyClass that the case file cannot code has an id
in the local namespace ``caseseries:`` (declared in ``meta_data.resources``) and the case
file's words as its label; units use UCUM. A TimeElement has no month or year form: a day is
a timestamp, a month, year or any closed interval an ``interval`` from the first possible day
(00:00:00Z) to the last (23:59:59Z); an open or off-calendar date is left out (docs/exports.md
lists what the format loses).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from google.protobuf import json_format
from phenopackets.schema.v2 import (Age, Disease, DoseInterval, ExternalReference, Individual, MedicalAction,
                                    Measurement, MetaData, OntologyClass, Phenopacket, PhenotypicFeature, Procedure,
                                    Quantity, RadiationTherapy, ReferenceRange, Resource, Sex, TherapeuticRegimen,
                                    TimeElement, TimeInterval, Treatment, Value, VitalStatus)

from caseseries.model.drugs import Drug, agent_info, regimen_name
from caseseries.model.case import NOT_STATED, Case, course_name
from caseseries.model.timeline import When, timeline
from caseseries.views.exports.dates import day_interval, partial_date
from caseseries.views.exports.fhir import UCUM_CODES

SCHEMA_VERSION = "2.0"
LOCAL = Resource(id="caseseries", name="caseseries case-file terms (the case file's own words, not an ontology)",
                 namespace_prefix="caseseries", url="https://example.invalid/caseseries", version="1",
                 iri_prefix="caseseries:")
UCUM_RESOURCE = Resource(id="ucum", name="Unified Code for Units of Measure", namespace_prefix="UCUM",
                         url="https://ucum.org", version="2.1", iri_prefix="https://ucum.org/ucum#")
STATUS = {"alive": VitalStatus.ALIVE, "alive with disease": VitalStatus.ALIVE,
          "alive without evidence of disease": VitalStatus.ALIVE, "alive on treatment": VitalStatus.ALIVE,
          "dead": VitalStatus.DECEASED, "unknown": VitalStatus.UNKNOWN_STATUS}


def term(label: str, kind: str, id_words: str | None = None) -> OntologyClass:
    """A local term: ``caseseries:<kind>-<slug of the words>``, labelled with the case file's words."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(id_words or label).lower()).strip("-")[:60] or "x"
    return OntologyClass(id=f"caseseries:{kind}-{slug}", label=str(label))


def unit(text: str) -> OntologyClass:
    code = UCUM_CODES.get(text)
    return OntologyClass(id=f"UCUM:{code}", label=text) if code else term(text, "unit")


def time_element(w: When | None) -> TimeElement | None:
    """A day as a timestamp; a month, year or closed interval as an interval of days; None otherwise."""
    interval = day_interval(w)
    if interval is None:
        return None
    first, last = interval
    if first == last:
        out = TimeElement()
        out.timestamp.FromJsonString(f"{first.isoformat()}T00:00:00Z")
        return out
    return TimeElement(interval=_interval(first, last))


def _interval(first, last) -> TimeInterval:
    out = TimeInterval()
    out.start.FromJsonString(f"{first.isoformat()}T00:00:00Z")
    out.end.FromJsonString(f"{last.isoformat()}T23:59:59Z")
    return out


def _course_interval(start: When | None, end: When | None) -> TimeInterval | None:
    """From the first day of the start to the last day of the end, when both are closed calendar dates."""
    a, b = day_interval(start), day_interval(end)
    if a is None or b is None or (end is not None and end.open_end):
        return None
    return _interval(a[0], b[1])


def phenopacket(case: Case, reference: Mapping[str, Drug]) -> Phenopacket:
    tl = timeline(case)
    p, d = case.patient, case.diagnosis
    subject = Individual(id=f"{case.case_id}-patient")
    sex = str(p.sex.value).lower() if p.sex is not None else None
    subject.sex = {"female": Sex.FEMALE, "male": Sex.MALE}.get(sex, Sex.UNKNOWN_SEX)
    subject.vital_status.status = STATUS[case.outcome.status]
    last = time_element(tl.last_contact)
    if last is not None:
        subject.time_at_last_encounter.CopyFrom(last)
    out = Phenopacket(id=case.case_id, subject=subject)

    histology = str(d.histology.value) if d.histology else "cancer, histology not stated"
    disease = Disease(term=term(histology, "disease"))
    if d.primary_site is not None:
        disease.primary_site.CopyFrom(term(d.primary_site.value, "site"))
    for stage in d.stages:
        disease.disease_stage.append(term(f"{stage.system} {stage.value} ({stage.basis})", "stage"))
    dx = next((i for i, e in enumerate(case.events) if e.kind == "diagnosis"), None)
    onset = time_element(tl.at(("events", dx, "date"))) if dx is not None else None
    if onset is not None:
        disease.onset.CopyFrom(onset)
    elif p.age_at_diagnosis is not None and float(p.age_at_diagnosis.value).is_integer():
        disease.onset.CopyFrom(TimeElement(age=Age(iso8601duration=f"P{int(p.age_at_diagnosis.value)}Y")))
    out.diseases.append(disease)

    from caseseries.views.tables import reference_limit  # pandas: only when exporting

    for i, m in enumerate(case.markers):
        w = tl.at(("markers", i, "date"))
        meas = Measurement(assay=term(m.analyte, "marker"),
                           description="; ".join(t for t in (m.context, m.observation if m.value is not None else None,
                                                             f"source: {m.locator}") if t))
        if m.value is not None:
            q = Quantity(unit=unit(m.unit), value=m.value)
            limit = reference_limit(case, m.analyte, w)
            if limit is not None:
                q.reference_range.CopyFrom(ReferenceRange(unit=unit(limit.unit), high=limit.upper))
            meas.value.CopyFrom(Value(quantity=q))
        else:
            meas.value.CopyFrom(Value(ontology_class=term(m.observation, "observation")))
        t = time_element(w)
        if t is not None:
            meas.time_observed.CopyFrom(t)
        out.measurements.append(meas)

    for i, ev in enumerate(case.events):
        w = tl.at(("events", i, "date"))
        if ev.kind in ("surgery", "biopsy"):
            proc = Procedure(code=term(ev.label, "procedure"))
            if ev.sites:
                proc.body_site.CopyFrom(term("; ".join(ev.sites), "site"))
            t = time_element(w)
            if t is not None:
                proc.performed.CopyFrom(t)
            out.medical_actions.append(MedicalAction(procedure=proc))
        elif ev.kind in ("progression", "recurrence", "death", "adverse event"):
            feature = PhenotypicFeature(type=term(f"{ev.kind}: {ev.label}", "event"),
                                        description=f"{ev.detail or ''} (source: {ev.locator})".strip())
            t = time_element(w)
            if t is not None:
                feature.onset.CopyFrom(t)
            out.phenotypic_features.append(feature)

    for i, reg in enumerate(case.regimens):
        span = tl.span("regimens", i)
        interval = _course_interval(span.start, span.end if span.end_basis == "stated" else None)
        status = (TherapeuticRegimen.DISCONTINUED if reg.reason_stopped else TherapeuticRegimen.COMPLETED
                  if reg.end is not None else TherapeuticRegimen.STARTED if reg.ongoing_as_of is not None
                  else TherapeuticRegimen.UNKNOWN_STATUS)
        regimen = TherapeuticRegimen(ontology_class=term(regimen_name(reg, reference), "regimen"),
                                     regimen_status=status)
        start = time_element(span.start)
        if start is not None:
            regimen.start_time.CopyFrom(start)
        end = time_element(span.end) if span.end_basis == "stated" else None
        if end is not None:
            regimen.end_time.CopyFrom(end)
        action = MedicalAction(therapeutic_regimen=regimen, treatment_target=term(histology, "disease"))
        _outcome_terms(action, reg.response, reg.reason_stopped)
        out.medical_actions.append(action)
        for agent in reg.agents:
            info = agent_info(agent, reference)
            treatment = Treatment(agent=term(info.label, "agent"))
            if agent.route != NOT_STATED:
                treatment.route_of_administration.CopyFrom(term(agent.route, "route"))
            if agent.dose is not None and interval is not None:
                dose = DoseInterval(quantity=Quantity(unit=unit(agent.unit), value=agent.dose), interval=interval)
                if reg.cycle_days:
                    dose.schedule_frequency.CopyFrom(term(f"every {reg.cycle_days:g} days", "schedule"))
                treatment.dose_intervals.append(dose)
            action = MedicalAction(treatment=treatment)
            _outcome_terms(action, None, reg.reason_stopped)
            out.medical_actions.append(action)

    for course in case.radiotherapy:
        for t in course.targets or [None]:
            label = t.name if t else "target not stated"
            said = [f"{t.total_dose_gy:g} Gy total" if t and t.total_dose_gy else None,
                    f"{t.dose_per_fraction_gy:g} Gy per fraction" if t and t.dose_per_fraction_gy else None,
                    f"{t.fractions} fractions" if t and t.fractions else None, t.schedule if t else None]
            said = [s for s in said if s]
            rt = RadiationTherapy(modality=term(course_name(course), "rt-modality"),
                                  body_site=term(f"{label} ({', '.join(said)}, as stated)" if said else label,
                                                 "rt-target", label))
            if t is not None and t.total_dose_gy is not None and float(t.total_dose_gy).is_integer():
                rt.dosage = int(t.total_dose_gy)
            if t is not None and t.fractions is not None:
                rt.fractions = t.fractions
            action = MedicalAction(radiation_therapy=rt)
            _outcome_terms(action, course.response, None)
            out.medical_actions.append(action)

    for i, ae in enumerate(case.adverse_events):
        feature = PhenotypicFeature(type=term(ae.term, "adverse-event"), excluded=not ae.observed,
                                    description="; ".join(s for s in (f"attribution: {ae.attribution}"
                                                                      if ae.attribution else None,
                                                                      f"source: {ae.locator}") if s))
        if ae.grade:
            feature.severity.CopyFrom(term(f"grade {ae.grade}", "grade"))
        t = time_element(tl.at(("adverse_events", i, "date"))) if ae.date is not None else None
        if t is not None:
            feature.onset.CopyFrom(t)
        out.phenotypic_features.append(feature)

    for i, img in enumerate(case.imaging):
        feature = PhenotypicFeature(type=term(f"imaging ({img.modality}): {img.response_as_worded or img.findings}",
                                              "imaging"),
                                    description=f"{img.findings} (source: {img.locator})")
        t = time_element(tl.at(("imaging", i, "date")))
        if t is not None:
            feature.onset.CopyFrom(t)
        out.phenotypic_features.append(feature)

    s = case.source
    ref = ExternalReference(id=f"DOI:{s.doi}" if s.doi else f"caseseries:source-{case.case_id}",
                            description=s.citation)
    if s.doi:
        ref.reference = f"https://doi.org/{s.doi}"
    elif s.url:
        ref.reference = s.url
    out.meta_data.CopyFrom(MetaData(created_by="caseseries", phenopacket_schema_version=SCHEMA_VERSION,
                                    resources=[LOCAL, UCUM_RESOURCE], external_references=[ref]))
    return out


def _outcome_terms(action: MedicalAction, response: str | None, stopped: str | None) -> None:
    if response:
        action.response_to_treatment.CopyFrom(term(response, "response"))
    if stopped:
        action.treatment_termination_reason.CopyFrom(term(stopped, "stopped"))


def to_json(case: Case, reference: Mapping[str, Drug]) -> str:
    """The phenopacket as protobuf JSON (camelCase field names, as the schema's own tools read it)."""
    return json_format.MessageToJson(phenopacket(case, reference), indent=2, ensure_ascii=False) + "\n"
