"""Report sections: generated summary from stated facts only, escaping, one-line notes for empty sections."""

from caseseries.outputs import report
from caseseries.model.load import load_case
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


def test_summary_of_a_teaching_view_ends_at_its_as_of_date(cases):
    from caseseries.model.disclosure import case_as_of

    text = report.case_summary(case_as_of(cases["fx-cervix-calendar"], "2020-09"))
    assert text.endswith("Status as of 2020-09: alive.") and "last contact" not in text


def test_summary_of_a_relative_case_has_no_age_or_date(cases):
    text = report.case_summary(cases["fx-relative-axis"])
    assert text.startswith("A patient with cancer of the cervix.")
    assert "year-old" not in text and "diagnosed" not in text


def test_header_escapes_case_text(cases):
    evil = cases["fx-relative-axis"].model_copy(update={"title": "<script>alert(1)</script>"})
    html = report.header(evil).data
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html


def test_neutral_header_of_the_as_of_view_hides_title_citation_and_later_drugs(cases):
    from caseseries.model.disclosure import case_as_of

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


# ---------------------------------------------------------------- how the tables read (issue 14)

import html as html_lib  # noqa: E402
import re  # noqa: E402

import pytest  # noqa: E402

from caseseries.model.disclosure import case_as_of  # noqa: E402
from conftest import CASES  # noqa: E402

TABLES = (report.patient_table, report.diagnosis_table, report.biomarker_table, report.timeline_table,
          report.marker_table, report.imaging_table, report.regimen_table, report.radiotherapy_table,
          report.adverse_event_table, report.metrics_table, report.discrepancy_table, report.care_coverage)


def _tables(case) -> list:
    return [t for t in (f(case) for f in TABLES) if isinstance(t, report.ReportTable)]


