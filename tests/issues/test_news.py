"""Following issues: who hears what became of them, when, and only once."""

from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalations.models import Response
from escalations.services import briefs as brief_services
from forum_app.models import Delivery, Notification, NotificationPreference
from forum_app.notifications import digests_send, preferences_set
from issues import services
from issues.models import Category, Follow, IssueEvent, ServiceArea, Status, Support
from issues.news import issue_news_tell
from issues.services import IssueData
from meetings.services.themes import place_issue
from tests.conftest import client_for
from tests.escalations.world import sent_brief
from tests.factories import (
    CategoryFactory,
    DecisionFactory,
    IssueFactory,
    MeetingFactory,
    MembershipFactory,
    ServiceAreaFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_pdfs():
    with mock.patch(
        "escalations.services.briefs.render_brief_pdf", return_value=b"%PDF-1.7 stand-in"
    ):
        yield


def digest_lines(user) -> list[str]:
    return [
        item["line"]
        for row in Notification.objects.filter(kind="digest", recipient=user)
        for item in row.context["items"]
    ]


def test_a_supporter_and_a_follower_learn_of_a_leaders_response(
    forum, convenor, leader, member, django_capture_on_commit_callbacks
):
    follower = MembershipFactory(forum=forum).user
    bystander = MembershipFactory(forum=forum).user
    brief = sent_brief(forum, convenor, leader)
    supported, followed = brief.theme.theme_issues.order_by("pk")[:2]
    services.issue_support(issue=supported.issue, actor=member)
    services.issue_follow(issue=followed.issue, actor=follower)

    brief_services.brief_respond(
        brief=brief,
        actor=leader,
        position=Response.Position.ACCEPT,
        reasons="We will cap caseloads at 22 from April.",
    )
    assert not Notification.objects.filter(kind="issue_news").exists(), "no email until the digest"
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send(period=Delivery.DAILY) == 2

    for person, issue in [(member, supported.issue), (follower, followed.issue)]:
        (line,) = [line for line in digest_lines(person) if "answered" in line]
        assert issue.title in line and "cap caseloads at 22 from April" in line
    assert digest_lines(bystander) == []
    assert any("cap caseloads at 22" in message.body for message in mail.outbox)


def test_a_grouping_move_sends_no_email_and_the_digest_holds_the_last_once(
    forum, convenor, member, django_capture_on_commit_callbacks
):
    issue = services.issue_raise(forum=forum, actor=member, data=_data(forum), submission=None)
    meeting = MeetingFactory(forum=forum)
    first, second = (
        ThemeFactory(forum=forum, name="Caseloads"),
        ThemeFactory(forum=forum, name="Workload"),
    )
    for theme in [first, second, None, first, second]:
        place_issue(meeting, issue, theme, convenor)
    assert not Notification.objects.exists()
    assert len(mail.outbox) == 0

    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send(period=Delivery.DAILY) == 1
        assert digests_send(period=Delivery.DAILY) == 0
    assert issue_news_tell() == 0
    (line,) = digest_lines(member)
    assert "“Workload”" in line
    assert Notification.objects.filter(kind="issue_news").count() == 1
    assert len(mail.outbox) == 1


def test_a_named_raisers_status_change_waits_for_the_digest(forum, convenor, member):
    issue = services.issue_raise(forum=forum, actor=member, data=_data(forum), submission=None)
    services.issue_set_status(issue=issue, status=Status.ON_AGENDA, actor=convenor)
    services.issue_set_status(
        issue=issue, status=Status.CLOSED, actor=convenor, reason="Fixed by IT"
    )
    assert not Notification.objects.exists()
    digests_send(period=Delivery.DAILY)
    (line,) = digest_lines(member)
    assert "Fixed by IT" in line


def test_unfollowing_stops_the_news(forum, convenor, leader, member):
    brief = sent_brief(forum, convenor, leader)
    issue = brief.theme.theme_issues.first().issue
    services.issue_support(issue=issue, actor=member)
    services.issue_unfollow(issue=issue, actor=member)
    brief_services.brief_respond(
        brief=brief, actor=leader, position=Response.Position.DECLINE, reasons="No budget."
    )
    digests_send(period=Delivery.DAILY)
    assert digest_lines(member) == []
    assert Support.objects.filter(issue=issue, user=member).exists(), "the support stays"


def test_a_weekly_reader_hears_in_the_weekly_digest_only(forum, convenor, leader, member):
    NotificationPreference.objects.create(user=member, kind="issue_news", delivery=Delivery.WEEKLY)
    brief = sent_brief(forum, convenor, leader)
    services.issue_follow(issue=brief.theme.theme_issues.first().issue, actor=member)
    brief_services.brief_respond(
        brief=brief, actor=leader, position=Response.Position.ACCEPT, reasons="Yes."
    )
    assert digests_send(period=Delivery.DAILY) == 0
    assert digests_send(period=Delivery.WEEKLY) == 1


def test_news_cannot_be_chosen_straight_away(forum, member):
    with pytest.raises(ValidationError):
        preferences_set(user=member, choices={"issue_news": Delivery.IMMEDIATE})


def test_follow_and_unfollow_from_the_issue_page(forum, member):
    issue = IssueFactory(forum=forum)
    client = client_for(member)
    url = f"/f/{forum.slug}/issues/{issue.pk}/follow/"
    response = client.post(url, {"action": "follow"})
    assert response.status_code == 302
    assert Follow.objects.filter(issue=issue, user=member).exists()
    page = client.get(issue.get_absolute_url()).content.decode()
    assert "Following – stop following" in page
    response = client.post(url, {"action": "unfollow"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert ">Follow<" in response.content.decode()
    assert not Follow.objects.filter(issue=issue, user=member).exists()


def test_a_decision_is_news_for_the_themes_followers(forum, convenor, leader, member):
    from meetings.services.decisions import _apply_decisions

    issue = services.issue_raise(forum=forum, actor=member, data=_data(forum), submission=None)
    meeting = MeetingFactory(forum=forum)
    theme = ThemeFactory(forum=forum, name="Caseloads")
    place_issue(meeting, issue, theme, convenor)
    DecisionFactory(meeting=meeting, theme=theme, leader=leader)
    _apply_decisions(meeting, convenor)
    kinds = list(issue.events.news().values_list("kind", flat=True))
    assert kinds == [IssueEvent.Kind.THEMED, IssueEvent.Kind.DECIDED]


def _data(forum):
    category = Category.objects.filter(forum=forum).first() or CategoryFactory(forum=forum)
    area = ServiceArea.objects.filter(forum=forum).first() or ServiceAreaFactory(forum=forum)
    return IssueData(
        title="No time to write up visits",
        body="Visits slip.",
        impact="Children wait.",
        proposed_solution="Cap caseloads.",
        category=category,
        service_area=area,
    )


def _news(issue, text: str) -> None:
    services.issue_news_record(issues=[issue], kind=IssueEvent.Kind.RESPONSE, text=text)


def test_forum_home_shows_what_happened_since_the_last_digest_in_fixed_queries(forum, member):
    client = client_for(member)
    home = f"/f/{forum.slug}/"
    first = IssueFactory(forum=forum)
    services.issue_follow(issue=first, actor=member)
    _news(first, "The director agreed to a caseload cap.")
    page = client.get(home).content.decode()
    assert "The director agreed to a caseload cap." in page
    assert "1 update since your last digest" in page

    with CaptureQueriesContext(connection) as few:
        client.get(home)
    for n in range(4):
        issue = IssueFactory(forum=forum)
        services.issue_support(issue=issue, actor=member)
        _news(issue, f"Answer number {n}.")
        _news(issue, f"Commitment number {n}.")
    _news(IssueFactory(forum=forum), "Not followed, not shown.")
    with CaptureQueriesContext(connection) as many:
        page = client.get(home).content.decode()
    assert len(many) == len(few)
    assert "Commitment number 3." in page and "Not followed" not in page

    digests_send(period=Delivery.DAILY)
    page = client.get(home).content.decode()
    assert "Nothing new since your last digest" in page
    assert "Commitment number 3." in page
