"""Minutes as a tagged PDF a person would file. WeasyPrint may read our own stylesheet only."""

from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from forum_app.markup import render_markdown
from forum_app.pdf import RefusingFetcher, tagged_pdf
from meetings.models import Minutes

STYLESHEET = "css/pdf/minutes.css"


def minutes_pdf(minutes: Minutes, context: dict) -> bytes:
    """Render the minutes (their edited text, with a title block) as PDF bytes."""
    meeting = minutes.meeting
    css = Path(finders.find(STYLESHEET)).resolve().as_uri()
    with timezone.override(meeting.forum.tzinfo):
        html = render_to_string(
            "pdf/minutes.html",
            {
                **context,
                "minutes": minutes,
                "body": render_markdown(minutes.body, headings=True),
                "css": css,
            },
        )
    fetcher = RefusingFetcher({css}, protocols=frozenset({"file"}))
    return tagged_pdf(HTML(string=html, base_url=None, url_fetcher=fetcher))
