"""Real-browser tests: Playwright drives the system's Chromium against ``live_server``.

Fixtures: ``browser`` (one per session), ``new_page(viewport=..., bypass_csp=False)`` (a
fresh context per call, so several people can be signed in at once), ``page`` (desktop) and
``phone_page`` (375 px). Every page is watched for Content-Security-Policy violations, and
axe-core checks the whole page after every htmx swap; a test fails if the app's pages reported
either. Helpers: ``login``, ``assert_accessible``, ``latest_email`` and ``link_in``.
"""

import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import axe_playwright_python
import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.core.cache import cache
from django.db import connection

from tests.conftest import require_service
from tests.factories import PASSWORD

TOTP_PERIOD = 30

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
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()

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

# Runs after axe-core in every page: one queue for every axe run (axe refuses to run twice at
# once), a run of the whole page after each htmx swap settles (swaps that settle while a run
# waits share it), and each violation kept and reported to Python like CSP violations. Python
# hears when the page is busy (an htmx request in flight, its swap settling, axe runs queued),
# so it can hold a navigation until the runs have reported.
AXE_AFTER_SWAPS = """
(() => {
  const options = __AXE_OPTIONS__;
  let queue = Promise.resolve();
  let pending = 0;
  let requests = 0;
  let settlingUntil = 0;
  let busy = false;
  let swapRunWaiting = false;
  const isBusy = () => pending > 0 || requests > 0 || Date.now() < settlingUntil;
  const update = () => {
    const now = isBusy();
    if (now !== busy && window.__reportAxeBusy) window.__reportAxeBusy(now);
    busy = now;
  };
  const finished = () => {
    pending -= 1;
    update();
  };
  const enqueue = (task) => {
    pending += 1;
    update();
    const result = queue.then(task);
    queue = result.then(finished, finished);
    return result;
  };
  document.addEventListener("htmx:beforeSend", () => {
    requests += 1;
    update();
  });
  document.addEventListener("htmx:afterRequest", () => {
    // The swap is done; it settles (and so queues its axe run) a moment later.
    requests = Math.max(0, requests - 1);
    settlingUntil = Date.now() + 250;
    setTimeout(update, 260);
  });
  const report = (seen) => {
    window.__axeSwapViolations.push(seen);
    if (window.__reportAxeViolation) window.__reportAxeViolation(seen);
  };
  window.__axeSwapViolations = [];
  window.__axeIdle = async () => {
    await queue;
    while (isBusy()) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await queue;
    }
  };
  window.__axeRun = (context, runOptions) =>
    enqueue(() => axe.run(context || document, runOptions)).then((results) => results.violations);
  // Violations and the results axe cannot decide alone ("needs review"), each node with the
  // reason axe gives.
  window.__axeRunWithReview = (context, runOptions) =>
    enqueue(() => axe.run(context || document, runOptions)).then((results) => ({
      violations: results.violations,
      incomplete: results.incomplete.map((rule) => ({
        id: rule.id,
        help: rule.help,
        nodes: rule.nodes.map((node) => ({
          target: node.target.join(" "),
          message: [...node.any, ...node.all, ...node.none].map((c) => c.message).join(" "),
        })),
      })),
    }));
  document.addEventListener("htmx:afterSettle", () => {
    if (swapRunWaiting) return;
    swapRunWaiting = true;
    enqueue(async () => {
      swapRunWaiting = false;
      const page = document.location.href;
      try {
        const results = await axe.run(document, options);
        for (const violation of results.violations) {
          report({
            page,
            id: violation.id,
            impact: violation.impact,
            help: violation.help,
            helpUrl: violation.helpUrl,
            nodes: violation.nodes.slice(0, 10).map((node) => ({
              target: node.target,
              failureSummary: node.failureSummary,
            })),
          });
        }
      } catch (error) {
        report({ page, id: "axe-error", impact: "", help: String(error), helpUrl: "", nodes: [] });
      }
    });
  });
})();
""".replace("__AXE_OPTIONS__", json.dumps(AXE_OPTIONS))

