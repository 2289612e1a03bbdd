"""The case views read every date through the one resolved timeline (issue 11 §2).

Fixture cases of their own, in tests/fixtures/timeline/ (invented): open offsets
(tl-open-ici, tl-open-care), durations the authors report (tl-reported) and a
relative time axis (tl-relative). Expected values are counted by hand from those
files: a month is 365.25/12 days, a month-precision date spans its whole month.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from caseseries.views import care, metrics, tables
from caseseries.outputs import report
from caseseries.model.dates import parse_date
from caseseries.model.load import load_case
from conftest import DAYS_PER_MONTH, copy_fixture_project, run_cli

HERE = Path(__file__).resolve().parent / "fixtures" / "timeline"
OURS = ("tl-open-ici", "tl-reported", "tl-relative", "tl-open-care")
# Columns where a table shows a date or a duration, by table.
DATE_COLUMNS = {
    "timeline": ("when", "end", "earliest", "latest"), "regimens": ("start", "end", "duration"),
    "radiotherapy": ("start", "end"), "markers": ("date",), "imaging": ("date",), "adverse-events": ("date",),
    "metrics": ("value",),
}


def months(a: date, b: date) -> float:
    return (b - a).days / DAYS_PER_MONTH


@pytest.fixture(scope="module")
def case():
    loaded = {}

    def get(case_id: str):
        if case_id not in loaded:
            loaded[case_id] = load_case(HERE / f"{case_id}.yaml")
        return loaded[case_id]

    return get


def metric(c, name: str) -> pd.Series:
    m = tables.metrics_table(c)
    return m[m.metric == name].iloc[0]


# ---------------------------------------------------------------- order: nothing before what it follows


def test_an_event_after_x_lists_after_x_and_reads_after_its_month(case):
    t = tables.timeline_table(case("tl-open-ici"))
    labels = list(t.label)
    dx, crt = labels.index("Cervical squamous cell carcinoma diagnosed"), labels.index("Chemoradiotherapy")
    assert dx < crt  # 'dx-2019 + >0 months' after the 2019-03 diagnosis
    assert t.when[crt].startswith("after 2019-03") and t.precision[crt] == "offset"
    assert t.earliest[crt] == "2019-03-01"  # never before the first day the diagnosis can mean
    # the CT after the chemoradiotherapy; pembrolizumab after the progression; its marker after its start
    assert crt < labels.index("No residual pelvic disease")
    prog, pembro = labels.index("Pulmonary progression"), labels.index("second line: pembrolizumab")
    assert prog < pembro < labels.index("SCCA: 5.4 ng/mL")
    assert t.when[pembro].startswith("after 2021-06") and t.earliest[pembro] == "2021-06-01"


def test_open_offsets_sort_after_their_anchor_in_every_table(case):
    c = case("tl-open-ici")
    m = tables.marker_table(c)
    assert list(m.date.str[:13]) == ["2020-05", "after 2021-06", "2022-06"]
    r = tables.regimen_table(c)
    assert list(r.regimen) == ["pembro-1", "pembro-2"]  # 'after 2021-06' before 2022-03


def test_the_relative_case_reads_more_than_12_months_after_its_start(case):
    t = tables.timeline_table(case("tl-relative"))
    assert list(t.when) == ["date not reported (the origin of this case's time axis)", "3 months after radio-immunotherapy begins",
                            "more than 12 months after radio-immunotherapy begins", "date not reported"]
    # machine columns: months from the anchor; an open end has no latest
    assert list(t.earliest[:3]) == [0.0, 3.0, 12.0]
    assert t.latest[1] == 3.0 and pd.isna(t.latest[2])
    assert t.label.iloc[-1] == "Disease not controlled by chemoradiotherapy"  # undated, anchors nothing: last
    text = report.case_summary(case("tl-relative"))
    assert text.endswith("Status at last contact (more than 12 months after radio-immunotherapy begins): unknown.")


# ---------------------------------------------------------------- reported durations


def test_a_regimen_with_a_reported_duration_shows_it_and_its_end(case):
    c = case("tl-reported")
    r = tables.regimen_table(c).iloc[0]
    assert r.start == "2017-03" and r.duration == "65 months, as reported"
    assert r.end.startswith("2022-08") and "as reported" in r.end  # 2017-03 + 65 months = 2022-08
    assert metric(c, "time on pembrolizumab").value == "65 months, as reported"
    assert metric(c, "time on immunotherapy").value == "65 months, as reported"  # the only course
    d = metrics.regimen_duration(c, c.regimens[0])
    assert d.reported and d.low == d.high == 65
    t = tables.timeline_table(c)
    assert t[t.label == "after nodal relapse: pembrolizumab"].end.item() == r.end


def test_overall_survival_is_the_authors_figure_from_the_diagnosis(case):
    c = case("tl-reported")
    os_ = metric(c, "overall survival from diagnosis")
    assert os_.value == "> 72 months, as reported" and os_.low_months == 72 and os_.censored
    # from the dates it would be 2016-01 (at the latest the 31st) to 2022-09 (at the earliest the 1st): > 79 months
    computed = metrics.overall_survival(c)
    assert computed.low == pytest.approx(months(date(2016, 1, 31), date(2022, 9, 1))) and computed.at_least
    # without an origin the authors' figure does not say it counts from the diagnosis: the dates are used
    durations = [d.model_copy(update={"origin": None}) if d.name == "overall survival" else d
                 for d in c.outcome.durations]
    plain = c.model_copy(update={"outcome": c.outcome.model_copy(update={"durations": durations})})
    assert metric(plain, "overall survival from diagnosis").value == "> 79 months"


# ---------------------------------------------------------------- open ends never raise, never give a number


def test_open_offset_first_immunotherapy_with_an_age_renders_every_table(case):
    c = case("tl-open-ici")
    for name in tables.TABLE_NAMES:
        assert list(tables.table(c, name).columns), name
    for section in (report.timeline_table, report.marker_table, report.imaging_table, report.regimen_table,
                    report.radiotherapy_table, report.adverse_event_table, report.metrics_table,
                    report.diagnosis_table, report.biomarker_table, report.outcome_block, report.care_coverage):
        section(c)
    report.header(c)
    # 45 at a diagnosis in 2019-03; pembrolizumab after 2021-06: at least 45 + 26.05/12 = 47.2 years
    assert metric(c, "age at first immunotherapy").value == "≥ 47 years"
    low, high = metrics.age_at(c, c.regimens[0].start)
    assert low == pytest.approx(45 + months(date(2019, 3, 31), date(2021, 6, 1)) / 12) and high == float("inf")
    # 2019-03 to the 2023-02 last contact: 45 + 46.1/12 = 48.8 to 46 + 48.0/12 = 50.0 (exclusive)
    assert metric(c, "age at last contact").value == "48–49 years"


def test_time_on_immunotherapy_is_not_a_number_while_one_course_has_no_end(case):
    c = case("tl-open-ici")
    assert metrics.time_on_immunotherapy(c) is None
    assert metric(c, "time on immunotherapy").value == "not computable from the source"
    assert metric(c, "time on pembrolizumab").value == "not computable from the source"
    # the second course: 2022-03 to 2022-09, 154 to 213 days
    second = metric(c, "time on pembrolizumab rechallenge")
    assert second.value == "6 months (5–7)" and second.low_months == pytest.approx(5.1) and second.high_months == 7.0
    # the open course still given at the last contact: censored, never finite
    # (the first began after 2021-06, and by 2022-03-31 at the latest, when the second had begun)
    ongoing = c.model_copy(update={"regimens": [
        c.regimens[0].model_copy(update={"ongoing_as_of": parse_date("2023-02")}), c.regimens[1]]})
    d = metrics.time_on_immunotherapy(ongoing)
    assert d.at_least and d.low == pytest.approx(months(date(2022, 3, 31), date(2023, 2, 1)))  # 307 days
    assert d.label() == "> 10.1 months"


def test_a_marker_straddling_a_change_of_limit_gets_none(case):
    c = case("tl-open-ici")
    m = tables.marker_table(c)
    # 1.5 ng/mL until 2022-01 (exclusive), 2.7 ng/mL from it; the 'after pembrolizumab' value can be either side
    assert list(m.reference.fillna("none")) == ["< 1.5 ng/mL", "none", "< 2.7 ng/mL"]
    assert list(m.times_uln.fillna(0)) == [2.0, 0, 2.0]  # 3 / 1.5, none, 5.4 / 2.7
    assert tables.reference_limit(c, "SCCA", "2021-12").upper == 1.5
    assert tables.reference_limit(c, "SCCA", "2022").upper == 2.7  # the whole year is inside 'from 2022-01'
    assert tables.reference_limit(c, "SCCA", "between 2021-06 and 2022-06") is None


# ---------------------------------------------------------------- never an item id where a date belongs


def _ids(c) -> list[str]:
    return [x.id for field in ("events", "regimens", "radiotherapy", "imaging") for x in getattr(c, field)]


def _cells_naming(frame: pd.DataFrame, columns, ids) -> list[tuple[str, str]]:
    found = []
    for col in columns:
        for value in frame[col].dropna().astype(str):
            found += [(col, value) for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", value)]
    return found


@pytest.mark.parametrize("case_id", OURS)
def test_no_table_cell_shows_an_item_id_where_a_date_belongs(case, case_id):
    c = case(case_id)
    ids = _ids(c)
    for name, columns in DATE_COLUMNS.items():
        assert _cells_naming(tables.table(c, name), columns, ids) == [], name
    texts = [report.case_summary(c), report.outcome_block(c).data]
    care_row = care.care_table(c).set_index("name").loc["Timeline"]
    texts.append(care_row.evidence)
    for text in texts:
        assert not [i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)], text


def test_care_timeline_gives_no_month_the_source_does_not(case):
    c = case("tl-open-care")
    row = care.care_table(c).set_index("name").loc["Timeline"]
    # one calendar month (2023-05), then only "after": no invented month such as 2023-07
    assert set(re.findall(r"\d{4}-\d{2}", row.evidence)) == {"2023-05"}
    assert "2023-05 to after 2023-05" in row.evidence and "open interval: 2" in row.evidence
    t = tables.timeline_table(c)
    assert list(t.label) == ["Cervical carcinoma diagnosed", "Radical hysterectomy", "Follow-up without recurrence"]
    assert report.case_summary(c).endswith("Status at last contact (after 2023-05): alive.")


# ---------------------------------------------------------------- the command line


def test_cli_table_prints_the_new_columns_as_csv_and_markdown(tmp_path):
    root = copy_fixture_project(tmp_path / "project", notebooks=False)
    shutil.copy(HERE / "tl-reported.yaml", root / "data" / "cases" / "tl-reported.yaml")
    out = run_cli("table", "tl-reported", "regimens", "--format", "csv", root=root)
    assert out.returncode == 0, out.stderr
    header = out.stdout.splitlines()[0].split(",")
    assert header[12:15] == ["start", "end", "duration"] and "65 months, as reported" in out.stdout
    md = run_cli("table", "tl-reported", "timeline", "--format", "markdown", root=root)
    assert md.returncode == 0, md.stderr
    assert md.stdout.splitlines()[0].split("|")[1].strip() == "when" and "as reported" in md.stdout
