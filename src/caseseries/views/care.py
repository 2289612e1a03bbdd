"""CARE checklist coverage: which items of the CARE case-report guideline a case's data covers.

The 13 items of the CARE 2013 checklist (Gagnier JJ et al., "The CARE guidelines:
consensus-based clinical case reporting guideline development"), one row each:
``covered`` is ``yes`` when every part the case model can hold for the item is
there, ``partly`` when some is, ``no`` when none is; ``evidence`` says what the case
holds and ``missing`` what it lacks. Pure functions over the case model.

A case file records facts, not the authors' prose: for the narrative items
(abstract, introduction, discussion) the best it can show is that its facts cite
those sections of the source, so they are at most ``partly`` covered. Key words,
the patient's perspective and informed consent have no field in the case model;
they are ``no`` unless a fact cites a section of that name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pandas as pd
from pydantic import BaseModel

from caseseries.model import drugs
from caseseries.model.case import Case, Locator
from caseseries.model.timeline import timeline as resolved_timeline

CARE_ITEMS: tuple[tuple[int, str], ...] = (
    (1, "Title"), (2, "Key words"), (3, "Abstract"), (4, "Introduction"), (5, "Patient information"),
    (6, "Clinical findings"), (7, "Timeline"), (8, "Diagnostic assessment"), (9, "Therapeutic intervention"),
    (10, "Follow-up and outcomes"), (11, "Discussion"), (12, "Patient perspective"), (13, "Informed consent"),
)
COLUMNS = ["item", "name", "covered", "evidence", "missing"]
NO_FIELD = "the case model has no field for it"

Row = tuple[str, str, str]  # covered, evidence, missing


def care_table(case: Case) -> pd.DataFrame:
    """One row per CARE item: item number, name, covered (yes/partly/no), evidence, missing."""
    rows = [{"item": number, "name": name, **dict(zip(("covered", "evidence", "missing"), _CHECKS[number](case)))}
            for number, name in CARE_ITEMS]
    return pd.DataFrame(rows, columns=COLUMNS)


def series_care_table(cases: list[Case]) -> pd.DataFrame:
    """The series in one tidy table: one row per case and CARE item, with what is missing."""
    frames = [care_table(c).assign(case_id=c.case_id) for c in cases]
    if not frames:
        return pd.DataFrame(columns=["case_id", *COLUMNS])
    return pd.concat(frames, ignore_index=True)[["case_id", *COLUMNS]]


def care_matrix(cases: list[Case]) -> pd.DataFrame:
    """Coverage at a glance: one row per CARE item, one column per case (yes/partly/no)."""
    out = pd.DataFrame({"item": [n for n, _ in CARE_ITEMS], "name": [name for _, name in CARE_ITEMS]})
    for case in cases:
        out[case.case_id] = care_table(case)["covered"].to_list()
    return out


# ---------------------------------------------------------------- helpers


def _grade(parts: list[tuple[str, bool]]) -> tuple[str, str]:
    """covered and missing from (part, present) pairs."""
    present = [p for p, ok in parts if ok]
    missing = [p for p, ok in parts if not ok]
    covered = "yes" if not missing else "partly" if present else "no"
    return covered, "; ".join(missing)


def locators(obj: object) -> Iterator[Locator]:
    """Every locator in the case, wherever it stands."""
    if isinstance(obj, Locator):
        yield obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from locators(getattr(obj, name))
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from locators(item)


def citing(case: Case, *prefixes: str) -> int:
    """How many facts cite a section of the source whose heading starts with one of the prefixes."""
    return sum(1 for loc in locators(case) if loc.section.lower().startswith(prefixes))


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _cite(n: int, label: str) -> str:
    return f"{_plural(n, 'fact')} {'cites' if n == 1 else 'cite'} the source's {label}"


def _narrative(case: Case, label: str, prefixes: tuple[str, ...], what: str) -> Row:
    n = citing(case, *prefixes)
    if n:
        return "partly", _cite(n, label), f"{what} is not recorded in the case file"
    return "no", "", f"{what}: no fact cites the source's {label}"


# ---------------------------------------------------------------- the items


def title(case: Case) -> Row:
    words = _diagnosis_words(case)
    text = case.title.lower()
    names_diagnosis = any(w in text for w in words)
    names_intervention = any(w in text for w in _intervention_words(case))
    covered, missing = _grade([("the diagnosis in the title", names_diagnosis),
                               ("the intervention of primary focus in the title", names_intervention)])
    if "case report" not in f"{case.title} {case.source.citation}".lower():
        missing = "; ".join(x for x in (missing, "the words 'case report' (neither title nor citation)") if x)
        covered = "partly" if covered == "yes" else covered
    return covered, f"title: {case.title}", missing


def _diagnosis_words(case: Case) -> set[str]:
    d = case.diagnosis
    words = {"cancer", "carcinoma", "tumor", "tumour", "neoplasm"}
    for fact in (d.primary_site, d.histology):
        if fact is not None:
            words |= {w[:5] for w in str(fact.value).lower().replace("-", " ").split() if len(w) >= 5}
    return words


def _intervention_words(case: Case) -> set[str]:
    """Words that name the case's interventions: drug names, and for an agent the source does not name, the
    class or group it gives (in any of the class's forms: 'GM-CSF') and its target ('PD-1')."""
    words = {"therap", "surger", "ectomy", "resection", "imrt", "brachy", "irradiation"}
    for r in case.regimens:
        words |= {r.name.lower()} if r.name else set()
        for a in r.agents:
            if a.named:
                words.add(a.drug.lower())
                continue
            words |= drugs.class_forms(a.drug_class) if a.drug_class else set()
            words |= {x.lower() for x in (a.group, a.target) if x}
    return words


def keywords(case: Case) -> Row:
    return "no", "", f"2 to 5 key words: {NO_FIELD}"


def abstract(case: Case) -> Row:
    return _narrative(case, "abstract", ("abstract",), "the abstract (introduction, main findings, diagnoses and "
                      "interventions, outcomes, take-away lesson)")


def introduction(case: Case) -> Row:
    return _narrative(case, "introduction", ("introduction", "background"),
                      "the introduction (what is unique about the case, with references)")


PATIENT_PARTS = (
    ("age", ("age_at_diagnosis",)), ("sex", ("sex",)),
    ("main symptoms (presenting complaint)", ("presenting_complaint",)),
    ("medical history (comorbidities)", ("comorbidities",)), ("family history", ("family_history",)),
    ("psychosocial history (smoking, marital status, occupation or education)",
     ("smoking", "marital_status", "occupation", "education")),
)


def patient_information(case: Case) -> Row:
    p = case.patient
    covered, missing = _grade([(label, any(getattr(p, f) is not None for f in fields)) for label, fields in PATIENT_PARTS])
    held = [_LABELS.get(name, name.replace("_", " ")) + (f" {getattr(p, name).value}" if name in ("age_at_diagnosis", "sex") else "")
            for name in type(p).model_fields if getattr(p, name) is not None]
    return covered, "; ".join(held), missing


_LABELS = {"ecog": "ECOG performance status", "hpv_status": "HPV status"}


def clinical_findings(case: Case) -> Row:
    d, p = case.diagnosis, case.patient
    parts = [("tumor size", bool(d.tumor_size)), ("nodal status", bool(d.nodes)),
             ("performance status (ECOG)", p.ecog is not None), ("other clinical findings", bool(d.other_findings))]
    covered, missing = _grade(parts)
    evidence = "; ".join(x for x in (
        _plural(len(d.tumor_size), "tumor size") if d.tumor_size else "",
        _plural(len(d.nodes), "nodal finding") if d.nodes else "",
        f"ECOG {p.ecog.value}" if p.ecog is not None else "",
        _plural(len(d.other_findings), "other finding") if d.other_findings else "") if x)
    return covered, evidence, missing


TIMELINE_FIELDS = ("events", "regimens", "radiotherapy", "imaging", "markers")


def _item_name(field: str, item) -> str:
    return f"marker {item.analyte}" if field == "markers" else item.id


def timeline(case: Case) -> Row:
    """Dated items as the resolved timeline places them; first and last date in its words (never a guessed month)."""
    tl = resolved_timeline(case)
    placed = [e for e in tl.entries if e.field in TIMELINE_FIELDS]
    unplaced = list(dict.fromkeys(_item_name(f, item) for f, _, item in tl.unplaced if f in TIMELINE_FIELDS))
    if not placed:
        return "no", "", "dates: no item of the case can be placed in time"
    on_calendar = [e for e in placed if e.start.is_calendar]
    if on_calendar:  # entries are in the timeline's order: the first and last stated dates, in words
        first, last = on_calendar[0].start.words, on_calendar[-1].start.words
        span = first if first == last else f"{first} to {last}"
        evidence = f"{_plural(len(placed), 'dated item')}, {span}"
    else:
        evidence = (f"{_plural(len(placed), 'item')} placed by intervals from "
                    f"{tl.name_of(placed[0].start.axis)}, with no calendar date")
    precisions: dict[str, int] = {}
    for e in placed:
        kind = "open interval" if e.start.is_open else e.start.precision
        precisions[kind] = precisions.get(kind, 0) + 1
    evidence += " (" + ", ".join(f"{k}: {n}" for k, n in sorted(precisions.items())) + ")"
    parts = [("items placed in time", True),
             ("calendar dates (only intervals from an undated start are given)", bool(on_calendar)),
             ("dates of " + ", ".join(unplaced), not unplaced)]
    covered, missing = _grade(parts)
    return covered, evidence, missing


DIAGNOSTIC_EVENTS = ("biopsy", "pathology", "imaging", "lab", "diagnosis")


def diagnostic_assessment(case: Case) -> Row:
    d = case.diagnosis
    tests = [e for e in case.events if e.kind in DIAGNOSTIC_EVENTS]
    parts = [("histology", d.histology is not None), ("stage", bool(d.stages)),
             ("diagnostic tests (biopsy, pathology, imaging or markers)", bool(tests or case.imaging or case.markers)),
             ("biomarkers (e.g. PD-L1, MMR, p16, HER2)", bool(d.biomarkers))]
    covered, missing = _grade(parts)
    evidence = "; ".join(x for x in (
        f"histology: {d.histology.value}" if d.histology else "",
        "stage " + ", ".join(f"{s.value} ({s.basis})" for s in d.stages) if d.stages else "",
        _plural(len(tests), "diagnostic event") if tests else "",
        _plural(len(case.imaging), "imaging study", "imaging studies") if case.imaging else "",
        _plural(len(d.biomarkers), "biomarker") if d.biomarkers else "") if x)
    return covered, evidence, missing


THERAPY_EVENTS = ("surgery", "chemotherapy", "targeted therapy", "radiotherapy", "brachytherapy", "immunotherapy")


def therapeutic_intervention(case: Case) -> Row:
    surgeries = [e for e in case.events if e.kind == "surgery"]
    therapy_events = [e for e in case.events if e.kind in THERAPY_EVENTS and e.kind != "surgery"]
    if not (case.regimens or case.radiotherapy or surgeries or therapy_events):
        return "no", "", "interventions: no surgery, regimen, radiotherapy course or treatment event is recorded"
    evidence = "; ".join(x for x in (
        _plural(len(case.regimens), "systemic regimen") if case.regimens else "",
        _plural(len(case.radiotherapy), "radiotherapy course") if case.radiotherapy else "",
        _plural(len(surgeries), "surgery", "surgeries") if surgeries else "",
        ("treatment recorded only as events: " + ", ".join(e.id for e in therapy_events))
        if therapy_events and not (case.regimens or case.radiotherapy) else "") if x)
    reference = drugs.view_reference()
    no_dose = [f"{drugs.agent_label(a, reference)} ({r.id})" for r in case.regimens for a in r.agents if a.dose is None]
    no_schedule = [r.id for r in case.regimens if r.cycle_days is None]
    tl = resolved_timeline(case)  # an end the authors give as a duration counts as given
    no_end = [r.id for i, r in enumerate(case.regimens) if tl.span("regimens", i).end is None]
    rt_no_dose = [c.id for c in case.radiotherapy  # no target, or a target whose dose the source does not give
                  if not c.targets or any(t.total_dose_gy is None and t.dose_per_fraction_gy is None for t in c.targets)]
    rt_no_end = [c.id for i, c in enumerate(case.radiotherapy) if tl.span("radiotherapy", i).end is None]
    parts = [("drugs and doses: no systemic regimen recorded with its agents",
              bool(case.regimens) or not therapy_events),
             ("doses of " + ", ".join(no_dose), not no_dose),
             ("cycle length of " + ", ".join(no_schedule), not no_schedule),
             ("end (or ongoing) of " + ", ".join(no_end), not no_end),
             ("radiotherapy doses of " + ", ".join(rt_no_dose), not rt_no_dose),
             ("end of radiotherapy " + ", ".join(rt_no_end), not rt_no_end)]
    covered, missing = _grade(parts)
    return ("partly" if missing else "yes"), evidence, missing


def follow_up_and_outcomes(case: Case) -> Row:
    o = case.outcome
    responses = ([r.id for r in case.regimens if r.response] + [c.id for c in case.radiotherapy if c.response]
                 + [i.id for i in case.imaging if i.response_as_worded or i.category])
    last = resolved_timeline(case).last_contact
    dated = last is not None and last.precision != "anchor"
    parts = [("outcome status", o.status != "unknown"), ("date of last contact", dated),
             ("response to treatment", bool(responses)),
             ("follow-up tests (imaging or tumor markers)", bool(case.imaging or case.markers)),
             ("adverse events, or that none occurred (CARE 10d)", bool(case.adverse_events))]
    covered, missing = _grade(parts)
    evidence = "; ".join(x for x in (
        f"status: {o.status} (last contact {last.words if last is not None else 'not reported'})",
        _plural(len(responses), "response") if responses else "",
        _plural(len(case.imaging), "imaging study", "imaging studies") if case.imaging else "",
        _plural(len(case.markers), "marker result") if case.markers else "",
        _plural(len(case.adverse_events), "adverse-event statement") if case.adverse_events else "",
        _plural(len(o.durations), "reported duration") if o.durations else "") if x)
    return covered, evidence, missing


def discussion(case: Case) -> Row:
    n = citing(case, "discussion", "conclusion")
    evidence = "; ".join(x for x in (
        _cite(n, "discussion or conclusions") if n else "",
        _plural(len(case.questions), "discussion question") if case.questions else "",
        _plural(len(case.discrepancies), "recorded discrepancy", "recorded discrepancies") if case.discrepancies else "") if x)
    what = "the authors' discussion (strengths and limitations, literature, rationale, take-away lessons)"
    if n or case.questions:
        return "partly", evidence, f"{what} is not recorded in the case file"
    return "no", evidence, f"{what}: no fact cites the source's discussion"


def patient_perspective(case: Case) -> Row:
    n = citing(case, "patient perspective", "patient's perspective", "patient’s perspective")
    if n:
        return "partly", _cite(n, "patient perspective"), "the patient's own account is not recorded in the case file"
    return "no", "", f"the patient's perspective on the treatment: {NO_FIELD}"


def informed_consent(case: Case) -> Row:
    n = sum(1 for loc in locators(case) if "consent" in loc.section.lower())
    if n:
        return "partly", _cite(n, "consent statement"), "the consent itself is not recorded in the case file"
    return "no", "", f"whether the patient gave informed consent: {NO_FIELD}"


_CHECKS: dict[int, Callable[[Case], Row]] = {
    1: title, 2: keywords, 3: abstract, 4: introduction, 5: patient_information, 6: clinical_findings,
    7: timeline, 8: diagnostic_assessment, 9: therapeutic_intervention, 10: follow_up_and_outcomes,
    11: discussion, 12: patient_perspective, 13: informed_consent,
}
