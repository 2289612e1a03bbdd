"""A case as cBioPortal timeline files: case -> {file name: text}, no I/O.

cBioPortal's timeline format (docs.cbioportal.org, File Formats, "Timeline Data"): one
tab-separated data file per event type whose first four columns are PATIENT_ID,
START_DATE, STOP_DATE, EVENT_TYPE, with START_DATE and STOP_DATE integer days relative
to an origin the study chooses (negative allowed), STOP_DATE empty for a point event, and
one meta file per data file (``genetic_alteration_type: CLINICAL``, ``datatype: TIMELINE``,
``data_filename``).

The format has no date precision, so the rounding rule is fixed and stated here and in
docs/exports.md: day 0 is the first possible day of the diagnosis (the first event of kind
``diagnosis`` in the timeline's order, else the first dated item); START_DATE is the first
possible day of a date minus day 0 (its last possible day when it has no first), STOP_DATE
the last possible day of the end (empty when the end is open: "more than", ongoing). ``2018-11`` starts on 2018-11-01. The columns
DATE_PRECISION, DATE_AS_STATED and STOP_AS_STATED keep what the case file says. An item
with no date on the diagnosis's axis (undated, or an offset from another undated anchor)
is left out.

Files are named ``<case_id>.data_timeline_<type>.txt`` and ``<case_id>.meta_timeline_<type>.txt``
so that the cases of a series can share one study folder (cBioPortal finds meta files by the
word ``meta`` in their name).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from caseseries.model.drugs import Drug, agent_info, regimen_name
from caseseries.model.case import NOT_STATED, Case, course_name
from caseseries.model.timeline import When, timeline

STUDY_ID = "caseseries"
REQUIRED = ("PATIENT_ID", "START_DATE", "STOP_DATE", "EVENT_TYPE")
TAIL = ("DATE_PRECISION", "DATE_AS_STATED", "STOP_AS_STATED", "SOURCE")
COLUMNS = {
    "TREATMENT": ("TREATMENT_TYPE", "SUBTYPE", "AGENT", "DOSE", "DOSE_UNIT", "REGIMEN", "TARGET_VOLUME",
                  "TOTAL_DOSE_GY", "FRACTIONS", "DOSE_PER_FRACTION_GY"),
    "LAB_TEST": ("TEST", "RESULT", "UNIT", "OBSERVATION", "REFERENCE_UPPER"),
    "IMAGING": ("DIAGNOSTIC_TYPE", "SITES", "RESULT", "RESPONSE"),
    "STATUS": ("STATUS", "KIND"),
    "SPECIMEN": ("SPECIMEN", "SITES"),
}
EVENT_TYPES = tuple(COLUMNS)
SPECIMEN_KINDS = ("biopsy", "pathology")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return " ".join(str(value).split())


class _Rows:
    def __init__(self, case: Case):
        self.case, self.tl = case, timeline(case)
        self.origin = self._origin()
        self.rows: dict[str, list[dict]] = {t: [] for t in EVENT_TYPES}
        self.left_out: list[str] = []

    def _origin(self) -> When | None:
        entries = self.tl.entries
        for e in entries:
            if e.field == "events" and e.item.kind == "diagnosis" and not math.isinf(e.start.earliest):
                return e.start
        return next((e.start for e in entries if not math.isinf(e.start.earliest)), None)

    def day(self, w: When | None, last: bool = False) -> int | None:
        """Days from day 0: the first possible day (the last when ``last``, or when there is no first)."""
        o = self.origin
        if w is None or o is None or w.axis != o.axis:
            return None
        value = w.latest if last or math.isinf(w.earliest) else w.earliest
        if math.isinf(value):
            return None
        return int(round(value - o.earliest))

    def add(self, event_type: str, what: str, start: When | None, end: When | None, locator, **cols) -> None:
        s = self.day(start)
        if s is None:
            self.left_out.append(what)
            return
        e = self.day(end, last=True) if end is not None and not end.open_end else None
        if e is not None and e < s:
            e = s
        self.rows[event_type].append({
            "PATIENT_ID": self.case.case_id, "START_DATE": s, "STOP_DATE": e, "EVENT_TYPE": event_type, **cols,
            "DATE_PRECISION": start.precision, "DATE_AS_STATED": start.stated,
            "STOP_AS_STATED": end.stated if end is not None else None, "SOURCE": str(locator) if locator else None})


def rows(case: Case, reference: Mapping[str, Drug]) -> tuple[dict[str, list[dict]], list[str]]:
    """The timeline rows by event type, and the items left out (no date on the diagnosis's axis)."""
    r, tl = _Rows(case), timeline(case)
    for i, ev in enumerate(case.events):
        span = tl.span("events", i)
        if ev.kind == "surgery":
            r.add("TREATMENT", ev.id, span.start, span.end, ev.locator, TREATMENT_TYPE="Surgery",
                  SUBTYPE=ev.label)
        elif ev.kind in SPECIMEN_KINDS:
            r.add("SPECIMEN", ev.id, span.start, span.end, ev.locator, SPECIMEN=ev.label,
                  SITES="; ".join(ev.sites) or None)
        else:
            r.add("STATUS", ev.id, span.start, span.end, ev.locator, STATUS=ev.label, KIND=ev.kind)
    for i, reg in enumerate(case.regimens):
        span = tl.span("regimens", i)
        for agent in reg.agents:
            info = agent_info(agent, reference)
            r.add("TREATMENT", reg.id, span.start, span.end, agent.locator, TREATMENT_TYPE="Medical Therapy",
                  SUBTYPE=info.kind or reg.modality, AGENT=info.label, DOSE=agent.dose, DOSE_UNIT=agent.unit,
                  REGIMEN=regimen_name(reg, reference))
    for i, course in enumerate(case.radiotherapy):
        span = tl.span("radiotherapy", i)
        for t in course.targets or [None]:
            r.add("TREATMENT", course.id, span.start, span.end, (t or course).locator,
                  TREATMENT_TYPE="Radiation Therapy", SUBTYPE=course_name(course),
                  REGIMEN=course.regimen, TARGET_VOLUME=t.name if t else None,
                  TOTAL_DOSE_GY=t.total_dose_gy if t else None, FRACTIONS=t.fractions if t else None,
                  DOSE_PER_FRACTION_GY=t.dose_per_fraction_gy if t else None)
    from caseseries.views.tables import reference_limit  # pandas: only when exporting

    for i, m in enumerate(case.markers):
        w = tl.at(("markers", i, "date"))
        limit = reference_limit(case, m.analyte, w) if m.value is not None else None
        r.add("LAB_TEST", f"marker {m.analyte}", w, None, m.locator, TEST=m.analyte, RESULT=m.value, UNIT=m.unit,
              OBSERVATION=m.observation, REFERENCE_UPPER=limit.upper if limit else None)
    for i, img in enumerate(case.imaging):
        r.add("IMAGING", img.id, tl.at(("imaging", i, "date")), None, img.locator,
              DIAGNOSTIC_TYPE=img.modality if img.modality != NOT_STATED else None,
              SITES="; ".join(img.sites) or None, RESULT=img.findings, RESPONSE=img.category or img.response_as_worded)
    for i, ae in enumerate(case.adverse_events):
        w = tl.at(("adverse_events", i, "date")) if ae.date is not None else None
        r.add("STATUS", f"adverse event {ae.term}", w, None, ae.locator,
              STATUS=f"adverse event{'' if ae.observed else ' not observed'}: {ae.term}"
                     + (f" (grade {ae.grade})" if ae.grade else ""), KIND="adverse event")
    o = case.outcome
    r.add("STATUS", "outcome", tl.last_contact, None, o.locator, STATUS=f"last contact: {o.status}",
          KIND="last contact")
    for t in EVENT_TYPES:
        r.rows[t].sort(key=lambda row: (row["START_DATE"], row["STOP_DATE"] is None, row["STOP_DATE"] or 0))
    return r.rows, r.left_out


def data_name(case_id: str, event_type: str) -> str:
    return f"{case_id}.data_timeline_{event_type.lower()}.txt"


def meta_name(case_id: str, event_type: str) -> str:
    return f"{case_id}.meta_timeline_{event_type.lower()}.txt"


def files(case: Case, reference: Mapping[str, Drug]) -> dict[str, str]:
    """The data and meta files of the event types the case has, by file name."""
    by_type, _ = rows(case, reference)
    out = {}
    for event_type, items in by_type.items():
        if not items:
            continue
        header = REQUIRED + COLUMNS[event_type] + TAIL
        lines = ["\t".join(header)] + ["\t".join(_cell(row.get(c)) for c in header) for row in items]
        out[data_name(case.case_id, event_type)] = "\n".join(lines) + "\n"
        out[meta_name(case.case_id, event_type)] = (
            f"cancer_study_identifier: {STUDY_ID}\ngenetic_alteration_type: CLINICAL\ndatatype: TIMELINE\n"
            f"data_filename: {data_name(case.case_id, event_type)}\n")
    return out
