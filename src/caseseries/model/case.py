"""The case model: what one published case report says about one patient.

Every fact carries a ``locator`` (where in its source it stands); unknown keys are
refused so that a typo never silently drops a fact. Cross-item rules (dates in
order, anchors that exist, ids unique) live in ``checks.py``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, create_model,
                      model_validator)

from caseseries.model.dates import CalendarDate, DateError, DateSpec, parse_date


def _date(value: object) -> DateSpec:
    try:
        return parse_date(value)
    except DateError as exc:
        raise ValueError(str(exc)) from None


Date = Annotated[DateSpec, BeforeValidator(_date), PlainSerializer(str, return_type=str)]
Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)]
Text = Annotated[str, Field(min_length=1)]
def _number_not_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("expected a number; YAML read yes/no/true/false as a boolean")
    return value


# Numbers are finite (the model refuses inf and nan) and below a stated maximum: anything
# larger is a typo, and would print as nonsense in every report.
MAX_NUMBER = 1e9
Positive = Annotated[float, Field(gt=0, le=MAX_NUMBER), BeforeValidator(_number_not_bool)]
Count = Annotated[int, Field(ge=0, le=1000), BeforeValidator(_number_not_bool)]

# What a case file says the source does not give: allowed where the list of values says so.
NOT_STATED = "not stated"


def _notes_input(value: object) -> object:
    """Notes are text or a list of text: refuse anything else with one clear message (not one per union branch)."""
    ok = isinstance(value, str) or (isinstance(value, list) and value and all(isinstance(v, str) for v in value))
    if not ok:
        raise ValueError("expected text or a list of text (quote text that YAML would read as a number or yes/no)")
    return value


Notes = Annotated[Text | list[Text], BeforeValidator(_notes_input)]
NOTES_DESCRIPTION = "ambiguities and reading decisions, shown to the reader"


def notes_field() -> Any:
    return Field(default=None, description=NOTES_DESCRIPTION)


def notes_of(item: object) -> list[str]:
    """The notes of any item (or of the source) as a list, [] when it has none."""
    notes = getattr(item, "notes", None)
    if notes is None:
        return []
    return [notes] if isinstance(notes, str) else list(notes)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False)


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
    notes: Notes | None = notes_field()
    locator: Locator


# ---------------------------------------------------------------- source, patient


def _calendar_only(value: DateSpec) -> DateSpec:
    if not isinstance(value, CalendarDate):
        raise ValueError("expected a calendar date like 2024, 2024-03 or 2024-03-15 (the date printed on the article)")
    return value


# A date of the publication itself: on the calendar, never an offset or a bound.
CalendarOnly = Annotated[Date, AfterValidator(_calendar_only)]


class SourceDates(Strict):
    """The article's own dates as printed on it (Received, Accepted, Published)."""

    received: CalendarOnly | None = Field(default=None, description="date the manuscript was received")
    accepted: CalendarOnly | None = Field(default=None, description="date it was accepted")
    published: CalendarOnly | None = Field(
        default=None, description="date it was published (first, e.g. online): nothing in the case lies after it")

    @model_validator(mode="after")
    def _any(self) -> "SourceDates":
        if self.received is None and self.accepted is None and self.published is None:
            raise ValueError("expected at least one of received, accepted or published (delete `dates` if none)")
        return self


class Source(Strict):
    citation: Text
    doi: Text | None = None
    url: Text | None = None
    license: Text | None = None
    file: Text | None = Field(default=None, description="file name in ../shared/sources/")
    patient: Text = Field(description="which patient of the report, e.g. 'the only patient', 'patient 1'")
    dates: SourceDates | None = Field(
        default=None, description="received, accepted, published: the article's dates, as printed on it")
    last_follow_up_as_stated: Text | None = Field(
        default=None, description="the last follow-up in the authors' words, e.g. 'By November 2024'")
    synthetic: bool = False
    notes: Notes | None = notes_field()

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
    notes: Notes | None = notes_field()

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
    notes: Notes | None = notes_field()
    locator: Locator


