"""One resolved timeline per case: every dated thing as the interval of days it can mean.

Every view (tables, figures, metrics, the series, as-of views, CARE) reads dates
through :func:`timeline`: the earliest and latest possible day, the stated form and
precision, the order the case file states (an item dated after X never stands or is
drawn before X), the words a clinician reads, and one position to draw and sort by.
Undated anchors root axes of their own (days from that anchor); an open end ("more
than", "after X") is capped by the last contact, since a report tells only what
happened by then, and stays marked as open.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property

from caseseries.model.dates import DAYS_PER_MONTH, UNIT_DAYS, Bounded, CalendarDate, DateError, DateSpec, Duration, RelativeDate, Season, UnknownDate, between, parse_date
from caseseries.model.drugs import regimen_name
from caseseries.model.case import Case, ReportedDuration, course_name, derived

CALENDAR = "calendar"
INF = math.inf
Path = tuple[str | int, ...]

# Dated fields of a case, by list and field name: the one list every check and view uses.
DATED_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("events", ("date", "end")),
    ("regimens", ("start", "end", "ongoing_as_of")),
    ("radiotherapy", ("start", "end")),
    ("reference_limits", ("valid_from", "valid_until")),
    ("markers", ("date",)),
    ("imaging", ("date",)),
    ("adverse_events", ("date",)),
    ("discrepancies", ("date",)),
    ("questions", ("decision_point",)),
)
# Items whose id an offset or bound may name, and the field that dates them (a course: its start).
ANCHORING = (("events", "date"), ("regimens", "start"), ("radiotherapy", "start"), ("imaging", "date"))


class TimelineError(ValueError):
    """A date that cannot be placed: a missing anchor, a cycle of offsets, bounds in the wrong order."""


def dated_fields(case: Case) -> Iterator[tuple[Path, DateSpec]]:
    """Every date of the case with its path, in file order."""
    for i, s in enumerate(case.diagnosis.stages):
        if s.date is not None:
            yield ("diagnosis", "stages", i, "date"), s.date
    for i, b in enumerate(case.diagnosis.biomarkers):
        if b.date is not None:
            yield ("diagnosis", "biomarkers", i, "date"), b.date
    for field, names in DATED_FIELDS:
        for i, item in enumerate(getattr(case, field)):
            for name in names:
                value = getattr(item, name)
                if value is not None:
                    yield (field, i, name), value
    yield ("outcome", "last_contact"), case.outcome.last_contact
    for i, d in enumerate(case.outcome.durations):
        if d.origin is not None:
            yield ("outcome", "durations", i, "origin"), d.origin


# ---------------------------------------------------------------- resolved intervals


@dataclass(frozen=True)
class When:
    """Where a date lies: the interval of days it can mean, with how to read and draw it.

    Days are proleptic ordinals on the calendar axis and days from the root anchor on
    a relative axis; ``earliest`` may be ``-inf`` and ``latest`` ``inf`` when unbounded.
    """

    axis: str
    earliest: float
    latest: float
    precision: str
    stated: str
    words: str
    position: float | None
    depth: int = 0  # the stated order at one position: one more than what it follows, one less than what it precedes
    follows: tuple[str, ...] = ()
    open_end: bool = False
    open_start: bool = False
    reported: bool = False

    @property
    def is_calendar(self) -> bool:
        return self.axis == CALENDAR

    @property
    def is_open(self) -> bool:
        """No stated upper bound (drawn with an arrow, computed as censored)."""
        return self.open_end

    @property
    def sort_key(self) -> tuple[float, int]:
        return (INF if self.position is None else self.position, self.depth)

    def day(self, value: float) -> dt.date | None:
        """A day number of this axis as a calendar date (None off the calendar or unbounded)."""
        if not self.is_calendar or math.isinf(value):
            return None
        return dt.date.fromordinal(int(round(value)))

    @property
    def earliest_date(self) -> dt.date | None:
        return self.day(self.earliest)

    @property
    def latest_date(self) -> dt.date | None:
        return self.day(self.latest)

    @property
    def point_date(self) -> dt.date | None:
        """The drawing position as a calendar date."""
        return None if self.position is None else self.day(self.position)

    def known_by(self, day: float) -> bool:
        """True when every day this can mean is on or before ``day`` (same axis)."""
        return self.latest <= day

    def certainly_before(self, other: "When") -> bool:
        return self.axis == other.axis and self.latest < other.earliest


@dataclass(frozen=True)
class Span:
    """A course or event with an extent: its start, its end, and where the end comes from.

    ``end_basis``: ``stated``, ``ongoing`` (censored at ongoing_as_of), ``reported``
    (start plus a duration the authors report), or None when the source gives no end.
    """

    start: When | None
    end: When | None
    end_basis: str | None


@dataclass(frozen=True)
class Entry:
    """One dated item of the case in display order: which list it is in, and its span."""

    field: str
    index: int
    item: object
    start: When
    end: When | None
    end_basis: str | None

    @property
    def id(self) -> str | None:
        return getattr(self.item, "id", None)


@dataclass(frozen=True)
class _Raw:
    axis: str
    earliest: float
    latest: float
    precision: str
    follows: tuple[str, ...] = ()
    precedes: tuple[str, ...] = ()
    open_end: bool = False
    open_start: bool = False


_EVENT_NAMES = {
    "chemotherapy": "the start of chemotherapy", "targeted therapy": "the start of targeted therapy",
    "radiotherapy": "the start of radiotherapy", "brachytherapy": "the start of brachytherapy",
    "immunotherapy": "the start of immunotherapy", "lab": "the laboratory test",
    "treatment declined": "the refusal of treatment", "last contact": "the last contact",
}
_ORDER = {f: i for i, f in enumerate(("events", "regimens", "radiotherapy", "imaging", "markers", "adverse_events",
                                      "questions", "discrepancies"))}


class Timeline:
    """The resolved dates of one case. Build with :func:`timeline`; ``problems`` lists what cannot be placed."""

    def __init__(self, case: Case):
        self.case = case
        self.problems: list[tuple[Path, str]] = []
        self._anchors: dict[str, tuple[Path, DateSpec, object]] = {}
        for field, name in ANCHORING:
            for i, item in enumerate(getattr(case, field)):
                self._anchors.setdefault(item.id, ((field, i, name), getattr(item, name), item))
        self._raw_cache: dict[str, _Raw] = {}
        self._cycles: dict[str, list[str]] = {}
        self._when_cache: dict[tuple[str, str | None], When | None] = {}
        self._fields: dict[Path, When | None] = {}
        self._cap: tuple[str, float] | None = None
        specs = list(dated_fields(case))
        order = self._resolve_anchors()
        for path, spec in specs:  # resolve everything once, so that problems name their field
            if isinstance(spec, UnknownDate):
                continue
            owner = self._owner_id(path)
            try:
                self._raw(spec, (owner,) if owner else ())
            except TimelineError as exc:
                self.problems.append((path, str(exc)))
        self._last_contact = self._bounded_last_contact()
        if self._last_contact is not None and not math.isinf(self._last_contact.latest):
            self._cap = (self._last_contact.axis, self._last_contact.latest)
        elif self._published is not None:  # an open last contact still lies before the article
            self._cap = (CALENDAR, self._published)
        self._limit = self._limits_from_followers(specs, order)
        for anchor in order:  # anchors first, each after those it names: no deep recursion
            if anchor in self._raw_cache:
                self._anchor_when(anchor)
        for path, spec in specs:
            self._fields[path] = self._safe_when(spec, self._owner_id(path))
        self._narrow_last_contact()

    # ------------------------------------------------------------ public

    def at(self, path: Path) -> When | None:
        """The resolved date of a field by its path, e.g. ('regimens', 0, 'start')."""
        return self._fields.get(tuple(path))

    def when(self, date: DateSpec | str | None, item_id: str | None = None) -> When | None:
        """Resolve any date of this case (None when unknown and anchoring nothing, or not placeable)."""
        if date is None:
            return None
        spec = parse_date(date) if isinstance(date, str) else date
        return self._safe_when(spec, item_id)

    def resolve(self, date: DateSpec | str) -> When:
        """As :meth:`when`, but raise TimelineError saying why a date cannot be placed (user input)."""
        try:
            spec = parse_date(date) if isinstance(date, str) else date
        except DateError as exc:
            raise TimelineError(str(exc)) from None
        out = self._when(spec, None)
        if out is None:
            raise TimelineError(f"'{spec}' cannot be placed in time")
        return out

    @property
    def last_contact(self) -> When | None:
        return self.at(("outcome", "last_contact"))

    def follower_limit(self, item_id: str | None) -> float:
        """The latest day an item can be, given what is stated to follow it ('after X' items): inf when none."""
        return INF if item_id is None else self._limit.get(item_id, INF)

    @cached_property
    def axis(self) -> str:
        """The case's main axis: calendar when any date is on it, else the most used root's."""
        axes = [w.axis for w in self._fields.values() if w is not None]
        if CALENDAR in axes or not axes:
            return CALENDAR
        return max(sorted(set(axes)), key=axes.count)

    @cached_property
    def roots(self) -> set[str]:
        """Undated ids that some offset or bound names: each is the origin of a relative axis."""
        return {a for a, (_, spec, _) in self._anchors.items()
                if isinstance(spec, UnknownDate) and a in self._named}

    def span(self, field: str, index: int) -> Span:
        """Start and end of an event, regimen or radiotherapy course; the end from a reported duration if need be."""
        item = getattr(self.case, field)[index]
        start_name = "date" if field == "events" else "start"
        start = self.at((field, index, start_name))
        if getattr(item, "end", None) is not None:
            return Span(start, self.at((field, index, "end")), "stated")
        if getattr(item, "ongoing_as_of", None) is not None:
            return Span(start, self.at((field, index, "ongoing_as_of")), "ongoing")
        reported = self.reported_end(getattr(item, "id", None))
        if reported is not None:
            return Span(start, reported, "reported")
        return Span(start, None, None)

    def reported_end(self, item_id: str | None) -> When | None:
        """The end of an item given by a duration the authors report for it (`outcome.durations[].of`)."""
        if item_id is None:
            return None
        for d in self.case.outcome.durations:
            if d.of == item_id:
                origin = self.duration_origin(d)
                if origin is not None:
                    return self._after_duration(origin, d)
        return None

    def duration_origin(self, d: ReportedDuration) -> When | None:
        """Where a reported duration counts from: its origin, else the start of what it is `of`."""
        if d.origin is not None:
            return self.when(d.origin)
        if d.of is not None and d.of in self._anchors:
            path, spec, _ = self._anchors[d.of]
            return self.at(path)
        return None

    def reported_duration(self, origin: When | None, of: str | None = None) -> ReportedDuration | None:
        """The authors' figure for the span from ``origin`` to the end of ``of`` (None: to the last contact)."""
        if origin is None:
            return None
        for d in self.case.outcome.durations:
            o = self.duration_origin(d)
            if d.of == of and o is not None and (o.axis, o.earliest, o.latest) == (origin.axis, origin.earliest,
                                                                                   origin.latest):
                return d
        return None

    def duration(self, start: When | None, end: When | None, censored: bool = False) -> Duration | None:
        """Months from start to end at the dates' precision; None when either is unplaced or on another axis."""
        return between(start, end, censored)

    @cached_property
    def entries(self) -> list[Entry]:
        """Every dated item (events, courses, imaging, markers, adverse events) in display order.

        Ordered by drawing position, then by the stated order (an item after X comes
        after X, one stated before X comes before it), then by file order. Items that
        cannot be placed are in ``unplaced``.
        """
        out = []
        for field in ("events", "regimens", "radiotherapy"):
            for i, item in enumerate(getattr(self.case, field)):
                s = self.span(field, i)
                if s.start is not None:
                    out.append(Entry(field, i, item, s.start, s.end, s.end_basis))
        for field, name in (("imaging", "date"), ("markers", "date"), ("adverse_events", "date")):
            for i, item in enumerate(getattr(self.case, field)):
                w = self.at((field, i, name))
                if w is not None:
                    out.append(Entry(field, i, item, w, None, None))
        return sorted(out, key=lambda e: (e.start.axis != self.axis, *e.start.sort_key, _ORDER[e.field], e.index))

    @cached_property
    def unplaced(self) -> list[tuple[str, int, object]]:
        """Dated lists' items that cannot be placed on any axis (date unknown and anchoring nothing)."""
        placed = {(e.field, e.index) for e in self.entries}
        out = []
        for field in ("events", "regimens", "radiotherapy", "imaging", "markers", "adverse_events"):
            for i, item in enumerate(getattr(self.case, field)):
                if (field, i) not in placed:
                    out.append((field, i, item))
        return out

    def order_key(self, when: When | None) -> tuple:
        """Sort key for any resolved date: main axis first, then position and stated order; unplaced last."""
        if when is None:
            return (2, INF, 0)
        return (0 if when.axis == self.axis else 1, *when.sort_key)

    def name_of(self, item_id: str) -> str:
        """How a clinician names an item in a sentence: 'the start of toripalimab', 'surgery'."""
        if item_id not in self._anchors:
            return item_id
        (field, _, _), _, item = self._anchors[item_id]
        if field == "events":
            if item_id in self.roots:  # the origin of its axis: its own words say what it is
                return _sentence(item.label)
            return _EVENT_NAMES.get(item.kind, f"the {item.kind}")
        if field == "regimens":  # an unnamed agent by the class or group the case gives (no reference read here)
            return f"the start of {regimen_name(item, {})}"
        if field == "radiotherapy":
            return f"the start of {course_name(item)}"
        what = item.modality if item.modality != "not stated" else "imaging"
        return f"the {what} showing {_short(item.response_as_worded or item.findings)}"

    # ------------------------------------------------------------ resolution

    @cached_property
    def _named(self) -> set[str]:
        out = set()
        for _, spec in dated_fields(self.case):
            out.update(anchors_of(spec))
        return out

    def _owner_id(self, path: Path) -> str | None:
        """The id an anchoring field dates (an event's date, a course's start), else None."""
        if len(path) == 3 and (path[0], path[2]) in ANCHORING:
            return getattr(self.case, path[0])[path[1]].id
        return None

    def _safe_when(self, spec: DateSpec, item_id: str | None) -> When | None:
        try:
            return self._when(spec, item_id)
        except TimelineError:
            return None

    def _when(self, spec: DateSpec, item_id: str | None) -> When | None:
        key = (str(spec), item_id)
        if key not in self._when_cache:
            self._when_cache[key] = self._build(spec, item_id)
        return self._when_cache[key]

    def _build(self, spec: DateSpec, item_id: str | None) -> When | None:
        if isinstance(spec, UnknownDate):
            if item_id is not None and item_id in self.roots:
                return When(item_id, 0.0, 0.0, "anchor", "unknown",
                            "date not reported (the origin of this case's time axis)", 0.0)
            return None
        raw = self._raw(spec, ())
        raw = self._capped(raw, spec)
        position = _position(raw)
        limit = self._limit.get(item_id, INF) if item_id is not None else INF
        if position is not None and limit < position:  # drawn no later than what follows it can be
            position = max(limit, raw.earliest)
        depth = 0
        if isinstance(spec, RelativeDate) and not spec.at_least and position is not None:
            # an exact offset is drawn at its anchor's drawing point, moved by the offset
            a, a_raw = self._anchor_when(spec.anchor), self._raw_cache.get(spec.anchor)
            a_mid = _position(self._capped(a_raw, None)) if a_raw is not None else None
            if a is not None and a.position is not None and a_mid is not None and a.axis == raw.axis \
                    and math.isfinite(a.position - a_mid):
                position = min(max(a.position + (position - a_mid), raw.earliest), raw.latest)
        for a in raw.follows:
            w = self._anchor_when(a)
            if w is not None and w.axis == raw.axis and w.position is not None:
                if position is not None and position <= w.position and not raw.open_end \
                        and not isinstance(spec, RelativeDate) and math.isfinite(raw.latest):
                    # bounded after X with X drawn later than its own middle: the middle of what is left
                    position = (w.position + min(raw.latest, self._limit.get(item_id, INF))) / 2
                position = w.position if position is None else max(position, w.position)
                depth = max(depth, w.depth + 1)
        for a in precedes(spec):  # stated before an item drawn at the same place: listed one step before it
            w = self._anchor_when(a) if a in self._anchors else None
            if w is not None and w.axis == raw.axis and w.position is not None and position is not None \
                    and position >= w.position:
                depth = min(depth, w.depth - 1)
        return When(raw.axis, raw.earliest, raw.latest, _precision(spec, raw), str(spec), self._words(spec, raw),
                    position, depth, raw.follows, raw.open_end, raw.open_start)

    def _limits_from_followers(self, specs, order: list[str]) -> dict[str, float]:
        """For each anchor, the latest day it can be drawn at: no later than anything stated to follow it.

        An item after X lies before its own latest day, so X does too; the bound passes
        back along chains (dependents first). Positions stay in order both ways.
        """
        limit: dict[str, float] = {}

        def bound(follows, latest):
            for a in follows:
                if latest < limit.get(a, INF):
                    limit[a] = latest

        anchor_paths = {path for path, _, _ in self._anchors.values()}
        for path, spec in specs:
            if path in anchor_paths or isinstance(spec, UnknownDate):
                continue
            try:
                raw = self._capped(self._raw(spec, ()), spec)
            except TimelineError:
                continue
            bound(raw.follows, raw.latest)
        for anchor in reversed(order):
            if anchor not in self._raw_cache:
                continue
            _, spec, _ = self._anchors[anchor]
            raw = self._capped(self._raw_cache[anchor], spec)
            bound(raw.follows, min(raw.latest, limit.get(anchor, INF)))
        return limit

    def _anchor_when(self, anchor: str) -> When | None:
        path, spec, item = self._anchors[anchor]
        return self._when(spec, anchor)

    def _capped(self, raw: _Raw, spec: DateSpec | None) -> _Raw:
        """An unbounded end stops at the last contact: the report tells what happened by then."""
        if self._cap is None or raw.axis != self._cap[0] or not math.isinf(raw.latest):
            return raw
        if spec == self.case.outcome.last_contact:
            return raw
        return replace(raw, latest=max(self._cap[1], raw.earliest), open_end=True)

    def _raw(self, spec: DateSpec, stack: tuple[str, ...]) -> _Raw:
        if isinstance(spec, CalendarDate | Season):
            first, last = spec.bounds()
            return _Raw(CALENDAR, first.toordinal(), last.toordinal(), spec.precision)
        if isinstance(spec, RelativeDate):
            base = self._anchor_raw(spec.anchor, stack)
            return _shift(base, spec)
        if isinstance(spec, Bounded):
            lower = self._raw(spec.after, stack) if spec.after is not None else None
            upper = self._raw(spec.before, stack) if spec.before is not None else None
            if lower is not None and upper is not None:
                if lower.axis != upper.axis:
                    raise TimelineError(f"'{spec}': {spec.after} and {spec.before} lie on different time axes "
                                        "(one has no calendar date)")
                if lower.earliest > upper.latest:
                    raise TimelineError(f"'{spec}': {spec.after} is after {spec.before}")
            axis = (lower or upper).axis
            earliest = lower.earliest if lower is not None else -INF
            latest = upper.latest if upper is not None else INF
            return _Raw(axis, earliest, latest, "bounded",
                        follows=anchors_of(spec.after) if spec.after is not None else (),
                        precedes=anchors_of(spec.before) if spec.before is not None else (),
                        open_end=upper is None or upper.open_end, open_start=lower is None or lower.open_start)
        raise TimelineError(f"'{spec}' has no date")

    def _anchor_raw(self, anchor: str, stack: tuple[str, ...]) -> _Raw:
        """An anchor's interval, resolved beforehand in dependency order (see _resolve_anchors)."""
        if anchor not in self._anchors:
            known = ", ".join(sorted(self._anchors)) or "none"
            raise TimelineError(f"anchor '{anchor}' does not exist (ids that can anchor: {known})")
        if anchor in self._cycles:
            cycle = self._cycles[anchor]
            owner = stack[0] if stack else None
            if owner in cycle[:-1]:  # name the chain from the item being checked
                i = cycle.index(owner)
                cycle = cycle[i:-1] + cycle[:i] + [owner]
                return_msg = "offset cycle " + " -> ".join(cycle)
            else:
                return_msg = f"anchor '{anchor}' cannot be placed: offset cycle " + " -> ".join(cycle)
            raise TimelineError(return_msg)
        if anchor not in self._raw_cache:
            raise TimelineError(f"anchor '{anchor}' cannot be placed (its own date has a problem)")
        return self._raw_cache[anchor]

    def _resolve_anchors(self) -> list[str]:
        """Resolve every anchor after the anchors it names, without recursion; note cycles. Returns that order."""
        deps = {a: [d for d in anchors_of(spec) if d in self._anchors] for a, (_, spec, _) in self._anchors.items()}
        state: dict[str, str] = {}
        order: list[str] = []
        for first in self._anchors:
            if first in state:
                continue
            state[first] = "open"
            path, todo = [first], [iter(deps[first])]
            while todo:
                nxt = next(todo[-1], None)
                if nxt is None:
                    node = path.pop()
                    todo.pop()
                    state[node] = "done"
                    order.append(node)
                    continue
                if state.get(nxt) == "open":
                    cycle = path[path.index(nxt):] + [nxt]
                    for member in cycle[:-1]:
                        self._cycles.setdefault(member, cycle)
                elif nxt not in state:
                    state[nxt] = "open"
                    path.append(nxt)
                    todo.append(iter(deps[nxt]))
        for anchor in order:
            _, spec, _ = self._anchors[anchor]
            if anchor in self._cycles:
                continue
            try:
                raw = _Raw(anchor, 0.0, 0.0, "anchor") if isinstance(spec, UnknownDate) else self._raw(spec, (anchor,))
            except TimelineError:
                continue  # reported on the anchor's own field
            self._raw_cache[anchor] = raw
        return order

    @cached_property
    def _published(self) -> float | None:
        """The last day the article can have been published: nothing in the case lies after it."""
        dates = self.case.source.dates
        if dates is None or dates.published is None:
            return None
        return float(dates.published.bounds()[1].toordinal())

    def _bounded_last_contact(self) -> _Raw | None:
        """The last contact, narrowed by the article's publication and by follow-up durations the authors report."""
        try:
            lc = self._raw(self.case.outcome.last_contact, ())
        except TimelineError:
            return None
        if self._published is not None and lc.axis == CALENDAR and lc.latest > self._published:
            lc = replace(lc, latest=max(self._published, lc.earliest))
        for i, d in enumerate(self.case.outcome.durations):
            if d.of is not None or d.origin is None or d.qualifier == "about":
                continue
            try:
                origin = self._raw(d.origin, ())
            except TimelineError:
                continue
            if origin.axis != lc.axis:
                continue
            low = _shift_days(origin, d.value, d.unit[:-1], at_least=d.qualifier in (">", "≥"))
            earliest = max(lc.earliest, low.earliest)
            latest = min(lc.latest, low.latest) if d.qualifier == "=" else lc.latest
            if earliest > latest:
                self.problems.append((("outcome", "durations", i, "value"),
                                      f"{d.qualifier if d.qualifier != '=' else ''}{d.value:g} {d.unit} from "
                                      f"{d.origin} does not reach the last contact ({self.case.outcome.last_contact})"))
                continue
            lc = replace(lc, earliest=earliest, latest=latest)
        return lc

    def _narrow_last_contact(self) -> None:
        """The last contact as the reported follow-up durations and the publication narrow it, saying which did."""
        path = ("outcome", "last_contact")
        stated, lc = self._fields.get(path), self._last_contact
        if stated is None or lc is None or (lc.earliest, lc.latest) == (stated.earliest, stated.latest):
            return
        why = []
        if lc.axis == CALENDAR and lc.earliest > stated.earliest:  # only a reported follow-up moves the first day
            why.append(f"on or after {dt.date.fromordinal(int(lc.earliest)):%Y-%m} by the reported follow-up")
        if lc.axis == CALENDAR and lc.latest == self._published and lc.latest < stated.latest:
            why.append(f"on or before {self.case.source.dates.published} by the publication of the source")
        words = stated.words + (f" ({'; '.join(why)})" if why else "")
        self._fields[path] = replace(stated, earliest=lc.earliest, latest=lc.latest, words=words,
                                     position=_position(replace(lc, open_end=stated.open_end)))

    def _after_duration(self, origin: When, d: ReportedDuration) -> When:
        raw = _Raw(origin.axis, origin.earliest, origin.latest, origin.precision)
        shifted = _shift_days(raw, d.value, d.unit[:-1], at_least=d.qualifier in (">", "≥"))
        shifted = self._capped(shifted, None)
        q = "" if d.qualifier == "=" else ("about " if d.qualifier == "about" else f"{d.qualifier} ")
        words = (f"{_interval_words(shifted) if shifted.axis == CALENDAR else ''} "
                 f"({q}{d.value:g} {d.unit} after {origin.words}, as reported)").strip()
        position = _position(shifted)
        if origin.position is not None and position is not None:
            position = max(position, origin.position)
        return When(shifted.axis, shifted.earliest, shifted.latest, "reported", f"{q}{d.value:g} {d.unit}", words,
                    position, origin.depth + 1, (), shifted.open_end, False, reported=True)

    # ------------------------------------------------------------ words

    def _words(self, spec: DateSpec, raw: _Raw) -> str:
        if isinstance(spec, CalendarDate | Season):
            return str(spec)
        if isinstance(spec, Bounded):
            def item_itself(ref) -> bool:
                # Off the calendar, a bound that is an item itself reads as its name ("on or before radiotherapy
                # begins"), not as that item's own date in words with the name again in brackets.
                return (raw.axis != CALENDAR and isinstance(ref, RelativeDate)
                        and not ref.amount and not ref.at_least)

            def bound(ref, upper: bool) -> str | None:
                if ref is None:
                    return None
                return self.name_of(ref.anchor) if item_itself(ref) else self._bound_words(ref, upper)

            lower, upper = bound(spec.after, upper=False), bound(spec.before, upper=True)
            names = [f"{'after' if ref is spec.after else 'before'} {self.name_of(ref.anchor)}"
                     for ref in (spec.after, spec.before) if isinstance(ref, RelativeDate) and not item_itself(ref)]
            why = f" ({', '.join(names)})" if names else ""
            if lower and upper:
                return f"between {lower} and {upper}{why}"
            return (f"on or after {lower}" if lower else f"on or before {upper}") + why
        assert isinstance(spec, RelativeDate)
        name = self.name_of(spec.anchor)
        offset = _offset_words(spec)
        if raw.axis == CALENDAR:
            exact = _shift(self._anchor_raw(spec.anchor, ()), replace(spec, at_least=False))
            if spec.at_least and spec.amount >= 0:
                return f"after {_bound(exact, upper=False)} ({'after' if not spec.amount else offset} {name})"
            if spec.at_least:
                return f"before {_bound(exact, upper=True)} ({offset} {name})"
            words = _interval_words(exact)
            return words if not spec.amount else f"{words} ({offset} {name})"
        root = raw.axis
        if not spec.amount and not spec.at_least and spec.anchor == root:
            return f"the date of {name} (not reported)"
        if spec.anchor != root and not spec.amount:
            return f"after {name}" if spec.at_least else f"at {name}"
        if spec.anchor == root and not spec.at_least:  # as stated: '2 weeks before diagnosis'
            return f"{_offset_words(spec)} {name}"
        return _relative_words(raw, self.name_of(root))

    def _bound_words(self, ref, upper: bool) -> str:
        """A bound of 'between' as a date: its first possible day when lower, its last when upper."""
        if isinstance(ref, CalendarDate) and ref.month is None:
            return f"the end of {ref}" if upper else f"the start of {ref}"
        if isinstance(ref, CalendarDate | Season):
            return str(ref)
        raw = self._raw(ref, ())
        if raw.axis != CALENDAR:
            return self._words(ref, raw)
        return _bound(raw, upper)