def _parts(page: str) -> list[tuple[str | None, list[str], list[list[str]]]]:
    """Each <table> of a page as (caption, header texts, rows of cell texts), entities decoded."""
    out = []
    for table in re.findall(r"<table.*?</table>", page, re.S):
        caption = re.search(r"<caption>(.*?)</caption>", table)
        heads = [html_lib.unescape(h) for h in re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", table)]
        rows = [[html_lib.unescape(re.sub(r"<sup>\d+</sup>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
                for tr in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)]
        out.append((caption and html_lib.unescape(caption.group(1)), heads, rows))
    return out


def test_every_column_of_every_report_table_has_a_human_header(cases):
    for case in cases.all():
        for table in _tables(case):
            unnamed = [c for c in table.columns if c not in report.HEADERS and c not in report.QUOTES.values()]
            assert not unnamed, unnamed
    assert report.HEADERS["bed_gy"] == "BED (Gy, α/β 10)" and report.HEADERS["total_dose_gy"] == "Total dose (Gy)"
    assert report.HEADERS["dose_per_fraction_gy"] == "Dose per fraction (Gy)"


def test_tables_read_with_headers_no_index_and_whole_counts(cases):
    page = report.regimen_table(cases["fx-cervix-calendar"])._repr_html_()
    [(_, regimen_heads, regimens), (_, heads, agents)] = _parts(page)
    assert heads[:4] == ["Regimen", "Drug", "Dose", "Unit"] and "Cycles planned" in heads
    assert all(len(row) == len(heads) for row in agents)  # no index cell before the columns
    cisplatin = agents[0]
    assert (cisplatin[heads.index("Dose")], cisplatin[heads.index("Cycles planned")],
            cisplatin[heads.index("Cycles given")]) == ("40", "6", "5")
    assert not [c for row in agents + regimens for c in row if re.fullmatch(r"\d+\.0", c)]
    assert "<th" not in page.split("<tbody>")[1].split("</tbody>")[0] and "dataframe" not in page
    assert [report.cell_text(x) for x in (6.0, 1.8, 0.1 + 0.2, float("nan"), None, True, "6.0")] == [
        "6", "1.8", "0.3", "—", "—", "yes", "6.0"]


def test_wide_tables_are_split_by_topic_each_regimen_and_course_once(cases):
    case = cases["fx-cervix-calendar"]
    regimens, agents = _parts(report.regimen_table(case)._repr_html_())
    assert (regimens[0], agents[0]) == ("Regimens", "Agents and doses")
    assert [row[0] for row in regimens[2]] == [r.id for r in case.regimens]  # one row per regimen
    assert len(agents[2]) == sum(len(r.agents) for r in case.regimens)
    assert "Response" in regimens[1] and "Dose" not in regimens[1] and "Response" not in agents[1]
    courses, targets = _parts(report.radiotherapy_table(case)._repr_html_())
    assert (courses[0], targets[0]) == ("Courses", "Targets and doses")
    assert "BED (Gy, α/β 10)" in targets[1] and "Technique" in courses[1] and len(courses[2]) == len(case.radiotherapy)


def test_each_row_gives_its_locator_with_its_own_quote_on_hover_and_below(cases):
    case = cases["fx-cervix-calendar"]
    page = report.adverse_event_table(case)._repr_html_()
    [row] = [tr for tr in re.findall(r"<tr>.*?</tr>", page, re.S) if ">pneumonitis<" in tr]
    assert 'title="“No pneumonitis was observed”">Case presentation, ¶7<sup>1</sup>' in row
    assert "<li>“No pneumonitis was observed”</li>" in page and "<details" in page
    others = [tr for tr in re.findall(r"<tr>.*?</tr>", page, re.S) if tr != row and "<td" in tr]
    assert others and not [tr for tr in others if "title=" in tr]  # no quote in the file: none shown


def test_table_html_escapes_case_text_quotes_included(cases):
    case = cases["fx-cervix-calendar"]
    ae = case.adverse_events[-1]
    evil = ae.model_copy(update={"term": "<script>alert(1)</script>",
                                 "locator": ae.locator.model_copy(update={"quote": '" onmouseover="alert(1)'})})
    page = report.adverse_event_table(case.model_copy(update={"adverse_events": [*case.adverse_events[:-1], evil]}))
    page = page._repr_html_()
    assert "<script" not in page and 'onmouseover="' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&#34; onmouseover=&#34;alert(1)" in page


def test_sources_block_links_doi_and_web_address_and_the_teaching_view_neither(cases):
    relative, lung = cases["fx-relative-axis"], cases["fx-lung-egfr"]
    assert '<a href="https://doi.org/10.5555/fx-relative-axis">' in report.sources_block(relative).data
    assert f'<a href="{lung.source.url}">' in report.sources_block(lung).data
    for case in (relative, lung):
        view = report.sources_block(case, teaching=True).data
        assert "doi" not in view and "http" not in view and case.source.citation in view
    script = lung.model_copy(update={"source": lung.source.model_copy(update={"url": "javascript:alert(1)"})})
    assert "<a " not in report.sources_block(script).data  # only an http(s) address is a link


def _quotes(item) -> set[str]:
    found: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            found.update([value["quote"]] if isinstance(value.get("quote"), str) else [])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(item.model_dump(mode="json", exclude_none=True))
    return found


def test_a_teaching_view_shows_only_the_quotes_of_the_facts_it_shows():
    from caseseries.model.load import load_case

    case = load_case(CASES / "toripalimab-iiic2p.yaml")
    view = case_as_of(case, "2019-04")
    page = html_lib.unescape("".join(t._repr_html_() for t in _tables(view)))
    shown = set(re.findall(r'title="“(.*?)”"', page, re.S))
    assert shown and shown <= _quotes(view)
    withheld = _quotes(case) - _quotes(view)
    assert withheld and not [q for q in withheld if f"“{q}”" in page]


def test_report_tables_fit_a_1280_px_page_without_sideways_scrolling(tmp_path):
    """Every published case's tables, on the page the report template makes, in headless Chromium."""
    test_browser = pytest.importorskip("test_browser")
    if test_browser.CHROMIUM is None:
        pytest.skip("no Chromium found")
    import nbformat
    from IPython.core.formatters import DisplayFormatter

    from caseseries.outputs import render
    from caseseries.model.load import load_case
    from conftest import ROOT

    pages = []
    for path in sorted(CASES.glob("*.yaml")):
        case = load_case(path)
        nb = nbformat.v4.new_notebook()
        for table in _tables(case):
            data, metadata = DisplayFormatter().format(table)
            nb.cells.append(nbformat.v4.new_code_cell(outputs=[
                nbformat.v4.new_output("display_data", data=data, metadata=metadata)]))
        page = tmp_path / f"{case.case_id}.html"
        page.write_text(render.to_html(render.normalise(nb, ROOT / "notebooks" / "case_report.ipynb"), case.title),
                        encoding="utf-8")
        pages.append(page)
    browser = test_browser.Browser(tmp_path)
    try:
        for page in pages:
            browser.open(page)
            wide = browser.evaluate("""[...document.querySelectorAll('table.cs-table')].filter(t =>
                t.getBoundingClientRect().right > document.documentElement.clientWidth
                || t.parentElement.scrollWidth > t.parentElement.clientWidth + 1
                || t.closest('.jp-OutputArea-output').scrollWidth > t.closest('.jp-OutputArea-output').clientWidth + 1
              ).map(t => (t.caption || t.querySelector('th')).textContent)""")
            assert browser.evaluate("document.querySelectorAll('table.cs-table').length") > 0
            assert not wide, f"{page.stem}: tables wider than the page: {wide}"
            assert browser.evaluate("document.documentElement.scrollWidth") <= 1280, page.stem
    finally:
        browser.close()


def test_a_table_that_is_not_its_api_frame_row_for_row_is_refused(cases):
    from caseseries.views import tables

    case = cases["fx-cervix-calendar"]
    table = tables.marker_table(case)
    assert list(report._quoted(table, case, "markers")["quote"]) == [None] * len(table)
    with pytest.raises(ValueError, match=f"the markers frame has {len(table)} rows, its table {len(table) - 1}"):
        report._quoted(table.iloc[1:], case, "markers")


def test_a_table_of_any_column_types_reads_as_its_values():
    import pandas as pd

    mixed = pd.DataFrame({"value": [3, 4], "low_months": [1.5, float("nan")], "censored": [True, None],
                          "locator": ["Results, ¶2", "Table 1"], "quote": ["the words", None]})
    [(_, heads, rows)] = _parts(report.table_html(mixed))
    assert heads == ["Value", "Lower bound (months)", "Censored", "Where in the source"]
    assert rows == [["3", "1.5", "yes", "Results, ¶2"], ["4", "—", "—", "Table 1"]]
    numbers = pd.DataFrame({"cycles_given": [5, 6], "total_dose_gy": [50.4, 10.0]})  # one float block per row
    assert _parts(report.table_html(numbers))[0][2] == [["5", "50.4"], ["6", "10"]]


def test_the_courses_show_concurrent_chemotherapy_only_when_a_course_states_it(cases):
    from caseseries.model.case import Case

    html = report.radiotherapy_table(cases["fx-cervix-calendar"])._repr_html_()
    assert "Concurrent chemotherapy" in html and "weekly cisplatin" in html
    stated = cases["fx-cervix-calendar"]
    silent = Case.model_validate({**stated.model_dump(by_alias=True, exclude_none=True),
                                  "radiotherapy": [c.model_dump(by_alias=True, exclude_none=True,
                                                                exclude={"concurrent_chemotherapy"})
                                                   for c in stated.radiotherapy]})
    assert "Concurrent chemotherapy" not in report.radiotherapy_table(silent)._repr_html_()