class TumorSize(Strict):
    dimensions_cm: list[Positive] = Field(min_length=1, max_length=3)
    method: Text = Field(description="e.g. MRI, pathology")
    approximate: bool = False
    notes: Notes | None = notes_field()
    locator: Locator


class NodalFinding(Strict):
    region: Text
    positive: Count | None = None
    examined: Count | None = None
    finding: Text | None = None
    notes: Notes | None = notes_field()
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
    notes: Notes | None = notes_field()
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
    notes: Notes | None = notes_field()


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
    notes: Notes | None = notes_field()
    locator: Locator


# Dose units, written in ASCII: µg as ug, m² as m2 (µg, μg, mcg, m² are accepted and stored so).
UNITS = ("mg", "mg/m2", "mg/kg", "AUC", "g", "g/m2", "ug", "ug/m2", "ug/kg", "IU", "IU/kg", "MIU", "MIU/m2")


def _unit(value: object) -> object:
    if not isinstance(value, str):
        return value
    text = value.strip().replace("²", "2").replace("µ", "u").replace("μ", "u")  # micro sign and Greek mu
    return "ug" + text[3:] if text.startswith("mcg") else text


# The other spellings accepted (and stored as the unit above): listed in the JSON Schema so that editors accept them.
UNIT_SPELLINGS = tuple(dict.fromkeys(
    variant for unit in UNITS for micro in (("ug", "µg", "μg", "mcg") if "ug" in unit else ("",))
    for square in (("m2", "m²") if "m2" in unit else ("",))
    for variant in [unit.replace("ug", micro) if micro else unit]
    for variant in [variant.replace("m2", square) if square else variant]
    if variant not in UNITS))
Unit = Annotated[Literal[UNITS], BeforeValidator(_unit, json_schema_input_type=Literal[UNITS + UNIT_SPELLINGS])]

# The groups of the drug reference (data/reference/drugs.yaml), and the kind of therapy each counts as:
# how a regimen is coloured and counted (an immune checkpoint inhibitor is immunotherapy, named or not).
GROUP_KINDS = {
    "immune checkpoint inhibitor": "immunotherapy",
    "immunostimulant": "immunotherapy",
    "angiogenesis inhibitor": "targeted therapy",
    "antibody-drug conjugate": "targeted therapy",
    "other targeted agent": "targeted therapy",
    "taxane": "chemotherapy",
    "platinum compound": "chemotherapy",
    "antimetabolite": "chemotherapy",
    "topoisomerase inhibitor": "chemotherapy",
    "alkylating agent": "chemotherapy",
}
Group = Literal[tuple(GROUP_KINDS)]

# A regimen's modality, and the therapies it combines (a protocol of radiotherapy with drugs names
# radiotherapy too: its courses point to it with `regimen`).
MODALITY_PARTS: dict[str, tuple[str, ...]] = {
    "chemotherapy": ("chemotherapy",),
    "targeted therapy": ("targeted therapy",),
    "immunotherapy": ("immunotherapy",),
    "chemo-immunotherapy": ("chemotherapy", "immunotherapy"),
    "chemotherapy + targeted therapy": ("chemotherapy", "targeted therapy"),
    "chemoradiotherapy": ("chemotherapy", "radiotherapy"),
    "radio-immunotherapy": ("radiotherapy", "immunotherapy"),
    "radio-chemo-immunotherapy": ("radiotherapy", "chemotherapy", "immunotherapy"),
}
RegimenModality = Literal[tuple(MODALITY_PARTS)]


def modality_parts(modality: str) -> tuple[str, ...]:
    """The therapies a regimen's modality combines: 'radio-immunotherapy' -> ('radiotherapy', 'immunotherapy')."""
    return MODALITY_PARTS.get(modality, (modality,))


