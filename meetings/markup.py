"""Markdown for minutes: headings, paragraphs, lists, emphasis; nothing that can run."""

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {"h2", "h3", "p", "ul", "ol", "li", "a", "strong", "em", "br", "blockquote"}


def render_minutes(text: str) -> SafeString:
    """Render the minutes' Markdown and keep only the allowed tags."""
    html = markdown.markdown(text or "", output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
        strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308 — sanitised by nh3 just above
