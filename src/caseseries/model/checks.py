"""Rules that span several items of a case: unique ids, dates that can be placed, order of dates.

Each check yields ``(path, message)`` so that the loader can name the line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterator, Mapping

from caseseries.model.case import NOT_STATED, Case
from caseseries.model.messages import dotted
from caseseries.model.timeline import Timeline, dated_fields, timeline

Problem = tuple[tuple[str | int, ...], str]


def case_problems(case: Case, file_stem: str | None = None,
                  known_drugs: Collection[str] | Mapping | None = None,
                  broken_drugs: Collection[str] = ()) -> list[Problem]:
    """Every cross-item problem of a case, in file order.

    Drugs are checked when the reference is given (the drug reference by name, as drugs.read_reference
    gives it; a plain collection of names checks names only); ``broken_drugs`` are names whose
    reference entry has errors of its own, reported with the reference, not here.
    """
    problems: list[Problem] = []
    if file_stem is not None and case.case_id != file_stem:
        problems.append((("case_id",), f"expected the file name '{file_stem}', found '{case.case_id}'"))
    duplicates = list(_duplicate_ids(case))
    problems += duplicates
    if not duplicates:  # a duplicate id makes every offset to it ambiguous
        tl = timeline(case)
        problems += tl.problems
        problems += _ends_after_starts(case, tl)
        problems += _nothing_after_last_contact(tl)
        problems += _durations_name_items(case, tl)
        problems += _source_dates(case, tl)
        if not tl.problems:
            problems += _questions_name_later_treatment(case)
    problems += _courses_name_regimens(case)
    if known_drugs is not None:
        problems += _unknown_drugs(case, known_drugs, broken_drugs)
    return problems


def _questions_name_later_treatment(case: Case) -> Iterator[Problem]:
    """A question that names a treatment given after its decision point gives the answer away in a teaching view."""
    from caseseries.model.disclosure import DisclosureError, case_as_of, fact_text, words

    for i, q in enumerate(case.questions):
        try:
            view = case_as_of(case, q.decision_point)
        except DisclosureError:
            continue  # a decision point that cannot be an as-of date is reported by the timeline checks
        shown = {(f, x.id) for f in ("regimens", "radiotherapy") for x in getattr(view, f)}
        later = [x for f in ("regimens", "radiotherapy") for x in getattr(case, f) if (f, x.id) not in shown]
        known = words(fact_text(view))
        for item in later:
            named = sorted(words(q.question) & (words(_treatment_text(item)) - known))
            if named:
                yield (("questions", i, "question"),
                       f"names {', '.join(repr(w) for w in named)}, which only a treatment after its decision point "
                       f"({q.decision_point}) uses ({item.id}): a spoiler in the teaching view; move the decision "
                       "point to when that treatment is known, or word the question without it")
                break


def _treatment_text(item) -> str:
    """What names a course: a regimen's name, modality, drugs, classes and groups; a radiotherapy's kind and technique."""
    if hasattr(item, "agents"):
        return " ".join([item.name or "", item.modality or ""]
                        + [" ".join(str(getattr(a, k, "") or "") for k in ("drug", "drug_class", "group"))
                           for a in item.agents])
    return " ".join(str(getattr(item, k, "") or "") for k in ("kind", "technique"))


def _duplicate_ids(case: Case) -> Iterator[Problem]:
    seen: dict[str, tuple] = {}
    for field in ("events", "regimens", "radiotherapy", "imaging", "discrepancies", "questions"):
        for i, item in enumerate(getattr(case, field)):
            if item.id in seen:
                yield (field, i, "id"), f"duplicate id '{item.id}' (first used at {dotted(seen[item.id])})"
            else:
                seen[item.id] = (field, i, "id")


def _ends_after_starts(case: Case, tl: Timeline) -> Iterator[Problem]:
    pairs = [("events", "date", "end"), ("regimens", "start", "end"), ("regimens", "start", "ongoing_as_of"),
             ("radiotherapy", "start", "end"), ("reference_limits", "valid_from", "valid_until")]
    for field, start, end in pairs:
        for i, item in enumerate(getattr(case, field)):
            a, b = tl.at((field, i, start)), tl.at((field, i, end))
            if a is not None and b is not None and b.certainly_before(a):
                yield (field, i, end), (
                    f"ends before it starts: {end} {getattr(item, end)} is before {start} {getattr(item, start)}"
                )


def _nothing_after_last_contact(tl: Timeline) -> Iterator[Problem]:
    last = tl.when(tl.case.outcome.last_contact)  # as stated: the publication's bound is checked on its own
    if last is None:
        return
    for path, _ in dated_fields(tl.case):
        if path[0] in ("outcome", "reference_limits", "questions"):
            continue
        point = tl.at(path)
        if point is not None and last.certainly_before(point):
            yield path, "is after the last contact (outcome.last_contact)"


def _durations_name_items(case: Case, tl: Timeline) -> Iterator[Problem]:
    """A reported duration's `of` names an event, regimen or radiotherapy course of the case."""
    ids = {x.id for field in ("events", "regimens", "radiotherapy") for x in getattr(case, field)}
    for i, d in enumerate(case.outcome.durations):
        if d.of is not None and d.of not in ids:
            yield ("outcome", "durations", i, "of"), (
                f"'{d.of}' is not the id of an event, regimen or radiotherapy course of this case")


