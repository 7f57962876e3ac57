"""Minutes as a tagged PDF a person would file. WeasyPrint may read our own stylesheet only."""

from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from forum_app.pdf import tagged_pdf
from meetings.markup import render_minutes
from meetings.models import Minutes

STYLESHEET = "css/pdf/minutes.css"


class OwnStylesheetOnly(URLFetcher):
    """Refuse every URL except the minutes stylesheet shipped with the app."""

    def __init__(self, allowed: str) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.allowed = allowed

    def fetch(self, url, headers=None):
        if url != self.allowed:
            raise ValueError(f"Refused to fetch {url!r} while making a PDF.")
        return super().fetch(url, headers)


def minutes_pdf(minutes: Minutes, context: dict) -> bytes:
    """Render the minutes (their edited text, with a title block) as PDF bytes."""
    meeting = minutes.meeting
    css = Path(finders.find(STYLESHEET)).resolve().as_uri()
    with timezone.override(meeting.forum.tzinfo):
        html = render_to_string(
            "pdf/minutes.html",
            {**context, "minutes": minutes, "body": render_minutes(minutes.body), "css": css},
        )
    return tagged_pdf(HTML(string=html, base_url=None, url_fetcher=OwnStylesheetOnly(css)))
