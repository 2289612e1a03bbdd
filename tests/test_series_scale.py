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


# ---------------------------------------------------------------- the comparison table


def _table(html: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser").find("table", class_="cs-comparison")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """20 synthetic cases: more than the header lists, more than are shown open."""
    from caseseries.model.load import load_cases
    from caseseries.model.synth import write_cases

    folder = tmp_path_factory.mktemp("synth") / "cases"
    write_cases(folder, 20, 3)
    return load_cases(cases_dir=folder)


def test_comparison_is_one_row_per_patient_under_a_short_header(fixture_root, synthetic):
    from caseseries.outputs import series_report as sr

    table = _table(sr.comparison(synthetic).data)
    assert [th.get_text() for th in table.thead.find_all("th")] == [label for _, label in sr.SUMMARY]
    bodies = table.find_all("tbody")
    assert [b.tr.th.get_text() for b in bodies] == [c.case_id for c in synthetic]  # one per patient, in order
    assert [b.tr.th.a["href"] for b in bodies] == [f"cases/{c.case_id}.html" for c in synthetic]
    first = bodies[0]
    assert len(first.tr.find_all("td")) == len(sr.SUMMARY) - 1
    details = first.find("details")
    assert not details.has_attr("open")  # a large series: the other fields one click away
    fields = [p.b.get_text() for p in details.find_all("p")]
    assert fields[0] == "title:" and "radiotherapy:" in fields and "discrepancies in the source:" in fields
    assert f"{synthetic[0].title}" in details.get_text()
    header = sr.header(synthetic).data
    assert synthetic[0].case_id not in header and "comparison table" in header  # listed by the table, not twice


def test_a_few_patients_show_every_field_open_and_are_listed_in_the_header(fixture_root, cases):
    cases = cases.all()
    from caseseries.outputs import series_report as sr

    table = _table(sr.comparison(cases).data)
    assert len(table.find_all("tbody")) == len(cases) <= sr.OPEN_UP_TO
    assert all(d.has_attr("open") for d in table.find_all("details"))
    assert all(c.case_id in sr.header(cases).data for c in cases)
    assert "title:" not in table.get_text()  # the header gives the titles


def test_numeric_columns_sort_by_their_number_and_not_reported_has_none(fixture_root, cases):
    cases = cases.all()
    from caseseries.outputs import series_report as sr

    assert [sr.sort_key(t) for t in ("46 years", "> 8 months, ongoing as of 2025-01-20", "< 1 month",
                                     "65 months, as reported (Abstract, ¶2)", "not reported")] == [46, 8, 1, 65, None]
    ages = {b.tr.th.get_text(): b.tr.find_all("td")[0].get("data-key")
            for b in _table(sr.comparison(cases).data).find_all("tbody")}
    assert ages == {"fx-cervix-calendar": "48.0", "fx-lung-egfr": "61.0", "fx-relative-axis": None}
