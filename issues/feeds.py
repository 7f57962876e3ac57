"""The anonymous raiser's feed: what became of their issue, readable without signing in.

Addressed by ``receipts.feed_token`` (a keyed digest of the receipt code), found through the
keyed digest the issue keeps (``feed_hash``). Nothing about the reader is stored; reading
writes nothing. An unknown address answers 404 like any other.
"""

import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from issues import receipts
from issues.models import Issue, IssueEvent


class IssueStoryFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        response["Cache-Control"] = "private, no-store"
        return response

    def get_object(self, request: HttpRequest, slug: str, token: str) -> Issue:
        issue = (
            Issue.objects.filter(
                forum__slug=slug,
                is_anonymous=True,
                feed_hash=receipts.feed_lookup(token),
            )
            .select_related("forum")
            .first()
        )
        if issue is None:
            raise Http404
        return issue

    def title(self, issue: Issue) -> str:
        if issue.hidden:
            return _("An issue you raised in %(forum)s") % {"forum": issue.forum.name}
        return issue.title

    def subtitle(self, issue: Issue) -> str:
        return _("What happened to the issue you raised anonymously in %(forum)s.") % {
            "forum": issue.forum.name
        }

    def link(self, issue: Issue) -> str:
        return reverse("issues:follow", args=[issue.forum.slug])

    def feed_guid(self, issue: Issue) -> str:
        return f"urn:swf:issue-story:{issue.pk}"

    def items(self, issue: Issue):
        return issue.events.select_related("issue__forum").order_by("-pk")

    def item_title(self, event: IssueEvent) -> str:
        return str(event.get_kind_display())

    def item_description(self, event: IssueEvent) -> str:
        return event.text or str(event.get_kind_display())

    def item_link(self, event: IssueEvent) -> str:
        return settings.SITE_URL + reverse("issues:follow", args=[event.issue.forum.slug])

    def item_guid(self, event: IssueEvent) -> str:
        return f"urn:swf:issue-event:{event.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, event: IssueEvent) -> datetime.datetime:
        # Only the day is kept: no time of day is stored for anything near an anonymous issue.
        tz = event.issue.forum.tzinfo
        return timezone.make_aware(
            datetime.datetime.combine(event.happened_on, datetime.time()), tz
        )
