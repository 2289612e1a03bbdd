"""The case series: comparison table, time 0, swimmer lanes, kinetics, index, a real render with a new case.

Behaviour is checked on the fixture cases (tests/fixtures/project), with the values worked
out by hand from their files; on data/cases only what holds for any set of cases.
"""

import html as html_lib
import json
import os
import re
import subprocess
import sys
from datetime import date

import pytest

from caseseries import load_cases
from caseseries.views import series, series_plots
from caseseries.model.dates import UnknownDate
from caseseries.outputs.index import index_html
from conftest import DAYS_PER_MONTH, FIXTURE, ROOT, copy_fixture_project, remote_urls, run_cli

CERVIX, LUNG, RELATIVE = "fx-cervix-calendar", "fx-lung-egfr", "fx-relative-axis"
T0_CERVIX = date(2020, 10, 5)  # first pembrolizumab dose: start of chemo-io


def mid(first: date, last: date | None = None) -> float:
    """The middle day of a date that can mean first..last (a day: itself)."""
    return (first.toordinal() + (last or first).toordinal()) / 2


def months_from(t0: date, day: float) -> float:
    return (day - t0.toordinal()) / DAYS_PER_MONTH


@pytest.fixture
def table(cases):
    return series.comparison_table(cases.all()).set_index("patient")


# ---------------------------------------------------------------- what holds for any set of cases


def assert_no_blank_cell(cases, table) -> None:
    assert list(table.index) == [c.case_id for c in cases]
    assert list(table.columns) == series.COMPARISON_COLUMNS[1:]
    cells = table.to_numpy().ravel()
    assert all(isinstance(v, str) and v.strip() for v in cells)
    assert not table.isna().any().any() and "nan" not in {v.lower() for v in cells}


def assert_no_marker_dropped(cases) -> None:
    plotted = set(series.kinetics_table(cases).patient)
    notes = series.marker_notes(cases)
    assert plotted | set(notes.patient) == {c.case_id for c in cases}
    assert not notes.isna().any().any()


def test_published_cases_one_row_each_no_blank_cell_no_marker_dropped():
    published = load_cases()
    assert [c.case_id for c in published] == sorted(p.stem for p in (ROOT / "data/cases").glob("*.yaml"))
    assert_no_blank_cell(published, series.comparison_table(published).set_index("patient"))
    assert_no_marker_dropped(published)
    assert set(series.alignment_table(published).patient) == {c.case_id for c in published}


def test_fixture_cases_one_row_each_no_blank_cell_no_marker_dropped(cases, table):
    assert_no_blank_cell(cases.all(), table)
    assert_no_marker_dropped(cases.all())


# ---------------------------------------------------------------- comparison table


def test_checkpoint_inhibitor_with_its_target_from_the_reference(cases, table):
    assert table.loc[CERVIX, "target"] == "PD-1"
    assert table.loc[CERVIX, "checkpoint inhibitor"] == "pembrolizumab (anti-PD-1 monoclonal antibody)"
    agent = next(a for r in cases[CERVIX].regimens if r.id == "chemo-io" for a in r.agents if a.drug == "pembrolizumab")
    assert (agent.dose, agent.unit, agent.route, agent.days) == (200, "mg", "IV", "d1")
    assert table.loc[CERVIX, "dose and schedule"] == "pembrolizumab 200 mg IV d1, every 21 days"
    # a targeted agent is not a checkpoint inhibitor
    for column in ("checkpoint inhibitor", "target", "dose and schedule", "time on immunotherapy"):
        assert table.loc[LUNG, column] == "not reported", column


def test_relative_case_reads_not_reported_where_the_source_is_silent(table):
    row = table.loc[RELATIVE]
    for column in ("checkpoint inhibitor", "target", "dose and schedule", "age at diagnosis", "histology", "PD-L1",
                   "MMR status", "overall survival from diagnosis", "time on immunotherapy"):
        assert row[column] == "not reported", column
    assert row["sites of recurrence or metastasis"] == "neck lymph nodes"
    assert row["durations as reported"] == "progression-free survival: > 12 months (censored)"
    assert row["source"] == "doi:10.5555/fx-relative-axis (patient 1 of 1)"
    assert table.loc[LUNG, "source"] == "https://example.org/fixtures/fx-lung-egfr"


