"""The case as it stood on a date, for teaching: nothing later is disclosed.

``case_as_of(case, as_of)`` is a pure function: it returns a copy of the case that
holds only what was known by the end of ``as_of`` (the rule is DISCLOSURE_RULE),
with durations censored at ``as_of``, the outcome withheld, a neutral title and the
citation withheld until the reveal. The case file's ``notes`` (on every item, the
source, the patient and the diagnosis), the article's own dates and its last follow-up
as stated are withheld too: a note may read a passage in the light of what came later.
As a last safeguard, the names of drugs and regimens that start after ``as_of`` are
replaced by ``[withheld]`` wherever free text of an earlier fact mentions them (a quote,
a discrepancy).
"""

from __future__ import annotations

import math
import re

from caseseries.model.dates import DateSpec, parse_date
from caseseries.model.case import Case, Diagnosis, Locator, Outcome, Source
from caseseries.model.timeline import ANCHORING, CALENDAR, Path, Timeline, TimelineError, When, anchors_of, dated_fields, precedes, timeline

DISCLOSURE_RULE = (
    "A dated fact is shown when it certainly happened by the end of the as-of date: when the last day "
    "its date can mean is on or before the last day the as-of date can mean, or when the case places it "
    "before something already shown (it lies 'before Y' or 'between X and Y' with Y shown, or a shown fact "
    "is stated to come after it). As of 2023-09, a fact dated 2023-09 is shown; one dated 2023 (it may be "
    "December), 'between X and Y' (it may be as late as Y, unless Y is shown) or 'X + >N months' (no stated "
    "upper bound: it may be as late as the last contact) is not; as of 2023-09-15, a fact dated 2023-09 is "
    "not. A past fact dated from an item not yet shown is shown with its date as the days it can mean, "
    "never by that item's name. A regimen that certainly goes on after the as-of date (its end, or the end "
    "its reported length gives, is later) is shown as ongoing then; a course whose end is not known by then "
    "is shown without its end, response or reason for stopping, and the names of courses not yet shown are "
    "replaced by [withheld]. A discrepancy is shown only when none of its words or numbers belongs only to "
    "withheld facts; a discussion question is shown from its decision point, without its answer. Undated "
    "events (except the one a relative time axis counts from), biomarkers and adverse events are withheld; "
    "patient characteristics are shown, and the undated findings of the diagnosis once the diagnosis date "
    "is reached. Durations are censored at the as-of date. The outcome, the reported durations, the title, "
    "the citation, the article's dates, its last follow-up as stated, the notes of the case file (which may "
    "read a passage in the light of what came later) and the answers to the discussion questions wait for "
    "the full report (the outcome and the courses' ends are shown once the last contact is reached)."
)

WITHHELD = "[withheld]"
AS_OF_SECTION = "teaching view as of"  # the locator of a view's censored outcome: where its last contact comes from
FALLBACK_TITLE = "Teaching case"


class DisclosureError(ValueError):
    """An as-of date that cannot be placed on the case's time axis."""


def as_of_point(case: Case, as_of: str | DateSpec | When) -> When:
    """The as-of date resolved on the case's timeline; DisclosureError saying why it cannot be used.

    It must lie on the case's main axis, have a first and a last day (no open bound),
    not end before the first dated fact, and count only from items known by then.
    """
    text = as_of.stated if isinstance(as_of, When) else " ".join(str(as_of).split())
    tl = timeline(case)
    try:
        cut = tl.resolve(text)
    except TimelineError as exc:
        if text == "unknown":
            raise DisclosureError("as_of: expected a date or an offset from an item of the case, "
                                  "found 'unknown'") from None
        raise DisclosureError(f"as_of: {exc}, found {text!r}") from None
    if cut.open_end or cut.open_start or math.isinf(cut.earliest) or math.isinf(cut.latest):
        raise DisclosureError(f"as_of: expected an exact offset such as 'X + 6 months' or a date, found {text!r} "
                              "(it has no stated first or last day: 'more than', 'on or after' and 'on or before' "
                              "dates, and offsets from them, are open)")
    if cut.axis != tl.axis:
        hint = "" if tl.axis == CALENDAR else f" (write it as an offset, e.g. '{tl.axis} + 6 months')"
        where = "calendar" if cut.is_calendar else f"'{cut.axis}'"
        count = "the calendar" if tl.axis == CALENDAR else repr(tl.axis)
        raise DisclosureError(f"as_of: {text} lies on the {where} time axis, but the dates of this case "
                              f"count from {count}{hint}")
    first = _first_fact(tl, cut.axis)
    if first is not None and cut.latest < first.earliest:
        raise DisclosureError(f"as_of: {text} is before the first dated fact of the case ({first.words}), "
                              "nothing would be shown")
    known = _Known(tl, cut)
    late = [a for a in anchors_of(parse_date(cut.stated)) if not known.anchor(a)]
    if late:
        raise DisclosureError(f"as_of: {text} counts from {tl.name_of(late[0])} ('{late[0]}'), which is not known "
                              "by then; give the as-of date as a date or as an offset from an earlier item")
    return cut


