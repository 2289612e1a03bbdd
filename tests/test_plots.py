"""Every case draws on both time axes without warnings; empty sections give None, not empty axes; labels are
placed by the boxes matplotlib gives their annotations, and figures laid out as tight_layout lays them out."""

import warnings

import matplotlib.pyplot as plt
import pytest

from caseseries.model.load import load_cases
from caseseries.views import plots
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


def test_a_labels_box_in_each_slot_is_the_extent_matplotlib_gives_its_annotation_there(cases):
    """_place_labels scores each slot by a box it computes (_slot_boxes), not by an annotation it measures: a box
    off by one bit could choose another slot, and change the figure's bytes."""
    fig = timeline_figure(cases["fx-cervix-calendar"])
    ax, renderer = fig.axes[0], fig.canvas.get_renderer()
    offsets = plots._slot_offsets(fig, ax)
    lo, hi = ax.get_xlim()
    for x, y, text, size in [((lo + hi) / 2, 0, "cisplatin + paclitaxel (6 cycles)", 8),
                             (lo + 0.37, 1.3, "PR → SD", 7), (hi - 1e-3, 0.1, "gy", 7),
                             (lo + 1 / 3, 2, "two\nlines", 8), (lo, 0, "", 8), (hi + 5, 0, "a mark outside the axes", 8)]:
        label = plots._Label(x, y, text, "test:0:label", tuple(offsets), size)
        boxes = list(plots._slot_boxes(fig, ax, label, offsets, renderer))
        assert [slot for slot, _ in boxes] == list(offsets)
        for slot, box in boxes:
            dx, dy, ha, va = offsets[slot]
            ann = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=size, ha=ha, va=va)
            assert box.get_points().tolist() == ann.get_window_extent(renderer).get_points().tolist(), (text, slot)
            ann.remove()
    plt.close(fig)


def test_laying_out_measures_each_axes_once_for_the_layout_tight_layout_gives(monkeypatch):
    from matplotlib.axes import Axes

    def figure():
        fig, axes = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
        for ax in axes:
            ax.plot([0, 10], [0, 12345.6])
            ax.set_title("a title", loc="left")
            ax.set_ylabel("ng/ml")
        fig.text(0.01, 0.01, "a caption under the axes")
        return fig

    expected = figure()
    expected.tight_layout(rect=(0, 0.1, 1, 1))
    measured = []
    get_tightbbox = Axes.get_tightbbox
    monkeypatch.setattr(Axes, "get_tightbbox", lambda ax, *a, **k: measured.append(ax) or get_tightbbox(ax, *a, **k))
    fig = figure()
    plots.lay_out(fig, 0.1)
    assert vars(fig.subplotpars) == vars(expected.subplotpars)
    assert sorted(map(id, measured)) == sorted(map(id, fig.axes))  # each once (tight_layout: twice)
    assert not [ax for ax in fig.axes if "get_tightbbox" in vars(ax)]
    plt.close("all")
