"""Template helpers for issues: Markdown rendering and the forum home's issues section."""

from django import template
from django.utils.safestring import SafeString

from forum_app.markup import render_markdown
from issues.models import Issue, IssueEvent

register = template.Library()

HOME_ISSUE_COUNT = 5
HOME_NEWS_COUNT = 8
HOME_NEWS_DAYS = 30


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


@register.inclusion_tag("issues/includes/forum_home_news.html", takes_context=True)
def issue_news_section(context) -> dict:
    """What became of the issues the viewer follows in this forum lately (one query).

    Nothing records when a person visits: what is new is what their digest has not told
    them yet, so the page writes nothing and keeps no trail of visits.
    """
    forum, user = context["forum"], context["request"].user
    news = list(
        IssueEvent.objects.recent_news_for(user, forum, days=HOME_NEWS_DAYS)[:HOME_NEWS_COUNT]
    )
    return {"forum": forum, "news": news, "new_count": sum(event.is_new for event in news)}