class _AgentRules(Strict):
    """The rules of an agent; its fields are declared with create_model below, since one is named `class`."""

    @property
    def drug_class(self) -> str | None:
        """The class as the case file gives it (the YAML key `class`)."""
        return getattr(self, "class")

    @property
    def named(self) -> bool:
        """False for an agent the source gives only by class or group (drug: not stated)."""
        return self.drug != NOT_STATED

    @model_validator(mode="after")
    def _agent(self):
        if (self.dose is None) != (self.unit is None):
            raise ValueError("dose and unit go together: give both or neither")
        if not self.named and self.drug_class is None and self.group is None:
            raise ValueError("an agent the source does not name (drug: not stated) needs the class or group the "
                             "source gives, e.g. class: platinum compound, or group: immune checkpoint inhibitor")
        return self


Agent = create_model(
    "Agent",
    __base__=_AgentRules,
    __module__=__name__,
    __doc__="One drug of a regimen: named (in data/reference/drugs.yaml), or given only by its class or group.",
    drug=(Text, Field(description="generic name, lower case, as in data/reference/drugs.yaml; 'not stated' when "
                                  "the source gives only the class or group (then give class or group)")),
    **{"class": (Text | None, Field(
        default=None, description="the pharmacological class as the source gives it, e.g. 'platinum compound', "
                                  "'anti-PD-1 monoclonal antibody': for an unnamed agent, a class of "
                                  "data/reference/drugs.yaml"))},
    group=(Group | None, Field(default=None, description="the group of data/reference/drugs.yaml the agent "
                                                          "belongs to, when the source names only that")),
    target=(Text | None, Field(default=None, description="molecular target when the source gives it, e.g. PD-1")),
    dose=(Positive | None, None),
    unit=(Unit | None, None),
    route=(Literal["IV", "oral", "SC", "IM", "intraperitoneal", "not stated"], "not stated"),
    days=(Text | None, Field(default=None, description="days of the cycle as stated, e.g. 'd1', 'd2-3'")),
    notes=(Notes | None, notes_field()),
    locator=(Locator, ...),
)


class Regimen(Strict):
    id: Id
    name: Text | None = Field(default=None, description="e.g. 'TP', 'paclitaxel + carboplatin + apatinib'")
    setting: Text = Field(description="adjuvant, first line, second line, ... as stated or evident")
    modality: RegimenModality = Field(
        description="what the regimen combines; a protocol with radiotherapy (radio-immunotherapy, "
                    "chemoradiotherapy, radio-chemo-immunotherapy) has its courses name it with `regimen`")
    agents: list[Agent] = Field(min_length=1)
    cycle_days: Positive | None = Field(default=None, description="cycle length in days (q21d: 21)")
    cycles_planned: Count | None = None
    cycles_given: Count | None = None
    start: Date
    end: Date | None = None
    ongoing_as_of: Date | None = None
    reason_stopped: Text | None = None
    response: Text | None = Field(default=None, description="as the authors word it")
    notes: Notes | None = notes_field()
    locator: Locator

    @model_validator(mode="after")
    def _end_or_ongoing(self) -> "Regimen":
        if self.end is not None and self.ongoing_as_of is not None:
            raise ValueError("give end or ongoing_as_of, not both")
        return self


class RadiotherapyTarget(Strict):
    name: Text
    total_dose_gy: Annotated[Positive, Field(le=500)] | None = None
    fractions: Annotated[int, Field(gt=0, le=100), BeforeValidator(_number_not_bool)] | None = None
    dose_per_fraction_gy: Annotated[Positive, Field(le=100)] | None = None
    schedule: Text | None = Field(default=None, description="e.g. '5 fractions a week', 'weekly'")
    coverage: Text | None = Field(default=None, description="prescription coverage, e.g. '95% of the volume'")
    notes: Notes | None = notes_field()
    locator: Locator

    @model_validator(mode="after")
    def _dose(self) -> "RadiotherapyTarget":
        # No dose at all is allowed: a source may name the target without its dose.
        if self.total_dose_gy and self.fractions and self.dose_per_fraction_gy:
            if abs(self.total_dose_gy / self.fractions - self.dose_per_fraction_gy) > 0.01:
                raise ValueError(
                    f"dose_per_fraction_gy: {self.dose_per_fraction_gy} Gy does not match "
                    f"{self.total_dose_gy} Gy in {self.fractions} fractions"
                )
        return self


