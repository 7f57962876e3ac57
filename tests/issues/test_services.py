"""The issue services, called directly."""

import hashlib

import pytest
from django.core.exceptions import ValidationError

from forum_app.models import Notification, Role
from issues import receipts, services
from issues.models import (
    Category,
    Comment,
    Issue,
    IssueEvent,
    IssueRevision,
    ServiceArea,
    Status,
    Support,
)
from tests.factories import (
    IssueFactory,
    MembershipFactory,
    UserFactory,
    post_raiser_update,
    raise_issue,
)
from tests.issues.conftest import issue_data

pytestmark = pytest.mark.django_db


def test_named_issue_keeps_its_author_and_gets_no_receipt(forum, lists, member):
    raised = raise_issue(forum=forum, actor=member, data=issue_data(lists), anonymous=False)
    issue = Issue.objects.get(pk=raised.issue.pk)
    assert raised.receipt is None
    assert issue.author == member
    assert not issue.is_anonymous
    assert issue.receipt_hash is None
    assert issue.author_label == str(member)
    assert issue.events.get().kind == IssueEvent.Kind.RAISED


def test_anonymous_issue_stores_no_author_and_only_the_receipt_hash(forum, lists, member):
    raised = raise_issue(forum=forum, actor=member, data=issue_data(lists), anonymous=True)
    issue = Issue.objects.get(pk=raised.issue.pk)
    assert issue.author is None
    assert issue.is_anonymous
    assert issue.author_label == "Raised anonymously"
    code = raised.receipt
    assert len(receipts.normalise(code)) == 32  # 160 bits of base32
    assert issue.receipt_hash == hashlib.sha256(receipts.normalise(code).encode()).hexdigest()
    assert code not in str(Issue.objects.filter(pk=issue.pk).values().get())


def test_receipt_codes_are_unique_and_readable():
    codes = {receipts.new_receipt() for _ in range(200)}
    assert len(codes) == 200
    sample = next(iter(codes))
    assert all(len(group) == 4 for group in sample.split("-"))


def test_receipt_finds_the_issue_however_it_is_typed(forum, lists, member):
    raised = raise_issue(forum=forum, actor=member, data=issue_data(lists), anonymous=True)
    typed = " " + raised.receipt.lower().replace("-", " ") + " "
    assert services.issue_for_receipt(forum=forum, receipt=typed) == raised.issue
    assert services.issue_for_receipt(forum=forum, receipt="AAAA-BBBB") is None
    assert services.issue_for_receipt(forum=forum, receipt="") is None


def test_receipt_does_not_open_an_issue_in_another_forum(forum, other_forum, lists, member):
    raised = raise_issue(forum=forum, actor=member, data=issue_data(lists), anonymous=True)
    assert services.issue_for_receipt(forum=other_forum, receipt=raised.receipt) is None


def test_raiser_update_is_posted_without_an_author(forum, lists, member):
    raised = raise_issue(forum=forum, actor=member, data=issue_data(lists), anonymous=True)
    comment = post_raiser_update(forum=forum, receipt=raised.receipt, body="It happened again.")
    assert comment.author is None
    assert comment.from_raiser
    assert comment.author_label == "The person who raised this"
    with pytest.raises(ValidationError):
        services.issue_raiser_update(
            forum=forum, receipt="WRONG-CODE", body="Hello", submission=receipts.new_submission()
        )


def test_category_of_another_forum_is_refused(forum, lists, other_lists, member):
    data = issue_data(lists, category=other_lists["category"])
    with pytest.raises(ValidationError) as error:
        raise_issue(forum=forum, actor=member, data=data, anonymous=False)
    assert "category" in error.value.message_dict
    assert not Issue.objects.exists()


def test_safety_issue_alerts_active_convenors_without_naming_an_anonymous_raiser(
    forum, lists, member, convenor
):
    MembershipFactory(forum=forum, role=Role.CONVENOR, status="pending")
    raised = raise_issue(
        forum=forum, actor=member, data=issue_data(lists, category=lists["safety"]), anonymous=True
    )
    alerts = Notification.objects.filter(kind="safety_issue_raised")
    assert [a.recipient for a in alerts] == [convenor]
    context = alerts.get().context
    assert context["raised_by"] == "Raised anonymously"
    assert member.email not in str(context) and str(member) not in str(context)
    assert raised.issue.events.filter(kind=IssueEvent.Kind.ALERT).exists()


