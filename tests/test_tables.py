"""Tidy tables on the fixture cases: the facts the case files state, nothing more; every table for any case."""

import math

import pandas as pd
import pytest

from caseseries.views import tables
from caseseries.model.dates import parse_date


def bed(total: float, d: float) -> float:
    """Biologically effective dose at α/β = 10 Gy: n·d·(1 + d/10), with n·d the total."""
    return total * (1 + d / 10)


def test_marker_values_with_the_limit_valid_at_their_date(cases):
    m = tables.marker_table(cases["fx-cervix-calendar"])
    scca = m[(m.analyte == "SCCA") & m.value.notna()]
    # in time order and in words: 'surgery - 2 weeks' is 2019-04-10 - 14 days = 2019-03-27, then 2019-08, 2020-09
    dates = list(scca.date)
    assert dates[0].startswith("2019-03-27 (") and "2 weeks before" in dates[0] and "surgery - 2" not in dates[0]
    assert dates[1:] == ["2019-08", "2020-09"]
    assert list(scca.value) == [9.0, 1.2, 8.1]
    # the limit is 1.5 ng/mL until 2020-01 (exclusive), 2.7 ng/mL from then on
    assert list(scca.reference) == ["< 1.5 ng/mL", "< 1.5 ng/mL", "< 2.7 ng/mL"]
    assert list(scca.times_uln) == pytest.approx([9.0 / 1.5, 1.2 / 1.5, 8.1 / 2.7], abs=0.005)


def test_reference_limit_changes_in_january_2020(cases):
    case = cases["fx-cervix-calendar"]
    assert tables.reference_limit(case, "SCCA", parse_date("2019-12")).upper == 1.5
    assert tables.reference_limit(case, "SCCA", parse_date("2020-01")).upper == 2.7  # valid_until is exclusive
    assert tables.reference_limit(case, "SCCA", parse_date("2022")).upper == 2.7
    assert tables.reference_limit(case, "CEA", parse_date("2020-09")) is None  # no limit for CEA in the source


def test_a_limit_without_dates_holds_at_every_date(cases):
    m = tables.marker_table(cases["fx-lung-egfr"])
    cea = m[m.analyte == "CEA"]
    assert list(cea.value) == [42.5, 4, 30] and set(cea.reference) == {"< 5 ng/mL"}
    assert list(cea.times_uln) == pytest.approx([42.5 / 5, 4 / 5, 30 / 5])
    cyfra = m[m.analyte == "CYFRA 21-1"].iloc[0]
    assert cyfra.value == 6.2 and pd.isna(cyfra.reference) and pd.isna(cyfra.times_uln)


def test_qualitative_marker_has_its_words_and_no_value(cases):
    m = tables.marker_table(cases["fx-cervix-calendar"])
    words = m[m.observation.notna()]
    assert len(words) == 1
    row = words.iloc[0]
    assert row.observation == "returned to the normal range" and pd.isna(row.value) and pd.isna(row.times_uln)
    # 'chemo-io + 3 months': chemo-io starts 2020-10-05, so 2021-01-05, in words (never the item id)
    assert row.date.startswith("2021-01-05 (3 months after") and "chemo-io" not in row.date
    assert row.precision == "offset"


@pytest.mark.parametrize("case_id, course, total, n, d", [
    ("fx-cervix-calendar", "pelvic-imrt", 50.4, 28, 1.8),   # total, fractions and dose per fraction given
    ("fx-cervix-calendar", "vault-brachy", 6 * 4, 4, 6.0),  # 6 Gy x 4: no total given
    ("fx-lung-egfr", "srs-brain", 24, 3, 24 / 3),           # 24 Gy in 3 fractions: no dose per fraction given
    ("fx-relative-axis", "neck-rt", 60, 30, 2.0),           # on a relative time axis
])
def test_radiotherapy_total_dose_per_fraction_bed_and_eqd2(cases, case_id, course, total, n, d):
    rt = tables.radiotherapy_table(cases[case_id])
    row = rt[rt.course == course].iloc[0]
    assert row.total_dose_gy == pytest.approx(total) and row.fractions == n
    assert row.dose_per_fraction_gy == pytest.approx(d)
    assert row.bed_gy == pytest.approx(round(bed(total, d), 1))
    assert row.eqd2_gy == pytest.approx(round(bed(total, d) / 1.2, 1))  # EQD2 = BED / (1 + 2/10)


def test_a_course_gives_its_concurrent_chemotherapy_as_worded_on_each_of_its_rows(cases):
    rt = tables.radiotherapy_table(cases["fx-cervix-calendar"])
    assert set(rt[rt.course == "pelvic-imrt"].concurrent_chemotherapy) == {"weekly cisplatin"}
    assert rt[rt.course == "vault-brachy"].concurrent_chemotherapy.isna().all()  # not stated: absent
    rt = tables.radiotherapy_table(cases["fx-lung-egfr"])
    assert set(rt.concurrent_chemotherapy) == {"none"}


