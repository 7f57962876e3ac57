"""Markdown for issue and comment texts: paragraphs, lists, links, nothing that can run."""

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {"p", "ul", "ol", "li", "a", "strong", "em", "code", "blockquote", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> SafeString:
    """Render ``text`` as Markdown and keep only the allowed tags, attributes and links."""
    html = markdown.markdown(text or "", output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308 — sanitised by nh3 just above