def _unknown_drugs(case: Case, known: Collection[str] | Mapping, broken: Collection[str] = ()) -> Iterator[Problem]:
    """Every named drug must be in the drug reference, and an unnamed agent's class or group known to it.

    The suggestion for an unknown name prefers the reference's drugs of the class (or group, or
    target) the case gives, and never offers a drug of another class by spelling alone.
    """
    reference = known if isinstance(known, Mapping) else None
    for i, regimen in enumerate(case.regimens):
        for j, agent in enumerate(regimen.agents):
            at = ("regimens", i, "agents", j)
            if agent.drug in broken:
                continue  # its entry has errors: reported with data/reference/drugs.yaml
            if not agent.named:
                if reference is not None:
                    yield from _unnamed_agent(agent, reference, at)
                continue
            if agent.drug not in known:
                yield at + ("drug",), _unknown_drug_message(agent, known, reference)
            elif reference is not None:
                yield from _named_agent_agrees(agent, reference[agent.drug], at)


# How alike two names must be for "did you mean": a typo (cisplatine, nivolumb), not another drug whose
# name looks similar (tislelizumab is not toripalimab: 0.61).
TYPO = 0.8
_ADD_A_DRUG = ("Add it there with its class, group, target and source (data/reference/README.md says how), or, "
               "if the source does not name the drug, write `drug: not stated` with its class or group")


def _unknown_drug_message(agent, known: Collection[str], reference: Mapping | None) -> str:
    names = sorted(known)
    lower = agent.drug.strip().lower()
    if lower == NOT_STATED:
        return f"unknown drug '{agent.drug}' (did you mean '{NOT_STATED}'?): write it in lower case"
    peers = ""
    same = [n for n in names if n == lower]  # only the case differs: the same drug
    hinted = _same_class(agent, reference) if reference is not None else None
    if same:
        close = same
    elif hinted is None:
        close = difflib.get_close_matches(lower, names, n=3, cutoff=TYPO)
    else:  # the case gives the class: offer only drugs of that class, never another class by spelling
        what, of_class = hinted
        close = difflib.get_close_matches(lower, of_class, n=3, cutoff=TYPO)
        peers = f" (its drugs of {what}: {', '.join(of_class)})" if of_class else f" (no drug of {what} in it yet)"
    hint = (" (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)") if close else ""
    return f"unknown drug '{agent.drug}'{hint}: not in data/reference/drugs.yaml{peers}. {_ADD_A_DRUG}"


def _same_class(agent, reference: Mapping) -> tuple[str, list[str]] | None:
    """The reference's drugs of the class, group or target the case gives (None when it gives none)."""
    from caseseries.model import drugs

    if agent.drug_class:
        of_class = drugs.drugs_of_class(agent.drug_class, reference)
        if not of_class and drugs.class_group(agent.drug_class, reference):
            group = drugs.class_group(agent.drug_class, reference)
            of_class = [d for d in reference.values() if d.group == group]
        what = f"class '{agent.drug_class}'"
    elif agent.group:
        of_class, what = [d for d in reference.values() if d.group == agent.group], f"group '{agent.group}'"
    elif agent.target:
        of_class = [d for d in reference.values() if d.target and d.target.lower() == agent.target.lower()]
        what = f"target '{agent.target}'"
    else:
        return None
    if agent.target and (agent.drug_class or agent.group):
        of_class = [d for d in of_class if d.target and d.target.lower() == agent.target.lower()]
        what += f" and target '{agent.target}'"
    return what, sorted(d.name for d in of_class)