def test_biomarkers_as_stated_never_inferred(table):
    assert table.loc[CERVIX, "MMR status"] == "MLH1 +, PMS2 weak +"  # MSH2 and MSH6 are not stated
    assert "MMR" not in table.loc[CERVIX, "MMR status"]  # no pMMR/dMMR the source does not state
    assert table.loc[CERVIX, "PD-L1"] == "CPS 10 (22C3, IHC)"
    assert table.loc[LUNG, "PD-L1"] == "TPS 5% (22C3, IHC)" and table.loc[LUNG, "MMR status"] == "not reported"
    assert table.loc[LUNG, "histology"] == "adenocarcinoma" and table.loc[LUNG, "age at diagnosis"] == "61 years"


def test_durations_censored_computed_and_as_reported(table):
    on_ici = months_from(T0_CERVIX, mid(date(2023, 6, 30)))  # to the maintenance still given on 2023-06-30
    assert table.loc[CERVIX, "time on immunotherapy"] == (
        f"> {on_ici:.1f} months, ongoing as of 2023-06-30; about 32 months, as reported (Discussion, ¶1)")
    # 2019-03-31 to 2023-06-30: 1552 days, 50.99 months, alive
    assert table.loc[CERVIX, "overall survival from diagnosis"] == \
        "> 51 months (from the dates); > 51 months, as reported"
    # 2021-02-08 to the death on 2023-01-17: 708 days, 23.26 months
    assert table.loc[LUNG, "overall survival from diagnosis"] == \
        f"{708 / DAYS_PER_MONTH:.1f} months (from the dates); about 23 months, as reported"


def test_stage_treatment_before_immunotherapy_radiotherapy_and_iraes(table):
    assert table.loc[CERVIX, "initial stage"] == "FIGO 2018 IB2, clinical, 2019-03"
    assert table.loc[LUNG, "initial stage"] == "AJCC 8th IVA, clinical, 2021-02"
    assert table.loc[CERVIX, "systemic regimens before immunotherapy"] == \
        "1: weekly cisplatin (adjuvant, concurrent with pelvic radiotherapy)"
    rt = table.loc[CERVIX, "radiotherapy"]
    assert "pelvic PTV 50.4 Gy/28 F" in rt and "vaginal cuff 6 Gy per fraction × 4" in rt
    assert rt.count("concurrent chemotherapy") == 1 and "concurrent chemotherapy: weekly cisplatin" in rt  # as worded
    assert "right frontal metastasis 24 Gy/3 F" in table.loc[LUNG, "radiotherapy"]
    # the neutropenia is attributed to cisplatin: not immune-related
    assert table.loc[CERVIX, "immune-related adverse events"] == \
        "hypothyroidism, grade 2, 2021-05; no pneumonitis (as stated)"
    assert table.loc[CERVIX, "discrepancies in the source"] == \
        "number of weekly cisplatin cycles; number of chemo-immunotherapy cycles"


# ---------------------------------------------------------------- time 0


def test_time_0_is_the_first_checkpoint_inhibitor_dose_or_the_immunotherapy_anchor(cases):
    cervix = series.alignment(cases[CERVIX])
    assert cervix.item == "chemo-io" and cervix.date == str(T0_CERVIX) and cervix.point.is_calendar
    assert cervix.label == "first dose of pembrolizumab (regimen 'chemo-io')"
    relative = series.alignment(cases[RELATIVE])
    assert relative.item == "rit-start" and relative.point.axis == "rit-start"
    assert "(drug not reported)" in relative.label and "relative time axis" in relative.label
    lung = series.alignment(cases[LUNG])
    assert lung.point is None and lung.label.endswith("not aligned")


def test_another_alignment_event_and_unaligned_patients_are_listed(cases):
    t = series.alignment_table(cases.all(), "diagnosis").set_index("patient")
    assert t.loc[CERVIX, "date"] == "2019-03" and t.loc[LUNG, "date"] == "2021-02-08"  # in words
    assert "not aligned" in t.loc[RELATIVE, "time 0"]  # no diagnosis event
    lanes = series.swimmer_table(cases.all(), "diagnosis")
    assert set(lanes.patient) == {CERVIX, LUNG}
    missing = series.unplaced_items(cases.all(), "diagnosis")
    assert set(missing[missing["item"] == "the whole case"].patient) == {RELATIVE}
    with pytest.raises(ValueError, match="align_on: expected one of"):
        series.alignment(cases[CERVIX], "first dose")


def undated(case, regimen_id):
    return case.model_copy(update={"regimens": [
        r.model_copy(update={"start": UnknownDate(), "ongoing_as_of": None}) if r.id == regimen_id else r
        for r in case.regimens]})


