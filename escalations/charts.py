"""Server-drawn SVG charts for briefs. Same data in, same bytes out."""

import base64
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from escalations.services.evidence import MonthCount  # noqa: E402

BAR = "#154766"
INK = "#1d2327"
MAX_MONTHS = 24
MIN_SLOTS = 6  # so one or two months do not become one wide slab

STYLE = {
    "svg.hashsalt": "escalation-brief",
    "svg.fonttype": "none",
    "text.parse_math": False,  # labels are names people typed: "$" is a dollar, not TeX
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
}


def issues_per_month_svg(months: list[MonthCount]) -> str:
    """A bar chart of issues raised per month (the last two years at most) as SVG text."""
    shown = months[-MAX_MONTHS:]
    with plt.rc_context(STYLE):
        figure, axes = plt.subplots(figsize=(6.4, 2.6), dpi=72)
        try:
            labels = [month.label for month in shown]
            axes.bar(range(len(shown)), [month.issues for month in shown], color=BAR, width=0.6)
            axes.set_xlim(-0.6, max(len(shown), MIN_SLOTS) - 0.4)
            axes.set_xticks(
                range(len(shown)),
                labels,
                rotation=45 if len(shown) > 6 else 0,
                ha="right" if len(shown) > 6 else "center",
            )
            axes.set_ylabel("Issues raised")
            axes.yaxis.get_major_locator().set_params(integer=True)
            axes.spines[["top", "right"]].set_visible(False)
            figure.tight_layout()
            buffer = io.StringIO()
            figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        finally:
            plt.close(figure)
    return buffer.getvalue()


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
