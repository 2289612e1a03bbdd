"""Exports: every case (published and invented) exports and validates in each format; nothing is invented.

- FHIR R4B: the bundle validates with fhir.resources (``fhir.resources.R4B``), and read back it
  gives the case file's marker values, doses, dates with their precision and stage.
- cBioPortal timeline: the rules of cBioPortal's documentation, File Formats, "Timeline Data"
  (https://docs.cbioportal.org/file-formats/#timeline-data): the first four columns are
  PATIENT_ID, START_DATE, STOP_DATE, EVENT_TYPE, in this order; START_DATE and STOP_DATE are
  integer days (negative allowed), STOP_DATE empty for a point event; event types are those the
  documentation names (TREATMENT, LAB_TEST, IMAGING, STATUS, SPECIMEN); each data file has a
  meta file with ``cancer_study_identifier``, ``genetic_alteration_type: CLINICAL``,
  ``datatype: TIMELINE`` and ``data_filename`` naming it.
- Phenopacket v2: the JSON parses back into ``phenopackets.schema.v2.Phenopacket`` through
  ``google.protobuf.json_format`` and prints back to the same text.
- No invented value: every number in an export is a number of the case file, or a day offset
  that the test computes from the timeline.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from google.protobuf import json_format
from phenopackets.schema.v2 import Phenopacket

from caseseries.model.dates import CalendarDate
from caseseries.model.drugs import read_reference
from caseseries.outputs.exports import FORMATS, export_files
from caseseries.model.load import load_case
from caseseries.model.timeline import dated_fields, timeline
from caseseries.model.yamlfile import read_yaml

from conftest import CASES, FIXTURE

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROJECT_REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference" / "drugs.yaml"
FIXTURE_REFERENCE = FIXTURE / "data" / "reference" / "drugs.yaml"

# (path, drug reference): the published cases, the fixture project (its own reference), the format
# and timeline fixtures (the project's reference, as their own tests load them).
CASE_PATHS = ([(p, PROJECT_REFERENCE) for p in sorted(CASES.glob("*.yaml"))]
              + [(p, FIXTURE_REFERENCE) for p in sorted((FIXTURE / "data" / "cases").glob("*.yaml"))]
              + [(p, PROJECT_REFERENCE) for p in sorted((FIXTURES / "format").glob("*.yaml"))]
              + [(p, PROJECT_REFERENCE) for p in sorted((FIXTURES / "timeline").glob("*.yaml"))])
INVENTED = [c for c in CASE_PATHS if c[0].parent != CASES]
KNOWN_EVENT_TYPES = {"TREATMENT", "LAB_TEST", "IMAGING", "STATUS", "SPECIMEN"}
REQUIRED_COLUMNS = ["PATIENT_ID", "START_DATE", "STOP_DATE", "EVENT_TYPE"]
_cache: dict = {}


def exported(path: Path, ref_path: Path, fmt: str):
    key = (path, fmt)
    if key not in _cache:
        read = read_reference(ref_path)
        case = load_case(path, reference=read)
        _cache[key] = (case, export_files(case, fmt, read.drugs))
    return _cache[key]


def ids(cases):
    return [f"{p.parent.name}/{p.stem}" for p, _ in cases]


def case_numbers(path: Path) -> set[float]:
    """Every number the case file gives (its numeric values, not digits inside text)."""
    data, _ = read_yaml(path)
    out: set[float] = set()

    def walk(x):
        if isinstance(x, bool):
            return
        if isinstance(x, (int, float)):
            out.add(round(float(x), 9))
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(data)
    return out


def json_numbers(x) -> set[float]:
    if isinstance(x, bool):
        return set()
    if isinstance(x, (int, float)):
        return {round(float(x), 9)}
    if isinstance(x, dict):
        return set().union(*map(json_numbers, x.values())) if x else set()
    if isinstance(x, list):
        return set().union(*map(json_numbers, x)) if x else set()
    return set()


# ---------------------------------------------------------------- every case, every format


@pytest.mark.parametrize("path,ref", CASE_PATHS, ids=ids(CASE_PATHS))
def test_fhir_bundle_validates(path, ref):
    from fhir.resources.R4B.bundle import Bundle

    case, files = exported(path, ref, "fhir")
    (name, text), = files.items()
    assert name == f"{case.case_id}.fhir.json"
    bundle = Bundle.model_validate(json.loads(text))
    assert bundle.type == "collection"
    types = {e.resource.get_resource_type() for e in bundle.entry}
    assert {"Patient", "Condition", "DocumentReference"} <= types


@pytest.mark.parametrize("path,ref", CASE_PATHS, ids=ids(CASE_PATHS))
def test_cbioportal_files_follow_the_timeline_format(path, ref):
    case, files = exported(path, ref, "cbioportal")
    data = {n: t for n, t in files.items() if ".data_timeline_" in n}
    metas = {n: t for n, t in files.items() if ".meta_timeline_" in n}
    assert data and len(data) == len(metas) == len(files) / 2
    for name, text in data.items():
        assert name.startswith(f"{case.case_id}.")
        event_type = name.split(".data_timeline_")[1].removesuffix(".txt").upper()
        assert event_type in KNOWN_EVENT_TYPES
        lines = text.rstrip("\n").split("\n")
        header = lines[0].split("\t")
        assert header[:4] == REQUIRED_COLUMNS
        assert len(lines) > 1
        for line in lines[1:]:
            row = dict(zip(header, line.split("\t"), strict=True))
            assert row["PATIENT_ID"] == case.case_id
            assert re.fullmatch(r"-?\d+", row["START_DATE"]), row
            assert row["STOP_DATE"] == "" or (re.fullmatch(r"-?\d+", row["STOP_DATE"])
                                              and int(row["STOP_DATE"]) >= int(row["START_DATE"])), row
            assert row["EVENT_TYPE"] == event_type
        meta_name = name.replace(".data_timeline_", ".meta_timeline_")
        meta = dict(line.split(": ", 1) for line in metas[meta_name].strip().split("\n"))
        assert meta == {"cancer_study_identifier": "caseseries", "genetic_alteration_type": "CLINICAL",
                        "datatype": "TIMELINE", "data_filename": name}
        # cBioPortal finds meta files by the word 'meta' in their name (validateData.py, process_metadata_files)
        assert re.search(r"(\b|_)meta(\b|[_0-9])", meta_name)


@pytest.mark.parametrize("path,ref", CASE_PATHS, ids=ids(CASE_PATHS))
def test_phenopacket_round_trips_through_protobuf_json(path, ref):
    case, files = exported(path, ref, "phenopacket")
    (name, text), = files.items()
    assert name == f"{case.case_id}.phenopacket.json"
    message = json_format.Parse(text, Phenopacket())
    assert message.id == case.case_id and message.diseases and message.meta_data.phenopacket_schema_version == "2.0"
    assert json_format.MessageToJson(message, indent=2, ensure_ascii=False) + "\n" == text
    assert json_format.MessageToDict(message) == json.loads(text)


# ---------------------------------------------------------------- nothing invented


@pytest.mark.parametrize("path,ref", CASE_PATHS, ids=ids(CASE_PATHS))
@pytest.mark.parametrize("fmt", ["fhir", "phenopacket"])
def test_json_exports_hold_only_numbers_of_the_case_file(path, ref, fmt):
    _, files = exported(path, ref, fmt)
    (text,) = files.values()
    extra = json_numbers(json.loads(text)) - case_numbers(path)
    assert not extra, f"numbers not in {path.name}: {sorted(extra)}"


def day_offsets(case) -> set[int]:
    """Day offsets from day 0 (the first possible day of the first diagnosis event, in the timeline's order,
    else of the first dated item): every first and last possible day of every date of the case."""
    tl = timeline(case)
    finite = [e for e in tl.entries if not math.isinf(e.start.earliest)]
    origin = next((e.start for e in finite if e.field == "events" and e.item.kind == "diagnosis"),
                  finite[0].start if finite else None)
    out = set()
    for w in all_whens(case):
        if origin is not None and w.axis == origin.axis:
            out |= {int(round(d - origin.earliest)) for d in (w.earliest, w.latest) if not math.isinf(d)}
    return out


def all_whens(case):
    """Every resolved date of the case: its dated fields and the ends of its courses (reported ones too)."""
    tl = timeline(case)
    out = [tl.at(p) for p, _ in dated_fields(case)]
    for field in ("events", "regimens", "radiotherapy"):
        out += [tl.span(field, i).end for i in range(len(getattr(case, field)))]
    return [w for w in out if w is not None]


@pytest.mark.parametrize("path,ref", CASE_PATHS, ids=ids(CASE_PATHS))
def test_cbioportal_holds_only_numbers_of_the_case_file_and_day_offsets(path, ref):
    case, files = exported(path, ref, "cbioportal")
    numbers, days = case_numbers(path), day_offsets(case)
    stated = {w.stated for w in all_whens(case)}
    for name, text in files.items():
        if ".data_timeline_" not in name:
            continue
        lines = text.rstrip("\n").split("\n")
        header = lines[0].split("\t")
        for line in lines[1:]:
            for column, cell in zip(header, line.split("\t"), strict=True):
                if column in ("START_DATE", "STOP_DATE"):
                    assert cell == "" or int(cell) in days, (name, column, cell)
                elif column.endswith("_AS_STATED"):
                    assert cell == "" or cell in stated, (name, column, cell)
                elif re.fullmatch(r"-?\d+(\.\d+)?", cell):
                    assert round(float(cell), 9) in numbers, (name, column, cell)


# ---------------------------------------------------------------- FHIR read back (invented cases)


def _resources(text: str):
    from fhir.resources.R4B.bundle import Bundle

    return [e.resource for e in Bundle.model_validate_json(text).entry]


def _text(value) -> str | None:
    """A FHIR date as written (fhir.resources reads a full date as datetime.date, a partial one as text)."""
    return None if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)


def assert_date(case, path, spec, value) -> None:
    """A calendar date of the case file is written as itself (a month stays a month); any other date is
    absent, or the one day the timeline resolves it to."""
    if _expected_date(spec) is not None:
        assert _text(value) == _expected_date(spec), (path, spec, value)
    elif value is not None:
        w = timeline(case).at(path)
        assert w.earliest == w.latest and _text(value) == w.earliest_date.isoformat(), (path, spec, value)


def _expected_date(spec) -> str | None:
    """What a date of the case file must become in FHIR: itself, when it is a calendar date."""
    return str(spec) if isinstance(spec, CalendarDate) else None


@pytest.mark.parametrize("path,ref", INVENTED, ids=ids(INVENTED))
def test_fhir_round_trip_gives_the_case_files_values(path, ref):
    case, files = exported(path, ref, "fhir")
    resources = _resources(next(iter(files.values())))
    observations = [r for r in resources if r.get_resource_type() == "Observation"]
    markers = [o for o in observations if o.code.text.startswith("tumor marker: ")]
    assert len(markers) == len(case.markers)
    for m, o in zip(case.markers, markers, strict=True):  # in file order
        assert o.code.text == f"tumor marker: {m.analyte}"
        if m.value is not None:
            assert float(o.valueQuantity.value) == m.value and o.valueQuantity.unit == m.unit
        else:
            assert o.valueString == m.observation
        assert_date(case, ("markers", case.markers.index(m), "date"), m.date, o.effectiveDateTime)
    stages = [o for o in observations if o.method is not None and o.code.text.endswith(" stage")]
    assert [(o.method.text, o.valueCodeableConcept.text) for o in stages] == \
        [(s.system, s.value) for s in case.diagnosis.stages]
    for s, o in zip(case.diagnosis.stages, stages, strict=True):
        if s.date is not None:
            assert_date(case, ("diagnosis", "stages", case.diagnosis.stages.index(s), "date"), s.date,
                        o.effectiveDateTime)
    given = [r for r in resources if r.get_resource_type() == "MedicationAdministration"]
    agents = [(reg, a) for reg in case.regimens for a in reg.agents]
    assert len(given) == len(agents)
    for (reg, agent), r in zip(agents, given, strict=True):
        if agent.dose is None:
            assert r.dosage is None or r.dosage.dose is None
        else:
            assert float(r.dosage.dose.value) == agent.dose and r.dosage.dose.unit == agent.unit
        start = _expected_date(reg.start)
        if start is not None:
            assert _text(r.effectivePeriod.start) == start


def test_fhir_dates_keep_their_precision_and_intervals_become_periods():
    """fx-cervix-calendar: a month stays a month, a day a day; nothing gains a day it did not have."""
    path = FIXTURE / "data" / "cases" / "fx-cervix-calendar.yaml"
    case, files = exported(path, FIXTURE_REFERENCE, "fhir")
    text = next(iter(files.values()))
    for spec in (str(s) for _, s in dated_fields(case) if isinstance(s, CalendarDate)):
        if len(spec) == 7:  # a month: never written as a day of it in a dateTime
            assert f'"{spec}-01"' not in text or f'"{spec}-01"' in {f'"{s}"' for _, s in dated_fields(case)}
    for r in _resources(text):
        for key in ("effectiveDateTime", "performedDateTime", "onsetDateTime"):
            value = getattr(r, key, None)
            if value is not None:
                assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", str(value)), (key, value)


def test_every_format_is_listed():
    assert FORMATS == ("fhir", "cbioportal", "phenopacket")
