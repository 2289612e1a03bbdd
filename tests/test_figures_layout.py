"""Figures a clinician reads at a glance: no two text labels overlap, every axis has at least three
tick labels, for every figure of every published and fixture case (and the series figures at 4 and at
50 synthetic patients).

Extents come from matplotlib (``get_window_extent`` after ``fig.canvas.draw()``), so the test reads
the layout that is drawn, not the data.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from caseseries.views import series, series_plots
from caseseries.model import synth
from caseseries.model.drugs import read_reference
from caseseries.model.load import load_case, load_cases
from caseseries.views.plots import marker_figure, timeline_figure

TESTS = Path(__file__).resolve().parent
FIXTURE_DIRS = [TESTS / "fixtures/project/data/cases", TESTS / "fixtures/format", TESTS / "fixtures/format/views",
                TESTS / "fixtures/timeline", TESTS / "fixtures/new-case"]
PROJECT_REFERENCE = TESTS / "fixtures/project/data/reference/drugs.yaml"


def _load(path: Path):
    try:
        return load_case(path)
    except Exception:  # a fixture case that names drugs of the fixture project's reference
        return load_case(path, read_reference(PROJECT_REFERENCE))


def fixture_cases() -> list:
    return [_load(p) for folder in FIXTURE_DIRS for p in sorted(folder.glob("*.yaml"))]


def all_cases() -> list:
    return load_cases() + fixture_cases()


# ---------------------------------------------------------------- what is checked


def _texts(fig) -> list:
    """Every visible, non-empty text of the figure except tick labels (checked apart) and legends'
    own texts (a legend lays itself out)."""
    out = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        ticks = {id(t) for t in ax.get_xticklabels() + ax.get_yticklabels()}
        for t in ax.texts:  # annotations and ax.text
            if t.get_visible() and t.get_text().strip() and id(t) not in ticks:
                out.append(t)
        out += [t for t in (ax.title, ax._left_title, ax._right_title) if t.get_visible() and t.get_text().strip()]
    out += [t for t in fig.texts if t.get_visible() and t.get_text().strip()]
    return out


def _box(t, renderer):
    box = t.get_window_extent(renderer)
    return box if box.width > 0 and box.height > 0 and all(map(math.isfinite, box.extents)) else None


def overlaps(fig) -> list[str]:
    """The pairs of text labels whose boxes overlap (by more than a pixel each way)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), b) for t in _texts(fig) if (b := _box(t, renderer)) is not None]
    for ax in fig.axes:  # tick labels of an axis count too: a label over a tick label is an overlap
        if ax.get_visible():
            for axis, limits in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
                lo, hi = sorted(limits)
                for t, loc in _tick_labels(axis):
                    if lo <= loc <= hi and t.get_visible() and t.get_text().strip() \
                            and (b := _box(t, renderer)) is not None:
                        boxes.append((f"tick {t.get_text()}", b))
    out = []
    for i, (a, ba) in enumerate(boxes):
        for b, bb in boxes[i + 1:]:
            w = min(ba.x1, bb.x1) - max(ba.x0, bb.x0)
            h = min(ba.y1, bb.y1) - max(ba.y0, bb.y0)
            if w > 1 and h > 1:
                out.append(f"{a!r} overlaps {b!r}")
    return out


def _tick_labels(axis) -> list[tuple]:
    """(label, location) of the major and minor ticks (labels outside the view are not drawn)."""
    return list(zip(axis.get_majorticklabels(), axis.get_majorticklocs())) + \
        list(zip(axis.get_minorticklabels(), axis.get_minorticklocs()))


# ---------------------------------------------------------------- case figures


@pytest.mark.parametrize("time_axis", ["calendar", "months"])
def test_case_figures_have_no_overlapping_labels_and_enough_ticks(time_axis):
    problems = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case in all_cases():
            for name, draw in (("timeline", timeline_figure), ("markers", marker_figure)):
                fig = draw(case, time_axis)
                if fig is None:
                    continue
                # sharex: only the bottom panel shows x tick labels; every numeric panel has its own y
                problems += [f"{case.case_id} {name} ({time_axis}): {p}" for p in overlaps(fig)]
                problems += [f"{case.case_id} {name} ({time_axis}): {p}" for p in tick_problems(fig, fig.axes[-1])]
                plt.close(fig)
    assert not problems, "\n".join(problems)


def tick_problems(fig, bottom) -> list[str]:
    """Fewer than three tick labels in view on the bottom x axis, or on a numeric y axis (one with a unit)."""
    fig.canvas.draw()
    out = []
    lo, hi = sorted(bottom.get_xlim())
    xs = [t.get_text() for t, p in zip(bottom.get_xticklabels(), bottom.get_xticks()) if t.get_text() and lo <= p <= hi]
    if len(xs) < 3:
        out.append(f"x axis has {len(xs)} tick labels {xs}")
    for ax in fig.axes:
        if not ax.get_ylabel():  # a panel of words only: no y axis
            continue
        lo, hi = sorted(ax.get_ylim())
        locs = list(ax.get_yticks()) + list(ax.yaxis.get_minorticklocs())
        labels = list(ax.get_yticklabels()) + list(ax.yaxis.get_minorticklabels())
        ys = [t.get_text() for t, p in zip(labels, locs) if t.get_text() and lo <= p <= hi]
        if len(ys) < 3:
            out.append(f"{ax.get_title(loc='left')}: y axis has {len(ys)} tick labels {ys}")
    return out


