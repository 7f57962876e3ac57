"""Template helpers for issues: Markdown rendering and the forum home's issues section."""

from django import template
from django.utils.safestring import SafeString

from issues.markup import render_markdown
from issues.models import Issue

register = template.Library()

HOME_ISSUE_COUNT = 5


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return render_markdown(text)


@register.inclusion_tag("issues/includes/forum_home_section.html", takes_context=True)
def issues_section(context) -> dict:
    """The newest issues of the current forum, for its home page (two queries)."""
    forum = context["forum"]
    recent = list(
        Issue.objects.in_forum(forum)
        .listed()
        .filter(hidden=False)
        .with_counts()
        .select_related("category")
        .order_by("-raised_on", "-pk")[:HOME_ISSUE_COUNT]
    )
    return {
        "forum": forum,
        "recent": recent,
        "open_count": Issue.objects.in_forum(forum).open().count(),
    }