def case_as_of(case: Case, as_of: str | DateSpec | When) -> Case:
    """A copy of the case holding only what was known by the end of ``as_of`` (see DISCLOSURE_RULE).

    Every date is read through the case's timeline. Dates written into the view are the
    case's own (kept only with every item they count from) and the as-of date itself, so
    the view's timeline places them where the case's does.
    """
    cut = as_of_point(case, as_of)
    when = parse_date(cut.stated)  # the as-of date as the view states it (last contact, ongoing_as_of)
    tl = timeline(case)
    known = _Known(tl, cut)
    shown = known.field

    d = case.diagnosis
    diagnosed = _diagnosis_path(case, tl)
    if diagnosed is None or shown(diagnosed):  # the undated findings of the diagnosis
        diagnosis = d.model_copy(update={
            "stages": [s for i, s in enumerate(d.stages)
                       if s.date is None or shown(("diagnosis", "stages", i, "date"))],
            "biomarkers": [b for i, b in enumerate(d.biomarkers) if shown(("diagnosis", "biomarkers", i, "date"))],
        })
    else:
        diagnosis = Diagnosis(
            stages=[s for i, s in enumerate(d.stages) if shown(("diagnosis", "stages", i, "date"))],
            biomarkers=[b for i, b in enumerate(d.biomarkers) if shown(("diagnosis", "biomarkers", i, "date"))])

    story_told = shown(("outcome", "last_contact"))  # what the source knew at its end was known by then
    regimens = []
    for i, r in enumerate(case.regimens):
        if not shown(("regimens", i, "start")):
            continue
        span = tl.span("regimens", i)
        if story_told or span.end_basis == "stated" and shown(("regimens", i, "end")):
            regimens.append(r)
        elif span.end_basis == "ongoing" and shown(("regimens", i, "ongoing_as_of")):
            regimens.append(r)  # ongoing as of a date already reached: as the source says
        else:  # its end (stated, ongoing or reported) certainly lies later: ongoing, censored at as_of
            going_on = known.after(span.end)
            regimens.append(r.model_copy(update={
                "end": None, "ongoing_as_of": when if going_on else None, "reason_stopped": None,
                "response": None, "cycles_given": None}))

    radiotherapy, protocols = [], {r.id for r in regimens}
    for i, c in enumerate(case.radiotherapy):
        if not shown(("radiotherapy", i, "start")):
            continue
        ended = story_told or c.end is not None and shown(("radiotherapy", i, "end"))
        update = {} if ended else {"end": None, "response": None}
        if c.regimen is not None and c.regimen not in protocols:
            update["regimen"] = None  # its protocol starts later: the link would name what is not known yet
        radiotherapy.append(c.model_copy(update=update))

    limits = [lim.model_copy(update={"valid_until": lim.valid_until if shown(("reference_limits", i, "valid_until"))
                                     else None})
              for i, lim in enumerate(case.reference_limits)
              if lim.valid_from is None or shown(("reference_limits", i, "valid_from"))]

    if story_told:
        outcome = case.outcome  # the whole story lies before as_of: nothing left to withhold
    else:
        outcome = Outcome(
            status="alive" if known.after(tl.last_contact) else "unknown",
            status_as_worded=f"as of {cut.words}; what happened next is not shown",
            last_contact=when, durations=[],
            locator=Locator(section=f"{AS_OF_SECTION} {cut.words}, not a statement of the source"))

    def items(field: str, name: str) -> list:
        return [x if name != "date" else x.model_copy(update={"date": known.restated((field, i, name), x.date)})
                for i, x in enumerate(getattr(case, field)) if shown((field, i, name))]

    view = case.model_copy(update={
        "title": case.neutral_title or FALLBACK_TITLE,
        "source": Source(citation="Citation withheld until the reveal", patient=case.source.patient,
                         doi=case.source.doi, url=case.source.url, file=case.source.file,
                         synthetic=case.source.synthetic),
        "diagnosis": diagnosis,
        "events": [e.model_copy(update={"end": e.end if shown(("events", i, "end")) else None,
                                        "date": known.restated(("events", i, "date"), e.date)})
                   for i, e in enumerate(case.events) if shown(("events", i, "date"))],
        "regimens": regimens,
        "radiotherapy": radiotherapy,
        "reference_limits": limits,
        "markers": items("markers", "date"),
        "imaging": items("imaging", "date"),
        "adverse_events": items("adverse_events", "date"),
        "outcome": outcome,
        "discrepancies": items("discrepancies", "date"),
        "questions": [q.model_copy(update={"answer": None}) for q in items("questions", "decision_point")],
    })
    view = redact(without_notes(view), hidden_names(case, view))
    # A discrepancy is commentary, possibly written in the light of the ending: it is shown only when, once
    # the names of withheld courses are redacted, it uses no word or number that only withheld facts use.
    # A question belongs to its decision point and is shown from then on (validate flags one naming a
    # later treatment).
    late = late_words(case, view)
    return view.model_copy(update={
        "discrepancies": [d for d in view.discrepancies if not late & words(fact_text(d))],
    })


