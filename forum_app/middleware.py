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


class SessionMaxAgeMiddleware:
    """End a signed-in session SESSION_MAX_AGE_SECONDS after it began, however busy it is.

    The idle timeout (SESSION_COOKIE_AGE, renewed on every request) ends quiet sessions;
    this ends long ones, so a laptop left signed in does not stay signed in for days. The
    start is stamped on the first request the session makes while signed in.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(SESSION_STARTED_KEY, now)
            if now - int(started) > settings.SESSION_MAX_AGE_SECONDS:
                logout(request)
        return self.get_response(request)
