"""The case model: what one published case report says about one patient.

Every fact carries a ``locator`` (where in its source it stands); unknown keys are
refused so that a typo never silently drops a fact. Cross-item rules (dates in
order, anchors that exist, ids unique) live in ``checks.py``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

from .dates import DateError, DateSpec, parse_date


def _date(value: object) -> DateSpec:
    try:
        return parse_date(value)
    except DateError as exc:
        raise ValueError(str(exc)) from None


Date = Annotated[DateSpec, BeforeValidator(_date), PlainSerializer(str, return_type=str)]
Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)]
Text = Annotated[str, Field(min_length=1)]
Positive = Annotated[float, Field(gt=0)]
Count = Annotated[int, Field(ge=0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Locator(Strict):
    """Where a fact stands in its source: section, and paragraph, table or figure."""

    section: Text
    paragraph: int | None = Field(default=None, ge=1)
    table: Text | None = None
    figure: Text | None = None
    quote: Text | None = None

    def __str__(self) -> str:
        parts = [self.section]
        if self.paragraph:
            parts.append(f"¶{self.paragraph}")
        if self.table and self.section != f"Table {self.table}":
            parts.append(f"Table {self.table}")
        if self.figure:
            parts.append(f"Figure {self.figure}")
        return ", ".join(parts)


def _not_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("expected text or a number; YAML read yes/no/true/false as a boolean: put it in quotes")
    return value


class Fact(Strict):
    """One stated value with its locator."""

    value: Annotated[str | int | float, BeforeValidator(_not_bool)]
    locator: Locator


# ---------------------------------------------------------------- source, patient


class Source(Strict):
    citation: Text
    doi: Text | None = None
    url: Text | None = None
    license: Text | None = None
    file: Text | None = Field(default=None, description="file name in ../shared/sources/")
    patient: Text = Field(description="which patient of the report, e.g. 'the only patient', 'patient 1'")
    synthetic: bool = False

    @model_validator(mode="after")
    def _has_address(self) -> "Source":
        if not (self.doi or self.url or self.file or self.synthetic):
            raise ValueError("expected at least one of doi, url or file")
        return self


class Patient(Strict):
    age_at_diagnosis: Fact | None = None
    sex: Fact | None = None
    ecog: Fact | None = None
    obstetric_history: Fact | None = None
    smoking: Fact | None = None
    ethnicity: Fact | None = None
    marital_status: Fact | None = None
    occupation: Fact | None = None
    education: Fact | None = None
    comorbidities: Fact | None = None
    family_history: Fact | None = None
    hpv_status: Fact | None = None
    presenting_complaint: Fact | None = None

    @model_validator(mode="after")
    def _age_is_number(self) -> "Patient":
        age = self.age_at_diagnosis
        if age is not None and (not isinstance(age.value, (int, float)) or not 0 < age.value < 130):
            raise ValueError(f"age_at_diagnosis.value: expected an age in years, found {age.value!r}")
        return self


# ---------------------------------------------------------------- diagnosis


class Stage(Strict):
    system: Text = Field(description="e.g. 'FIGO 2018'")
    value: Text = Field(description="as stated, e.g. 'IIIC2p'")
    basis: Literal["clinical", "pathological", "radiological", "not stated"] = "not stated"
    date: Date | None = None
    locator: Locator


class TumorSize(Strict):
    dimensions_cm: list[Positive] = Field(min_length=1, max_length=3)
    method: Text = Field(description="e.g. MRI, pathology")
    approximate: bool = False
    locator: Locator


class NodalFinding(Strict):
    region: Text
    positive: Count | None = None
    examined: Count | None = None
    finding: Text | None = None
    locator: Locator

    @model_validator(mode="after")
    def _counts(self) -> "NodalFinding":
        if self.positive is not None and self.examined is not None and self.positive > self.examined:
            raise ValueError(f"positive: {self.positive} nodes positive of {self.examined} examined")
        if self.positive is None and self.finding is None:
            raise ValueError("expected positive/examined counts or a finding")
        return self


class Biomarker(Strict):
    name: Text = Field(description="PD-L1, MLH1, p16, HER2, EBER, ...")
    result: Text = Field(description="as stated: '80%', '+', 'diffusely strong +', 'negative'")
    method: Literal["IHC", "ISH", "PCR", "NGS", "serology", "not stated"] = "not stated"
    assay: Text | None = Field(default=None, description="antibody clone or assay, e.g. 22C3, BP6099")
    score_type: Literal["TPS", "CPS", "TC", "IC"] | None = None
    specimen: Text | None = None
    date: Date | None = None
    locator: Locator


class Diagnosis(Strict):
    primary_site: Fact | None = None
    histology: Fact | None = None
    differentiation: Fact | None = None
    stages: list[Stage] = []
    tumor_size: list[TumorSize] = []
    nodes: list[NodalFinding] = []
    biomarkers: list[Biomarker] = []
    other_findings: list[Fact] = []


# ---------------------------------------------------------------- dated items

EventKind = Literal[
    "presentation", "diagnosis", "surgery", "biopsy", "pathology", "imaging", "lab",
    "chemotherapy", "targeted therapy", "radiotherapy", "brachytherapy", "immunotherapy",
    "response assessment", "recurrence", "progression", "adverse event",
    "treatment declined", "follow-up", "last contact", "death",
]
EVENT_KINDS: tuple[str, ...] = EventKind.__args__  # type: ignore[attr-defined]


class Event(Strict):
    id: Id
    kind: EventKind
    date: Date
    end: Date | None = None
    label: Text = Field(description="short description shown in timelines")
    detail: Text | None = None
    sites: list[Text] = []
    locator: Locator


UNITS = ("mg", "mg/m2", "mg/kg", "AUC", "g", "g/m2", "ug", "IU")
Unit = Annotated[
    Literal["mg", "mg/m2", "mg/kg", "AUC", "g", "g/m2", "ug", "IU"],
    BeforeValidator(lambda v: v.replace("²", "2").replace("µg", "ug") if isinstance(v, str) else v),
]


class Agent(Strict):
    drug: Text = Field(description="generic name, lower case, as in data/reference/drugs.yaml")
    dose: Positive | None = None
    unit: Unit | None = None
    route: Literal["IV", "oral", "SC", "IM", "intraperitoneal", "not stated"] = "not stated"
    days: Text | None = Field(default=None, description="days of the cycle as stated, e.g. 'd1', 'd2-3'")
    locator: Locator

    @model_validator(mode="after")
    def _dose_has_unit(self) -> "Agent":
        if (self.dose is None) != (self.unit is None):
            raise ValueError("dose and unit go together: give both or neither")
        return self


class Regimen(Strict):
    id: Id
    name: Text | None = Field(default=None, description="e.g. 'TP', 'paclitaxel + carboplatin + apatinib'")
    setting: Text = Field(description="adjuvant, first line, second line, ... as stated or evident")
    modality: Literal["chemotherapy", "targeted therapy", "immunotherapy", "chemo-immunotherapy",
                      "chemotherapy + targeted therapy"]
    agents: list[Agent] = Field(min_length=1)
    cycle_days: Positive | None = Field(default=None, description="cycle length in days (q21d: 21)")
    cycles_planned: Count | None = None
    cycles_given: Count | None = None
    start: Date
    end: Date | None = None
    ongoing_as_of: Date | None = None
    reason_stopped: Text | None = None
    response: Text | None = Field(default=None, description="as the authors word it")
    locator: Locator

    @model_validator(mode="after")
    def _end_or_ongoing(self) -> "Regimen":
        if self.end is not None and self.ongoing_as_of is not None:
            raise ValueError("give end or ongoing_as_of, not both")
        return self


class RadiotherapyTarget(Strict):
    name: Text
    total_dose_gy: Positive | None = None
    fractions: Annotated[int, Field(gt=0)] | None = None
    dose_per_fraction_gy: Positive | None = None
    schedule: Text | None = Field(default=None, description="e.g. '5 fractions a week', 'weekly'")
    coverage: Text | None = Field(default=None, description="prescription coverage, e.g. '95% of the volume'")
    locator: Locator

    @model_validator(mode="after")
    def _dose(self) -> "RadiotherapyTarget":
        if self.total_dose_gy is None and self.dose_per_fraction_gy is None:
            raise ValueError("expected total_dose_gy or dose_per_fraction_gy")
        if self.total_dose_gy and self.fractions and self.dose_per_fraction_gy:
            if abs(self.total_dose_gy / self.fractions - self.dose_per_fraction_gy) > 0.01:
                raise ValueError(
                    f"dose_per_fraction_gy: {self.dose_per_fraction_gy} Gy does not match "
                    f"{self.total_dose_gy} Gy in {self.fractions} fractions"
                )
        return self


class RadiotherapyCourse(Strict):
    id: Id
    kind: Literal["external beam", "brachytherapy", "stereotactic"]
    technique: Text | None = Field(default=None, description="IMRT, VMAT, HDR brachytherapy, ...")
    energy: Text | None = Field(default=None, description="e.g. '6 MV X-rays', 'Ir-192'")
    intent: Text | None = None
    start: Date
    end: Date | None = None
    targets: list[RadiotherapyTarget] = []
    concurrent_chemotherapy: Text | None = None
    response: Text | None = None
    locator: Locator


class ReferenceLimit(Strict):
    """A laboratory's reference limit for one analyte over a period."""

    analyte: Text
    upper: Positive
    unit: Text
    valid_from: Date | None = None
    valid_until: Date | None = Field(default=None, description="exclusive")
    locator: Locator


