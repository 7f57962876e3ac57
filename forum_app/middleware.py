import hashlib
import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

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
# The idle timer lives in the browser, in a signed cookie, never in the database: a session
# row is written when someone signs in and not again, so the database keeps no trail of when
# a person was active (and an anonymous post leaves no write of theirs behind).
SEEN_COOKIE = "swf_seen"
SEEN_SALT = "forum_app.session-seen"
# The cookie is renewed at most once a minute, so most responses set nothing.
SESSION_TOUCH_SECONDS = 60


def _session_tag(request: HttpRequest) -> str:
    """A short tag of this session, so a seen-cookie only vouches for the session it came with."""
    key = request.session.session_key or ""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _seen_at(request: HttpRequest) -> int | None:
    """When this browser last used this session, by the signed cookie; None if it cannot say."""
    try:
        seen = signing.loads(request.COOKIES.get(SEEN_COOKIE, ""), salt=SEEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(seen, dict) or seen.get("s") != _session_tag(request):
        return None
    return int(seen.get("t", 0))


def session_seconds_left(request: HttpRequest) -> int:
    """Seconds until this signed-in session ends, by whichever limit comes first."""
    session = request.session
    now = int(time.time())
    started = int(session.get(SESSION_STARTED_KEY, now))
    seen = getattr(request, "_swf_seen_now", None) or _seen_at(request) or started
    idle_end = seen + settings.SESSION_IDLE_SECONDS
    hard_end = started + settings.SESSION_MAX_AGE_SECONDS
    return max(0, min(idle_end, hard_end) - now)


def touch_session(request: HttpRequest) -> None:
    """Restart the idle timeout now: the response carries a fresh seen-cookie."""
    request._swf_seen_now = int(time.time())


def stamp_sign_in(sender, request: HttpRequest, user, **kwargs) -> None:
    """Connected to ``user_logged_in``: the 12-hour limit runs from the sign-in itself."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STARTED_KEY] = int(time.time())
        touch_session(request)


class SessionLimitsMiddleware:
    """Sign a session out after SESSION_IDLE_SECONDS idle or SESSION_MAX_AGE_SECONDS in all.

    The session row is written at sign-in, with its expiry 12 hours on, and not touched by
    ordinary requests. Each signed-in response renews a signed cookie saying when the browser
    was last active (at most once a minute); a request whose cookie is older than the idle
    timeout, or missing once the idle timeout has passed since sign-in, is signed out.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_out = False
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.get(SESSION_STARTED_KEY)
            cookie = _seen_at(request)
            seen = cookie or started
            if (
                started is None
                or now - int(started) > settings.SESSION_MAX_AGE_SECONDS
                or now - int(seen) > settings.SESSION_IDLE_SECONDS
            ):
                logout(request)
                signed_out = True
            elif cookie is None or now - cookie >= SESSION_TOUCH_SECONDS:
                touch_session(request)
        response = self.get_response(request)
        seen_now = getattr(request, "_swf_seen_now", None)
        if seen_now and request.user.is_authenticated:
            response.set_cookie(
                SEEN_COOKIE,
                signing.dumps({"s": _session_tag(request), "t": seen_now}, salt=SEEN_SALT),
                max_age=settings.SESSION_MAX_AGE_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        elif signed_out:
            response.delete_cookie(SEEN_COOKIE)
        return response


class SignInReturnsToFormMiddleware:
    """A form sent after the session ended leads, once signed in again, back to its page.

    ``login_required`` answers such a POST with the sign-in page and ``next`` set to the address
    the form posted to, which only takes POSTs. The page the form was on (the Referer, when it
    is this site's) is where the browser keeps what was typed, ready to put it back. A request
    made by htmx is sent to sign in as a whole page rather than swapped into a part of one.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method != "POST" or request.user.is_authenticated:
            return response
        login = resolve_url(settings.LOGIN_URL)
        if response.status_code != 302 or not response.get("Location", "").startswith(login):
            return response
        url = response["Location"]
        page = _form_page(request)
        if page:
            url = f"{login}?{urlencode({'next': page})}"
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        response["Location"] = url
        return response


def _form_page(request: HttpRequest) -> str:
    """The path of the page a form was sent from, when it is on this site."""
    referer = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    parts = urlsplit(referer)
    return parts.path + (f"?{parts.query}" if parts.query else "")
