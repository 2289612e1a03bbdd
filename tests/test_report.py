"""Report sections: generated summary from stated facts only, escaping, one-line notes for empty sections."""

from caseseries import find_case, report
from caseseries.model import Case


def test_summary_states_only_what_the_case_gives():
    text = report.case_summary(find_case("socazolimab-xu2025"))
    assert text.startswith("A 46-year-old female with squamous cell carcinoma of the cervix, diagnosed 2008-04")
    assert "stage I-II as stated" in text
    assert text.endswith("Status at last contact (2025-01-20): alive on treatment.")


def test_summary_of_a_relative_case_has_no_age_or_date():
    text = report.case_summary(find_case("bian2024-p1"))
    assert text.startswith("A patient with cancer of the cervix.")
    assert "year-old" not in text


def test_header_escapes_case_text():
    case = find_case("bian2024-p1")
    evil = case.model_copy(update={"title": "<script>alert(1)</script>"})
    html = report.header(evil).data
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html


def test_neutral_header_of_the_as_of_view_hides_title_citation_and_later_drugs():
    from caseseries.disclosure import case_as_of

    case = case_as_of(find_case("socazolimab-xu2025"), "2023-09")
    html = report.header(case, neutral=True).data
    assert "ocazolimab" not in html and case.neutral_title in html


def test_empty_sections_say_so_in_one_line():
    case: Case = find_case("bian2024-p1")
    for section in (report.marker_table, report.imaging_table, report.regimen_table, report.radiotherapy_table,
                    report.adverse_event_table, report.biomarker_table):
        out = section(case)
        assert out.data.startswith('<p class="cs-note"><em>') and out.data.count("<p") == 1


def test_figures_are_png_images():
    image = report.timeline_figure(find_case("toripalimab-iiic2p"))
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
