"""Small HTTP helpers shared by every app's views."""

from collections.abc import Callable, Iterable
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse

URL_ARGUMENTS = ("slug", "pk")


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
