"""Markdown people type (issues, comments, briefs, minutes), rendered and then sanitised.

The one place that decides what typed text may become: paragraphs, lists, emphasis, quotes
and links (web and mail only), and in minutes two levels of heading. Anything else,
scripts and images included, is removed by nh3 after Markdown has run.
"""

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {"p", "ul", "ol", "li", "a", "strong", "em", "code", "blockquote", "br"}
# Minutes are a document with sections: they may also have two levels of heading.
MINUTES_TAGS = ALLOWED_TAGS | {"h2", "h3"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str, *, headings: bool = False) -> SafeString:
    """Render ``text`` as Markdown and keep only the allowed tags, attributes and links.

    ``headings`` lets ``##`` and ``###`` through, for documents with sections (minutes).
    """
    html = markdown.markdown(text or "", output_format="html")
    clean = nh3.clean(
        html,
        tags=MINUTES_TAGS if headings else ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308 — sanitised by nh3 just above