# Waits (at most 30 s) until a page's htmx requests have settled and its axe runs have reported;
# gives what they found since it loaded.
AXE_SETTLED = """
Promise.race([
  window.__axeIdle ? window.__axeIdle() : null,
  new Promise((resolve) => setTimeout(resolve, 30000)),
]).then(() => window.__axeSwapViolations || [])
"""

STOP_NEW_REQUESTS = """
document.addEventListener("htmx:beforeRequest", (event) => event.preventDefault(), true);
"""

# The longest files first, so that with several workers (pytest-xdist) none is left running a
# long journey alone at the end while the others wait; the rest keep their order.
SLOWEST_FIRST = [
    "test_meeting_journey.py",
    "test_keyboard_only.py",
    "test_grouping_board.py",
    "test_axe_sweep.py",
    "test_reflow.py",
    "test_html_validity.py",
    "test_issues_journey.py",
    "test_brief_journey.py",
    "test_live_focus.py",
    "test_remote_vote.py",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    places = [index for index, item in enumerate(items) if E2E_DIR in Path(item.path).parents]
    for index in places:
        items[index].add_marker(pytest.mark.browser)

    def rank(item: pytest.Item) -> int:
        name = Path(item.path).name
        return SLOWEST_FIRST.index(name) if name in SLOWEST_FIRST else len(SLOWEST_FIRST)

    # Only the browser tests move, among the places they already hold (pytest-django has put
    # the tests that empty the database after those that roll back).
    for index, item in zip(places, sorted((items[i] for i in places), key=rank), strict=True):
        items[index] = item


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
def axe_violations() -> list[dict]:
    """Every axe-core violation found after an htmx swap in any page of this test."""
    return []


def _keep(found: list[dict], seen: dict) -> None:
    if seen not in found:
        found.append(seen)


def _hold_navigation_while_axe_runs(busy: set, route, request) -> None:
    """Let a page leave only once the axe runs queued in it have reported (at most 30 s).

    The page tells Python when its queue is busy; waiting here lets its scripts run on, where
    Playwright's ``evaluate`` would wait for the document the navigation brings.
    """
    try:
        if request.is_navigation_request() and request.frame.parent_frame is None:
            page = request.frame.page
            for _ in range(600):
                if page not in busy:
                    break
                page.wait_for_timeout(50)
    except Exception:  # noqa: S110 — nothing to wait for in a page that is already gone
        pass
    route.fallback()


def _note_axe_busy(busy: set, source: dict, is_busy: bool) -> None:
    if source["frame"].parent_frame is None:
        (busy.add if is_busy else busy.discard)(source["page"])


def describe_axe_violations(violations: list[dict]) -> list[str]:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" — {violation['helpUrl']}"
        )
        for node in violation["nodes"][:10]:
            lines.append(f"    at {node['target']}: {node['failureSummary']}".rstrip())
    return lines


@pytest.fixture
def new_page(browser, live_server, csp_violations, axe_violations, request) -> Iterator[Callable]:
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
        context.expose_binding(
            "__reportAxeViolation", lambda _source, seen: _keep(axe_violations, seen)
        )
        context.add_init_script(AXE_SOURCE)
        context.add_init_script(AXE_AFTER_SWAPS)
        busy: set = set()
        context.expose_binding(
            "__reportAxeBusy", lambda source, is_busy: _note_axe_busy(busy, source, is_busy)
        )
        context.route(
            lambda url: "/static/" not in url,
            lambda route, req: _hold_navigation_while_axe_runs(busy, route, req),
        )
        contexts.append(context)
        return context.new_page()

    yield open_page

    failed = getattr(request.node, "report_call", None)
    failed = failed is not None and failed.failed
    # The test is over: pages that poll (a meeting's live part) start no new requests, so the
    # wait below is for what the test itself set going, not for the next poll's swap.
    for context in contexts:
        for page in context.pages:
            try:
                page.evaluate(STOP_NEW_REQUESTS)
            except Exception:  # noqa: S110 — a closed or crashed page starts nothing
                pass
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
                # Reading the page's own lists also flushes reports still in flight.
                for seen in page.evaluate(AXE_SETTLED):
                    _keep(axe_violations, seen)
                for seen in page.evaluate("window.__cspViolations || []"):
                    _keep(csp_violations, seen)
            except Exception:  # noqa: S110 — a closed or crashed page has nothing more to say
                pass
        context.close()
    problems = []
    if csp_violations:
        problems.append("Content-Security-Policy violations:")
        problems += [
            f"  {v['directive']} blocked {v['blocked'] or 'inline'} on {v['page']}"
            f" ({v['source']}:{v['line']}) {v['sample'] or ''}"
            for v in csp_violations
        ]
    if axe_violations:
        for page_url in dict.fromkeys(v["page"] for v in axe_violations):
            problems.append(f"axe-core found problems after an htmx swap on {page_url}:")
            problems += describe_axe_violations(
                [v for v in axe_violations if v["page"] == page_url]
            )
    if problems and not failed:
        pytest.fail("\n".join(problems))


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def phone_page(new_page):
    return new_page(PHONE)


