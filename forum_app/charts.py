"""The forum's chart style, shared by every server-drawn chart (briefs, reports, dashboard).

Charts are drawn with matplotlib as SVG: the same data gives the same bytes (each kind of
chart sets its own ``svg.hashsalt``), labels are text that a PDF's reader can copy or read
aloud, and a chart goes into a page or a PDF as a ``data:`` URI.
"""

import base64

import matplotlib

matplotlib.use("Agg")

BAR = "#154766"
INK = "#1d2327"

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


def svg_data_uri(svg: str) -> str:
    """An SVG as a ``data:`` URI, for ``<img src>`` in a page or a PDF."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