def _unnamed_agent(agent, reference: Mapping, at: tuple) -> Iterator[Problem]:
    """An agent given only by class or group: the reference must know them, and they must agree."""
    from caseseries.model import drugs

    group = agent.group
    if agent.drug_class:
        class_group = drugs.class_group(agent.drug_class, reference)
        of_class = drugs.drugs_of_class(agent.drug_class, reference)
        if class_group is None and not of_class:
            yield at + ("class",), (
                f"class '{agent.drug_class}'{_class_hint(agent.drug_class, reference)} is not a class of "
                "data/reference/drugs.yaml: give a class as it words it (the `class` of its entries), or the group "
                f"(one of: {', '.join(drugs.known_groups(reference))})")
            return
        if not of_class and class_group not in drugs.known_groups(reference):  # a group, as `group:` would be refused
            yield at + ("class",), (
                f"class '{agent.drug_class}' is the group '{class_group}', which has no drug in "
                "data/reference/drugs.yaml: give a class as it words it (the `class` of its entries), or add a drug "
                f"of that group there first (its groups: {', '.join(drugs.known_groups(reference))})")
            return
        if group is not None and class_group is not None and group != class_group:
            yield at + ("group",), (f"group '{group}' disagrees with class '{agent.drug_class}', whose group in "
                                    f"data/reference/drugs.yaml is '{class_group}'")
            return
        group = group or class_group
    elif group not in drugs.known_groups(reference):
        yield at + ("group",), (f"group '{group}' has no drug in data/reference/drugs.yaml: give the class the "
                                f"source words, or add a drug of that group there first (its groups: "
                                f"{', '.join(drugs.known_groups(reference))})")
        return
    if agent.target and group is not None:
        targets = sorted({d.target for d in reference.values() if d.group == group and d.target})
        if targets and agent.target.lower() not in {t.lower() for t in targets}:  # as for a named drug
            close = difflib.get_close_matches(agent.target, targets, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            yield at + ("target",), (f"target '{agent.target}'{hint} is not a target of the group '{group}' in "
                                     f"data/reference/drugs.yaml (targets there: {', '.join(targets)})")


def _class_hint(drug_class: str, reference: Mapping) -> str:
    """' (did you mean ...?)': known classes (and groups) spelt alike or sharing a word of five letters or more."""
    from caseseries.model import drugs

    forms = sorted({f for d in reference.values() for f in drugs.class_forms(d.drug_class)} | set(drugs.known_groups(reference)))
    wanted = drug_class.lower()
    close = difflib.get_close_matches(wanted, forms, n=2, cutoff=0.6)
    words = {w for w in re.findall(r"[a-z0-9-]+", wanted) for w in (w, *w.split("-")) if len(w) >= 5}
    close += [f for f in forms if f not in close and words & set(re.findall(r"[a-z0-9]+", f))][:3 - len(close)]
    return (" (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)") if close else ""


def _named_agent_agrees(agent, entry, at: tuple) -> Iterator[Problem]:
    """A named drug's group and target, if the case gives them, are those of its reference entry."""
    if agent.group is not None and agent.group != entry.group:
        yield at + ("group",), (f"group '{agent.group}' disagrees with data/reference/drugs.yaml, where "
                                f"{entry.name} is '{entry.group}'")
    if agent.target is not None and (entry.target or "").lower() != agent.target.lower():
        yield at + ("target",), (f"target '{agent.target}' disagrees with data/reference/drugs.yaml, where "
                                 f"{entry.name} targets {entry.target or 'nothing (a cytotoxic)'}")


def _courses_name_regimens(case: Case) -> Iterator[Problem]:
    """A radiotherapy course's `regimen` is the id of a regimen of the case."""
    regimens = [r.id for r in case.regimens]
    for i, course in enumerate(case.radiotherapy):
        if course.regimen is not None and course.regimen not in regimens:
            close = difflib.get_close_matches(course.regimen, regimens, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            yield ("radiotherapy", i, "regimen"), (
                f"'{course.regimen}'{hint} is not the id of a regimen of this case (regimens: "
                f"{', '.join(regimens) or 'none'})")


def _source_dates(case: Case, tl: Timeline) -> Iterator[Problem]:
    """The article's dates in order (received, accepted, published); nothing of the case after its publication."""
    dates = case.source.dates
    if dates is None:
        return
    at = {name: tl.when(getattr(dates, name)) for name in ("received", "accepted", "published")}
    for later, earlier in (("accepted", "received"), ("published", "received"), ("published", "accepted")):
        a, b = at[later], at[earlier]
        if a is not None and b is not None and a.certainly_before(b):
            yield ("source", "dates", later), (f"{later} {getattr(dates, later)} is before {earlier} "
                                               f"{getattr(dates, earlier)}")
    published = at["published"]
    if published is None:
        return
    for path, _ in dated_fields(case):
        if path[0] == "reference_limits" and path[-1] == "valid_until":
            continue  # a limit's end may be open or later: it is not an event of the case
        point = tl.at(path)
        if point is not None and published.certainly_before(point):
            yield path, f"is after the publication of the source (source.dates.published {dates.published})"
