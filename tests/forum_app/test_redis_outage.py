"""With Redis stopped, or hung (SIGSTOP), every page still answers and nobody is locked out.

Each test starts its own redis-server on a free port (the machine's shared Redis is never
touched), points the cache and the broker at it, then stops or freezes it and walks every URL
as every persona (tests/access_policy.py), signs in with a password, opens the dashboard and
follows an anonymous issue by its receipt. A request that waited on Redis for good would be
stopped by a watchdog set to a gunicorn worker's timeout.
"""

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.cache import caches
from django.urls import reverse

from forum_app.cache import FailoverRedisCache
from forum_app.handoff import broker_rest_end
from forum_app.models import Notification
from issues.models import Category, ServiceArea
from issues.receipts import ADDRESS_LIMIT, new_receipt
from issues.services import forum_defaults_create
from tests.access_policy import PERSONAS, POLICY
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory, raise_issue
from tests.forum_app.test_worker import RedisServer, free_port, publishing_to
from tests.issues.conftest import issue_data
from tests.world import world_fixture  # noqa: F401 — the world fixture

pytestmark = [pytest.mark.services, pytest.mark.django_db]

# A gunicorn worker that does not answer within this long is killed: a request must never
# wait on Redis that long.
WORKER_TIMEOUT_SECONDS = 30


class PausableRedis(RedisServer):
    def hang(self) -> None:
        """Freeze the server: connections are accepted by the kernel but never answered."""
        self.process.send_signal(signal.SIGSTOP)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
        super().stop()


@pytest.fixture
def private_redis(settings) -> Iterator[PausableRedis]:
    server = PausableRedis(free_port())
    server.start()
    settings.REDIS_URL = server.url
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "forum_app.cache.FailoverRedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "swf",
            "FALLBACK": "database",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    try:
        yield server
    finally:
        server.stop()
        broker_rest_end()


def cut_off(server: PausableRedis, outage: str) -> None:
    if outage == "stopped":
        server.stop()
    else:
        server.hang()


class Hung(BaseException):
    """Not an Exception, so no ``except Exception`` on the way can swallow it."""


@contextmanager
def watchdog(what: str) -> Iterator[None]:
    def hung(signum, frame):
        raise Hung(f"{what} waited {WORKER_TIMEOUT_SECONDS} s: it hung on Redis")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(WORKER_TIMEOUT_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("outage", ["stopped", "hung"])
def test_every_page_answers_every_persona_while_redis_is_down(
    world, private_redis, outage, django_capture_on_commit_callbacks
):
    assert isinstance(caches["default"], FailoverRedisCache)
    cut_off(private_redis, outage)
    wrong = []
    with publishing_to(private_redis.url):
        # Pages first, then the actions (a POST that cancels a meeting changes what its
        # edit page answers).
        for name, rule in sorted(POLICY.items(), key=lambda item: (item[1].method, item[0])):
            url = reverse(name, args=world["args"][rule.args])
            for persona in PERSONAS:
                client = client_for(world["people"][persona])
                with watchdog(f"{rule.method.upper()} {url} as {persona}"):
                    with django_capture_on_commit_callbacks(execute=True):
                        response = getattr(client, rule.method)(url, rule.data)
                expected = 503 if name == "healthz_broker" else rule.expected(persona)
                if response.status_code != expected:
                    wrong.append((name, persona, response.status_code))
    assert wrong == []


@pytest.mark.parametrize("outage", ["stopped", "hung"])
def test_sign_in_dashboard_and_receipts_work_and_stay_limited_while_redis_is_down(
    private_redis, outage, forum, member, django_capture_on_commit_callbacks
):
    forum_defaults_create(forum=forum)
    choices = {
        "category": Category.objects.filter(forum=forum).first(),
        "area": ServiceArea.objects.filter(forum=forum).first(),
    }
    raised = raise_issue(forum=forum, actor=member, data=issue_data(choices), anonymous=True)
    cut_off(private_redis, outage)
    with publishing_to(private_redis.url):
        with watchdog("signing in"), django_capture_on_commit_callbacks(execute=True):
            response = client_for(None).post(
                reverse("account_login"), {"login": member.email, "password": PASSWORD}
            )
        assert response.status_code == 302

        with watchdog("the dashboard"):
            dashboard = client_for(member).get(reverse("summaries:dashboard", args=[forum.slug]))
        assert dashboard.status_code == 200

        follow = reverse("issues:follow", args=[forum.slug])
        with watchdog("following by receipt"):
            page = client_for(member).post(follow, {"receipt": raised.receipt})
        assert page.status_code == 200 and raised.issue.title in page.text

        # The limits fall back to the database: they still hold, not "no limit".
        answers = [
            client_for(member).post(follow, {"receipt": new_receipt()}).status_code
            for _ in range(ADDRESS_LIMIT + 1)
        ]
        assert answers[-1] == 429 and answers.count(200) == ADDRESS_LIMIT
        target = UserFactory()
        guesser = client_for(None)
        for _attempt in range(20):
            with watchdog("a wrong password"):
                refused = guesser.post(
                    reverse("account_login"), {"login": target.email, "password": "wrong"}
                )
        assert "Too many failed attempts" in refused.text
        right = guesser.post(
            reverse("account_login"), {"login": target.email, "password": PASSWORD}
        )
        assert right.status_code == 200 and "Too many failed attempts" in right.text


def test_health_says_live_while_redis_is_down_and_the_broker_check_says_why(private_redis, client):
    assert client.get(reverse("healthz")).json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
    }
    private_redis.stop()
    live = client.get(reverse("healthz"))
    assert live.status_code == 200
    assert live.json() == {"status": "ok", "database": "ok", "broker": "unavailable"}
    broker = client.get(reverse("healthz_broker"))
    assert broker.status_code == 503 and broker.json() == {"broker": "unavailable"}


def test_emails_queued_while_redis_hangs_wait_in_the_database_and_no_request_hangs(
    private_redis, forum, convenor, django_capture_on_commit_callbacks
):
    client_for(UserFactory()).get(reverse("home"))  # a server that has been answering pages
    private_redis.hang()
    with publishing_to(private_redis.url):
        for _person in range(3):
            with watchdog("asking to join"), django_capture_on_commit_callbacks(execute=True):
                response = client_for(UserFactory()).post(reverse("join"), {"forum": forum.pk})
            assert response.status_code == 302
    assert Notification.objects.filter(kind="membership_requested").count() == 3
    assert set(Notification.objects.values_list("status", flat=True)) == {"pending"}