# ---------------------------------------------------------------- series figures


def _series_problems(cases, what: str) -> list[str]:
    problems = []
    frame = series.swimmer_table(cases)
    for i, fig in enumerate(series_plots.swimmer_figures(frame, "Swimmer plot")):
        fig.canvas.draw()
        problems += [f"{what} swimmer page {i + 1}: {p}" for p in overlaps(fig)]
        ax = fig.axes[0]
        lo, hi = sorted(ax.get_xlim())
        xs = [t.get_text() for t, p in zip(ax.get_xticklabels(), ax.get_xticks()) if t.get_text() and lo <= p <= hi]
        if len(xs) < 3:
            problems.append(f"{what} swimmer: x axis has {len(xs)} tick labels {xs}")
        plt.close(fig)
    fig = series_plots.kinetics_figure(series.kinetics_table(cases), "Tumor markers")
    if fig is not None:
        problems += [f"{what} kinetics: {p}" for p in overlaps(fig)]
        for ax in fig.axes:
            if not ax.get_visible():
                continue
            fig.canvas.draw()
            for name, axis, (lo, hi) in (("x", ax.xaxis, ax.get_xlim()), ("y", ax.yaxis, ax.get_ylim())):
                lo, hi = sorted((lo, hi))
                locs = list(axis.get_majorticklocs()) + list(axis.get_minorticklocs())
                labels = list(axis.get_majorticklabels()) + list(axis.get_minorticklabels())
                shown = [t.get_text() for t, p in zip(labels, locs) if t.get_text() and lo <= p <= hi]
                if len(shown) < 3:
                    problems.append(f"{what} kinetics {ax.get_title(loc='left')}: {name} axis has {shown}")
                if name == "y":
                    bad = [s for s in shown if s.rstrip("×") not in _CLEAN]
                    if bad:
                        problems.append(f"{what} kinetics {ax.get_title(loc='left')}: log ticks not 1-2-5: {bad}")
        plt.close(fig)
    return problems


_CLEAN = {f"{m * 10.0 ** e:g}" for m in (1, 2, 5) for e in range(-4, 7)}


def test_series_figures_of_the_published_cases():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        problems = _series_problems(load_cases(), "published")
    assert not problems, "\n".join(problems)


def test_series_figures_of_the_fixture_cases():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        problems = _series_problems(fixture_cases(), "fixtures")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("n", [4, 50])
def test_series_figures_at_scale(tmp_path, n):
    cases = [load_case(p) for p in synth.write_cases(tmp_path, n, seed=7)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        problems = _series_problems(cases, f"{n} synthetic")
    assert not problems, "\n".join(problems)


def test_response_labels_are_legible_at_50_patients(tmp_path):
    cases = [load_case(p) for p in synth.write_cases(tmp_path, 50, seed=7)]
    [fig] = series_plots.swimmer_figures(series.swimmer_table(cases), "Swimmer plot")
    sizes = [t.get_fontsize() for t in fig.axes[0].texts if t.get_text() in series_plots.RESPONSE_COLOURS]
    plt.close(fig)
    assert sizes and min(sizes) >= 7.5


# ---------------------------------------------------------------- clinically needed scales and legends


def test_a_marker_spanning_two_orders_of_magnitude_is_on_a_log_scale():
    # toripalimab-iiic2p: SCCA 61.1 → 2.2 → 5.2 ng/ml with a limit of 1.5: the rise to 5.2 must show.
    case = next(c for c in load_cases() if c.case_id == "toripalimab-iiic2p")
    fig = marker_figure(case)
    scales = {ax.get_title(loc="left"): ax.get_yscale() for ax in fig.axes if ax.get_ylabel()}
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    plt.close(fig)
    assert scales == {"SCCA": "log"}, scales
    assert set(labels) <= _CLEAN and len(labels) >= 3, labels


def test_every_marker_shape_of_the_timeline_is_in_its_legend():
    problems = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case in all_cases():
            fig = timeline_figure(case)
            ax = fig.axes[0]
            drawn = {(line.get_marker(), _rgb(line.get_color())) for line in ax.lines
                     if (line.get_gid() or "").endswith(":mark")}
            legends = [ax.get_legend()] + fig.legends
            keyed = {(h.get_marker(), _rgb(h.get_color())) for lg in legends if lg is not None
                     for h in lg.legend_handles if hasattr(h, "get_marker")}
            missing = drawn - keyed
            if missing:
                problems.append(f"{case.case_id}: marks without a legend entry {sorted(map(str, missing))}")
            plt.close(fig)
    assert not problems, "\n".join(problems)


def _rgb(colour) -> tuple:
    from matplotlib.colors import to_rgb
    return tuple(round(c, 3) for c in to_rgb(colour))
