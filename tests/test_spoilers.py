"""The spoiler detector: a teaching view as of any event boundary gives nothing later away, and withholds nothing earlier.

For each case (published, fixture, synthetic) and each as-of date at an event boundary
(the last day a dated fact can mean), the teaching page's content (every output of the
template notebook, computed in process from the same report functions) must
- contain no word or number that occurs only in facts after that date (words of four
  letters or more, numbers above 31 or with decimals), once the words of the facts known
  by then and the fixed wording of the tool are set aside;
- contain every dated fact whose latest possible day is on or before it.
Then one real render per published case (page and deck, through the CLI's job, in a
scratch project) is checked the same way, HTML <title> and file name included.

The detector has its own tokenizer and its own idea of "later": it does not import the
disclosure module's word lists, so it fails on a view that leaks (as main did before the
spoiler-proof view: toripalimab-iiic2p as of 2019-04).
"""

from __future__ import annotations

import html
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from caseseries.outputs import report
from caseseries.model import synth
from caseseries.model.disclosure import case_as_of
from caseseries.model.load import load_case
from caseseries.model.timeline import dated_fields, timeline
from conftest import CASES, FIXTURE_CASES, ROOT

SRC = ROOT / "src" / "caseseries"
ITEM_LISTS = ("events", "regimens", "radiotherapy", "markers", "imaging", "adverse_events", "discrepancies",
              "questions")
START = {"events": "date", "regimens": "start", "radiotherapy": "start", "markers": "date", "imaging": "date",
         "adverse_events": "date", "discrepancies": "date", "questions": "decision_point"}
NOT_TEXT = {"id", "case_id", "date", "start", "end", "ongoing_as_of", "valid_from", "valid_until", "last_contact",
            "decision_point", "origin", "of", "notes", "section", "paragraph", "table", "figure"}
_TOKEN = re.compile(r"[a-z][a-z0-9-]*[a-z0-9]|\d+(?:\.\d+)?")


def tokens(text: str) -> set[str]:
    out = set()
    for t in _TOKEN.findall(text.lower()):
        if t[0].isdigit():
            t = t[:-2] if t.endswith(".0") else t
            if "." in t or float(t) > 31:
                out.add(t)
        elif len(t) >= 4:
            out.add(t)
    return out


def text_of(value) -> str:
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dict):
        return " ".join(text_of(v) for k, v in value.items() if k not in NOT_TEXT)
    if isinstance(value, list):
        return " ".join(text_of(v) for v in value)
    return "" if isinstance(value, bool) or value is None else str(value)


def _tool_words() -> set[str]:
    """The fixed wording of the tool: the template, the modules that write the page, the rule text."""
    files = [ROOT / "notebooks" / "case_report.ipynb",
             *(SRC / f"{m}.py" for m in ("outputs/report", "views/tables", "views/plots", "views/metrics",
                                         "model/timeline", "model/disclosure", "views/care", "model/dates",
                                         "model/case", "model/drugs"))]
    return set().union(*(tokens(p.read_text(encoding="utf-8")) for p in files))


TOOL = _tool_words()


# ---------------------------------------------------------------- the cases

def _published():
    return [load_case(p) for p in sorted(CASES.glob("*.yaml"))]


def _fixtures():
    from caseseries.model.drugs import read_reference

    reference = read_reference(FIXTURE_CASES.parent / "reference" / "drugs.yaml")
    return [load_case(p, reference) for p in sorted(FIXTURE_CASES.glob("*.yaml"))]


def _synthetic(folder: Path):
    return [load_case(p) for p in synth.write_cases(folder, 3, seed=11)]


def boundaries(case) -> list[str]:
    """An as-of date at the last day of every dated fact on the case's main axis (an offset on a relative one)."""
    tl = timeline(case)
    days = sorted({w.latest for path, _ in dated_fields(case)
                   if (w := tl.at(path)) is not None and w.axis == tl.axis and math.isfinite(w.latest)
                   and not w.open_end and path != ("outcome", "last_contact")})
    if tl.axis == "calendar":
        return [_iso(d) for d in days]
    return [f"{tl.axis} + {int(d)} days" for d in days if d >= 0]  # before its origin: no as-of date to write


def _iso(day: float) -> str:
    import datetime as dt

    return dt.date.fromordinal(int(day)).isoformat()


# ---------------------------------------------------------------- what the page holds

def page_text(view, as_of: str) -> str:
    """Every output of the teaching template for this view, as text (HTML, tables, figure alt text)."""
    report.setup()
    parts = [report.header(view, neutral=True), report.disclosure_note(as_of, view), report.patient_table(view),
             report.diagnosis_table(view), report.biomarker_table(view), report.timeline_table(view),
             report.marker_table(view), report.imaging_table(view), report.regimen_table(view),
             report.radiotherapy_table(view), report.adverse_event_table(view), report.outcome_block(view),
             report.metrics_table(view), report.discussion_questions(view, reveal=False),
             report.sources_block(view, teaching=True), report.discrepancy_table(view),
             report.care_coverage(view, teaching=True)]
    out = []
    for p in parts:
        if isinstance(p, pd.DataFrame):
            out.append(p.to_string(index=False))  # row numbers are not content
        elif p is not None and hasattr(p, "data") and isinstance(p.data, str):
            out.append(p.data)
    for fig in (report.timeline_figure, report.marker_figure):
        img = fig(view)
        out.append(getattr(img, "alt", None) or (img.data if isinstance(img.data, str) else ""))
    return html.unescape(re.sub(r"<[^>]+>", " ", "\n".join(out)))