class Marker(Strict):
    analyte: Text = Field(description="SCCA, CA125, NSE, CYFRA 21-1, ...")
    date: Date
    value: Annotated[float, Field(ge=0)] | None = None
    unit: Text | None = None
    observation: Text | None = Field(default=None, description="qualitative, as worded: 'decreased'")
    context: Text | None = None
    locator: Locator

    @model_validator(mode="after")
    def _value_or_observation(self) -> "Marker":
        if self.value is None and self.observation is None:
            raise ValueError("expected a value with its unit or a qualitative observation")
        if self.value is not None and self.unit is None:
            raise ValueError("unit: a numeric value needs its unit")
        return self


Modality = Literal["CT", "PET-CT", "MRI", "X-ray", "ultrasound", "endoscopy", "bone scan", "not stated"]


class Imaging(Strict):
    id: Id
    date: Date
    modality: Modality
    sites: list[Text] = []
    findings: Text
    response_as_worded: Text | None = None
    category: Literal["CR", "PR", "SD", "PD"] | None = Field(
        default=None, description="only where the source states it")
    locator: Locator


class AdverseEvent(Strict):
    term: Text
    observed: bool = True
    grade: Text | None = Field(default=None, description="as stated: '3', 'severe'")
    attribution: Text | None = None
    date: Date | None = None
    locator: Locator


