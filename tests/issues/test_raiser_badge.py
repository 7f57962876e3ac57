"""Genuine updates from an anonymous raiser are marked so members can tell them apart."""

from forum_app.models import User
from tests.conftest import client_for
from tests.factories import CommentFactory, UserFactory, post_raiser_update, raise_issue
from tests.issues.conftest import issue_data

BADGE = "data-raiser-badge"
BADGE_LABEL = "posted by the person who raised this issue, with its private receipt code"


def test_a_genuine_raiser_update_carries_a_labelled_badge_and_an_impostor_does_not(
    forum, lists, member
):
    raised = raise_issue(forum=forum, actor=member, data=issue_data(lists), anonymous=True)
    post_raiser_update(forum=forum, receipt=raised.receipt, body="It happened again today.")
    # An account named before the rule existed, or through the database.
    impostor = UserFactory(display_name="The person who raised this")
    User.objects.filter(pk=impostor.pk).update(display_name="The person who raised this")
    CommentFactory(issue=raised.issue, author=impostor, body="Actually it is fine now.")

    page = client_for(member).get(raised.issue.get_absolute_url()).content.decode()

    assert page.count(BADGE) == 1
    assert BADGE_LABEL in page
    genuine = page.index("It happened again today.")
    fake = page.index("Actually it is fine now.")
    badge = page.index(BADGE)
    assert badge < genuine < fake
    assert page.count("The person who raised this") == 1
    assert f"Member {impostor.pk}" in page
