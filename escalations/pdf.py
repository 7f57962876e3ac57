"""Briefs as PDFs a chief executive would read.

The document is rendered from a JSON snapshot only, so a sent version can always be
reproduced from what was frozen. WeasyPrint gets its stylesheet as a string and may fetch
nothing but the chart images made here: ``file:`` and remote URLs are refused, so words
typed into a brief cannot pull anything into the PDF.
"""

import datetime
from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from escalations.charts import issues_per_month_svg, svg_data_uri
from escalations.services.evidence import Evidence
from forum_app.pdf import header_scopes
from issues.markup import render_markdown

STYLESHEET = "css/pdf/brief.css"
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}


class RefusingFetcher(URLFetcher):
    """Fetch only the ``data:`` URIs this module generated; refuse and record anything else."""

    def __init__(self, allowed: set[str]) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False)
        self.allowed = allowed
        self.requested: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        self.requested.append(url)
        if url not in self.allowed:
            self.refused.append(url)
            raise ValueError("Refused to fetch a URL while making a brief PDF.")
        return super().fetch(url, headers)


@cache
def stylesheet_text() -> str:
    return Path(finders.find(STYLESHEET)).read_text(encoding="utf-8")


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


def allowed_images(html: str) -> set[str]:
    start = 'src="data:image/svg+xml;base64,'
    found = set()
    for part in html.split(start)[1:]:
        found.add(start[5:] + part.split('"', 1)[0])
    return found


def render_brief_pdf(html: str, *, fetcher: RefusingFetcher | None = None) -> bytes:
    """Render brief HTML to PDF bytes with the refusing fetcher and tagged PDF/UA output."""
    fetcher = fetcher or RefusingFetcher(allowed_images(html))
    document = HTML(string=html, base_url=None, url_fetcher=fetcher)
    return document.write_pdf(
        stylesheets=[CSS(string=stylesheet_text(), url_fetcher=fetcher)],
        finisher=header_scopes,
        **PDF_OPTIONS,
    )