def split_facts(case, view, cut_latest: float):
    """Words of facts known by then (shown, or certainly before) and of facts after; what must be shown."""
    tl = timeline(case)
    told = view.outcome == case.outcome  # as of the last contact the story is told, the outcome with it
    before, after, required = [text_of(case.patient)], [case.title or "", text_of(case.source)], []
    (before if told else after).append(text_of(case.outcome))
    before.append(text_of(case.diagnosis))
    shown_ids = {(f, getattr(x, "id", None)) for f in ITEM_LISTS for x in getattr(view, f)}
    for field in ITEM_LISTS:
        for i, item in enumerate(getattr(case, field)):
            w = tl.at((field, i, START[field]))
            certain = w is not None and w.axis == tl.axis and w.latest <= cut_latest
            item_id = getattr(item, "id", None)
            shown = item_id is not None and (field, item_id) in shown_ids
            if field == "questions":  # the question may be shown (validate checks its words); its answer never
                after.append(item.answer or "")
                if shown:
                    before.append(item.question)
                continue  # a question or a discrepancy is commentary: its words are checked, never a source of them
            if field == "discrepancies":
                continue
            if shown or certain:
                before.append(text_of(item))
                if certain:
                    required.append((field, i, item))
            else:
                after.append(text_of(item))
    later_only = tokens(" ".join(after)) - tokens(" ".join(before)) - tokens(view.neutral_title or "") - TOOL
    return later_only, required


def _required_text(view, field: str, item) -> str | None:
    """What of a required fact the page must show: its words as the view states them."""
    if field == "events":
        return next((e.label for e in view.events if e.id == item.id), None)
    if field in ("regimens", "radiotherapy", "imaging"):
        return "" if any(x.id == item.id for x in getattr(view, field)) else None
    if field == "markers":
        return item.analyte if item in view.markers or any(  # its date may be restated (an anchor not yet known)
            m.analyte == item.analyte and m.value == item.value and m.unit == item.unit for m in view.markers) else None
    if field == "adverse_events":
        return next((a.term for a in view.adverse_events if a.term == item.term and a.date == item.date), None)
    return ""


def derived_numbers(view) -> set[str]:
    """Numbers the page computes from the view's own facts (durations, intervals, ages in the metrics table and
    the censored outcome): they may equal a later value by coincidence, and cannot leak what the view lacks
    (a leaked fact would show its words too). Words are never set aside."""
    report.setup()
    parts = [report.metrics_table(view), report.outcome_block(view)]
    text = " ".join(p.to_string(index=False) if isinstance(p, pd.DataFrame) else getattr(p, "data", "") or "" for p in parts
                    if p is not None)
    return {t for t in tokens(text) if t[0].isdigit()}


def check(case, as_of: str, text: str | None = None) -> list[str]:
    view = case_as_of(case, as_of)
    cut = timeline(case).resolve(as_of)
    later_only, required = split_facts(case, view, cut.latest)
    text = page_text(view, as_of) if text is None else text
    problems = [f"{case.case_id} as of {as_of}: shows {w!r}, which only later facts use"
                for w in sorted((later_only - derived_numbers(view)) & tokens(text))]
    norm = " ".join(text.lower().split())
    for field, i, item in required:
        wanted = _required_text(view, field, item)
        if wanted is None:
            problems.append(f"{case.case_id} as of {as_of}: {field}[{i}] is certainly past but not in the view")
        elif wanted and " ".join(wanted.lower().split()) not in norm:
            problems.append(f"{case.case_id} as of {as_of}: {field}[{i}] ({wanted!r}) is not on the page")
    return problems


# ---------------------------------------------------------------- the tests

@pytest.mark.parametrize("case", _published() + _fixtures(), ids=lambda c: c.case_id)
def test_no_view_gives_the_ending_away_or_withholds_the_past(case):
    problems = [p for as_of in boundaries(case) for p in check(case, as_of)]
    assert not problems, "\n".join(problems[:20])


def test_generated_cases_neither_leak_nor_withhold(tmp_path):
    problems = []
    for case in _synthetic(tmp_path):
        days = boundaries(case)
        for as_of in days[:: max(1, len(days) // 8)]:  # up to 8 boundaries each: the rule is the same at all
            problems += check(case, as_of)
    assert not problems, "\n".join(problems[:20])


def test_toripalimab_as_of_2019_04_holds_no_spoiler():
    """The case the issue names: as of April 2019 (relapse, TP, relapse IMRT), nothing of toripalimab or the ending."""
    case = load_case(CASES / "toripalimab-iiic2p.yaml")
    assert not check(case, "2019-04")
    text = page_text(case_as_of(case, "2019-04"), "2019-04").lower()
    for word in ("toripalimab", "durable", "immune-related", "72 months", "65 months", "remission"):
        assert word not in text, word