# ---------------------------------------------------------------- helpers


def precedes(spec: DateSpec | None) -> tuple[str, ...]:
    """The ids a date is stated to lie before: the upper bound of 'between X and Y' or 'before Y', a negative offset's anchor."""
    if isinstance(spec, RelativeDate):
        return (spec.anchor,) if spec.amount < 0 else ()
    if isinstance(spec, Bounded):
        # only a bound that is the item itself or earlier: 'before io-start + 8 months' places nothing before io-start
        b = spec.before
        if isinstance(b, RelativeDate) and (b.amount < 0 or (b.amount == 0 and not b.at_least)):
            return (b.anchor,)
    return ()


def anchors_of(spec: DateSpec | None) -> tuple[str, ...]:
    """The ids a date counts from: the anchor of an offset, the items bounding 'between' / 'on or before/after'."""
    if isinstance(spec, RelativeDate):
        return (spec.anchor,)
    if isinstance(spec, Bounded):
        return anchors_of(spec.after) + anchors_of(spec.before)
    return ()


def _add_months(day: float, months: int) -> float:
    d = dt.date.fromordinal(int(day))
    total = d.year * 12 + (d.month - 1) + months
    year, month = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise TimelineError(f"an offset of {months} months from {d} leaves the calendar")
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(d.day, last)).toordinal()


