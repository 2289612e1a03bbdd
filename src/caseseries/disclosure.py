"""The case as it stood on a date, for teaching: nothing later is disclosed.

``case_as_of(case, as_of)`` is a pure function: it returns a copy of the case that
holds only what was known by the end of ``as_of`` (the rule is DISCLOSURE_RULE),
with durations censored at ``as_of``, the outcome withheld, a neutral title and the
citation withheld until the reveal. As a last safeguard, the names of drugs and
regimens that start after ``as_of`` are replaced by ``[withheld]`` wherever free
text of an earlier fact mentions them (a note, a quote, a discrepancy).
"""

from __future__ import annotations

import re

from .chronology import Chronology
from .dates import DateSpec, RelativeDate, TimePoint, UnknownDate, parse_date
from .metrics import diagnosis_date
from .model import Case, Diagnosis, Locator, Outcome, Source

DISCLOSURE_RULE = (
    "A dated fact is shown when it certainly happened by the end of the as-of date: when the last day "
    "its date can mean is on or before the last day the as-of date can mean. As of 2023-09, a fact dated "
    "2023-09 is shown, one dated 2023 (it may be December) or 'X + >N months' (no upper bound) is not; "
    "as of 2023-09-15, a fact dated 2023-09 is not. A course that certainly ends later is shown as "
    "ongoing; one whose end is not known by then is shown without its end, response or reason for "
    "stopping. Undated events, biomarkers, adverse events and discrepancies are withheld; patient "
    "characteristics are shown, and the undated findings of the diagnosis once the diagnosis date is "
    "reached. Durations are censored at the as-of date. The outcome, the reported durations, the title, "
    "the citation and the answers to the discussion questions wait for the full report (the outcome and "
    "the courses' ends are shown once the as-of date is past the last contact)."
)

WITHHELD = "[withheld]"
FALLBACK_TITLE = "Teaching case"


class DisclosureError(ValueError):
    """An as-of date that cannot be placed on the case's time axis."""


def as_of_point(case: Case, as_of: str | DateSpec) -> tuple[DateSpec, TimePoint]:
    """The as-of date parsed and placed on the case's axis; DisclosureError saying why not."""
    try:
        when = parse_date(as_of)
    except ValueError as exc:
        raise DisclosureError(f"as_of: {exc}, found {str(as_of)!r}") from None
    if isinstance(when, UnknownDate):
        raise DisclosureError("as_of: expected a date or an offset from an item of the case, found 'unknown'")
    if isinstance(when, RelativeDate) and when.at_least:
        raise DisclosureError(f"as_of: expected an exact offset such as 'X + 6 months', found {str(as_of)!r} "
                              "(a 'more than' offset has no end)")
    chrono = Chronology(case)
    try:
        cut = chrono.point(when)
    except ValueError as exc:
        raise DisclosureError(f"as_of: {exc}") from None
    if cut.axis != chrono.axis:
        hint = "" if chrono.axis == "calendar" else f" (write it as an offset, e.g. '{chrono.axis} + 6 months')"
        where = "calendar" if cut.is_calendar else f"'{cut.axis}'"
        raise DisclosureError(f"as_of: {as_of} lies on the {where} time axis, but the dates of this case "
                              f"count from {'the calendar' if chrono.axis == 'calendar' else repr(chrono.axis)}{hint}")
    first = _first_date(chrono, cut.axis)
    if first is not None and cut.latest < first[1].earliest:
        raise DisclosureError(f"as_of: {as_of} is before the first dated fact of the case ({first[0]}), "
                              "nothing would be shown")
    return when, cut


