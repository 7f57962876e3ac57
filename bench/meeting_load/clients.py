"""The load test's clients: each does what a member's browser does (see ``bench.meeting_load``)."""

import http.client
import random
import re
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from bench.meeting_load.config import (
    FILL_IN,
    JOIN_WITHIN,
    POLL_EVERY,
    REUSE_WITHIN,
    THINK,
    TIMEOUT,
    WINDOW,
)

ETAG = re.compile(r'id="live"[^>]*\bdata-etag="([^"]*)"')


HX_CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')


FORM_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


ASSETS = re.compile(r'(?:href|src)="(/static/[^"]+)"')


ATTEND = re.compile(r'<form method="post" action="([^"]+/attend/)"')


VOTE_LINK = re.compile(r'<a id="vote-link"[^>]*href="([^"]+)"')


BALLOT = re.compile(r'<form[^>]*class="ballot" data-budget="(\d+)" data-cap="(\d+)"')


DOTS_FIELD = re.compile(r'<input type="number" name="(theme_\d+)"')


RETRY = re.compile(r'hx-get="([^"]+)" hx-trigger="load delay:2s"')


SUPPORT_FORM = re.compile(
    r'hx-post="([^"]+/support/)"[^>]*>\s*<input[^>]*name="csrfmiddlewaretoken"[^>]*>\s*'
    r'<input type="hidden" name="action" value="(support|withdraw)">'
)


NEXT_PAGE = re.compile(r'hx-get="(\?[^"]*page=\d+)"[^>]*>Next page<')


PRESSED = re.compile(r'aria-pressed="(true|false)"')


@dataclass(frozen=True)
class Sample:
    kind: str
    status: int
    ms: float
    error: str = ""
    at: float = field(default_factory=time.perf_counter)  # when the answer came


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


@dataclass(frozen=True)
class Page:
    status: int
    location: str
    text: str


class Browser:
    """One person's browser: their cookies, one keep-alive connection, every request timed."""

    def __init__(self, port: int, session: str, recorder: Recorder) -> None:
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self.recorder = recorder
        self.jar: dict[str, str] = {}
        self.store(SimpleCookie(session))
        self.conn: http.client.HTTPConnection | None = None
        self.last_used = 0.0
        self.cached: set[str] = set()
        self.url = "/"

    def store(self, cookies: SimpleCookie) -> None:
        for name, morsel in cookies.items():
            if morsel["max-age"] == "0" or not morsel.value:
                self.jar.pop(name, None)
            else:
                self.jar[name] = morsel.coded_value

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        if self.conn and time.perf_counter() - self.last_used < REUSE_WITHIN:
            return self.conn, True
        self.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        return self.conn, False

    def close(self) -> None:
        if self.conn:
            self.conn.close()
            self.conn = None

    def _send(self, method: str, path: str, body: str | None, headers: dict):
        """Send once; a GET on a reused connection the server had just closed goes again."""
        for attempt in (1, 2):
            conn, reused = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                return response, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2 or not reused or method != "GET":
                    raise
        raise AssertionError("unreachable")

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        expect: tuple[int, ...] = (200,),
        headers: dict | None = None,
        form: dict | None = None,
    ) -> Page | None:
        """One request, recorded under ``kind`` ("{status}" in it is filled in)."""
        sent = {
            "Accept-Encoding": "gzip, deflate, br",
            "Referer": self.origin + self.url,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items()),
            **(headers or {}),
        }
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if method == "POST":
            sent["Origin"] = self.origin
        started = time.perf_counter()
        try:
            response, raw = self._send(method, path, body, sent)
        except (http.client.HTTPException, OSError) as error:
            ms = (time.perf_counter() - started) * 1000
            name = kind.format(status="failed")
            self.recorder.add(Sample(name, 0, ms, f"{method} {path}: {type(error).__name__}"))
            self.close()
            return None
        ms = (time.perf_counter() - started) * 1000
        self.last_used = time.perf_counter()
        if response.will_close:
            self.close()
        for header in response.msg.get_all("Set-Cookie") or []:
            self.store(SimpleCookie(header))
        status = response.status
        error = "" if status in expect else f"{method} {path} answered {status}"
        self.recorder.add(Sample(kind.format(status=status), status, ms, error))
        if error:
            return None
        text = "" if path.startswith("/static/") else raw.decode()
        return Page(status, response.getheader("Location", ""), text)

    def find(self, kind: str, pattern: re.Pattern, page: Page | None) -> str | None:
        """What a person reads off the page; its absence is an error of this kind."""
        found = pattern.search(page.text) if page else None
        if found is None:
            what = f"no {pattern.pattern[:40]!r} in {self.url}"
            self.recorder.add(Sample(kind, page.status if page else 0, 0, what))
            return None
        return found.group(1)

    def get(self, kind: str, path: str, **kwargs) -> Page | None:
        return self.request(kind, "GET", path, **kwargs)

    def open(self, kind: str, path: str) -> Page | None:
        """Open a page as the address bar does, then its static files not yet cached."""
        page = self.get(kind, path)
        if page is None:
            return None
        self.url = path
        for asset in ASSETS.findall(page.text):
            if asset not in self.cached:
                self.cached.add(asset)
                self.get("static", asset)
        return page

    def htmx(self, target: str, trigger: str = "") -> dict:
        """The headers htmx adds to a request it makes for ``target``."""
        headers = {"HX-Request": "true", "HX-Current-URL": self.origin + self.url}
        headers["HX-Target"] = target
        if trigger:
            headers["HX-Trigger"] = trigger
        return headers


