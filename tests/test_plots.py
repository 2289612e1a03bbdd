"""Every case draws on both time axes without warnings; empty sections give None, not empty axes."""

import warnings

import matplotlib.pyplot as plt
import pytest

from caseseries.model.load import load_cases
from caseseries.views.plots import case_frame, marker_figure, timeline_figure


def assert_draws(case, time_axis: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = timeline_figure(case, time_axis)
        assert fig is not None and fig.axes[0].get_yticklabels(), case.case_id
        markers = marker_figure(case, time_axis)
    plt.close("all")
    if case.markers:
        assert markers is not None, case.case_id


@pytest.mark.parametrize("time_axis", ["calendar", "months"])
def test_every_published_case_draws(time_axis):
    for case in load_cases():
        assert_draws(case, time_axis)


@pytest.mark.parametrize("time_axis", ["calendar", "months"])
def test_every_fixture_case_draws(cases, time_axis):
    for case in cases.all():
        assert_draws(case, time_axis)


def test_relative_case_is_drawn_in_months_from_its_anchor(cases):
    frame = case_frame(cases["fx-relative-axis"], "calendar")
    # The anchor in a clinician's words (its event label), never its id.
    assert "months from time 0: local radiotherapy combined with immunotherapy begins" in frame.xlabel
    assert "rit-start" not in frame.xlabel
    assert "months from" not in case_frame(cases["fx-lung-egfr"], "calendar").xlabel


def test_marker_panels_one_per_analyte(cases):
    for case_id, analytes in (("fx-cervix-calendar", ["SCCA", "CEA"]), ("fx-lung-egfr", ["CEA", "CYFRA 21-1"]),
                              ("fx-relative-axis", ["SCCA"])):
        fig = marker_figure(cases[case_id])
        assert [ax.get_title(loc="left") for ax in fig.axes] == analytes, case_id
        plt.close(fig)


def test_case_without_markers_gives_no_figure(cases):
    case = cases["fx-relative-axis"]
    assert marker_figure(case.model_copy(update={"markers": []})) is None


def test_bad_time_axis_is_refused(cases):
    with pytest.raises(ValueError, match="time_axis: expected one of calendar, months, found 'weeks'"):
        case_frame(cases["fx-relative-axis"], "weeks")


def _artists(fig, gid: str):
    return [a for ax in fig.axes for a in ax.get_children() if a.get_gid() == gid]


@pytest.mark.parametrize("time_axis", ["calendar", "months"])
def test_each_marker_value_is_drawn_at_its_date_and_value(cases, time_axis):
    """What the marker figure draws, against the tidy table it comes from: every numeric value at its own date
    and height, each analyte's line through them in time order (nbval does not compare images)."""
    from caseseries.views.tables import marker_table
    from caseseries.model.timeline import timeline

    checked = 0
    for case in [*cases.all(), *load_cases()]:
        fig, frame = marker_figure(case, time_axis), case_frame(case, time_axis)
        if fig is None:
            continue
        tl, table = timeline(case), marker_table(case)
        for i, m in enumerate(case.markers):
            when = tl.at(("markers", i, "date"))
            if m.value is None or not frame.on_axis(when):
                continue
            (mark,) = _artists(fig, f"markers:{i}:mark")
            assert list(mark.get_xdata()) == pytest.approx([frame.x(when.position)]), (case.case_id, i)
            assert list(mark.get_ydata()) == [m.value], (case.case_id, i)
            assert m.value in set(table["value"]), (case.case_id, i)
            checked += 1
        for analyte in dict.fromkeys(m.analyte for m in case.markers):
            for line in _artists(fig, f"{analyte}:line"):
                xs, ys = list(line.get_xdata()), list(line.get_ydata())
                assert xs == sorted(xs), (case.case_id, analyte)  # a line goes forward in time
                points = sorted((frame.x(tl.at(("markers", i, "date")).position), m.value)
                                for i, m in enumerate(case.markers) if m.analyte == analyte and m.value is not None
                                and frame.on_axis(tl.at(("markers", i, "date"))))
                assert xs == pytest.approx([x for x, _ in points]) and ys == [y for _, y in points], (case.case_id, analyte)
        plt.close(fig)
    assert checked >= 10
