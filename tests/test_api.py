"""The Python API (api.py, plot.py): typed tidy frames built on tables.py, dates read through the timeline."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest

from conftest import FIXTURE, ROOT, run_cli
from caseseries.views import tables
from caseseries.model.dates import DAYS_PER_MONTH
from caseseries.model.timeline import timeline


def test_readme_example_runs(cases):
    """The five lines of README "Exploring in JupyterLab", on a fixture case."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Exploring in JupyterLab", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert len(code.strip().splitlines()) == 5
    code = re.sub(r'cs\.case\("[^"]+"\)', 'cs.case("fx-cervix-calendar")', code)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - the README's own example
    assert list(scope["markers"]["case_id"].unique()) == ["fx-cervix-calendar"]
    assert type(scope["fig"]).__name__ == "Figure" and scope["fig"].data


def test_api_names_load_lazily_and_complete():
    out = subprocess.run([sys.executable, "-c", "import caseseries as cs, sys; assert 'markers' in dir(cs);"
                          "assert 'pandas' not in sys.modules; cs.markers; assert 'pandas' in sys.modules"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_marker_frame_is_typed_and_dated_through_the_timeline(cases):
    import caseseries as cs

    case = cases["fx-cervix-calendar"]
    frame = cs.markers(case)
    assert str(frame["earliest"].dtype) == "datetime64[ns]" and str(frame["latest"].dtype) == "datetime64[ns]"
    assert isinstance(frame["precision"].dtype, pd.CategoricalDtype)
    assert frame["value"].dtype == "float64" and frame["upper_limit"].dtype == "float64"
    # the same rows, in the same order, as the table the report and `caseseries table` show
    table = tables.marker_table(case)
    pd.testing.assert_frame_equal(frame[["date", "unit", "locator"]], table[["date", "unit", "locator"]])
    tl = timeline(case)
    expected = sorted(
        (tl.at(("markers", i, "date")) for i in range(len(case.markers))), key=lambda w: tl.order_key(w))
    assert list(frame["earliest"].dt.date) == [w.earliest_date for w in expected]
    assert list(frame["latest"].dt.date) == [w.latest_date for w in expected]
    assert list(frame["precision"].astype(str)) == [w.precision for w in expected]
    assert list(frame["stated"]) == [w.stated for w in expected]


def test_relative_axis_gives_months_from_the_anchor(cases):
    import caseseries as cs

    case = cases["fx-relative-axis"]
    events = cs.events(case)
    assert events["earliest"].dtype == "float64"
    tl = timeline(case)
    for row in events.itertuples():
        e = next((e for e in tl.entries if e.field == "events" and e.item.id == row.id), None)
        if e is None:  # not placed: no interval
            assert pd.isna(row.earliest) and pd.isna(row.latest)
        elif e.start.earliest not in (float("inf"), float("-inf")):
            assert row.earliest == pytest.approx(e.start.earliest / DAYS_PER_MONTH)
    follow = events[events["id"] == "last-known-progression-free"].iloc[0]
    assert pd.isna(follow["latest"]) and follow["quote"] == "progression-free for more than 12 months"


def test_frames_over_several_cases(cases):
    import caseseries as cs

    ids = cases.ids
    for name in cs.FRAMES:
        frame = cs.frame(name, ids)
        assert set(frame["case_id"]) <= set(ids), name
    markers = cs.markers(ids)  # a calendar and a relative-axis case: months in their own columns
    assert str(markers["earliest"].dtype) == "datetime64[ns]" and markers["earliest_months"].dtype == "float64"
    relative = markers[markers["case_id"] == "fx-relative-axis"]
    assert relative["earliest"].isna().all() and relative["earliest_months"].notna().all()
    agents = cs.agents(ids)
    assert agents["dose"].dtype == "float64" and {"drug_class", "group", "unit"} <= set(agents.columns)
    assert len(cs.comparison(ids)) == len(ids) and list(cs.cases()["case_id"]) == ids


def test_plot_static_by_default_interactive_on_request(cases):
    import caseseries as cs
    from matplotlib.figure import Figure

    case = cases["fx-cervix-calendar"]
    assert isinstance(cs.plot.timeline(case), Figure)
    fig = cs.plot.markers(case, "SCCA", interactive=True)
    hovers = [t for trace in fig.data for t in (trace.text or ())]
    assert hovers and all("date precision:" in t and "source:" in t for t in hovers)
    timeline_fig = cs.plot.timeline(cases["fx-relative-axis"], interactive=True)
    assert any("“progression-free for more than 12 months”" in t for tr in timeline_fig.data for t in (tr.text or ()))


def test_hover_texts_hold_case_text_as_text():
    """Plotly reads a little HTML in a hover label: only its own <b> and <br> stand as markup, never case text."""
    import html

    from caseseries.outputs.interactive import hover_text

    payload = "<x onerror=alert(1)>\"'</script><b>"
    text = hover_text(payload, f"between {payload}", payload, payload, payload)
    assert set(re.findall(r"<[^>]*>", text)) == {"<b>", "</b>", "<br>"}
    assert html.unescape(re.sub(r"<br>|</?b>", " ", text)).count(payload) == 5


def test_cli_table_is_the_api_table(cases):
    """One way to get a table: `caseseries table` prints the rows and columns the API frame is built on."""
    import caseseries as cs

    out = run_cli("table", "fx-cervix-calendar", "markers", root=FIXTURE)
    assert out.returncode == 0, out.stderr
    printed = pd.read_csv(__import__("io").StringIO(out.stdout))
    frame = cs.markers("fx-cervix-calendar")
    assert list(printed.columns) == [c for c in tables.MARKER_COLUMNS]
    assert list(printed["locator"]) == list(frame["locator"])
    assert set(tables.MARKER_COLUMNS) <= set(frame.columns)


QUOTED = {"chronology": tables.timeline_table, "agents": tables.regimen_table,
          "radiotherapy": tables.radiotherapy_table, "markers": tables.marker_table, "imaging": tables.imaging_table,
          "adverse_events": tables.adverse_event_table}


def assert_quotes_are_each_rows_own(case) -> None:
    """The quote of each row of a report's table is the quote of the item at the row's locator; and the API frame's."""
    from caseseries.views import api

    items = [*case.events, *case.regimens, *(a for r in case.regimens for a in r.agents), *case.radiotherapy,
             *(t for c in case.radiotherapy for t in c.targets), *case.markers, *case.imaging, *case.adverse_events]
    at: dict[str, set] = {}
    for item in items:
        at.setdefault(str(item.locator), set()).add(item.locator.quote)
    for name, table in QUOTED.items():
        quotes, locators = api.quotes(name, case), list(table(case)["locator"])
        assert len(quotes) == len(locators) and all(q in at[loc] for q, loc in zip(quotes, locators)), name
        column = api.frame(name, case)["quote"]
        assert quotes == column.astype(object).where(column.notna(), None).to_list(), name


def test_quotes_are_each_rows_own_row_for_row(cases):
    for case in cases.all():
        assert_quotes_are_each_rows_own(case)


def test_quotes_of_the_published_cases_are_each_rows_own():
    from caseseries.model.load import load_cases

    for case in load_cases():
        assert_quotes_are_each_rows_own(case)


def test_quotes_only_of_frames_with_a_row_per_item(cases):
    from caseseries.views import api

    with pytest.raises(ValueError, match="no quotes of frame 'regimens'"):
        api.quotes("regimens", cases["fx-cervix-calendar"])