@dataclass
class Ballot:
    """What one member sent: dots by form field, and whether the forum took it."""

    dots: dict[str, int] = field(default_factory=dict)
    counted: bool = False
    joined: bool = False  # said "I'm here" and the forum counted it


def fill_in(rng: random.Random, fields: list[str], budget: int, cap: int) -> dict[str, int]:
    """Dots a person places: some or all of their budget, never more than the cap on one."""
    dots = dict.fromkeys(fields, 0)
    for _ in range(rng.randint(1, budget)):
        field_name = rng.choice([f for f in fields if dots[f] < cap])
        dots[field_name] += 1
    return dots


def attend_and_vote(browser: Browser, rng: random.Random, clock, meeting_url: str) -> Ballot:
    """A member's evening: join, poll, vote when they choose to, poll on until the end."""
    ballot = Ballot()
    join_at = rng.uniform(0, JOIN_WITHIN)
    vote_at = rng.uniform(join_at + POLL_EVERY, WINDOW - FILL_IN[1] - 4)
    live_url = meeting_url + "live/"
    clock.wait_until(join_at)
    page = browser.open("meeting_page", meeting_url)
    if page is not None and ATTEND.search(page.text):
        # "I'm here": counted as attending, which changes the live part for everyone.
        token = browser.find("attend", FORM_CSRF, page)
        action = ATTEND.search(page.text).group(1)
        form = {"csrfmiddlewaretoken": token or ""}
        sent = browser.request("attend", "POST", action, expect=(302,), form=form)
        ballot.joined = sent is not None
        page = browser.open("meeting_page", meeting_url) if sent else None
    etag = browser.find("meeting_page", ETAG, page)
    if etag is None:
        return ballot
    next_poll = clock.now() + POLL_EVERY
    voted = False
    while True:
        wake = next_poll if voted else min(next_poll, vote_at)
        if wake >= WINDOW:
            break
        clock.wait_until(wake)
        if not voted and clock.now() >= vote_at:
            voted = True
            link = browser.find("vote_page", VOTE_LINK, page)
            page = cast(browser, rng, link, ballot) if link else None
            etag = browser.find("meeting_page", ETAG, page) if page else None
            if etag is None:
                break
            next_poll = clock.now() + POLL_EVERY
            continue
        polled_at = clock.now()
        headers = browser.htmx("live", "live") | {"If-None-Match": f'"{etag}"'}
        poll = browser.get("live_poll_{status}", live_url, expect=(200, 304), headers=headers)
        if poll is None:
            break
        if poll.status == 200:
            # The swapped-in section starts its own 3 s timer.
            page = poll
            etag = browser.find("live_poll_200", ETAG, poll)
            if etag is None:
                break
            next_poll = clock.now() + POLL_EVERY
        else:
            next_poll = polled_at + POLL_EVERY
    browser.close()
    return ballot


def cast(browser: Browser, rng: random.Random, vote_url: str, ballot: Ballot) -> Page | None:
    """Open the ballot, place dots, send it, and land back on the meeting page."""
    meeting_url = browser.url
    page = browser.open("vote_page", vote_url)
    form = BALLOT.search(page.text) if page else None
    token = browser.find("vote_page", FORM_CSRF, page)
    if form is None or token is None:
        if page is not None:
            browser.recorder.add(Sample("vote_page", 0, 0, "the vote page shows no ballot"))
        return None
    fields = DOTS_FIELD.findall(page.text)
    ballot.dots = fill_in(rng, fields, int(form.group(1)), int(form.group(2)))
    time.sleep(rng.uniform(*FILL_IN))
    body = {"csrfmiddlewaretoken": token}
    body |= {name: str(dots) if dots else "" for name, dots in ballot.dots.items()}
    sent = browser.request("vote", "POST", vote_url, expect=(302,), form=body)
    if sent is None:
        return None
    ballot.counted = True
    if sent.location != meeting_url:
        browser.recorder.add(Sample("vote", 0, 0, f"the ballot led to {sent.location}"))
        return None
    return browser.open("meeting_page", meeting_url)


