"""Report sections: generated summary from stated facts only, escaping, one-line notes for empty sections."""

from caseseries import report
from caseseries.load import load_case
from conftest import MINIMAL


def test_summary_states_only_what_the_case_gives(cases):
    text = report.case_summary(cases["fx-cervix-calendar"])
    # the case file: 48, female, squamous cell carcinoma of the cervix, diagnosis 2019-03, stages FIGO 2018 IB2
    # (clinical) then IIIC1p (pathological): the summary gives the final, pathological one and says so
    assert text.startswith("A 48-year-old female with squamous cell carcinoma of the cervix, diagnosed 2019-03 "
                           "(pathological stage FIGO 2018 IIIC1p as stated).")
    assert "1 surgical procedure" in text and "3 systemic regimens" in text and "2 radiotherapy courses" in text
    assert text.endswith("Status at last contact (2023-06-30): alive without evidence of disease.")
    lung = report.case_summary(cases["fx-lung-egfr"])
    assert lung.startswith("A 61-year-old male with adenocarcinoma of the right upper lobe of the lung, "
                           "diagnosed 2021-02-08 (clinical stage AJCC 8th IVA as stated).")
    assert "2 systemic regimens (osimertinib; carboplatin + pemetrexed)" in lung and lung.endswith(": dead.")


def test_summary_of_a_relative_case_has_no_age_or_date(cases):
    text = report.case_summary(cases["fx-relative-axis"])
    assert text.startswith("A patient with cancer of the cervix.")
    assert "year-old" not in text and "diagnosed" not in text


def test_header_escapes_case_text(cases):
    evil = cases["fx-relative-axis"].model_copy(update={"title": "<script>alert(1)</script>"})
    html = report.header(evil).data
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html


def test_neutral_header_of_the_as_of_view_hides_title_citation_and_later_drugs(cases):
    from caseseries.disclosure import case_as_of

    full = cases["fx-cervix-calendar"]
    assert "pembrolizumab" in report.header(full).data  # the check can fail: the full title names it
    case = case_as_of(full, "2020-09")  # before the first pembrolizumab dose (2020-10-05)
    html = report.header(case, neutral=True).data
    assert "pembrolizumab" not in html and case.neutral_title in html and full.source.citation not in html


def test_empty_sections_say_so_in_one_line(case_file):
    case = load_case(case_file(MINIMAL))
    for section in (report.marker_table, report.imaging_table, report.regimen_table, report.radiotherapy_table,
                    report.adverse_event_table, report.biomarker_table):
        out = section(case)
        assert out.data.startswith('<p class="cs-note"><em>') and out.data.count("<p") == 1


def test_figures_are_png_images(cases):
    image = report.timeline_figure(cases["fx-cervix-calendar"])
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
