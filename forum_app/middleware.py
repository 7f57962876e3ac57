import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from forum_app.permissions import mfa_setup_redirect, needs_mfa


class AdminRequiresMFAMiddleware:
    """Site admins reach the admin site only with two-factor authentication switched on."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if request.path.startswith("/admin/") and user.is_authenticated and needs_mfa(user):
            return mfa_setup_redirect(request)
        return self.get_response(request)


SESSION_STARTED_KEY = "_signed_in_at"
SESSION_SEEN_KEY = "_seen_at"
# The idle timeout slides forward at most once a minute, so most requests write nothing.
SESSION_TOUCH_SECONDS = 60


def session_seconds_left(request: HttpRequest) -> int:
    """Seconds until this signed-in session ends, by whichever limit comes first."""
    session = request.session
    now = int(time.time())
    idle_end = int(session.get(SESSION_SEEN_KEY, now)) + settings.SESSION_COOKIE_AGE
    hard_end = int(session.get(SESSION_STARTED_KEY, now)) + settings.SESSION_MAX_AGE_SECONDS
    return max(0, min(idle_end, hard_end) - now)


def touch_session(request: HttpRequest) -> None:
    """Restart the idle timeout now (saving the session sets a fresh expiry date)."""
    request.session[SESSION_SEEN_KEY] = int(time.time())


class SessionLimitsMiddleware:
    """Sign a session out after SESSION_COOKIE_AGE idle or SESSION_MAX_AGE_SECONDS in all.

    Each signed-in request restarts the idle timeout, but the session is written at most once
    a minute. The maximum age ends long sessions however busy, so a laptop left signed in does
    not stay signed in for days; the start is stamped on the first signed-in request.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(SESSION_STARTED_KEY, now)
            if now - int(started) > settings.SESSION_MAX_AGE_SECONDS:
                logout(request)
            elif now - int(request.session.get(SESSION_SEEN_KEY, 0)) >= SESSION_TOUCH_SECONDS:
                touch_session(request)
        return self.get_response(request)