@dataclass
class Browsing:
    """The "Me too"s one browsing member gave or withdrew: issue id → supported at the end."""

    supports: dict[int, bool] = field(default_factory=dict)
    added: int = 0
    withdrawn: int = 0


def browse(browser: Browser, rng: random.Random, clock, list_url: str, words: list[str]):
    """Browse issues until the meeting's minute is up: filter, page, search, read, support."""
    done = Browsing()
    clock.wait_until(rng.uniform(0, 2))
    page = browser.open("issue_list", list_url)
    if page is None:
        return done
    found = issue_ids(page.text, list_url)
    options = filter_options(page.text)
    shown = page.text
    while clock.now() < WINDOW:
        action = rng.choices(["filter", "next", "search", "read"], weights=[3, 2, 3, 4])[0]
        results = None
        next_page = NEXT_PAGE.search(shown)
        if action == "filter":
            chosen = rng.sample(sorted(options), k=rng.randint(1, 2))
            query = "&".join(f"{name}={rng.choice(options[name])}" for name in chosen)
            results = browser.get(
                "issue_list", f"{list_url}?{query}", headers=browser.htmx("results")
            )
        elif action == "next" and next_page:
            query = next_page.group(1).replace("&amp;", "&")
            results = browser.get(
                "issue_list", f"{list_url}{query}", headers=browser.htmx("results")
            )
        elif action == "search":
            # The form asks as the person types (after a 500 ms pause): a word, then two.
            first = rng.randrange(len(words) - 1)
            for typed in (words[first], f"{words[first]}+{words[first + 1]}"):
                results = browser.get(
                    "issue_search", f"{list_url}?q={typed}", headers=browser.htmx("results")
                )
                time.sleep(0.6)
        elif found:
            read(browser, rng, list_url, rng.choice(found), done)
            browser.url = list_url
        if results is not None:
            shown = results.text
            found = issue_ids(shown, list_url) or found
        time.sleep(rng.uniform(*THINK))
    browser.close()
    return done


def read(browser: Browser, rng: random.Random, list_url: str, issue: int, done: Browsing):
    """Open an issue; its similar issues load after it; sometimes say "Me too" (or withdraw)."""
    url = f"{list_url}{issue}/"
    page = browser.open("issue_detail", url)
    if page is None:
        return
    similar = f"{url}similar/"
    for _ in range(3):
        section = browser.get("similar_issues", similar, headers=browser.htmx("similar"))
        retry = RETRY.search(section.text) if section else None
        if retry is None:
            break
        time.sleep(2)
        similar = retry.group(1).replace("&amp;", "&")
    support = SUPPORT_FORM.search(page.text)
    if support is None or rng.random() > 0.4:
        return
    time.sleep(rng.uniform(0.5, 1.5))
    action = support.group(2)
    token = browser.find("me_too", HX_CSRF, page)
    if token is None:
        return
    headers = browser.htmx("support") | {"X-CSRFToken": token}
    answer = browser.request(
        "me_too", "POST", support.group(1), headers=headers, form={"action": action}
    )
    pressed = browser.find("me_too", PRESSED, answer) if answer else None
    if pressed is None:
        return
    meant = action == "support"
    if (pressed == "true") != meant:
        browser.recorder.add(Sample("me_too", 0, 0, f"{action} on {issue} did not change it"))
    done.supports[issue] = meant
    if action == "support":
        done.added += 1
    else:
        done.withdrawn += 1


def issue_ids(text: str, list_url: str) -> list[int]:
    return [int(pk) for pk in re.findall(rf'href="{re.escape(list_url)}(\d+)/"', text)]


def filter_options(text: str) -> dict[str, list[str]]:
    """The filter form's choices as the page offers them (the first, "any", left out)."""
    options = {}
    for name in ("category", "service_area", "status", "sort"):
        select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', text, re.S)
        values = re.findall(r'<option value="([^"]+)"', select.group(1)) if select else []
        if values:
            options[name] = values
    return options


class Clock:
    """Seconds since the start of the run, and sleeping until a moment in it."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def now(self) -> float:
        return time.perf_counter() - self.started

    def wait_until(self, moment: float) -> None:
        pause = moment - self.now()
        if pause > 0:
            time.sleep(pause)