def _shift_days(raw: _Raw, amount: float, unit: str, at_least: bool = False) -> _Raw:
    """Move an interval by an amount of a unit: calendar months on the calendar, days elsewhere."""
    months = amount * 12 if unit == "year" else amount if unit == "month" else None
    if raw.axis == CALENDAR and months is not None and months == int(months):
        earliest = _add_months(raw.earliest, int(months)) if not math.isinf(raw.earliest) else raw.earliest
        latest = _add_months(raw.latest, int(months)) if not math.isinf(raw.latest) else raw.latest
    else:
        days = amount * UNIT_DAYS[unit]
        earliest, latest = raw.earliest + days, raw.latest + days
        if raw.axis == CALENDAR:
            earliest = earliest if math.isinf(earliest) else math.floor(earliest)
            latest = latest if math.isinf(latest) else math.ceil(latest)
    if at_least and amount >= 0:
        return _Raw(raw.axis, earliest, INF, raw.precision, open_end=True, open_start=raw.open_start)
    if at_least:
        return _Raw(raw.axis, -INF, latest, raw.precision, open_end=raw.open_end, open_start=True)
    return _Raw(raw.axis, earliest, latest, raw.precision, open_end=raw.open_end, open_start=raw.open_start)


def _shift(base: _Raw, spec: RelativeDate) -> _Raw:
    """The interval an offset from base means; a plain reference to an item keeps its date's precision."""
    out = _shift_days(base, spec.amount, spec.unit, spec.at_least)
    precision = base.precision if not spec.amount and not spec.at_least else "offset"
    if spec.amount >= 0:
        return replace(out, follows=(spec.anchor,), precision=precision)
    return replace(out, precedes=(spec.anchor,), precision=precision)