def case_as_of(case: Case, as_of: str | DateSpec) -> Case:
    """A copy of the case holding only what was known by the end of ``as_of`` (see DISCLOSURE_RULE)."""
    when, cut = as_of_point(case, as_of)
    chrono = Chronology(case)

    def point(date: DateSpec | None, item_id: str | None = None) -> TimePoint | None:
        return chrono.safe_point(date, item_id)

    def by_cut(date: DateSpec | None, item_id: str | None = None) -> bool:
        p = point(date, item_id)
        return p is not None and p.axis == cut.axis and p.latest <= cut.latest

    def shown(date: DateSpec | None, item_id: str | None = None) -> bool:
        """Known by the end of as_of, and so is every item its date counts from."""
        if not by_cut(date, item_id):
            return False
        while isinstance(date, RelativeDate):
            anchor = date.anchor
            date = chrono.anchors.get(anchor)
            if date is None or not by_cut(date, anchor):
                return False
        return True

    def after(date: DateSpec | None) -> bool:
        """Certainly after the end of as_of (so what it marks still went on then)."""
        p = point(date)
        return p is not None and p.axis == cut.axis and p.earliest > cut.latest

    def kept(date: DateSpec | None) -> DateSpec | None:
        return date if shown(date) else None

    if isinstance(when, RelativeDate) and not shown(when):
        raise DisclosureError(f"as_of: '{when.anchor}' is not known by {when}; give the as-of date as a date "
                              "or as an offset from an earlier item")

    d = case.diagnosis
    diagnosed = diagnosis_date(case)
    if diagnosed is None or shown(diagnosed):  # the undated findings of the diagnosis
        diagnosis = d.model_copy(update={
            "stages": [s for s in d.stages if s.date is None or shown(s.date)],
            "biomarkers": [b for b in d.biomarkers if shown(b.date)],
        })
    else:
        diagnosis = Diagnosis(stages=[s for s in d.stages if s.date is not None and shown(s.date)],
                              biomarkers=[b for b in d.biomarkers if shown(b.date)])

    story_told = shown(case.outcome.last_contact)  # what the source knew at its end was known by then
    regimens = []
    for r in case.regimens:
        if not shown(r.start, r.id):
            continue
        if story_told or r.end is not None and shown(r.end):
            regimens.append(r)
        elif r.end is None and r.ongoing_as_of is not None and shown(r.ongoing_as_of):
            regimens.append(r)
        else:
            going_on = after(r.end) or after(r.ongoing_as_of)
            regimens.append(r.model_copy(update={
                "end": None, "ongoing_as_of": when if going_on else None, "reason_stopped": None,
                "response": None, "cycles_given": None}))

    radiotherapy = []
    for c in case.radiotherapy:
        if not shown(c.start, c.id):
            continue
        ended = story_told or c.end is not None and shown(c.end)
        radiotherapy.append(c if ended else c.model_copy(update={"end": None, "response": None}))

    limits = [lim.model_copy(update={"valid_until": kept(lim.valid_until)})
              for lim in case.reference_limits if lim.valid_from is None or shown(lim.valid_from)]

    if story_told:
        outcome = case.outcome  # the whole story lies before as_of: nothing left to withhold
    else:
        outcome = Outcome(
            status="alive" if after(case.outcome.last_contact) else "unknown",
            status_as_worded=f"as of {when}; what happened next is not shown",
            last_contact=when, durations=[],
            locator=Locator(section=f"teaching view as of {when}, not a statement of the source"))

    view = case.model_copy(update={
        "title": case.neutral_title or FALLBACK_TITLE,
        "source": Source(citation="Citation withheld until the reveal", patient=case.source.patient,
                         file=case.source.file, synthetic=case.source.synthetic),
        "diagnosis": diagnosis,
        "events": [e.model_copy(update={"end": kept(e.end)}) for e in case.events if shown(e.date, e.id)],
        "regimens": regimens,
        "radiotherapy": radiotherapy,
        "reference_limits": limits,
        "markers": [m for m in case.markers if shown(m.date)],
        "imaging": [i for i in case.imaging if shown(i.date, i.id)],
        "adverse_events": [a for a in case.adverse_events if shown(a.date)],
        "outcome": outcome,
        "discrepancies": [x for x in case.discrepancies if shown(x.date)],
        "questions": [q.model_copy(update={"answer": None}) for q in case.questions if shown(q.decision_point)],
    })
    return redact(view, hidden_names(case, view))


def hidden_names(case: Case, view: Case) -> list[str]:
    """Names of drugs and regimens of the case that the view does not show (longest first)."""
    def names_of(c: Case) -> set[str]:
        return {n for r in c.regimens for n in [r.name or "", *(a.drug for a in r.agents)] if n}

    shown = names_of(view)
    hidden = {n for n in names_of(case) - shown
              if not any(re.search(_word(n), s, re.IGNORECASE) for s in shown)}  # 'paclitaxel' in 'paclitaxel liposome'
    return sorted(hidden, key=lambda n: (-len(n), n))


def _word(name: str) -> str:
    return r"(?<![\w-])" + re.escape(name) + r"(?![\w-])"


def redact(view: Case, names: list[str]) -> Case:
    """The view with every mention of the names in its free text replaced by [withheld]."""
    if not names:
        return view
    pattern = re.compile("|".join(_word(n) for n in names), re.IGNORECASE)

    def scrub(value):
        if isinstance(value, str):
            return pattern.sub(WITHHELD, value)
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):  # ids and dates are kept as they are: they are not prose
            return {k: v if k in _NOT_PROSE else scrub(v) for k, v in value.items()}
        return value

    return Case.model_validate(scrub(view.model_dump(mode="json", exclude_none=True)))


_NOT_PROSE = frozenset({"case_id", "id", "date", "start", "end", "ongoing_as_of", "valid_from", "valid_until",
                        "last_contact", "decision_point"})


def as_of_label(as_of: str | DateSpec) -> str:
    """The as-of date for a file name: '2023-09', 'rit-start+6months'."""
    text = str(parse_date(as_of))
    return re.sub(r"\s+", "", text).replace(">", "gt")


def _first_date(chrono: Chronology, axis: str) -> tuple[str, TimePoint] | None:
    """The earliest date of the case on an axis, as written, with its point."""
    dated = [(str(d), p) for d in chrono._all_dates()  # noqa: SLF001 (same package)
             if (p := chrono.safe_point(d)) is not None and p.axis == axis]
    dated += [(root, TimePoint(root, 0.0, 0.0, "anchor")) for root in chrono.roots if root == axis]
    return min(dated, key=lambda x: x[1].earliest) if dated else None


__all__ = ["case_as_of", "as_of_point", "as_of_label", "DISCLOSURE_RULE", "DisclosureError", "WITHHELD"]
