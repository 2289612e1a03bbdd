"""The figures of a case as functions that return a figure object: ``cs.plot.timeline(case)``.

By default the static matplotlib figure of the reports (``plots.py``: the PNG that
papermill keeps, deterministic for nbval); ``interactive=True`` gives the plotly figure
of ``interactive.py`` (hover: the fact, its date precision, its source quote) for JupyterLab.
A case is a model, an id or the path of a case file.
"""

from __future__ import annotations

__all__ = ["explorer", "markers", "stages", "timeline"]


def timeline(case, time_axis: str = "calendar", interactive: bool = False):
    """The timeline of a case: a matplotlib Figure (None when nothing can be placed), or with
    ``interactive=True`` a plotly Figure."""
    from caseseries.views import api

    c = api.case(case)
    if interactive:
        from caseseries.outputs import interactive as ix

        return ix.timeline(c)
    from caseseries.views import plots

    _figures_show_as_images()
    return plots.timeline_figure(c, time_axis)


def markers(case, analyte: str | None = None, time_axis: str = "calendar", interactive: bool = False):
    """The tumor markers of a case against their limits: a matplotlib Figure (every analyte; None when no
    marker is placed), or with ``interactive=True`` a plotly Figure (one ``analyte``, or all)."""
    from caseseries.views import api

    c = api.case(case)
    if interactive:
        from caseseries.outputs import interactive as ix

        return ix.markers(c, analyte)
    from caseseries.views import plots

    if analyte is not None:
        c = c.model_copy(update={"markers": [m for m in c.markers if m.analyte == analyte]})
    _figures_show_as_images()
    return plots.marker_figure(c, time_axis)


def explorer(case_ids=None, case_id=None):
    """A case picker and an as-of slider (ipywidgets) over the interactive timeline and markers."""
    from caseseries.outputs import interactive as ix

    return ix.explorer(case_ids, case_id)


def stages(case):
    """The unfolding case for a teacher (ipywidgets): a stage selector and a reveal toggle over each stage's view."""
    from caseseries.views import api
    from caseseries.outputs import interactive as ix

    return ix.stage_stepper(api.case(case))


def _figures_show_as_images() -> None:
    """In a notebook, a figure a cell returns shows as its image (the PNG of the reports, same bytes for the same
    figure): plots.py draws with matplotlib's Agg backend, which leaves IPython only the text "<Figure size ...>"."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    from matplotlib.figure import Figure

    from caseseries.views import plots

    shell.display_formatter.formatters["image/png"].for_type(Figure, plots.png_bytes)
