"""Every page each persona can open passes axe-core's WCAG 2.2 A/AA checks, on a phone and a laptop.

The pages come from the URL resolver and ``tests/access_policy.py``, as in the role matrix: every
GET the policy lets a persona open (status 200) is visited as that persona, signed in once
through the real form, so a new URL is swept as soon as it has a policy row (its sample
arguments come from the ``world`` fixture). Added to them: the allauth account pages a person
sees and the 403 and 404 pages. The htmx hook in ``conftest.py`` checks the page again after
every swap, including the swaps a page makes by itself as it loads.

What is fetched but not rendered is decided by the response's content type (``NOT_PAGES``
says which and why). An htmx fragment (HTML that is not a whole page) is checked inside the
page that hosts it (``HOSTED_FRAGMENTS``); a fragment with no host named fails the sweep.
Parts that a page swaps in by itself as it loads (similar issues on an issue's page) are checked
here by the hook; those that follow a search, a POST or a drag (the issue list's results,
support, comments, the grouping board) by the same hook in the journey tests. Each test lists
every page with problems, then fails once.

axe also returns what it cannot decide alone ("needs review": text over a background image,
a name it cannot compute...). Each such result was looked at by a person; those judged fine
are in ``REVIEWED`` below with the reason, matched by rule, page and element. Any other result
to review fails the sweep, so a new one is looked at before it lands.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse

from forum_app import urls as project_urls
from tests.access_policy import PERSONAS, POLICY
from tests.e2e.conftest import (
    AXE_SETTLED,
    DESKTOP,
    PHONE,
    axe_check_with_review,
    describe_axe_violations,
    login,
)
from tests.factories import PASSWORD, ForumFactory, MembershipFactory
from tests.world import world_fixture  # noqa: F401 — the world fixture

NOT_PAGES = {
    "application/pdf": "a PDF download; tests/escalations and tests/meetings check the PDFs",
    "text/calendar": "a calendar file for the person's calendar app",
    "application/json": "the health check, read by the load balancer",
    "text/csv": "a spreadsheet export; tests/summaries checks it",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        "a spreadsheet export; tests/summaries checks it"
    ),
    "text/plain": "recovery codes to keep, as a text file",
    "application/atom+xml": "an anonymous raiser's feed, read by their feed reader",
}


@dataclass(frozen=True)
class Reviewed:
    """An axe "needs review" result a person has checked and accepted, and why."""

    rule: str
    target: str  # a regular expression the element's selector must match in full
    reason: str
    pages: str = ".*"  # a regular expression the page's label (its URL name) must match in full

    def covers(self, rule: str, page_label: str, target: str) -> bool:
        return (
            rule == self.rule
            and re.fullmatch(self.pages, page_label) is not None
            and re.fullmatch(self.target, target) is not None
        )


REVIEWED: list[Reviewed] = [
    Reviewed(
        "color-contrast",
        r"(tr:nth-child\(\d+\) > )?t[hd]:nth-child\(\d+\)",
        pages="forum_members",
        reason=(
            "At phone width the members table scrolls sideways inside its own box (allowed for "
            "data tables); axe cannot see the background of cells the box's edge cuts across. "
            "Looked at: the same dark text on white as every other cell, 15.9:1."
        ),
    ),
]


def not_yet_reviewed(label: str, incomplete: list[dict]) -> list[str]:
    """Lines describing each "needs review" result on a page that no ``REVIEWED`` entry covers."""
    lines = []
    for result in incomplete:
        for node in result["nodes"]:
            if not any(r.covers(result["id"], label, node["target"]) for r in REVIEWED):
                lines.append(
                    f"- needs review: {result['id']} ({result['help']}) at {node['target']}:"
                    f" {node['message']}"
                )
    return lines


def type_a_title(page) -> None:
    with page.expect_response(re.compile(r"/issues/similar/")):
        page.get_by_label("Title:", exact=True).fill("Caseloads too high in assessment")


def refresh_the_live_part(page) -> None:
    # Forget the version the page holds, so the next poll brings the part again (not a 304).
    page.locator("#live").evaluate("live => live.removeAttribute('data-etag')")
    with page.expect_response(re.compile(r"/live/$"), timeout=10_000):
        pass


# An htmx fragment's URL name: (the URL name of the page that hosts it, what makes it swap in).
# The host takes the same URL arguments as the fragment.
HOSTED_FRAGMENTS = {
    "issues:similar": ("issues:raise", type_a_title),
    "meetings:live": ("meetings:detail", refresh_the_live_part),
}

SIGNED_IN_ACCOUNT_PAGES = [
    "account_email",
    "account_change_password",
    "account_logout",
    "account_reauthenticate",
    "mfa_index",
    "socialaccount_connections",
]
WITHOUT_TWO_FACTOR = ["mfa_activate_totp"]
WITH_TWO_FACTOR = [
    "mfa_reauthenticate",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
]
SIGNED_OUT_ACCOUNT_PAGES = [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key_done",
    "account_email_verification_sent",
    "account_inactive",
    "socialaccount_login_cancelled",
]


def forbidden(request):
    raise PermissionDenied


# The project's URLs plus one that is always refused, to show the 403 page (no project view
# refuses with 403: out of reach is 404, so nobody learns what exists).
urlpatterns = [path("forbidden-for-tests/", forbidden), *project_urls.urlpatterns]
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500


def pages_for(persona: str, world: dict) -> list[tuple[str, str, int]]:
    """(label, URL, expected status) of every page ``persona`` can open."""
    pages = []
    for name, rule in sorted(POLICY.items()):
        if rule.method == "get" and rule.expected(persona) == 200:
            url = reverse(name, args=world["args"][rule.args])
            pages.append((name, f"{url}?{urlencode(rule.data)}" if rule.data else url, 200))
    if persona == "anonymous":
        account_pages = SIGNED_OUT_ACCOUNT_PAGES
    elif world["secrets"][persona]:
        account_pages = SIGNED_IN_ACCOUNT_PAGES + WITH_TWO_FACTOR
    else:
        account_pages = SIGNED_IN_ACCOUNT_PAGES + WITHOUT_TWO_FACTOR
    pages += [(name, reverse(name), 200) for name in account_pages]
    pages += [("404 page", "/no-such-page/", 404), ("403 page", "/forbidden-for-tests/", 403)]
    return pages


def sign_in_for_every_page(page, live_server, world: dict, persona: str) -> None:
    """Sign ``persona`` in through the real form, ready to open every page ``pages_for`` lists."""
    person = world["people"][persona]
    if world["secrets"][persona]:
        RecoveryCodes.activate(person)  # so the recovery-code pages have codes to show
    if person:
        login(page, live_server, person, totp_secret=world["secrets"][persona])
        # Two-factor settings ask for the password again, even just after signing in.
        page.goto(reverse("account_reauthenticate"))
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_page_passes_axe(
    new_page, live_server, world, persona, viewport, axe_violations, settings
):
    settings.ROOT_URLCONF = __name__
    page = new_page(viewport)
    sign_in_for_every_page(page, live_server, world, persona)

    problems: list[str] = []
    checked: list[str] = []
    skipped: list[str] = []
    fragments: list[str] = []
    for label, url, status in pages_for(persona, world):
        response = page.request.get(url, max_redirects=0)
        content_type = response.headers.get("content-type", "").split(";")[0]
        is_whole_page = response.body().lstrip()[:15].lower() == b"<!doctype html>"
        response.dispose()
        if response.status != status:
            moved = response.headers.get("location")
            problems.append(
                f"{label} ({url}) answered {response.status}, not {status}"
                + (f" (to {moved})" if moved else "")
            )
        elif content_type != "text/html":
            if content_type not in NOT_PAGES:
                problems.append(f"{label} ({url}) is {content_type}: say in NOT_PAGES why")
            skipped.append(f"{label} ({content_type})")
        elif not is_whole_page:
            if label not in HOSTED_FRAGMENTS:
                problems.append(f"{label} ({url}) is a fragment: name its page in HOSTED_FRAGMENTS")
            fragments.append(label)
        else:
            page.goto(url)
            violations, incomplete = axe_check_with_review(page)
            to_review = not_yet_reviewed(label, incomplete)
            if violations or to_review:
                problems.append(f"{label} ({url}):")
                problems += describe_axe_violations(violations) + to_review
            checked.append(label)

    for label in fragments:
        if label in HOSTED_FRAGMENTS:
            host, swap_in = HOSTED_FRAGMENTS[label]
            page.goto(reverse(host, args=world["args"][POLICY[label].args]))
            swap_in(page)
            page.evaluate(AXE_SETTLED)
            _, incomplete = axe_check_with_review(page)
            if to_review := not_yet_reviewed(label, incomplete):
                problems.append(f"{label} in {host}:")
                problems += to_review
            checked.append(f"{label} in {host}")
    page.evaluate(AXE_SETTLED)
    for page_url in dict.fromkeys(v["page"] for v in axe_violations):
        problems.append(f"after an htmx swap on {page_url}:")
        problems += describe_axe_violations([v for v in axe_violations if v["page"] == page_url])

    print(
        f"\n{persona} at {viewport['width']} px: {len(checked)} pages checked; "
        f"not pages, so not rendered: {', '.join(skipped) or 'none'}"
    )
    if problems:
        pytest.fail(
            f"axe-core problems for {persona}, {viewport['width']} px wide:\n" + "\n".join(problems)
        )


def test_axe_checks_each_htmx_swap_even_when_the_page_moves_straight_on(
    new_page, live_server, axe_violations, db
):
    forum = ForumFactory()
    member = MembershipFactory(forum=forum).user
    page = new_page()
    login(page, live_server, member)
    page.route(
        re.compile(r"/issues/similar/"),
        lambda route: route.fulfill(content_type="text/html", body='<input type="text">'),
    )
    page.goto(reverse("issues:raise", args=[forum.slug]))
    type_a_title(page)
    page.goto(reverse("home"))

    assert [(v["id"], v["page"]) for v in axe_violations] == [
        ("label", f"{live_server.url}{reverse('issues:raise', args=[forum.slug])}")
    ]
    axe_violations.clear()


def test_a_result_to_review_fails_the_sweep_until_it_is_reviewed(new_page, live_server, db):
    page = new_page()
    page.route(
        f"{live_server.url}/sample/",
        lambda route: route.fulfill(
            content_type="text/html",
            body="""<!DOCTYPE html><html lang="en"><head><title>Sample</title></head><body>
            <main><h1>Status, merge or hide</h1>
            <label for="id_reason">Reason (needed when closing)</label>
            <textarea id="id_reason" name="reason"></textarea>
            <label for="id_reason">Reason (shown to everyone)</label>
            <textarea id="id_reason" name="reason" required></textarea></main></body></html>""",
        ),
    )
    page.goto(f"{live_server.url}/sample/")

    _, incomplete = axe_check_with_review(page)

    to_review = not_yet_reviewed("issues:manage", incomplete)
    assert any("duplicate-id-aria" in line for line in to_review), to_review
    rules = {result["id"] for result in incomplete}
    REVIEWED.extend(Reviewed(rule, ".*", "a sample", pages="issues:manage") for rule in rules)
    try:
        assert not_yet_reviewed("issues:manage", incomplete) == []
        assert not_yet_reviewed("issues:list", incomplete), "accepted for one page only"
    finally:
        del REVIEWED[-len(rules) :]
