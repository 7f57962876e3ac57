"""Small HTTP helpers shared by every app's views."""

from collections.abc import Callable, Iterable
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.middleware import HtmxDetails

from forum_app.models import Forum, Membership

URL_ARGUMENTS = ("slug", "pk")


class HtmxRequest(HttpRequest):
    """Any request: django-htmx's middleware adds ``htmx`` (falsy unless htmx sent it)."""

    htmx: HtmxDetails


class ForumRequest(HtmxRequest):
    """A request to a forum's page, as ``forum_ability_required`` lets it through.

    The decorator sets ``forum`` (from the URL's slug) and ``membership`` (the signed-in
    person's active membership of it, holding the ability the view asked for).
    """

    forum: Forum
    membership: Membership


class MembershipsRequest(HtmxRequest):
    """A request ``ability_anywhere_required`` let through, with the memberships holding it."""

    memberships: list[Membership]


def post_only(to: str, *, keep: Iterable[str] = URL_ARGUMENTS) -> Callable:
    """Let only POST through; answer a GET with a redirect to the page the form lives on.

    A form's address is opened by GET after a refresh, a phone restoring its tabs or a
    copied link, and a blank "405 Method Not Allowed" helps nobody. ``to`` names the page;
    its URL is filled from this URL's arguments named in ``keep`` (the forum's slug and the
    object's ``pk`` by default). Nothing is read or written before the redirect, so the
    page itself still decides who may see it.
    """
    names = tuple(keep)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST":
                return view(request, *args, **kwargs)
            if request.method in ("GET", "HEAD"):
                found = {name: kwargs[name] for name in names if name in kwargs}
                return redirect(reverse(to, kwargs=found))
            return HttpResponseNotAllowed(["POST"])

        return wrapper

    return decorator