class _Known:
    """What the case's timeline places by the end of the as-of date (DISCLOSURE_RULE).

    A date is known when its latest possible day is on or before the as-of's latest day
    (an open upper bound counts up to the last contact, where the timeline caps it),
    and every item it counts from (offset anchors, both bounds of 'between') is known.
    """

    def __init__(self, tl: Timeline, cut: When):
        self.tl, self.cut = tl, cut
        self._specs: dict[Path, DateSpec] = dict(dated_fields(tl.case))
        self._anchors: dict[str, Path] = {}
        for field, name in ANCHORING:
            for i, item in enumerate(getattr(tl.case, field)):
                self._anchors.setdefault(item.id, (field, i, name))
        self._memo: dict[Path, bool] = {}

    def by_cut(self, w: When | None) -> bool:
        return w is not None and w.axis == self.cut.axis and w.known_by(self.cut.latest)

    def after(self, w: When | None) -> bool:
        """Certainly after the end of as_of (so what it marks still went on then)."""
        return w is not None and w.axis == self.cut.axis and w.earliest > self.cut.latest

    def field(self, path: Path) -> bool:
        """The dated field at ``path`` (e.g. ('markers', 2, 'date')) is known by the as-of date."""
        path = tuple(path)
        if path not in self._memo:
            self._memo[path] = False  # a cycle of offsets is never known (a valid case has none)
            spec = self._specs.get(path)
            w = self.tl.at(path)
            # certainly past: known, whatever it counts from (its date is then restated, see restated());
            # otherwise it must be placed before something known, by dates that name only known items
            self._memo[path] = (spec is not None and w is not None
                                and (self.by_cut(w) or (all(self.anchor(a) for a in anchors_of(spec))
                                                        and self._before_known(path, spec))))
        return self._memo[path]

    def restated(self, path: Path, spec: DateSpec) -> DateSpec:
        """The date as the view may state it: the case's own when every item it counts from is known, else
        the interval the timeline resolves (calendar days, or days from the axis origin), naming no withheld item."""
        if all(self.anchor(a) for a in anchors_of(spec)):
            return spec
        w = self.tl.at(tuple(path))
        if w.is_calendar:
            lo, hi = w.earliest_date.isoformat(), w.latest_date.isoformat()
        else:
            lo, hi = (f"{w.axis} {'-' if d < 0 else '+'} {abs(int(d))} days" for d in (w.earliest, w.latest))
        return parse_date(lo if lo == hi else f"between {lo} and {hi}")

    def _before_known(self, path: Path, spec: DateSpec) -> bool:
        """The stated order places it before something known: 'before Y' or 'between X and Y' with Y known,
        or an item stated to follow it ('after' it) certainly lies by the as-of date."""
        w = self.tl.at(path)
        if w is None or w.axis != self.cut.axis:
            return False
        if any(self.anchor(a) for a in precedes(spec)):
            return True
        owner = self._owner(path)
        return owner is not None and self.tl.follower_limit(owner) <= self.cut.latest

    def _owner(self, path: Path) -> str | None:
        """The id an anchoring field dates (an event's date, a course's start)."""
        if len(path) == 3 and (path[0], path[2]) in ANCHORING:
            return getattr(self.tl.case, path[0])[path[1]].id
        return None

    def anchor(self, item_id: str) -> bool:
        path = self._anchors.get(item_id)
        return path is not None and self.field(path)


