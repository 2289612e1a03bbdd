"""The case as it stood on a date, for teaching: nothing later is disclosed.

The rule for imprecise dates: a fact is shown only when it certainly happened by
the last day ``as_of`` can mean (its latest possible day is on or before that day).
So with ``as_of = 2023-09`` a fact dated ``2023-09`` is shown, one dated ``2023``
is not (it may be December). Undated facts are withheld, except the undated
anchor of a relative case. Durations are censored at ``as_of``; the title,
citation and summary are neutral until the reveal.
"""

from __future__ import annotations

from .chronology import Chronology
from .dates import CalendarDate, DateSpec, TimePoint, parse_date
from .model import Case, Outcome, Source

DISCLOSURE_RULE = (
    "A fact is shown only when it certainly happened by the last day of the as-of date: "
    "a month-precision fact in the as-of month is shown, a year-precision fact in the as-of year is not "
    "(unless the as-of date is that year), undated facts are withheld."
)


class DisclosureError(ValueError):
    """An as-of date that cannot be placed on the case's time axis."""


def case_as_of(case: Case, as_of: str | DateSpec) -> Case:
    """A copy of the case holding only what was known on ``as_of``."""
    try:
        when = parse_date(as_of)
    except ValueError as exc:
        raise DisclosureError(f"as_of: {exc}, found {str(as_of)!r}") from None
    chrono = Chronology(case)
    try:
        cut = chrono.point(when)
    except ValueError as exc:
        raise DisclosureError(f"as_of: {exc}") from None
    if cut is None:
        raise DisclosureError("as_of: expected a date or an offset from an anchor of the case, found 'unknown'")
    if cut.axis != chrono.axis:
        raise DisclosureError(
            f"as_of: {as_of} is on the {cut.axis} axis, but this case's dates are on the {chrono.axis} axis"
            + ("" if chrono.axis == "calendar" else f" (write e.g. '{chrono.axis} + 6 months')")
        )

    def shown(date: DateSpec | None, item_id: str | None = None) -> bool:
        point = chrono.safe_point(date, item_id)
        return point is not None and _known_by(point, cut)

    def kept(date: DateSpec | None) -> DateSpec | None:
        return date if date is not None and shown(date) else None

    d = case.diagnosis
    diagnosis = d.model_copy(update={
        "stages": [s for s in d.stages if s.date is None or shown(s.date)],
        "biomarkers": [b for b in d.biomarkers if b.date is not None and shown(b.date)],
    })
    regimens = []
    for r in case.regimens:
        if not shown(r.start, r.id):
            continue
        if r.end is not None and shown(r.end):
            regimens.append(r)
            continue
        ongoing = when if (r.end is not None or r.ongoing_as_of is not None) else None
        regimens.append(r.model_copy(update={"end": None, "ongoing_as_of": ongoing, "reason_stopped": None,
                                             "response": None, "cycles_given": None}))
    radiotherapy = []
    for c in case.radiotherapy:
        if not shown(c.start, c.id):
            continue
        ended = c.end is not None and shown(c.end)
        radiotherapy.append(c if ended else c.model_copy(update={"end": None, "response": None}))
    events = [e.model_copy(update={"end": kept(e.end)}) for e in case.events if shown(e.date, e.id)]
    return case.model_copy(update={
        "title": case.neutral_title or f"Case {case.case_id}",
        "source": Source(citation="Citation withheld until the reveal", patient=case.source.patient,
                         file=case.source.file, synthetic=case.source.synthetic),
        "diagnosis": diagnosis,
        "events": events,
        "regimens": regimens,
        "radiotherapy": radiotherapy,
        "reference_limits": [lim for lim in case.reference_limits if lim.valid_from is None or shown(lim.valid_from)],
        "markers": [m for m in case.markers if shown(m.date)],
        "imaging": [i for i in case.imaging if shown(i.date, i.id)],
        "adverse_events": [a for a in case.adverse_events if a.date is not None and shown(a.date)],
        "outcome": Outcome(status="unknown", status_as_worded=f"as of {when}: what happened next is not yet shown",
                           last_contact=when, durations=[], locator=case.outcome.locator),
        "discrepancies": [x for x in case.discrepancies if x.date is not None and shown(x.date)],
        "questions": [q.model_copy(update={"answer": None}) for q in case.questions if shown(q.decision_point)],
    })


def _known_by(point: TimePoint, cut: TimePoint) -> bool:
    return point.axis == cut.axis and point.latest <= cut.latest


def as_of_label(as_of: str) -> str:
    """The as-of date as written, for file names and headings."""
    return str(parse_date(as_of))


__all__ = ["case_as_of", "DISCLOSURE_RULE", "DisclosureError", "CalendarDate"]