def _position(raw: _Raw) -> float | None:
    lo, hi = raw.earliest, raw.latest
    if math.isinf(lo) and math.isinf(hi):
        return None
    if math.isinf(lo):
        return hi
    if math.isinf(hi) or raw.open_end:
        return lo
    if raw.open_start:
        return hi
    return (lo + hi) / 2


def _precision(spec: DateSpec, raw: _Raw) -> str:
    if isinstance(spec, RelativeDate) and not spec.amount and not spec.at_least and raw.axis == CALENDAR:
        return raw.precision
    return spec.precision


def _bound(raw, upper: bool) -> str:
    """One end of a calendar interval as a date: the interval itself when it is one day, month or year."""
    day = raw.latest if upper else raw.earliest
    if math.isinf(day):
        return "an unknown date"
    words = _interval_words(raw)
    if " " not in words:
        return words
    return f"{dt.date.fromordinal(int(day)):%Y-%m}"


def _interval_words(raw) -> str:
    """A calendar interval as a clinician reads it: 2024-10, 2019-04-22, 2019, 2019-09 to 2020-03, after 2019-09."""
    lo_open = math.isinf(raw.earliest)
    hi_open = math.isinf(raw.latest) or raw.open_end
    if lo_open and hi_open:
        return "an unknown date"
    if lo_open:
        return f"on or before {dt.date.fromordinal(int(raw.latest)):%Y-%m}"
    first = dt.date.fromordinal(int(raw.earliest))
    if hi_open:
        return f"after {first:%Y-%m}"
    last = dt.date.fromordinal(int(raw.latest))
    if first == last:
        return first.isoformat()
    month_start, month_end = first.day == 1, last.day == calendar.monthrange(last.year, last.month)[1]
    if month_start and month_end:
        if (first.year, first.month) == (last.year, last.month):
            return f"{first:%Y-%m}"
        if first.month == 1 and last.month == 12 and first.year == last.year:
            return f"{first.year}"
        return f"{first:%Y-%m} to {last:%Y-%m}"
    if (last - first).days <= 31 and (first.year, first.month) == (last.year, last.month):
        return f"{first:%Y-%m}"
    return f"{first.isoformat()} to {last.isoformat()}"


