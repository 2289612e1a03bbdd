"""Every case draws on both time axes without warnings; empty sections give None, not empty axes."""

import warnings

import matplotlib.pyplot as plt
import pytest

from caseseries import find_case
from caseseries.load import load_cases
from caseseries.plots import case_frame, marker_figure, timeline_figure


@pytest.mark.parametrize("time_axis", ["calendar", "months"])
def test_every_case_draws(time_axis):
    for case in load_cases():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fig = timeline_figure(case, time_axis)
            assert fig is not None and fig.axes[0].get_yticklabels()
            markers = marker_figure(case, time_axis)
        plt.close("all")
        if case.markers:
            assert markers is not None


def test_relative_case_is_drawn_in_months_from_its_anchor():
    frame = case_frame(find_case("bian2024-p1"), "calendar")
    assert "months from rit-start" in frame.xlabel


def test_marker_panels_one_per_analyte():
    fig = marker_figure(find_case("socazolimab-xu2025"))
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["SCC antigen", "CA125", "NSE", "CYFRA 21-1"]
    plt.close(fig)


def test_case_without_markers_gives_no_figure():
    assert marker_figure(find_case("bian2024-p1")) is None


def test_bad_time_axis_is_refused():
    with pytest.raises(ValueError, match="time_axis: expected one of calendar, months, found 'weeks'"):
        case_frame(find_case("bian2024-p1"), "weeks")