def test_safety_risk_flag_alerts_with_the_name_of_a_named_raiser(forum, lists, member, convenor):
    raise_issue(
        forum=forum, actor=member, data=issue_data(lists, safety_risk=True), anonymous=False
    )
    assert Notification.objects.get(kind="safety_issue_raised").context["raised_by"] == str(member)


def test_ordinary_issue_alerts_nobody(forum, lists, member, convenor):
    raise_issue(forum=forum, actor=member, data=issue_data(lists), anonymous=False)
    assert not Notification.objects.exists()


def test_support_counts_once_and_can_be_withdrawn(forum, member):
    issue = IssueFactory(forum=forum)
    services.issue_support(issue=issue, actor=member)
    services.issue_support(issue=issue, actor=member)
    assert Issue.objects.with_counts().get(pk=issue.pk).support_count == 1
    services.issue_support_withdraw(issue=issue, actor=member)
    services.issue_support_withdraw(issue=issue, actor=member)
    assert Issue.objects.with_counts().get(pk=issue.pk).support_count == 0


def test_comment_on_a_named_issue_tells_its_raiser_once(forum, member, convenor):
    issue = IssueFactory(forum=forum, author=member)
    comment = services.comment_post(issue=issue, actor=convenor, body="Same here", is_solution=True)
    assert comment.is_solution
    note = Notification.objects.get(kind="issue_comment")
    assert note.recipient == member
    assert note.dedupe_key == f"issue_comment:{comment.pk}"
    services.comment_post(issue=issue, actor=member, body="Thanks")  # the raiser's own reply
    assert Notification.objects.filter(kind="issue_comment").count() == 1


def test_comment_on_an_anonymous_issue_emails_nobody(forum, member, convenor):
    issue = IssueFactory(forum=forum, author=None, is_anonymous=True)
    services.comment_post(issue=issue, actor=convenor, body="Same here")
    assert not Notification.objects.exists()


def test_status_change_is_on_the_timeline_and_closing_needs_a_reason(forum, member, convenor):
    issue = IssueFactory(forum=forum, author=member)
    services.issue_set_status(issue=issue, status=Status.ON_AGENDA, actor=convenor)
    with pytest.raises(ValidationError):
        services.issue_set_status(issue=issue, status=Status.CLOSED, actor=convenor)
    services.issue_set_status(
        issue=issue, status=Status.CLOSED, actor=convenor, reason="Fixed by IT"
    )
    issue.refresh_from_db()
    assert issue.status == Status.CLOSED and issue.closed_reason == "Fixed by IT"
    assert not Notification.objects.exists(), "followers hear in their digest"
    texts = list(issue.events.values_list("kind", "text"))
    assert texts[-2] == (IssueEvent.Kind.STATUS, "Status changed to “On the agenda”.")
    assert texts[-1] == (IssueEvent.Kind.CLOSED, "Status changed to “Closed”. Fixed by IT")


def test_later_stages_can_set_status_without_an_actor(forum):
    issue = IssueFactory(forum=forum, author=None, is_anonymous=True)
    services.issue_set_status(issue=issue, status=Status.IN_THEME)
    services.issue_set_status(issue=issue, status=Status.ESCALATED)
    issue.refresh_from_db()
    assert issue.status == Status.ESCALATED
    assert not Notification.objects.exists()
    with pytest.raises(ValidationError):
        services.issue_set_status(issue=issue, status="nonsense")


def test_hiding_keeps_a_visible_reason(forum, convenor):
    issue = IssueFactory(forum=forum)
    comment = services.comment_post(issue=issue, actor=convenor, body="Names a family")
    with pytest.raises(ValidationError):
        services.comment_hide(comment=comment, actor=convenor, reason="  ")
    services.comment_hide(comment=comment, actor=convenor, reason="Names a family")
    services.issue_hide(issue=issue, actor=convenor, reason="Off topic")
    comment.refresh_from_db()
    issue.refresh_from_db()
    assert comment.hidden and comment.hidden_reason == "Names a family"
    assert issue.hidden and issue.hidden_reason == "Off topic"
    assert issue.events.get(kind=IssueEvent.Kind.HIDDEN).text == "Hidden by a convenor: Off topic"


