"""Briefs as PDFs a chief executive would read.

The document is rendered from a JSON snapshot only, so a sent version can always be
reproduced from what was frozen. WeasyPrint may fetch nothing
but the chart images made here (``forum_app.pdf``).
"""

import datetime

from django.template.loader import render_to_string
from weasyprint import HTML

from escalations.charts import issues_per_month_svg
from escalations.services.evidence import Evidence
from forum_app.charts import svg_data_uri
from forum_app.markup import render_markdown
from forum_app.pdf import (
    RefusingFetcher,
    allowed_images,
    pdf_stylesheets,
    tagged_pdf,
)

STYLESHEET = "css/pdf/brief.css"


def document_context(snapshot: dict) -> dict:
    """Turn a snapshot into what the brief template shows: dates, safe HTML, the chart."""
    evidence = Evidence.from_json(snapshot["evidence"])
    chart = issues_per_month_svg(evidence.per_month) if evidence.per_month else ""
    return {
        "brief": snapshot,
        "date": datetime.date.fromisoformat(snapshot["date"]),
        "response_by": datetime.date.fromisoformat(snapshot["response_by"]),
        "problem": render_markdown(snapshot["problem"]),
        "impact": render_markdown(snapshot["impact"]),
        "proposed_solutions": render_markdown(snapshot["proposed_solutions"]),
        "ask": render_markdown(snapshot["ask"]),
        "evidence": evidence,
        "chart_uri": svg_data_uri(chart) if chart else "",
    }


def render_brief_html(snapshot: dict, *, stylesheet_href: str = "", back_url: str = "") -> str:
    """The brief's document as HTML; the same markup is shown as the preview page."""
    return render_to_string(
        "pdf/brief.html",
        {**document_context(snapshot), "stylesheet_href": stylesheet_href, "back_url": back_url},
    )


def render_brief_pdf(html: str, *, fetcher: RefusingFetcher | None = None) -> bytes:
    """Render brief HTML to PDF bytes with the refusing fetcher, tagged PDF/UA-1.

    ``tagged_pdf`` gives the table headers their scopes (``header_scopes``).
    """
    fetcher = fetcher or RefusingFetcher(allowed_images(html))
    document = HTML(string=html, base_url=None, url_fetcher=fetcher)
    return tagged_pdf(document, pdf_stylesheets(STYLESHEET, fetcher))