def test_an_undated_checkpoint_inhibitor_leaves_the_patient_unaligned_and_says_why(cases):
    case = cases[CERVIX]
    only_maintenance = case.model_copy(update={"regimens": [r for r in case.regimens if r.id != "chemo-io"]})
    case = undated(only_maintenance, "pembro-maintenance")  # anchors no offset
    a = series.alignment(case)
    assert a.point is None
    assert a.label == ("first dose of pembrolizumab (regimen 'pembro-maintenance'): its date cannot be placed, "
                       "not aligned")
    assert series.swimmer_table([case]).empty
    assert series.unplaced_items([case]).iloc[0]["why not drawn"] == a.label


def test_an_undated_checkpoint_inhibitor_that_anchors_offsets_is_the_origin_of_its_own_axis(cases):
    case = cases[CERVIX]
    only_chemo_io = case.model_copy(update={"regimens": [r for r in case.regimens if r.id != "pembro-maintenance"]})
    case = undated(only_chemo_io, "chemo-io")  # the marker 'chemo-io + 3 months' counts from it
    a = series.alignment(case)
    assert a.point.axis == "chemo-io" and a.label.endswith("the origin of this case's relative time axis")
    missing = series.unplaced_items([case]).set_index("item")
    assert missing.loc["no evidence of disease", "why not drawn"] == "date not reported"  # pet-undated
    rest = missing.drop(index="no evidence of disease")
    assert len(rest) and set(rest["why not drawn"]) == {"not on the time axis of time 0"}  # the calendar items


# ---------------------------------------------------------------- swimmer lanes


def test_swimmer_lanes_in_months_from_time_0(cases):
    lanes = series.swimmer_table(cases.all())
    assert set(lanes.patient) == {CERVIX, RELATIVE}  # the lung case has no checkpoint inhibitor
    cervix = lanes[lanes.patient == CERVIX].set_index("label")
    chemo = cervix.loc["paclitaxel + carboplatin + pembrolizumab"]
    assert chemo.start == 0 and chemo.end_kind == "stated"
    assert chemo.end == pytest.approx(months_from(T0_CERVIX, mid(date(2021, 1, 1), date(2021, 1, 31))))
    maintenance = cervix.loc["pembrolizumab maintenance"]
    assert maintenance.start == pytest.approx(months_from(T0_CERVIX, mid(date(2021, 2, 1), date(2021, 2, 28))))
    assert maintenance.end == pytest.approx(months_from(T0_CERVIX, mid(date(2023, 6, 30))))
    assert maintenance.end_kind == "ongoing"
    follow = lanes[lanes.kind == "follow-up"].set_index("patient")
    # history before time 0 stays, to the left: from the diagnosis in 2019-03
    assert follow.loc[CERVIX, "start"] == pytest.approx(months_from(T0_CERVIX, mid(date(2019, 3, 1), date(2019, 3, 31))))
    assert follow.loc[RELATIVE, "end"] == pytest.approx(12) and follow.loc[RELATIVE, "end_kind"] == "open"
    rt = lanes[(lanes.patient == RELATIVE) & (lanes.kind == "therapy")].iloc[0]
    assert rt.start == 0 and rt.end == pytest.approx(6 * 7 / DAYS_PER_MONTH)  # 'rit-start + 6 weeks'
    assert set(lanes[lanes.kind == "response"].category) == {"PD", "PR", "CR"}
    undated_items = series.unplaced_items(cases.all())
    assert set(undated_items[undated_items.patient == CERVIX]["why not drawn"]) == {"date not reported"}


def test_swimmer_pages_share_one_time_axis(cases):
    aligned = [c for c in cases.all() if series.alignment(c).point is not None]
    many = [aligned[i % len(aligned)].model_copy(update={"case_id": f"p{i:03d}"}) for i in range(120)]
    figures = series_plots.swimmer_figures(series.swimmer_table(many), "test", per_page=50)
    assert len(figures) == 3
    assert len({fig.axes[0].get_xlim() for fig in figures}) == 1
    assert [len(fig.axes[0].get_yticklabels()) for fig in figures] == [50, 50, 20]


# ---------------------------------------------------------------- marker kinetics


def test_kinetics_in_times_uln_with_the_limit_of_each_date(cases):
    k = series.kinetics_table(cases.all())
    assert list(k.patient.unique()) == [CERVIX, RELATIVE]
    cea = k[(k.patient == CERVIX) & (k.analyte == "CEA")]  # no reference limit in its source: no multiple
    assert list(cea.value) == [3.1] and cea.times_uln.isna().all() and list(cea.reference) == ["not reported"]
    cervix = k[(k.patient == CERVIX) & (k.analyte == "SCCA")]
    assert list(cervix.times_uln) == pytest.approx([9.0 / 1.5, 1.2 / 1.5, 8.1 / 2.7], abs=0.001)
    assert list(cervix.reference) == ["< 1.5 ng/mL", "< 1.5 ng/mL", "< 2.7 ng/mL"] and (cervix.months < 0).all()
    assert cervix.months.iloc[0] == pytest.approx(months_from(T0_CERVIX, mid(date(2019, 3, 27))), abs=0.01)
    relative = k[k.patient == RELATIVE]
    assert list(relative.times_uln) == pytest.approx([15 / 1.5, 1.2 / 1.5])
    assert list(relative.months) == pytest.approx([-14 / DAYS_PER_MONTH, 3.0], abs=0.01)


