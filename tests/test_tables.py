"""Tidy tables on the real cases: the facts the sources state, nothing more."""

import math

import pytest

from caseseries import find_case, tables


@pytest.fixture(scope="module")
def toripalimab():
    return find_case("toripalimab-iiic2p")


@pytest.fixture(scope="module")
def socazolimab():
    return find_case("socazolimab-xu2025")


def test_scca_before_surgery_and_in_april_2019_with_the_limit_of_their_date(toripalimab):
    m = tables.marker_table(toripalimab)
    scca = m[(m.analyte == "SCCA") & m.value.notna()]
    first = scca.iloc[0]
    assert first.value == pytest.approx(61.10) and first.date.startswith("2018-11") and first.reference == "< 1.5 ng/ml"
    april = scca[scca.date.str.startswith("2019-04")].iloc[0]
    assert april.value == pytest.approx(5.2) and april.reference == "< 1.5 ng/ml"
    assert april.times_uln == pytest.approx(3.47, abs=0.01)


def test_reference_limit_changes_in_august_2019(toripalimab):
    from caseseries.dates import parse_date

    assert tables.reference_limit(toripalimab, "SCCA", parse_date("2019-07")).upper == 1.5
    assert tables.reference_limit(toripalimab, "SCCA", parse_date("2019-09")).upper == 2.7


def test_socazolimab_has_no_numeric_marker_value(socazolimab):
    m = tables.marker_table(socazolimab)
    assert len(m) > 0 and m.value.isna().all() and m.observation.notna().all()


def test_radiotherapy_bed_and_eqd2(socazolimab):
    rt = tables.radiotherapy_table(socazolimab)
    pgtv = rt[rt.total_dose_gy == 61.25].iloc[0]
    assert pgtv.fractions == 25 and pgtv.dose_per_fraction_gy == 2.45
    assert pgtv.bed_gy == 76.3 and pgtv.eqd2_gy == 63.5


def test_regimen_table_has_one_row_per_agent(socazolimab):
    r = tables.regimen_table(socazolimab)
    first = r[r.regimen == r.regimen.iloc[0]]
    assert set(first.drug) == {"paclitaxel", "carboplatin", "apatinib"}
    soca = r[r.drug == "socazolimab"].iloc[0]
    assert soca.dose == 200 and soca.unit == "mg" and soca.cycle_days == 21 and soca.start == "2024-05-20"


def test_timeline_is_in_time_order_and_every_row_has_a_locator(toripalimab):
    t = tables.timeline_table(toripalimab)
    assert t.locator.map(bool).all()
    assert t.date.iloc[0].startswith("2018-11")


def test_relative_case_timeline_starts_at_its_anchor():
    t = tables.timeline_table(find_case("bian2024-p1"))
    assert t.iloc[0].precision == "anchor"
    assert "rit-start + >12 months" in set(t.date)


def test_every_named_table_builds_for_every_case():
    from caseseries.load import load_cases

    for case in load_cases():
        for name in tables.TABLE_NAMES:
            frame = tables.table(case, name)
            assert list(frame.columns), (case.case_id, name)


def test_display_replaces_missing_with_a_dash(socazolimab):
    shown = tables.for_display(tables.marker_table(socazolimab))
    assert (shown.value == "—").all()
    assert not any(isinstance(v, float) and math.isnan(v) for v in shown.to_numpy().ravel())
