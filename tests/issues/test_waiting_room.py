"""Anonymous posts wait outside the database and appear at a random moment within the window."""

import time

import pytest
from django.core.management import call_command
from django.urls import reverse

from forum_app.celery import app as celery_app
from forum_app.models import Notification
from issues import receipts, services, waiting_room
from issues.models import Category, Comment, Issue, IssueEvent
from tests.conftest import client_for
from tests.factories import raise_issue
from tests.issues.conftest import form_data, issue_data

pytestmark = pytest.mark.django_db


def send(forum, lists, **overrides) -> str:
    return services.issue_raise_anonymous(
        forum=forum, data=issue_data(lists, **overrides), submission=receipts.new_submission()
    )


def waiting() -> list[dict]:
    return list(waiting_room.room().items().values())


def test_the_same_words_sent_again_from_a_fresh_form_wait_once(forum, lists, member):
    """Back, then Raise again: the page came back with a new token and the typed words."""
    first = send(forum, lists)
    with pytest.raises(services.AlreadySent):
        send(forum, lists)
    assert len(waiting()) == 1
    services.anonymous_publish_due(everything=True)
    with pytest.raises(services.AlreadySent):
        send(forum, lists)  # appeared already: still the same issue
    assert send(forum, lists, body="Most of us hold 28 to 34 children. Some hold 40.") != first

    page = client_for(member).post(
        reverse("issues:raise", args=[forum.slug]), form_data(lists, identity="anonymous")
    )
    assert page.status_code == 302
    assert page["Location"] == reverse("issues:list", args=[forum.slug])
    assert Issue.objects.filter(forum=forum).count() == 1
    assert len(waiting()) == 1


def test_raising_anonymously_writes_nothing_to_the_database(forum, lists):
    send(forum, lists)
    assert not Issue.objects.exists()
    assert not IssueEvent.objects.exists()
    assert len(waiting()) == 1


def test_what_waits_names_nobody_and_holds_no_time_of_raising(forum, lists, member):
    before = time.time()
    send(forum, lists)
    (item,) = waiting()
    assert set(item) == {"kind", "forum", "due", "receipt_hash", "feed_hash", "data"}
    assert set(item["data"]) == {
        "title",
        "body",
        "impact",
        "proposed_solution",
        "category",
        "service_area",
        "team",
        "evidence",
        "figures",
        "safety_risk",
    }
    assert member.email not in str(item) and str(member) not in str(item)
    window = forum.anonymity_window_minutes * 60
    assert before <= item["due"] <= time.time() + window


def test_each_post_is_due_at_its_own_random_moment_within_the_window(forum, lists):
    for number in range(20):
        send(forum, lists, title=f"Caseloads are over 30 (post {number})")
    dues = sorted(item["due"] for item in waiting())
    assert dues[-1] - dues[0] > 60  # spread over the window, not all at once
    assert dues[-1] <= time.time() + forum.anonymity_window_minutes * 60


def test_a_longer_window_is_a_forum_setting(forum, lists):
    forum.anonymity_window_minutes = 120
    forum.save()
    for number in range(20):
        send(forum, lists, title=f"Caseloads are over 30 (post {number})")
    assert max(item["due"] for item in waiting()) > time.time() + 30 * 60


def test_a_window_under_thirty_minutes_is_refused(forum):
    from django.core.exceptions import ValidationError

    forum.anonymity_window_minutes = 5
    with pytest.raises(ValidationError):
        forum.full_clean()


def test_nothing_appears_before_its_moment_and_it_appears_after(forum, lists, monkeypatch):
    code = send(forum, lists)
    (item,) = waiting()
    monkeypatch.setattr(time, "time", lambda: item["due"] - 1)
    assert services.anonymous_publish_due() == 0
    assert not Issue.objects.exists()
    monkeypatch.setattr(time, "time", lambda: item["due"] + 1)
    assert services.anonymous_publish_due() == 1
    issue = Issue.objects.get()
    assert issue.is_anonymous and issue.author is None
    assert issue.receipt_hash == receipts.receipt_hash(code)
    assert waiting() == []


def test_two_sweepers_publish_one_issue(forum, lists):
    send(forum, lists)
    key, item = next(iter(waiting_room.room().items().items()))
    services.anonymous_publish_due(everything=True)
    waiting_room.room().add(key, item)  # a second sweeper read it before the first removed it
    assert services.anonymous_publish_due(everything=True) == 0
    assert Issue.objects.count() == 1


def test_a_safety_issue_alerts_the_convenors_when_it_appears(forum, lists, convenor):
    send(forum, lists, category=lists["safety"])
    assert not Notification.objects.exists()
    services.anonymous_publish_due(everything=True)
    alert = Notification.objects.get(kind="safety_issue_raised")
    assert alert.recipient == convenor
    assert alert.context["raised_by"] == "Raised anonymously"


def test_a_post_whose_category_went_is_dropped_not_retried_forever(forum, lists, caplog):
    spare = Category.objects.create(forum=forum, name="Spare")
    send(forum, lists, category=spare)
    spare.delete()
    assert services.anonymous_publish_due(everything=True) == 0
    assert waiting() == []
    assert "could not be published" in caplog.text
    assert "Spare" not in caplog.text


def test_an_update_waits_too_and_appears_once(forum, lists, member):
    raised = raise_issue(forum=forum, actor=member, data=issue_data(lists), anonymous=True)
    submission = receipts.new_submission()
    for _ in range(2):
        services.issue_raiser_update(
            forum=forum, receipt=raised.receipt, body="It happened again.", submission=submission
        )
    assert not Comment.objects.exists()
    services.anonymous_publish_due(everything=True)
    services.issue_raiser_update(
        forum=forum, receipt=raised.receipt, body="It happened again.", submission=submission
    )
    services.anonymous_publish_due(everything=True)
    comment = Comment.objects.get()
    assert comment.from_raiser and comment.author is None


def test_when_redis_is_down_the_raiser_is_told_and_keeps_what_they_typed(
    forum, lists, member, monkeypatch
):
    def refuse(self, key, item):
        raise waiting_room.WaitingRoomUnavailable("down")

    monkeypatch.setattr(waiting_room.MemoryRoom, "add", refuse)
    monkeypatch.setattr(waiting_room.RedisRoom, "add", refuse)
    data = form_data(lists, identity="anonymous", title="Lone visits after dark")
    response = client_for(member).post(reverse("issues:raise", args=[forum.slug]), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "We could not take your anonymous post just now" in page
    assert 'value="Lone visits after dark"' in page


def test_the_command_publishes_everything_waiting(forum, lists, capsys):
    send(forum, lists)
    send(forum, lists, title="Pool cars are never free on Thursdays")
    call_command("publish_anonymous")
    assert Issue.objects.count() == 2
    assert "Published 2" in capsys.readouterr().out


def test_beat_publishes_every_minute():
    entry = celery_app.conf.beat_schedule["anonymous-publish"]
    assert entry["task"] == "issues.tasks.publish_anonymous"
    celery_app.loader.import_default_modules()
    assert entry["task"] in celery_app.tasks