class ReportedDuration(Strict):
    """A duration as the authors state it, e.g. overall survival > 72 months."""

    name: Text
    value: Positive
    unit: Literal["days", "weeks", "months", "years"] = "months"
    qualifier: Literal["=", ">", "≥", "about"] = "="
    censored: bool = False
    measured_from: Text | None = Field(default=None, description="the authors' words for where it counts from")
    origin: Date | None = Field(
        default=None, description="where it counts from, as a case-file date or item id (e.g. 'diagnosis-2018'), "
        "when the source says; defaults to the start of `of`")
    of: Id | None = Field(
        default=None, description="id of the regimen, radiotherapy course or event whose length it gives; "
        "absent: the follow-up to the last contact")
    locator: Locator


class Outcome(Strict):
    status: Literal["alive", "alive with disease", "alive without evidence of disease",
                    "alive on treatment", "dead", "unknown"]
    status_as_worded: Text | None = None
    last_contact: Date
    durations: list[ReportedDuration] = []
    locator: Locator


class Statement(Strict):
    says: Text
    locator: Locator


class Discrepancy(Strict):
    id: Id
    topic: Text
    statements: list[Statement] = Field(min_length=2)
    note: Text | None = None
    date: Date | None = Field(default=None, description="when the disputed fact happened, if known")


class Question(Strict):
    """A teaching question tied to the decision point it belongs to."""

    id: Id
    decision_point: Date
    question: Text
    answer: Text | None = Field(default=None, description="what happened, revealed in the full report")
    locator: Locator


class Case(Strict):
    case_id: Id
    title: Text
    neutral_title: Text | None = Field(default=None, description="a title that gives nothing away")
    source: Source
    patient: Patient = Patient()
    diagnosis: Diagnosis = Diagnosis()
    events: list[Event] = []
    regimens: list[Regimen] = []
    radiotherapy: list[RadiotherapyCourse] = []
    reference_limits: list[ReferenceLimit] = []
    markers: list[Marker] = []
    imaging: list[Imaging] = []
    adverse_events: list[AdverseEvent] = []
    outcome: Outcome
    discrepancies: list[Discrepancy] = []
    questions: list[Question] = []