def _offset_words(spec: RelativeDate) -> str:
    n = abs(spec.amount)
    unit = spec.unit if n == 1 else spec.unit + "s"
    words = f"{'more than ' if spec.at_least else ''}{_n(n)} {unit}"
    return f"{words} {'after' if spec.amount >= 0 else 'before'}"


def _relative_words(raw: _Raw, root_name: str) -> str:
    """An interval of days from an undated origin, in months: '3 months after X', 'more than 12 months after X'."""
    lo, hi = raw.earliest / DAYS_PER_MONTH, raw.latest / DAYS_PER_MONTH
    lo_open, hi_open = math.isinf(lo) or raw.open_start, math.isinf(hi) or raw.open_end
    if lo_open and hi_open:
        return f"at an unknown time relative to {root_name}"
    if hi_open:
        if lo > 0:
            return f"more than {_months(lo)} after {root_name}"
        return f"after {root_name}" if lo == 0 else f"later than {_months(-lo)} before {root_name}"
    if lo_open:
        if hi < 0:
            return f"more than {_months(-hi)} before {root_name}"
        return f"no later than {_months(hi)} after {root_name}"
    if abs(hi - lo) < 0.05:
        return f"{_months(lo)} after {root_name}" if lo >= 0 else f"{_months(-lo)} before {root_name}"
    if hi < 0:
        return f"{_n(-hi)}–{_months(-lo)} before {root_name}"
    return f"{_n(lo)}–{_months(hi)} from {root_name}"


def _months(x: float) -> str:
    return f"{_n(x)} month{'' if _n(x) == '1' else 's'}"


def _n(x: float) -> str:
    if math.isinf(x):
        return "∞"
    return str(int(round(x))) if abs(x - round(x)) < 0.05 else f"{x:.1f}"


def _sentence(label: str) -> str:
    """A label inside a sentence: first letter lower-cased unless it starts an acronym."""
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


def _short(text: str, width: int = 50) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def timeline(case: Case) -> Timeline:
    """The resolved timeline of a case, built once per case object and kept on it (case.derived): as long as
    the case is used, however many cases a series holds."""
    return derived(case, Timeline, lambda: Timeline(case))
