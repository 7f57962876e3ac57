"""What drafting, sending and answering a brief share: its timeline, its followers' news and
the context of its emails."""

from django.conf import settings
from django.urls import reverse
from django.utils.text import Truncator

from escalations.models import (
    Brief,
    BriefEvent,
)
from forum_app.models import Membership, User
from issues.models import Issue
from issues.services import issue_news_record


def brief_event(
    brief: Brief, kind: str, *, actor: User | None, text: str = "", **extra
) -> BriefEvent:
    """Record one step of the brief's life with who took it and in what role."""
    role = ""
    if actor is not None:
        role = (
            Membership.objects.filter(forum_id=brief.forum_id, user=actor)
            .values_list("role", flat=True)
            .first()
            or ""
        )
    return BriefEvent.objects.create(
        brief=brief, kind=kind, text=text, actor=actor, actor_role=role, **extra
    )


def tell_followers(brief: Brief, kind: str, text: str) -> None:
    """Put this step on the timeline of every issue in the brief's theme, for its followers."""
    issues = Issue.objects.filter(theme_link__theme_id=brief.theme_id).select_related("forum")
    issue_news_record(issues=issues, kind=kind, text=text)


def shorten(text: str, length: int = 300) -> str:
    return Truncator(" ".join(text.split())).chars(length)


def person_name(user: User) -> str:
    return user.display_name or user.email


def leader_link(brief: Brief) -> str:
    return settings.SITE_URL + reverse("escalations:brief", args=[brief.pk])


def email_context(brief: Brief, **extra) -> dict:
    return {
        "forum": brief.forum.name,
        "reference": brief.reference,
        "title": brief.title,
        "ask": brief.ask,
        "response_by": brief.response_by.isoformat(),
        "respond_by": brief.response_by.strftime("%-d %B %Y"),
        "link": leader_link(brief),
        **extra,
    }
