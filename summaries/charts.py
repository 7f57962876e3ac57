"""Server-drawn SVG charts for the dashboard and the pulse. Same data in, same bytes out.

Charts are shown as ``<img src="data:…">``, which the content security policy allows, and
every chart has its data as a table beside it.
"""

import functools
import hashlib
import io
import json

import matplotlib
from django.core.cache import cache

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from forum_app.charts import BAR, STYLE, svg_data_uri  # noqa: E402

SUMMARY_STYLE = {**STYLE, "svg.hashsalt": "forum-summaries"}
LINE_COLOURS = ("#154766", "#8a3b12", "#2e6b30", "#5b2a86")


# Drawing a chart costs tens of milliseconds; the same data always gives the same chart.
CHART_CACHE_SECONDS = 24 * 60 * 60


def drawn_once(draw):
    """Keep each chart in the cache under a digest of its data, so it is drawn once."""

    @functools.wraps(draw)
    def cached(*args):
        data = json.dumps([draw.__name__, *args], sort_keys=True, default=str)
        key = "chart:" + hashlib.sha256(data.encode()).hexdigest()
        uri = cache.get(key)
        if uri is None:
            uri = draw(*args)
            cache.set(key, uri, CHART_CACHE_SECONDS)
        return uri

    return cached


def _svg(figure) -> str:
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


@drawn_once
def bar_chart_uri(labels: list[str], values: list[float], axis_label: str) -> str:
    """A horizontal bar chart as a data URI (long labels read better across)."""
    with plt.rc_context(SUMMARY_STYLE):
        height = 0.9 + 0.35 * max(len(labels), 1)
        figure, axes = plt.subplots(figsize=(6.4, height), dpi=72)
        try:
            positions = range(len(labels))
            axes.barh(positions, values, color=BAR, height=0.6)
            axes.set_yticks(positions, labels)
            axes.invert_yaxis()
            axes.set_xlabel(axis_label)
            axes.xaxis.get_major_locator().set_params(integer=True)
            axes.spines[["top", "right"]].set_visible(False)
            svg = _svg(figure)
        finally:
            plt.close(figure)
    return svg_data_uri(svg)


@drawn_once
def trend_chart_uri(labels: list[str], series: dict[str, list[float]]) -> str:
    """One small line chart per series, sharing the month axis, as a data URI."""
    with plt.rc_context(SUMMARY_STYLE):
        figure, grid = plt.subplots(
            len(series), 1, figsize=(6.4, 1.7 * len(series)), dpi=72, sharex=True, squeeze=False
        )
        try:
            for axes, (title, values), colour in zip(
                grid[:, 0], series.items(), LINE_COLOURS, strict=False
            ):
                axes.plot(range(len(values)), values, marker="o", color=colour)
                axes.set_title(title, loc="left")
                axes.spines[["top", "right"]].set_visible(False)
            last = grid[-1, 0]
            last.set_xticks(range(len(labels)), labels, rotation=45 if len(labels) > 6 else 0)
            svg = _svg(figure)
        finally:
            plt.close(figure)
    return svg_data_uri(svg)