def test_edit_keeps_a_revision_and_a_stale_edit_conflicts(forum, lists, member, convenor):
    issue = IssueFactory(forum=forum, author=member, category=lists["category"])
    issue.service_area = lists["area"]
    issue.save()
    opened_at = issue.version
    services.issue_edit(
        issue=issue,
        actor=convenor,
        data=issue_data(lists, title="Convenor's title"),
        expected_version=opened_at,
    )
    with pytest.raises(services.EditConflict) as conflict:
        services.issue_edit(
            issue=issue,
            actor=member,
            data=issue_data(lists, title="Member's title"),
            expected_version=opened_at,
        )
    assert conflict.value.current.title == "Convenor's title"
    issue.refresh_from_db()
    assert issue.title == "Convenor's title" and issue.version == opened_at + 1
    revision = IssueRevision.objects.get(issue=issue)
    assert revision.version == opened_at and revision.edited_by == convenor
    assert issue.events.get(kind=IssueEvent.Kind.EDITED).text == "Edited by a convenor"


def test_merge_moves_supports_without_double_counting(forum, member, convenor):
    keep = IssueFactory(forum=forum)
    duplicate = IssueFactory(forum=forum)
    both, only_duplicate = UserFactory(), UserFactory()
    for user in (both, member):
        Support.objects.create(issue=keep, user=user)
    for user in (both, only_duplicate):
        Support.objects.create(issue=duplicate, user=user)
    comment = Comment.objects.create(
        issue=duplicate, author=member, body="Still readable", posted_on=duplicate.raised_on
    )
    services.issue_merge(issue=duplicate, into=keep, actor=convenor)
    counted = {i.pk: i.support_count for i in Issue.objects.with_counts()}
    assert counted == {keep.pk: 3, duplicate.pk: 0}
    duplicate.refresh_from_db()
    assert duplicate.merged_into == keep and duplicate.status == Status.CLOSED
    assert list(duplicate.comments.all()) == [comment]
    assert keep.events.filter(kind=IssueEvent.Kind.MERGED).exists()
    with pytest.raises(ValidationError):
        services.comment_post(issue=duplicate, actor=member, body="Late")
    with pytest.raises(ValidationError):
        services.issue_merge(issue=duplicate, into=keep, actor=convenor)


def test_merge_refuses_itself_another_forum_and_a_merged_target(forum, other_forum, convenor):
    issue, other, elsewhere = (
        IssueFactory(forum=forum),
        IssueFactory(forum=forum),
        IssueFactory(forum=other_forum),
    )
    for target in (issue, elsewhere):
        with pytest.raises(ValidationError):
            services.issue_merge(issue=issue, into=target, actor=convenor)
    services.issue_merge(issue=other, into=issue, actor=convenor)
    third = IssueFactory(forum=forum)
    with pytest.raises(ValidationError):
        services.issue_merge(issue=third, into=other, actor=convenor)


def test_forum_defaults_are_created_once(forum):
    services.forum_defaults_create(forum=forum)
    services.forum_defaults_create(forum=forum)
    assert Category.objects.filter(forum=forum).count() == 10
    assert Category.objects.get(forum=forum, is_safety=True).name == "Personal safety"
    assert ServiceArea.objects.filter(forum=forum).count() == 6


def test_the_same_named_issue_sent_again_the_same_day_raises_nothing_more(forum, lists, member):
    """After Back the browser puts the typed text back into a fresh form, with a new token."""
    first = services.issue_raise(
        forum=forum, actor=member, data=issue_data(lists), submission=receipts.new_submission()
    )
    again = services.issue_raise(
        forum=forum, actor=member, data=issue_data(lists), submission=receipts.new_submission()
    )
    assert again == first
    changed = services.issue_raise(
        forum=forum, actor=member, data=issue_data(lists, title="Caseloads: a different one")
    )
    assert changed != first
