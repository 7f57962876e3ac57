"""The pages the benchmark measures, and their query counts at two sizes of forum."""

import time
from dataclasses import dataclass, replace
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forum_app.middleware import SESSION_STARTED_KEY
from issues.models import Category


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    headers: dict[str, str]
    expect: int = 200
    # Warm up until the body no longer holds this text (e.g. a "still preparing" answer).
    warm_until_absent: str = ""
    method: str = "GET"
    body: str | None = None


def session_cookie(user) -> str:
    """A signed-in session for ``user``, as the Cookie header a browser would send."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # Signed in just now, as the sign-in would stamp it (forum_app/middleware.py); without it
    # the session limits sign the request out.
    store[SESSION_STARTED_KEY] = int(time.time())
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


# The bare floor (bench/bare): served by its own gunicorn, on its own port.
BARE_FLOOR = Target("bare_floor", "/", {})


# A fixed CSRF secret, sent as the cookie and the header, as htmx sends the page's token.
CSRF_SECRET = "b" * 32


def typed_form(headers: dict[str, str]) -> dict[str, str]:
    """The headers of htmx's POST of what a person has typed so far."""
    return {
        "Cookie": f"{headers['Cookie']}; {settings.CSRF_COOKIE_NAME}={CSRF_SECRET}",
        "X-CSRFToken": CSRF_SECRET,
        "Content-Type": "application/x-www-form-urlencoded",
        "HX-Request": "true",
    }


def targets(world: dict) -> list[Target]:
    """The measured pages for one seeded forum; the floor comes first."""
    slug = world["forum"].slug
    member = {"Cookie": session_cookie(world["members"][0])}
    leader = {"Cookie": session_cookie(world["leaders"][0])}
    category = Category.objects.filter(forum=world["forum"]).order_by("pk").first()
    issue = world["issue_ids"][len(world["issue_ids"]) // 2]
    base = f"/f/{slug}"
    return [
        Target("floor", f"/bench/floor/{slug}/", {}),
        Target("forum_home", f"{base}/", member),
        Target(
            "issue_list_filtered", f"{base}/issues/?category={category.pk}&sort=supported", member
        ),
        Target("issue_search", f"{base}/issues/?q=caseload+allocation", member),
        Target("issue_detail", f"{base}/issues/{issue}/", member),
        Target(
            "similar_while_typing",
            f"{base}/issues/similar/",
            typed_form(member),
            warm_until_absent="Looking for similar issues",
            method="POST",
            body="title=Caseloads+are+too+high+to+visit+safely"
            "&body=Most+of+us+hold+over+30+children+and+statutory+visits+slip",
        ),
        Target("leader_briefs", "/briefs/", leader),
        Target("dashboard", f"{base}/summary/", member),
        *world.get("extra_targets", []),
    ]


ETAG_PLACEHOLDER = "__ETAG__"


def needs_etag(target: Target) -> bool:
    return target.headers.get("If-None-Match") == ETAG_PLACEHOLDER


def with_etag(target: Target, etag: str) -> Target:
    """The conditional request a browser sends once it holds the page's current ETag."""
    return replace(target, headers={**target.headers, "If-None-Match": etag})


def count_queries(targets_by_size: dict[int, list[Target]], sizes: tuple[int, int]) -> dict:
    """Queries each page runs, in-process, for the small and the large forum."""
    counts: dict[str, dict[str, int]] = {}
    for size in sizes:
        for target in targets_by_size[size]:
            client = Client(HTTP_HOST="127.0.0.1")
            if needs_etag(target):
                first = client.get(target.path, HTTP_COOKIE=target.headers["Cookie"])
                target = with_etag(target, first["ETag"])
            headers = {"HTTP_COOKIE": target.headers["Cookie"]} if target.headers else {}
            extra = {k: v for k, v in target.headers.items() if k != "Cookie"}
            headers.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in extra.items()})
            with CaptureQueriesContext(connection) as queries:
                if target.method == "POST":
                    headers.pop("HTTP_CONTENT_TYPE")
                    response = client.post(
                        target.path,
                        target.body,
                        content_type="application/x-www-form-urlencoded",
                        **headers,
                    )
                else:
                    response = client.get(target.path, **headers)
            if response.status_code != target.expect:
                raise SystemExit(f"{target.name} answered {response.status_code} at {size} issues")
            counts.setdefault(target.name, {})[str(size)] = len(queries.captured_queries)
    return counts
