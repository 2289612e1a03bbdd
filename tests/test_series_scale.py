"""The series at scale (issue 18 §3): what is worked out per case is worked out once per series, however
many cases, and the comparison table stays one table at any size.

Behaviour on the fixture cases and on synthetic ones (caseseries.model.synth); nothing is timed here
(speed is `make bench`'s).
"""

from __future__ import annotations

import pytest

from caseseries.model import timeline as timeline_module
from caseseries.model.load import load_case
from caseseries.views import series
from conftest import FIXTURE_CASES

CERVIX = "fx-cervix-calendar"


@pytest.fixture
def builds(monkeypatch):
    """Counts the timelines built (Timeline.__init__)."""
    count = {"n": 0}
    original = timeline_module.Timeline.__init__

    def counting(self, case):
        count["n"] += 1
        original(self, case)

    monkeypatch.setattr(timeline_module.Timeline, "__init__", counting)
    return count


def test_each_case_of_a_large_series_builds_its_timeline_once(fixture_root, builds):
    """More cases than any bounded cache held (it was 256): every section after the first reuses them."""
    case = load_case(FIXTURE_CASES / f"{CERVIX}.yaml")
    cases = [case.model_copy() for _ in range(300)]  # 300 case objects
    sections = (series.comparison_table, series.alignment_table, series.swimmer_table, series.unplaced_items,
                series.kinetics_table, series.marker_notes)
    builds["n"] = 0
    for section in sections:
        section(cases)
    assert builds["n"] == 2 * 300  # each case's timeline, and the one on the axis of its time 0
    for section in sections:
        section(cases)
    assert builds["n"] == 2 * 300  # nothing built again


def test_a_timeline_goes_with_its_case_and_a_copy_has_its_own(fixture_root):
    case = load_case(FIXTURE_CASES / f"{CERVIX}.yaml")
    tl = timeline_module.timeline(case)
    assert timeline_module.timeline(case) is tl
    copy = case.model_copy()
    assert copy == case and timeline_module.timeline(copy) is not tl
    assert series.clock(case) is series.clock(case)


def test_loading_keeps_only_the_case_not_what_its_checks_worked_out(fixture_root, builds):
    """Validating thousands of files must not hold their timelines (the load row's memory)."""
    case = load_case(FIXTURE_CASES / f"{CERVIX}.yaml")
    built = builds["n"]
    assert built >= 1
    timeline_module.timeline(case)
    assert builds["n"] == built + 1
