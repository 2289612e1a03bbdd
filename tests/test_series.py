"""The case series on the real cases: comparison table, time 0, swimmer lanes, kinetics, index, a real render."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from caseseries import load_cases, series, series_plots
from caseseries.index import index_html
from conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cases():
    return load_cases()


@pytest.fixture(scope="module")
def table(cases):
    return series.comparison_table(cases).set_index("patient")


def test_comparison_table_has_one_row_per_patient_and_no_blank_cell(cases, table):
    assert list(table.index) == [c.case_id for c in cases]
    assert list(table.columns) == series.COMPARISON_COLUMNS[1:]
    cells = table.to_numpy().ravel()
    assert all(isinstance(v, str) and v.strip() for v in cells)
    assert not table.isna().any().any() and "nan" not in {v.lower() for v in cells}


def test_checkpoint_inhibitors_with_their_targets_from_the_reference(table):
    assert table.loc["socazolimab-xu2025", "target"] == "PD-L1"
    assert table.loc["toripalimab-iiic2p", "target"] == "PD-1"
    assert table.loc["socazolimab-xu2025", "checkpoint inhibitor"] == "socazolimab (anti-PD-L1 monoclonal antibody)"
    assert table.loc["toripalimab-iiic2p", "dose and schedule"] == "toripalimab 240 mg IV, every 21 days"
    assert table.loc["socazolimab-xu2025", "dose and schedule"] == "socazolimab 200 mg, every 21 days"


def test_bian_cases_read_not_reported_where_the_abstract_is_silent(table):
    for case_id in ("bian2024-p1", "bian2024-p2"):
        row = table.loc[case_id]
        for column in ("checkpoint inhibitor", "target", "dose and schedule", "age at diagnosis", "PD-L1",
                       "MMR status", "overall survival from diagnosis", "time on immunotherapy"):
            assert row[column] == "not reported", (case_id, column)
        assert row["sites of recurrence or metastasis"] == "neck lymph nodes"
    assert table.loc["bian2024-p1", "durations as reported"] == "progression-free survival: > 12 months (censored)"


def test_biomarkers_as_stated_never_inferred(table):
    assert table.loc["socazolimab-xu2025", "MMR status"] == "MLH1 +, MSH2 +, MSH6 +, PMS2 slightly weak +"
    assert table.loc["socazolimab-xu2025", "PD-L1"] == "TC 80% (BP6099, IHC)"
    assert table.loc["toripalimab-iiic2p", "MMR status"] == "not reported"
    assert "MMR" not in table.loc["socazolimab-xu2025", "MMR status"]  # no pMMR/dMMR the source does not state


def test_durations_censored_computed_and_as_reported(table):
    assert table.loc["socazolimab-xu2025", "time on immunotherapy"] == "> 8 months, ongoing as of 2025-01-20"
    assert table.loc["toripalimab-iiic2p", "time on immunotherapy"].startswith("65 months (as reported")
    assert table.loc["toripalimab-iiic2p", "overall survival from diagnosis"] == \
        "> 71.1 months (from the dates); > 72 months (as reported)"
    assert table.loc["socazolimab-xu2025", "overall survival from diagnosis"].startswith("> 200")


def test_stage_treatment_before_immunotherapy_and_radiotherapy(table):
    assert table.loc["toripalimab-iiic2p", "initial stage"] == "FIGO 2018 IIIC1r, radiological, 2018-11"
    assert table.loc["socazolimab-xu2025", "initial stage"].startswith("I-II (staging system not stated)")
    before = table.loc["socazolimab-xu2025", "systemic regimens before immunotherapy"]
    assert before.startswith("2: paclitaxel + carboplatin + apatinib (first line for recurrence); nab-paclitaxel")
    assert "PGTV (pelvic wall recurrence site) 61.25 Gy/25 F" in table.loc["socazolimab-xu2025", "radiotherapy"]
    assert table.loc["socazolimab-xu2025", "immune-related adverse events"].startswith(
        "no significant immune-related adverse events (as stated)")


def test_time_0_is_the_first_checkpoint_inhibitor_dose_or_the_bian_anchor(cases):
    by_id = {c.case_id: c for c in cases}
    soca = series.alignment(by_id["socazolimab-xu2025"])
    assert soca.item == "socazolimab" and soca.date == "2024-05-20" and soca.point.is_calendar
    bian = series.alignment(by_id["bian2024-p1"])
    assert bian.item == "rit-start" and bian.point.axis == "rit-start" and "relative time axis" in bian.label


def test_another_alignment_event_and_unaligned_patients_are_listed(cases):
    t = series.alignment_table(cases, "diagnosis").set_index("patient")
    assert t.loc["toripalimab-iiic2p", "date as stated"] == "2018-11"
    assert "not aligned" in t.loc["bian2024-p1", "time 0"]
    lanes = series.swimmer_table(cases, "diagnosis")
    assert set(lanes.patient) == {"socazolimab-xu2025", "toripalimab-iiic2p"}
    missing = series.unplaced_items(cases, "diagnosis")
    assert set(missing[missing["item"] == "the whole case"].patient) == {"bian2024-p1", "bian2024-p2"}
    with pytest.raises(ValueError, match="align_on: expected one of"):
        series.alignment(cases[0], "first dose")


def undated(case, regimen_id):
    from caseseries.dates import UnknownDate

    return case.model_copy(update={"regimens": [
        r.model_copy(update={"start": UnknownDate(), "ongoing_as_of": None}) if r.id == regimen_id else r
        for r in case.regimens]})


def test_an_undated_checkpoint_inhibitor_leaves_the_patient_unaligned_and_says_why(cases):
    tori = undated(next(c for c in cases if c.case_id == "toripalimab-iiic2p"), "toripalimab")
    a = series.alignment(tori)
    assert a.point is None
    assert a.label == "first dose of toripalimab (regimen 'toripalimab'): its date cannot be placed, not aligned"
    assert series.swimmer_table([tori]).empty
    assert series.unplaced_items([tori]).iloc[0]["why not drawn"] == a.label


def test_an_undated_checkpoint_inhibitor_that_anchors_offsets_is_the_origin_of_its_own_axis(cases):
    soca = undated(next(c for c in cases if c.case_id == "socazolimab-xu2025"), "socazolimab")
    a = series.alignment(soca)
    assert a.point.axis == "socazolimab" and a.label.endswith("the origin of this case's relative time axis")
    missing = series.unplaced_items([soca])
    assert set(missing["why not drawn"]) == {"not on the time axis of time 0"}  # the calendar-dated items


def test_swimmer_lanes_in_months_from_time_0(cases):
    lanes = series.swimmer_table(cases)
    soca = lanes[(lanes.patient == "socazolimab-xu2025") & (lanes.category == "immunotherapy")].iloc[0]
    assert soca.start == 0 and soca.end == pytest.approx(8.05, abs=0.01) and soca.end_kind == "ongoing"
    tori = lanes[(lanes.patient == "toripalimab-iiic2p") & (lanes.category == "immunotherapy")].iloc[0]
    assert tori.end_kind == "as reported" and tori.end == pytest.approx(65)
    dx = lanes[(lanes.patient == "socazolimab-xu2025") & (lanes.category == "diagnosis")].iloc[0]
    assert -194 < dx.start < -192  # history before time 0 stays, to the left
    follow = lanes[(lanes.kind == "follow-up")].set_index("patient")
    assert follow.loc["bian2024-p1", "end"] == pytest.approx(12) and follow.loc["bian2024-p1", "end_kind"] == "open"
    assert follow.loc["bian2024-p2", "end"] == pytest.approx(24)
    assert set(lanes[lanes.kind == "response"].category) >= {"PR", "SD", "CR", "as worded"}
    undated = series.unplaced_items(cases)
    assert "date not reported" in set(undated[undated.patient == "toripalimab-iiic2p"]["why not drawn"])


def test_kinetics_in_times_uln_with_the_limit_of_each_date(cases):
    k = series.kinetics_table(cases)
    assert list(k.patient.unique()) == ["toripalimab-iiic2p"]
    assert list(k.times_uln) == pytest.approx([40.733, 1.467, 3.467], abs=0.001)
    assert list(k.reference.unique()) == ["< 1.5 ng/ml"] and (k.months < 0).all()


def test_no_patient_drops_out_of_the_marker_section_silently(cases):
    plotted = set(series.kinetics_table(cases).patient)
    notes = series.marker_notes(cases)
    assert plotted | set(notes.patient) == {c.case_id for c in cases}
    soca = notes[notes.patient == "socazolimab-xu2025"]
    assert len(soca) == 5 and set(soca["why not plotted"]) == {"qualitative observation (no number in the source)"}
    assert "returned to normal levels" in set(soca["as reported"])
    assert not notes.isna().any().any()


def test_swimmer_pages_share_one_time_axis(cases):
    many = [cases[i % 4].model_copy(update={"case_id": f"p{i:03d}"}) for i in range(120)]
    figures = series_plots.swimmer_figures(series.swimmer_table(many), "test", per_page=50)
    assert len(figures) == 3
    assert len({fig.axes[0].get_xlim() for fig in figures}) == 1
    assert [len(fig.axes[0].get_yticklabels()) for fig in figures] == [50, 50, 20]


def test_kinetics_figure_is_log_scale_and_absent_without_numbers(cases):
    fig = series_plots.kinetics_figure(series.kinetics_table(cases))
    assert fig.axes[0].get_yscale() == "log" and fig.axes[0].get_title(loc="left") == "SCCA"
    assert series_plots.kinetics_figure(series.kinetics_table(cases[:2])) is None


def test_index_escapes_case_text_and_links_relatively(cases, tmp_path):
    evil = cases[0].model_copy(update={"title": "<script>alert(1)</script>"})
    page = index_html([evil, *cases[1:]], tmp_path)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    assert "http://" not in page and "https://" not in page
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases/socazolimab-xu2025.html").write_text("x")
    page = index_html(cases, tmp_path)
    assert '<a href="cases/socazolimab-xu2025.html">' in page
    assert "not rendered yet" in page  # the others, and the series


def test_series_table_on_the_command_line():
    out = subprocess.run([sys.executable, "-m", "caseseries.cli", "series", "--table", "comparison", "--format",
                          "markdown"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "CASESERIES_ROOT": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert "| socazolimab-xu2025 |" in out.stdout and "PD-L1" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "caseseries.cli", "series", "--align-on", "firstdose"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, env={**os.environ, "CASESERIES_ROOT": str(ROOT)})
    assert bad.returncode == 1 and "align_on: expected one of" in bad.stderr and "Traceback" not in bad.stderr


# ---------------------------------------------------------------- a real render, with a fifth case

FIFTH = "example-fictional"


def readme_example() -> str:
    """The fictional example case printed in data/README.md, which must validate as it stands."""
    text = (ROOT / "data/README.md").read_text()
    return re.search(r"```yaml\n(.*?)```", text, re.S).group(1)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("series")
    shutil.copytree(ROOT / "data/cases", root / "data/cases")
    shutil.copytree(ROOT / "data/reference", root / "data/reference")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    (root / f"data/cases/{FIFTH}.yaml").write_text(readme_example())
    return root


def cli(root, *args):
    return run_cli(*args, root=root)


@pytest.fixture(scope="module")
def rendered(project):
    out = cli(project, "series")
    assert out.returncode == 0, out.stderr
    return project / "reports"


def test_a_fifth_case_file_joins_the_series_and_the_index(rendered):
    nb = json.loads((rendered / "series.ipynb").read_text())
    outputs = json.dumps([c.get("outputs", []) for c in nb["cells"]])
    assert FIFTH in outputs and "pembrolizumab (anti-PD-1 monoclonal antibody)" in outputs
    page = (rendered / "series.html").read_text()
    assert page.count('src="data:image/png;base64,') == 2  # swimmer plot and kinetics (both with the new case)
    assert "<script src=" not in page and "cdnjs" not in page
    index = (rendered / "index.html").read_text()
    assert f'href="cases/{FIFTH}.html"' not in index and f"{FIFTH}</span>" in index  # listed; its report not yet rendered
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
    out = cli(project, "series", "toripalimab-iiic2p", FIFTH, "--align-on", "diagnosis")
    assert out.returncode == 0, out.stderr
    nb = json.loads((project / "reports/series.ipynb").read_text())
    assert nb["metadata"]["papermill"]["parameters"] == {"case_ids": ["toripalimab-iiic2p", FIFTH],
                                                          "align_on": "diagnosis"}
    assert "socazolimab-xu2025" not in json.dumps([c.get("outputs", []) for c in nb["cells"][:4]])