def test_every_marker_not_plotted_says_why(cases):
    notes = series.marker_notes(cases.all())
    why = {(r.patient, r.analyte, r["as reported"]): r["why not plotted"] for _, r in notes.iterrows()}
    assert why == {
        (CERVIX, "SCCA", "returned to the normal range"): "qualitative observation (no number in the source)",
        (CERVIX, "CEA", "3.1 ng/mL"): "no reference limit in the source for this analyte and unit",
        (LUNG, "CEA", "42.5 ng/mL"): "date cannot be placed relative to time 0",
        (LUNG, "CYFRA 21-1", "6.2 ng/mL"): "date cannot be placed relative to time 0",
        (LUNG, "CEA", "4 ng/mL"): "date cannot be placed relative to time 0",
        (LUNG, "CEA", "30 ng/mL"): "date cannot be placed relative to time 0",
    }
    none = series.marker_notes([cases[RELATIVE].model_copy(update={"markers": []})])
    assert list(none["why not plotted"]) == ["no marker in the source"]


def test_kinetics_figure_is_log_scale_and_absent_without_numbers(cases):
    fig = series_plots.kinetics_figure(series.kinetics_table(cases.all()))
    assert fig.axes[0].get_yscale() == "log" and fig.axes[0].get_title(loc="left") == "SCCA"
    assert series_plots.kinetics_figure(series.kinetics_table([cases[LUNG]])) is None  # not aligned


# ---------------------------------------------------------------- index and command line


def test_index_escapes_case_text_and_links_relatively(cases, tmp_path):
    all_cases = cases.all()
    evil = all_cases[0].model_copy(update={"title": "<script>alert(1)</script>"})
    page = index_html([evil, *all_cases[1:]], tmp_path)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    assert "http://" not in page and "https://" not in page
    (tmp_path / "cases").mkdir()
    (tmp_path / f"cases/{LUNG}.html").write_text("x")
    page = index_html(all_cases, tmp_path)
    assert f'<a href="cases/{LUNG}.html">' in page
    assert page.count("not rendered yet") == len(all_cases)  # the others, and the series


def test_series_table_on_the_command_line(cases):
    out = run_cli("series", "--table", "comparison", "--format", "markdown", root=FIXTURE)
    assert out.returncode == 0, out.stderr
    assert all(f"| {case_id} " in out.stdout for case_id in cases.ids) and "PD-1" in out.stdout
    drugs = run_cli("series", "--table", "drugs", root=FIXTURE)
    assert drugs.returncode == 0 and "osimertinib,EGFR tyrosine kinase inhibitor" in drugs.stdout
    bad = run_cli("series", "--align-on", "firstdose", root=FIXTURE)
    assert bad.returncode == 1 and "align_on: expected one of" in bad.stderr and "Traceback" not in bad.stderr