# Words that say where or how a source says something, not what happened: never a spoiler by themselves.
GENERIC_WORDS = frozenset("""
abstract text table figure legend section paragraph case presentation discussion introduction conclusion
conclusions source stated states says given reported report authors author also only with without that this
from after before during then than there their which were have been into over more less about between each
when while does read reading here same other first second third last date dates month months year years week
weeks days patient treatment """.split())
_WORD = re.compile(r"[a-z][a-z0-9-]*[a-z0-9]|\d+(?:\.\d+)?")


def words(text: str) -> set[str]:
    """The words (4 letters or more, lower case) and numbers above 31 or with decimals of a text."""
    out = set()
    for w in _WORD.findall(text.lower()):
        if w[0].isdigit():
            if "." in w or float(w) > 31:
                out.add(w)
        elif len(w) >= 4 and w not in GENERIC_WORDS:
            out.add(w)
    return out


def fact_text(value) -> str:
    """All prose and numbers of a fact (a model item or a dumped value), without ids, dates, sections or notes."""
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dict):
        return " ".join(fact_text(v) for k, v in value.items() if k not in _NOT_PROSE and k not in _NOT_FACT)
    if isinstance(value, list):
        return " ".join(fact_text(v) for v in value)
    if isinstance(value, bool) or value is None:
        return ""
    return str(value)


_NOT_FACT = frozenset({"notes", "section", "paragraph", "table", "figure", "discrepancies", "questions"})


def late_words(case: Case, view: Case) -> set[str]:
    """Words and numbers of the case's facts that the view's facts do not use: what is still withheld."""
    return words(fact_text(case)) - words(fact_text(view))


def _diagnosis_path(case: Case, tl: Timeline) -> Path | None:
    """The date of the diagnosis: the earliest diagnosis event on the timeline, else the first dated stage."""
    events = [(tl.order_key(tl.at(("events", i, "date"))), i) for i, e in enumerate(case.events)
              if e.kind == "diagnosis"]
    if events:
        return ("events", min(events)[1], "date")
    return next((("diagnosis", "stages", i, "date") for i, s in enumerate(case.diagnosis.stages)
                 if s.date is not None), None)


def _first_fact(tl: Timeline, axis: str) -> When | None:
    """The resolved date of the case that can be earliest on an axis (unbounded starts aside)."""
    placed = [w for path, _ in dated_fields(tl.case)
              if (w := tl.at(path)) is not None and w.axis == axis and not math.isinf(w.earliest)]
    return min(placed, key=lambda w: (w.earliest, w.latest)) if placed else None


def hidden_names(case: Case, view: Case) -> list[str]:
    """Names of drugs and regimens of the case that the view does not show (longest first)."""
    def names_of(c: Case) -> set[str]:  # an agent the source does not name has no name to withhold
        return {n for r in c.regimens for n in [r.name or "", *(a.drug for a in r.agents if a.named)] if n}

    shown = names_of(view)
    hidden = {n for n in names_of(case) - shown
              if not any(re.search(_word(n), s, re.IGNORECASE) for s in shown)}  # 'paclitaxel' in 'paclitaxel liposome'
    return sorted(hidden, key=lambda n: (-len(n), n))


def _word(name: str) -> str:
    return r"(?<![\w-])" + re.escape(name) + r"(?![\w-])"


def without_notes(view: Case) -> Case:
    """The view with every ``notes`` removed (items, source, patient, diagnosis): they wait for the full report."""
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "notes"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    dumped = view.model_dump(mode="json", exclude_none=True)
    stripped = strip(dumped)
    return view if stripped == dumped else Case.model_validate(stripped)


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
                        "last_contact", "decision_point", "origin", "of", "regimen"})


def as_of_words(case: Case) -> str | None:
    """'2019-04-04' when the case is a teaching view whose story is cut there (its last contact is the as-of date)."""
    section = case.outcome.locator.section
    if not section.startswith(AS_OF_SECTION + " "):
        return None
    return section.removeprefix(AS_OF_SECTION + " ").removesuffix(", not a statement of the source")


def as_of_label(as_of: str | DateSpec | When) -> str:
    """The as-of date for a file name, as the case file would state it: '2023-09', 'rit-start+6months'."""
    text = as_of.stated if isinstance(as_of, When) else str(parse_date(as_of))
    return re.sub(r"\s+", "", text).replace(">", "gt")


__all__ = ["as_of_words", "late_words", "words", "fact_text", "case_as_of", "as_of_point", "as_of_label", "DISCLOSURE_RULE", "DisclosureError", "WITHHELD"]
