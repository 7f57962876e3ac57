from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from forum_app.middleware import session_seconds_left
from forum_app.permissions import Abilities, can

# (url name, label, the ability that page needs) for the navigation inside a forum.
FORUM_NAV = [
    ("forum_home", _("Forum home"), "take_part"),
    ("issues:list", _("Issues"), "take_part"),
    ("meetings:list", _("Meetings"), "take_part"),
    ("forum_briefs:list", _("Briefs"), "take_part"),
    ("summaries:dashboard", _("Dashboard"), "take_part"),
    ("forum_members", _("Members"), "manage_members"),
    ("notifications_failed", _("Undelivered emails"), "resend_emails"),
]


def navigation(request: HttpRequest) -> dict:
    """Links for the header (the current forum's sections the person may use) and ``can``.

    ``can`` answers the access table for templates: ``{% if can.run_meetings %}``.
    """
    membership = getattr(request, "membership", None)
    links = []
    if membership is not None:
        home = reverse("forum_home", args=[membership.forum.slug])
        for name, label, ability in FORUM_NAV:
            if not can(membership, ability):
                continue
            try:
                url = reverse(name, args=[membership.forum.slug])
            except NoReverseMatch:
                continue
            # A section is current on its own pages too (an issue is under Issues).
            current = request.path == url or (url != home and request.path.startswith(url))
            links.append({"url": url, "label": label, "current": current})
    return {
        "nav_links": links,
        "current_forum": getattr(request, "forum", None),
        "can": Abilities(membership),
    }


def session_timeout(request: HttpRequest) -> dict:
    """When a signed-in page's session ends, so the page can warn before it does."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    return {
        "session_seconds_left": session_seconds_left(request),
        "session_warning_seconds": settings.SESSION_WARNING_SECONDS,
    }
