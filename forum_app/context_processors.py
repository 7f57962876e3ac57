from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from forum_app.middleware import session_seconds_left
from forum_app.models import Role

# (url name, label, roles that see it) for the navigation inside a forum.
FORUM_NAV = [
    ("forum_home", _("Forum home"), {Role.MEMBER, Role.CONVENOR}),
    ("issues:list", _("Issues"), {Role.MEMBER, Role.CONVENOR}),
    ("meetings:list", _("Meetings"), {Role.MEMBER, Role.CONVENOR}),
    ("forum_briefs:list", _("Briefs"), {Role.MEMBER, Role.CONVENOR}),
    ("summaries:dashboard", _("Dashboard"), {Role.MEMBER, Role.CONVENOR}),
    ("forum_members", _("Members"), {Role.CONVENOR}),
    ("notifications_failed", _("Undelivered emails"), {Role.CONVENOR}),
]


def navigation(request: HttpRequest) -> dict:
    """Links for the header: the current forum's sections for the person's role."""
    membership = getattr(request, "membership", None)
    links = []
    if membership is not None:
        home = reverse("forum_home", args=[membership.forum.slug])
        for name, label, roles in FORUM_NAV:
            if membership.role not in roles:
                continue
            try:
                url = reverse(name, args=[membership.forum.slug])
            except NoReverseMatch:
                continue
            # A section is current on its own pages too (an issue is under Issues).
            current = request.path == url or (url != home and request.path.startswith(url))
            links.append({"url": url, "label": label, "current": current})
    return {"nav_links": links, "current_forum": getattr(request, "forum", None)}


def session_timeout(request: HttpRequest) -> dict:
    """When a signed-in page's session ends, so the page can warn before it does."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    return {
        "session_seconds_left": session_seconds_left(request),
        "session_warning_seconds": settings.SESSION_WARNING_SECONDS,
    }