def assert_accessible(page, *, context: str | None = None, disable: tuple[str, ...] = ()) -> None:
    """Run axe-core on the page as it is now; fail listing every WCAG 2.2 A/AA violation.

    axe comes in as a browser init script, which the page's CSP does not govern, so the check
    runs on the page exactly as users get it; it waits its turn behind runs after htmx swaps.
    """
    violations = axe_check(page, context=context, disable=disable)
    if violations:
        lines = [f"axe-core found {len(violations)} problem(s) on {page.url}:"]
        pytest.fail("\n".join(lines + describe_axe_violations(violations)))


def axe_check(page, *, context=None, disable: tuple[str, ...] = ()) -> list[dict]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now."""
    options = dict(AXE_OPTIONS)
    if disable:
        options["rules"] = {rule: {"enabled": False} for rule in disable}
    page.wait_for_load_state()
    if not page.evaluate("typeof window.__axeRun === 'function'"):
        page.evaluate(AXE_SOURCE)
        page.evaluate(AXE_AFTER_SWAPS)
    return page.evaluate(
        "([context, options]) => window.__axeRun(context, options)", [context, options]
    )


def axe_check_with_review(page) -> tuple[list[dict], list[dict]]:
    """axe-core's violations on the page as it is now, and what it asks a person to review.

    Each result to review is ``{"id", "help", "nodes": [{"target", "message"}]}``.
    """
    options = dict(AXE_OPTIONS, resultTypes=["violations", "incomplete"])
    page.wait_for_load_state()
    if not page.evaluate("typeof window.__axeRunWithReview === 'function'"):
        page.evaluate(AXE_SOURCE)
        page.evaluate(AXE_AFTER_SWAPS)
    found = page.evaluate("(options) => window.__axeRunWithReview(null, options)", options)
    return found["violations"], found["incomplete"]


# WCAG 1.4.12: line height 1.5, paragraph spacing 2, letter spacing 0.12, word spacing 0.16.
TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""


def apply_text_spacing(page) -> None:
    """Add the override as a user's style sheet would (the page's CSP does not govern it)."""
    page.evaluate(
        """(css) => {
          const sheet = new CSSStyleSheet();
          sheet.replaceSync(css);
          document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
        }""",
        TEXT_SPACING,
    )


def totp_code(secret: str) -> str:
    """The two-factor code for ``secret`` an authenticator app shows at this moment.

    Call it right before typing the code. The forum accepts the code of the step before or
    after the current one (MFA_TOTP_TOLERANCE), so a slow page between here and the server
    checking it does not make the sign-in fail.
    """
    return format_hotp_value(hotp_value(secret, int(time.time()) // TOTP_PERIOD))


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


@pytest.fixture
def one_request_at_a_time(live_server):
    """Serialise the live server's requests when it shares one in-memory SQLite connection.

    Four browsers polling at once would otherwise use that single connection from several
    threads together ("database table is locked"). PostgreSQL needs no such help.
    """
    if not connection.vendor == "sqlite" or not connection.is_in_memory_db():
        yield
        return
    server = live_server.thread.httpd
    app = server.get_app()
    lock = threading.Lock()

    def locked(environ, start_response):
        with lock:
            return app(environ, start_response)

    server.set_app(locked)
    yield
    server.set_app(app)
