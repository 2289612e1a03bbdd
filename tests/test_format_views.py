"""Every view shows and counts the less common forms of the format (issue 12, section 2).

Agents named only by class or group, immunostimulants, regimens that combine radiotherapy
with drugs and the courses linked to them, radiotherapy of unstated kind or dose, the
article's own dates, and notes: what a clinician reads in the tables, figures, report,
series and teaching view. Invented cases only: tests/fixtures/format/ (with the project's
drug reference, where their drugs are) and tests/fixtures/format/views/fmt-views-calendar.yaml
(calendar dates). On data/cases only what must hold for any case.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.text
import pandas as pd
import pytest
from conftest import CASES

from caseseries.views import care, metrics, plots, series, series_plots, tables
from caseseries.model import disclosure, drugs, case as model
from caseseries.outputs import report
from caseseries.model.load import load_case

FORMAT = Path(__file__).resolve().parent / "fixtures" / "format"
VIEWS = FORMAT / "views" / "fmt-views-calendar.yaml"
UNNAMED_PD1 = "immune checkpoint inhibitor (PD-1), drug not stated"
UNNAMED_ICI = "immune checkpoint inhibitor, drug not stated"


@pytest.fixture(scope="module")
def rit():
    """Relative axis: chemoradiotherapy (unnamed platinum), then radiotherapy + GM-CSF + IL-2 + an unnamed PD-1
    inhibitor; the course of that regimen has no kind, no technique and a target without dose."""
    return load_case(FORMAT / "fmt-radio-immunotherapy.yaml")


@pytest.fixture(scope="module")
def calendar():
    """Calendar dates: chemoradiotherapy with cisplatin (no regimen name), then radio-immunotherapy with an unnamed
    checkpoint inhibitor of unstated target and unnamed GM-CSF; notes on every kind of item."""
    return load_case(VIEWS)


@pytest.fixture(scope="module")
def lung():
    return load_case(FORMAT / "fmt-lung-adenocarcinoma.yaml")


@pytest.fixture(scope="module")
def melanoma():
    return load_case(FORMAT / "fmt-melanoma-ipi-nivo.yaml")


def _row(frame: pd.DataFrame, **where) -> pd.Series:
    hit = frame
    for column, value in where.items():
        hit = hit[hit[column] == value]
    assert len(hit) == 1, (where, frame)
    return hit.iloc[0]


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


# ------------------------------------------------------------------ a target with no dose


def test_a_target_without_dose_reads_dose_not_stated_in_the_series(rit):
    cell = series.comparison_table([rit]).iloc[0]["radiotherapy"]
    assert "neck lymph nodes: dose not stated" in cell
    assert "primary tumour and regional nodes 50 Gy/25 F" in cell  # a course with its dose is as before


def test_the_radiotherapy_row_of_a_course_with_no_dose_says_not_stated(rit):
    rt = tables.radiotherapy_table(rit)
    row = _row(rt, course="rit-start")
    assert (row.target, row.total_dose_gy, row.dose_per_fraction_gy) == ("neck lymph nodes", "not stated", "not stated")
    assert pd.isna(row.bed_gy) and pd.isna(row.eqd2_gy) and pd.isna(row.fractions)
    imrt = _row(rt, course="crt-start")  # a dose given: numbers, BED and EQD2 as before
    assert (imrt.total_dose_gy, imrt.fractions, imrt.bed_gy, imrt.eqd2_gy) == (50, 25, 60.0, 50.0)
    shown = report.radiotherapy_table(rit)
    assert _row(shown, course="rit-start").total_dose_gy == "not stated" and _row(shown, course="rit-start").bed_gy == "—"


def test_a_course_without_a_target_still_has_its_row(calendar):
    course = calendar.radiotherapy[1].model_copy(update={"targets": []})
    case = calendar.model_copy(update={"radiotherapy": [calendar.radiotherapy[0], course]})
    row = _row(tables.radiotherapy_table(case), course="lung-rt")
    assert (row.target, row.total_dose_gy) == ("not stated", "not stated")


def test_care_counts_a_target_without_dose_as_a_missing_radiotherapy_dose(rit):
    therapy = care.care_table(rit).set_index("name").loc["Therapeutic intervention"]
    assert "radiotherapy doses of rit-start" in therapy.missing and "crt-start" not in therapy.missing.split(
        "radiotherapy doses of ")[1].split(";")[0]


# ------------------------------------------------------------------ agents named by class or group


def test_unnamed_agents_read_as_their_class_or_group_in_the_tables(rit, calendar):
    drugs_shown = list(tables.regimen_table(rit).drug)
    assert drugs_shown == ["sargramostim", "aldesleukin", UNNAMED_PD1, "platinum compound, drug not stated"]
    chronology = tables.timeline_table(calendar)
    assert "after recurrence: immune checkpoint inhibitor, drug not stated + GM-CSF, drug not stated" in list(
        chronology.label)
    assert not [label for label in chronology.label if ": not stated" in label]  # never the bare 'drug: not stated'


def test_unnamed_agents_read_as_their_class_or_group_in_the_report_figures_and_care(calendar):
    summary = report.case_summary(calendar)
    assert "2 systemic regimens (cisplatin; immune checkpoint inhibitor, drug not stated + GM-CSF, drug not stated)" \
        in summary
    assert [c.name for c in plots.courses(calendar)][2] == f"{UNNAMED_ICI} + GM-CSF, drug not stated"
    therapy = care.care_table(calendar).set_index("name").loc["Therapeutic intervention"]
    assert f"doses of {UNNAMED_ICI} (rit), GM-CSF, drug not stated (rit)" in therapy.missing
    assert "not stated (rit)" not in therapy.missing.replace("drug not stated (rit)", "")


def test_the_timeline_never_names_an_item_not_stated(rit):
    words = " ".join(tables.timeline_table(rit).when)
    assert "the start of radiotherapy (kind not stated)" in words
    assert "of not stated" not in words


def test_care_title_counts_a_class_named_in_the_title(lung):
    case = lung.model_copy(update={"title": "Lung adenocarcinoma treated with a platinum compound"})
    regimens = [r for r in case.regimens if r.id != "osimertinib"]  # only the unnamed platinum is left
    case = case.model_copy(update={"regimens": regimens})
    title = care.care_table(case).set_index("name").loc["Title"]
    assert "intervention" not in title.missing


# ------------------------------------------------------------------ checkpoint inhibitors named or not


def test_an_unnamed_pd1_inhibitor_makes_the_case_s_time_0_in_the_series(rit):
    a = series.alignment(rit)
    assert a.item == "rit" and a.label.startswith(f"first dose of {UNNAMED_PD1} (regimen 'rit')")
    row = series.comparison_table([rit]).iloc[0]
    assert row["checkpoint inhibitor"] == UNNAMED_PD1 and row["target"] == "PD-1"
    assert row["dose and schedule"].startswith(f"{UNNAMED_PD1}: dose not reported IV")
    reference = drugs.view_reference()
    assert series.patient_group(rit, reference) == "anti-PD-1"
    lanes = series.swimmer_table([rit])
    assert set(lanes.group) == {"anti-PD-1"}
    assert _row(lanes, kind="therapy", category="radio-immunotherapy").start == 0  # its first dose is time 0


def test_an_unnamed_checkpoint_inhibitor_without_target_is_grouped_as_not_stated(calendar, melanoma):
    reference = drugs.view_reference()
    assert series.patient_group(calendar, reference) == "checkpoint inhibitor, PD-1/PD-L1 not stated"
    lanes = series.swimmer_table([calendar, melanoma])
    assert series_plots.lane_order(lanes) == ["fmt-melanoma-ipi-nivo", "fmt-views-calendar"]  # not stated: last
    a = series.alignment(calendar)
    assert (a.item, a.date) == ("rit", "2021-03-01")
    row = series.comparison_table([calendar]).iloc[0]
    assert row["checkpoint inhibitor"] == UNNAMED_ICI and row["target"] == "not reported"
    assert row["time on immunotherapy"] == "6 months"
    assert row["immune-related adverse events"] == "pneumonitis, grade 2, 2021-05"  # attributed to the class
    assert row["systemic regimens before immunotherapy"] == "1: cisplatin (definitive)"


def test_an_unnamed_checkpoint_inhibitor_counts_as_immunotherapy_in_the_metrics(calendar):
    figures = {m.name: m for m in metrics.case_metrics(calendar)}
    assert figures["time on immunotherapy"].label == "6 months"
    assert figures["age at first immunotherapy"].label == "56–57 years"
    assert [r.id for r in metrics.immunotherapy_regimens(calendar)] == ["rit"]


def test_the_drug_table_has_a_row_per_unnamed_agent(rit, calendar, lung):
    table = series.drug_table([lung, rit, calendar])
    unnamed = table[table.source == "not named by the source"]
    assert list(unnamed.drug) == ["GM-CSF, drug not stated", UNNAMED_PD1, UNNAMED_ICI,
                                  "platinum compound, drug not stated"]  # after the named drugs, by label
    gm_csf = _row(table, drug="GM-CSF, drug not stated")
    assert (gm_csf["class"], gm_csf.group, gm_csf.target, gm_csf.patients) == (
        "GM-CSF", "immunostimulant", "not listed", "fmt-views-calendar")
    pd1 = _row(table, drug=UNNAMED_PD1)
    assert (pd1["class"], pd1.group, pd1.target) == ("not stated", "immune checkpoint inhibitor", "PD-1")
    platinum = _row(table, drug="platinum compound, drug not stated")
    assert platinum.target == "not listed (cytotoxic)"
    assert platinum.patients == "fmt-lung-adenocarcinoma, fmt-radio-immunotherapy"  # one row, both patients
    assert _row(table, drug="sargramostim").target == "not listed"  # an immunostimulant is not cytotoxic
    assert _row(table, drug="cisplatin").target == "not listed (cytotoxic)"


# ------------------------------------------------------------------ immunotherapy by modality


@pytest.mark.parametrize("modality, lane", [
    ("chemoradiotherapy", "chemotherapy"), ("radio-immunotherapy", "immunotherapy"),
    ("radio-chemo-immunotherapy", "immunotherapy"), ("chemo-immunotherapy", "immunotherapy"),
    ("chemotherapy + targeted therapy", "chemotherapy"), ("targeted therapy", "targeted therapy"),
])
def test_the_lane_of_a_regimen_follows_what_its_modality_combines(modality, lane):
    assert tables.lane_of_regimen(modality) == lane


def test_combined_modalities_are_drawn_and_aligned_by_their_parts(calendar):
    lanes = {c.entry.item.id: c.lane for c in plots.courses(calendar)}
    assert lanes == {"crt": "chemotherapy", "crt-rt": "radiotherapy", "rit": "immunotherapy",
                     "lung-rt": "radiotherapy"}
    assert series_plots._parts("radio-immunotherapy") == ["radiotherapy", "immunotherapy"]
    assert series_plots._parts("chemoradiotherapy") == ["chemotherapy", "radiotherapy"]
    assert series.alignment(calendar, "chemotherapy").item == "crt"  # chemoradiotherapy gives chemotherapy
    assert series.alignment(calendar, "radiotherapy").date == "2020-02-03"
    assert [metrics.is_immunotherapy(r) for r in calendar.regimens] == [False, True]


# ------------------------------------------------------------------ radiotherapy linked to a regimen


def test_a_linked_course_names_its_regimen_and_the_regimen_lists_its_courses(calendar, rit):
    rt = tables.radiotherapy_table(calendar)
    assert list(rt.regimen) == ["chemoradiotherapy (cisplatin)",
                                f"radio-immunotherapy ({UNNAMED_ICI} + GM-CSF, drug not stated)"]
    regimens = tables.regimen_table(rit)
    assert set(regimens[regimens.regimen == "rit"].radiotherapy) == {
        "radiotherapy (kind not stated) to neck lymph nodes (course rit-start)"}
    assert set(regimens[regimens.regimen == "crt"].radiotherapy) == {
        "IMRT to primary tumour and regional nodes (course crt-start)"}
    chronology = tables.timeline_table(rit)
    assert ("radiotherapy (kind not stated) to neck lymph nodes, part of radiotherapy + GM-CSF + IL-2 + PD-1 "
            "inhibitor") in list(chronology.label)


def test_the_report_shows_the_link_columns_only_where_a_course_is_linked(calendar, melanoma):
    assert "regimen" in report.radiotherapy_table(calendar).columns
    assert "radiotherapy" in report.regimen_table(calendar).columns
    assert "radiotherapy" not in report.regimen_table(melanoma).columns


def test_the_timeline_figure_labels_a_linked_course_part_of_its_regimen(rit, calendar):
    texts = _texts(plots.timeline_figure(rit))
    assert ("radiotherapy (kind not stated), part of radiotherapy + GM-CSF + IL-2 + PD-1 inhibitor "
            "(end not reported)") in texts
    texts = _texts(plots.timeline_figure(calendar))  # a regimen with no name: by its modality (its bar names the drugs)
    assert "IMRT, part of chemoradiotherapy" in texts
    assert "radiotherapy (kind not stated), part of radio-immunotherapy (end not reported)" in texts
    assert f"{UNNAMED_ICI} + GM-CSF, drug not stated" in texts


def test_the_swimmer_labels_a_linked_course_part_of_its_regimen(rit):
    lanes = series.swimmer_table([rit])
    course = _row(lanes, kind="therapy", category="radiotherapy")
    assert course.label == "radiotherapy (kind not stated), part of radiotherapy + GM-CSF + IL-2 + PD-1 inhibitor"
    assert course.part_of == "radiotherapy + GM-CSF + IL-2 + PD-1 inhibitor"
    [fig] = series_plots.swimmer_figures(lanes)
    assert "part of radiotherapy + GM-CSF + IL-2 + PD-1 inhibitor" in _texts(fig)


def test_kind_not_stated_reads_radiotherapy_kind_not_stated(rit, calendar):
    assert model.course_name(rit.radiotherapy[1]) == "radiotherapy (kind not stated)"
    assert _row(tables.radiotherapy_table(rit), course="rit-start").kind == "radiotherapy (kind not stated)"
    assert "radiotherapy (kind not stated) (2021-03-01, part of" in series.comparison_table([calendar]).iloc[0][
        "radiotherapy"]
    assert plots.item_name("radiotherapy", rit.radiotherapy[1]) == "radiotherapy (kind not stated)"
    assert series.alignment(rit, "radiotherapy").label.startswith("radiotherapy (kind not stated), part of")


# ------------------------------------------------------------------ the article's own dates


def test_the_report_header_gives_the_article_s_dates_and_last_follow_up(calendar, rit):
    text = report.header(calendar).data
    assert "Received 2022-05-01, accepted 2022-07-15, published 2022-08" in text
    assert "Last follow-up as stated: “At the last visit in March 2022”" in text
    assert "Published 2024-05-02" in report.header(rit).data
    neutral = report.header(calendar, neutral=True).data
    assert "Received" not in neutral and "Last follow-up as stated" not in neutral and "Source note" not in neutral


# ------------------------------------------------------------------ notes


def test_every_report_table_shows_the_notes_of_its_rows(calendar):
    def notes(frame: pd.DataFrame) -> list[str]:
        return [n for n in frame["notes"] if isinstance(n, str) and n not in ("—", "")]

    assert notes(report.timeline_table(calendar)) == [
        "Event note - diagnosed at an outside hospital.", "Marker note - before any treatment.",
        "Regimen note - weekly, six doses planned.", "Imaging note - read with the PET, not shown.",
        "Course note - 'local radiotherapy'.", "Adverse-event note - treated with steroids."]
    assert notes(report.regimen_table(calendar)) == ["Regimen note - weekly, six doses planned.",
                                                     "Agent note - 'an immune checkpoint inhibitor', target not given."]
    assert notes(report.radiotherapy_table(calendar)) == ["Course note - 'local radiotherapy'. Target note - no dose "
                                                          "given."]
    assert notes(report.marker_table(calendar)) == ["Marker note - before any treatment. reference limit: Limit note "
                                                    "- the laboratory's limit."]
    assert notes(report.imaging_table(calendar)) == ["Imaging note - read with the PET, not shown."]
    assert notes(report.adverse_event_table(calendar)) == ["Adverse-event note - treated with steroids."]
    assert notes(report.biomarker_table(calendar)) == ["Biomarker note - TPS or CPS not said."]
    assert notes(report.discrepancy_table(calendar)) == ["Discrepancy note - the table gives no count."]
    assert notes(report.metrics_table(calendar)) == ["Duration note - counted from radio-immunotherapy."]
    diagnosis = report.diagnosis_table(calendar)
    assert notes(diagnosis) == ["Stage note - 'stage 3' in the abstract."]
    assert _row(diagnosis, item="notes on the diagnosis").value == "Diagnosis note - the biopsy site is not given."
    patient = report.patient_table(calendar)
    assert notes(patient) == ["Age note - the abstract says mid-fifties."]
    assert _row(patient, item="notes on the patient").value == "Patient note - no history is given."


def test_sections_without_notes_have_no_notes_column(melanoma):
    assert "notes" not in report.marker_table(melanoma).columns
    assert "notes" not in report.regimen_table(melanoma).columns
    assert "notes" in report.adverse_event_table(melanoma).columns  # the colitis has a note


def test_source_outcome_and_question_notes_are_shown(calendar):
    assert "Notes on the source:</strong> Source note - invented for the tests." in report.header(calendar).data
    assert "Outcome note - no later follow-up." in report.outcome_block(calendar).data
    assert "Question note - the PD-L1 result is known by then." in report.discussion_questions(calendar).data


@pytest.mark.parametrize("path", sorted(CASES.glob("*.yaml")), ids=lambda p: p.stem)
def test_no_table_of_a_published_case_points_to_a_yaml_comment(path):
    """A reading the reader needs is in notes: no table cell says 'see comment' (any case)."""
    case = load_case(path)
    for name in tables.TABLE_NAMES:
        cells = [str(c) for c in tables.table(case, name).values.ravel()]
        assert not [c for c in cells if "see comment" in c.lower()], (path.stem, name)


# ------------------------------------------------------------------ teaching view


def test_the_teaching_view_withholds_notes_and_the_article_s_dates(calendar):
    view = disclosure.case_as_of(calendar, "2021-06")
    dumped = view.model_dump(mode="json", exclude_none=True)
    assert "notes" not in str(dumped) and "note -" not in str(dumped).lower()
    assert view.source.dates is None and view.source.last_follow_up_as_stated is None
    for table in (report.timeline_table(view), report.regimen_table(view), report.radiotherapy_table(view),
                  report.biomarker_table(view)):
        assert "notes" not in table.columns
    assert "Received" not in report.header(view, neutral=True).data
    assert model.notes_of(calendar.source)  # the full case keeps them


def test_a_later_unnamed_agent_withholds_nothing_that_reads_not_stated(calendar):
    view = disclosure.case_as_of(calendar, "2020-06")  # before the radio-immunotherapy with unnamed agents
    assert [r.id for r in view.regimens] == ["crt"]
    assert view.regimens[0].agents[0].route == "not stated" and view.diagnosis.stages[0].basis == "clinical"
    assert disclosure.WITHHELD not in str(view.model_dump(mode="json", exclude_none=True))