def shown_headers_and_rows(page: str) -> tuple[list[str], int]:
    """The column headers a series table shows, and its number of body rows."""
    headers = [html_lib.unescape(h) for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', page)]
    return headers, len(re.findall(r"<tr>", page.split("<tbody>", 1)[1]))


SECTIONS = {  # the notebook's table sections and the series table each one shows
    "alignment_table": "alignment", "unplaced": "unplaced", "kinetics_values": "kinetics",
    "marker_notes": "marker-notes", "drugs": "drugs"}


@pytest.mark.parametrize("align_on", [series.IMMUNOTHERAPY, "diagnosis"])
def test_series_tables_read_as_the_report_tables_do(cases, align_on):
    from caseseries.outputs import report, series_report as sr

    shown = 0
    for section, name in SECTIONS.items():
        args = (cases.all(),) if name == "drugs" else (cases.all(), align_on)
        table = getattr(sr, section)(*args)
        if not isinstance(table, report.ReportTable):  # a one-line note in place of an empty table
            assert "No " in table.data or "Every " in table.data
            continue
        shown += 1
        frame = series.series_table(cases.all(), name, align_on)
        if name == "kinetics":
            frame = frame[frame["times_uln"].notna()]
        headers, rows = shown_headers_and_rows(table._repr_html_())
        assert headers == [report.HEADERS[c] for c in table.columns]  # every column has its human header
        assert all(h[0].isupper() or not h[0].isalpha() for h in headers), headers
        assert rows == len(frame) and "<caption>" not in table._repr_html_()
        assert "nan" not in re.sub(r"<[^>]+>", " ", table._repr_html_()).lower().split()
    assert shown >= 3


def test_a_long_series_table_shows_its_first_rows_and_says_how_to_get_all(cases, monkeypatch):
    from caseseries.outputs import series_report as sr

    full = series.alignment_table(cases.all(), "diagnosis")
    monkeypatch.setattr(sr, "SHOWN_ROWS", 2)
    page = sr.alignment_table(cases.all(), "diagnosis")._repr_html_()
    headers, rows = shown_headers_and_rows(page)
    assert rows == 2 < len(full) and headers[0] == "Patient"
    caption = html_lib.unescape(re.search(r"<caption>(.*?)</caption>", page, re.S).group(1))
    assert caption.startswith(f"The first 2 of {len(full)} rows.")
    command = re.search(r"“caseseries (series --table [^”]+)”", caption).group(1).split()
    assert command == ["series", "--table", "alignment", "--align-on", "diagnosis"]
    printed = run_cli(*command, root=FIXTURE)
    assert printed.returncode == 0, printed.stderr
    assert len(printed.stdout.splitlines()) == 1 + len(full)  # the header line and every row


# ---------------------------------------------------------------- a real render, with a new case

NEW = "example-fictional"


def readme_example() -> str:
    """The fictional example case printed in data/README.md, which must validate as it stands."""
    text = (ROOT / "data/README.md").read_text()
    return re.search(r"```yaml\n(.*?)```", text, re.S).group(1)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = copy_fixture_project(tmp_path_factory.mktemp("series"))
    (root / f"data/cases/{NEW}.yaml").write_text(readme_example())
    return root


def cli(root, *args):
    return run_cli(*args, root=root)


@pytest.fixture(scope="module")
def rendered(project):
    out = cli(project, "series")
    assert out.returncode == 0, out.stderr
    return project / "reports"


def test_a_new_case_file_joins_the_series_and_the_index(rendered):
    nb = json.loads((rendered / "series.ipynb").read_text())
    outputs = json.dumps([c.get("outputs", []) for c in nb["cells"]])
    assert NEW in outputs and "pembrolizumab (anti-PD-1 monoclonal antibody)" in outputs
    page = (rendered / "series.html").read_text()
    assert page.count('src="data:image/svg+xml;base64,') == 2  # swimmer plot and kinetics
    assert remote_urls(page) == []
    index = (rendered / "index.html").read_text()
    assert f'href="cases/{NEW}.html"' not in index and f"{NEW}</span>" in index  # listed; its report not yet rendered
    assert '<a href="series.html">' in index


def test_series_kept_notebook_is_normalised_and_re_renders_identically(project, rendered):
    nb = json.loads((rendered / "series.ipynb").read_text())
    assert nb["metadata"]["papermill"] == {"parameters": {"case_ids": None, "align_on": "immunotherapy"}}
    assert all(set(c["metadata"]) <= {"tags"} for c in nb["cells"])
    before = {p.name: p.read_bytes() for p in rendered.iterdir() if p.is_file()}
    out = cli(project, "series")
    assert out.returncode == 0, out.stderr
    assert {p.name: p.read_bytes() for p in rendered.iterdir() if p.is_file()} == before


def test_series_kept_notebook_passes_nbval(project, rendered):
    out = subprocess.run([sys.executable, "-m", "pytest", "--nbval", "--nbval-kernel-name", "caseseries",
                          "-p", "no:cacheprovider", "-q", str(rendered / "series.ipynb")], cwd=project,
                         capture_output=True, text=True, timeout=300, env={**os.environ, "CASESERIES_ROOT": str(project)})
    assert out.returncode == 0, out.stdout[-2000:]


def test_a_subset_with_another_time_0_renders(project):
    (project / "reports/index.html").unlink(missing_ok=True)
    out = cli(project, "series", CERVIX, NEW, "--align-on", "diagnosis", "--no-index")  # as make and Snakemake run it
    assert out.returncode == 0, out.stderr
    assert not (project / "reports/index.html").exists() and "index.html" not in out.stderr
    nb = json.loads((project / "reports/series.ipynb").read_text())
    assert nb["metadata"]["papermill"]["parameters"] == {"case_ids": [CERVIX, NEW], "align_on": "diagnosis"}
    shown = json.dumps([c.get("outputs", []) for c in nb["cells"][:4]])
    assert CERVIX in shown and LUNG not in shown
