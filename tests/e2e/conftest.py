"""Real-browser tests: Playwright drives the system's Chromium against ``live_server``.

Fixtures: ``browser`` (one per session), ``new_page(viewport=..., bypass_csp=False)`` (a
fresh context per call, so several people can be signed in at once), ``page`` (desktop) and
``phone_page`` (375 px). Every page is watched for Content-Security-Policy violations and a
test fails if the app's pages reported any. Helpers: ``login``, ``assert_accessible``,
``latest_email`` and ``link_in``.
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.core.cache import cache

from tests.conftest import require_service
from tests.factories import PASSWORD

# Playwright's sync API keeps an event loop running in the main thread; Django would
# otherwise refuse ORM calls from test code ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = E2E_DIR.parent.parent / "test-artifacts"
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Runs in every page before its own scripts: keeps each CSP violation where the test can
# read it, and reports it to Python so a later navigation cannot lose it.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const seen = {
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
    page: document.location.href,
  };
  window.__cspViolations.push(seen);
  if (window.__reportCspViolation) window.__reportCspViolation(seen);
});
"""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator:
    require_service(Path(CHROMIUM_PATH).exists(), f"Chromium at {CHROMIUM_PATH} (CHROMIUM_PATH)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def csp_violations() -> list[dict]:
    """Every CSP violation reported by any page of this test (checked after the test)."""
    return []


@pytest.fixture
def new_page(browser, live_server, csp_violations, request) -> Iterator[Callable]:
    """Open a page in a fresh browser context: ``new_page(viewport=PHONE)``.

    Each call is a separate person (own cookies). Contexts close after the test; on failure
    a full-page screenshot of each page lands in ``test-artifacts/``.
    """
    contexts = []

    def open_page(viewport: dict | None = None, *, bypass_csp: bool = False, **options):
        context = browser.new_context(
            viewport=viewport or DESKTOP,
            base_url=live_server.url,
            locale="en-GB",
            timezone_id="Europe/London",
            bypass_csp=bypass_csp,
            **options,
        )
        context.set_default_timeout(10_000)
        if not bypass_csp:
            context.expose_binding(
                "__reportCspViolation", lambda _source, seen: csp_violations.append(seen)
            )
            context.add_init_script(CSP_LISTENER)
        contexts.append(context)
        return context.new_page()

    yield open_page

    failed = getattr(request.node, "report_call", None)
    failed = failed is not None and failed.failed
    for number, context in enumerate(contexts):
        for index, page in enumerate(context.pages):
            if failed:
                ARTIFACTS.mkdir(exist_ok=True)
                name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-120:]
                try:
                    page.screenshot(path=ARTIFACTS / f"{name}-{number}-{index}.png", full_page=True)
                except Exception:  # noqa: S110 — a screenshot is a courtesy, never a new failure
                    pass
            try:
                # Reading the page's own list also flushes reports still in flight.
                for seen in page.evaluate("window.__cspViolations || []"):
                    if seen not in csp_violations:
                        csp_violations.append(seen)
            except Exception:  # noqa: S110 — a closed or crashed page has nothing more to say
                pass
        context.close()
    if csp_violations and not failed:
        lines = "\n".join(
            f"  {v['directive']} blocked {v['blocked'] or 'inline'} on {v['page']}"
            f" ({v['source']}:{v['line']}) {v['sample'] or ''}"
            for v in csp_violations
        )
        pytest.fail(f"Content-Security-Policy violations:\n{lines}")


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def phone_page(new_page):
    return new_page(PHONE)


def assert_accessible(page, *, context: str | None = None, disable: tuple[str, ...] = ()) -> None:
    """Run axe-core on the page as it is now; fail listing every WCAG 2.2 A/AA violation.

    axe is injected through the DevTools protocol, which the page's CSP does not govern,
    so the check runs on the page exactly as users get it.
    """
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    if disable:
        options["rules"] = {rule: {"enabled": False} for rule in disable}
    results = Axe().run(page, context=context, options=options)
    violations = results.response["violations"]
    if violations:
        lines = [f"axe-core found {len(violations)} problem(s) on {page.url}:"]
        for violation in violations:
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']}"
                f" — {violation['helpUrl']}"
            )
            for node in violation["nodes"][:10]:
                lines.append(f"    at {node['target']}: {node['failureSummary']}".rstrip())
        pytest.fail("\n".join(lines))


def totp_code(secret: str) -> str:
    """The current two-factor code for ``secret``, as an authenticator app shows it."""
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def login(
    page,
    live_server,
    user_or_email,
    password: str = PASSWORD,
    totp_secret: str | None = None,
    *,
    next_url: str = "",
) -> None:
    """Sign in through the real form, typing the current code when the two-factor step shows."""
    email = getattr(user_or_email, "email", user_or_email)
    url = f"{live_server.url}/accounts/login/"
    page.goto(f"{url}?next={next_url}" if next_url else url)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/accounts/2fa/authenticate/" in page.url:
        assert totp_secret, f"{email} has two-factor authentication; pass totp_secret"
        code = totp_code(totp_secret)
        # The same code may not be used twice in one period; a test signing the same person
        # in twice within 30 seconds would otherwise be refused.
        user_id = getattr(user_or_email, "pk", None)
        if user_id:
            cache.delete(f"allauth.mfa.totp.used?user={user_id}&code={code}")
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name=re.compile("Sign in|Continue|Verify", re.I)).click()
        page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"sign-in failed for {email}: {page.url}"


def latest_email(to: str) -> mail.EmailMessage:
    """The newest message sent to ``to`` (the live server shares the in-process outbox)."""
    for message in reversed(mail.outbox):
        if to.lower() in (address.lower() for address in message.to):
            return message
    sent = [(m.to, m.subject) for m in mail.outbox]
    raise AssertionError(f"No email to {to}. Sent: {sent}")


def link_in(message: mail.EmailMessage, contains: str = "") -> str:
    """The first link in the email's text whose address contains ``contains``."""
    for link in re.findall(r"https?://[^\s<>\"']+", message.body):
        if contains in link:
            return link
    raise AssertionError(f"No link containing {contains!r} in:\n{message.body}")


@pytest.fixture
def outbox() -> list:
    """The live server's sent mail, emptied at the start of the test."""
    mail.outbox.clear()
    return mail.outbox