def test_regimen_table_has_one_row_per_agent(cases):
    r = tables.regimen_table(cases["fx-cervix-calendar"])
    assert len(r) == 1 + 3 + 1  # weekly cisplatin; paclitaxel + carboplatin + pembrolizumab; pembrolizumab
    assert set(r[r.regimen == "chemo-io"].drug) == {"paclitaxel", "carboplatin", "pembrolizumab"}
    pembro = r[(r.regimen == "chemo-io") & (r.drug == "pembrolizumab")].iloc[0]
    assert pembro.dose == 200 and pembro.unit == "mg" and pembro.cycle_days == 21 and pembro.start == "2020-10-05"
    assert r[r.drug == "cisplatin"].iloc[0].unit == "mg/m²"
    maintenance = r[r.regimen == "pembro-maintenance"].iloc[0]
    assert maintenance.end == "ongoing as of 2023-06-30" and "ongoing_as_of" not in r.columns
    assert maintenance.duration.startswith("> ")  # censored: still given at the last contact
    oral = tables.regimen_table(cases["fx-lung-egfr"]).iloc[0]
    assert (oral.drug, oral.dose, oral.unit, oral.route, oral.days) == ("osimertinib", 80, "mg", "oral", "daily")


def test_timeline_is_in_time_order_and_every_row_has_a_locator(cases):
    t = tables.timeline_table(cases["fx-cervix-calendar"])
    assert t.locator.map(bool).all()
    assert t.when.iloc[0] == "2016" and t.precision.iloc[0] == "year"  # the year-precision event is the earliest
    assert (t.earliest.iloc[0], t.latest.iloc[0]) == ("2016-01-01", "2016-12-31")  # the interval, for programs
    assert t.when.iloc[-1] == "date not reported"  # the undated imaging study that anchors nothing comes last
    labels = list(t.label)
    # 'first-visit - 2 months' (2019-01) before the visit; 'surgery - 2 weeks' (2019-03-27) before the surgery
    assert labels.index("Postcoital bleeding begins") < labels.index("First visit")
    assert labels.index("SCCA: 9 ng/mL") < labels.index("Radical hysterectomy with pelvic lymphadenectomy")
    assert "maintenance: pembrolizumab maintenance (ongoing)" in labels


def test_relative_case_timeline_counts_from_its_anchor(cases):
    t = tables.timeline_table(cases["fx-relative-axis"])
    dates = list(t.when)
    anchor = t[t.precision == "anchor"]
    assert list(anchor.label) == ["Local radiotherapy combined with immunotherapy begins. The drug and its dose are not given."]  # label, then detail
    # two weeks before the anchor, the anchor, three months after, more than twelve months after, then undated;
    # earliest in months from the anchor: -14 days / (365.25/12) = -0.46, 0, 3, 12
    first = t.iloc[0]
    assert first.label == "SCCA: 15 ng/mL" and first.earliest == pytest.approx(-0.46, abs=0.005)
    assert "before local radiotherapy combined with immunotherapy begins" in first.when
    three = dates.index("3 months after local radiotherapy combined with immunotherapy begins")
    more = dates.index("more than 12 months after local radiotherapy combined with immunotherapy begins")
    assert 0 < anchor.index[0] < three < more
    assert t.earliest[three] == pytest.approx(3.0) and t.earliest[more] == pytest.approx(12.0)
    assert pd.isna(t.latest[more])  # open: no upper bound
    assert not any("rit-start" in str(d) for d in t.when)  # never the anchor's id
    assert t.iloc[-1].when == "date not reported" and t.iloc[-1].label == "Disease not controlled by chemoradiotherapy"


def test_every_named_table_builds_for_every_fixture_case(cases):
    for case in cases.all():
        for name in tables.TABLE_NAMES:
            frame = tables.table(case, name)
            assert list(frame.columns), (case.case_id, name)


def test_every_named_table_builds_for_every_published_case():
    from caseseries.model.load import load_cases

    for case in load_cases():
        for name in tables.TABLE_NAMES:
            frame = tables.table(case, name)
            assert list(frame.columns), (case.case_id, name)


def test_display_replaces_missing_with_a_dash(cases):
    shown = tables.for_display(tables.marker_table(cases["fx-cervix-calendar"]))
    assert list(shown[shown.observation != "—"].value) == ["—"]  # the qualitative marker has no value
    assert list(shown[shown.analyte == "CEA"].reference) == ["—"]
    assert not any(isinstance(v, float) and math.isnan(v) for v in shown.to_numpy().ravel())


def test_display_shows_each_kind_of_missing_value_as_a_dash_and_keeps_the_others():
    frame = pd.DataFrame({"float": [1.5, math.nan], "int": [3, 4], "text": ["a", None], "flag": [True, None],
                          "day": pd.to_datetime(["2020-01-02", None]),
                          "string": pd.Series(["q", pd.NA], dtype="string")})
    shown = tables.for_display(frame)
    assert list(shown.dtypes) == [object] * 6
    assert shown.to_numpy().tolist() == [[1.5, 3, "a", True, pd.Timestamp("2020-01-02"), "q"],
                                         ["—", 4, "—", "—", "—", "—"]]
    assert [type(v) for v in shown.iloc[0]] == [float, int, str, bool, pd.Timestamp, str]