class RadiotherapyCourse(Strict):
    id: Id
    kind: Literal["external beam", "brachytherapy", "stereotactic", "not stated"]
    technique: Text | None = Field(default=None, description="IMRT, VMAT, HDR brachytherapy, ...")
    energy: Text | None = Field(default=None, description="e.g. '6 MV X-rays', 'Ir-192'")
    intent: Text | None = None
    regimen: Id | None = Field(
        default=None, description="id of the regimen this course is part of (a radio-immunotherapy or "
                                  "chemoradiotherapy protocol), shown together with it")
    start: Date
    end: Date | None = None
    targets: list[RadiotherapyTarget] = []
    concurrent_chemotherapy: Text | None = None
    response: Text | None = None
    notes: Notes | None = notes_field()
    locator: Locator


KIND_NOT_STATED = "radiotherapy (kind not stated)"


def course_name(course: RadiotherapyCourse) -> str:
    """How views name a radiotherapy course: its technique, else its kind ('radiotherapy (kind not stated)')."""
    if course.technique:
        return course.technique
    return KIND_NOT_STATED if course.kind == NOT_STATED else course.kind


class ReferenceLimit(Strict):
    """A laboratory's reference limit for one analyte over a period."""

    analyte: Text
    upper: Positive
    unit: Text
    valid_from: Date | None = None
    valid_until: Date | None = Field(default=None, description="exclusive")
    notes: Notes | None = notes_field()
    locator: Locator


class Marker(Strict):
    analyte: Text = Field(description="SCCA, CA125, NSE, CYFRA 21-1, ...")
    date: Date
    value: Annotated[float, Field(ge=0, le=MAX_NUMBER), BeforeValidator(_number_not_bool)] | None = None
    unit: Text | None = None
    observation: Text | None = Field(default=None, description="qualitative, as worded: 'decreased'")
    context: Text | None = None
    notes: Notes | None = notes_field()
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
    notes: Notes | None = notes_field()
    locator: Locator


class AdverseEvent(Strict):
    term: Text
    observed: bool = True
    grade: Text | None = Field(default=None, description="as stated: '3', 'severe'")
    attribution: Text | None = None
    date: Date | None = None
    notes: Notes | None = notes_field()
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
    notes: Notes | None = notes_field()
    locator: Locator


class Outcome(Strict):
    status: Literal["alive", "alive with disease", "alive without evidence of disease",
                    "alive on treatment", "dead", "unknown"]
    status_as_worded: Text | None = None
    last_contact: Date
    durations: list[ReportedDuration] = []
    notes: Notes | None = notes_field()
    locator: Locator


class Statement(Strict):
    says: Text
    locator: Locator


class Discrepancy(Strict):
    id: Id
    topic: Text
    statements: list[Statement] = Field(min_length=2)
    note: Text | None = Field(default=None, description="which statement the case file follows, and why")
    date: Date | None = Field(default=None, description="when the disputed fact happened, if known")
    notes: Notes | None = notes_field()


class Question(Strict):
    """A teaching question tied to the decision point it belongs to."""

    id: Id
    decision_point: Date
    question: Text
    answer: Text | None = Field(default=None, description="what happened, revealed in the full report")
    notes: Notes | None = notes_field()
    locator: Locator


class Case(Strict):
    # What is worked out from the case once per object (its timeline, a series' clock; see derived): a slot, not
    # a field, so it is never validated, compared, copied or pickled, and it goes when the case goes.
    __slots__ = ("_derived",)

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


def derived(case: Case, key, make):
    """``make()``, worked out once per case object and kept on it under ``key``.

    For what depends only on the (frozen) case: its timeline, where its items lie from a time 0. Kept
    on the case, it lives exactly as long as the case; a copy (``model_copy``), a pickled case and an
    equal case loaded again start without it.
    """
    try:
        memo = case._derived
    except AttributeError:
        memo = {}
        object.__setattr__(case, "_derived", memo)
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = make()
        return value


def forget(case: Case) -> None:
    """Drop what :func:`derived` kept on the case (validation does: loading many files keeps only the cases)."""
    object.__setattr__(case, "_derived", {})
