"""Server-drawn SVG charts for briefs, in the forum's chart style. Same data in, same bytes out."""

import datetime
import io

import matplotlib.pyplot as plt

from escalations.services.evidence import MonthCount
from forum_app.charts import BAR, STYLE

MAX_MONTHS = 24
MIN_SLOTS = 6  # so one or two months do not become one wide slab
MAX_LABELS = 16  # months that can each be labelled across the chart without touching


def month_ticks(months: list[MonthCount]) -> list[str]:
    """Horizontal labels that read as words when a PDF's text is copied or read aloud.

    Slanted labels come out of a PDF's text layer in fragments ("D ec 20 25"), so each
    month is written across, with its year on a second line under the first label and
    wherever the year changes. Past MAX_LABELS months every other month is labelled, so the
    labels never touch; the table beside every chart has them all.
    """
    step = 1 if len(months) <= MAX_LABELS else 2
    labels, last_year = [], None
    for i, month in enumerate(months):
        if i % step:
            labels.append("")
            continue
        date = datetime.date.fromisoformat(month.month)
        labels.append(date.strftime("%b") if date.year == last_year else date.strftime("%b\n%Y"))
        last_year = date.year
    return labels


def issues_per_month_svg(months: list[MonthCount]) -> str:
    """A bar chart of issues raised per month (the last two years at most) as SVG text."""
    shown = months[-MAX_MONTHS:]
    with plt.rc_context(STYLE):
        figure, axes = plt.subplots(figsize=(6.4, 2.6), dpi=72)
        try:
            axes.bar(range(len(shown)), [month.issues for month in shown], color=BAR, width=0.6)
            axes.set_xlim(-0.6, max(len(shown), MIN_SLOTS) - 0.4)
            axes.set_xticks(range(len(shown)), month_ticks(shown))
            axes.set_ylabel("Issues raised")
            axes.yaxis.get_major_locator().set_params(integer=True)
            axes.spines[["top", "right"]].set_visible(False)
            figure.tight_layout()
            buffer = io.StringIO()
            figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        finally:
            plt.close(figure)
    return buffer.getvalue()
