"""The issue pages, through the test client."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from forum_app.models import Notification
from issues import receipts, services
from issues.models import Comment, Issue, IssueRevision, Status, Support
from tests.conftest import client_for
from tests.factories import CommentFactory, IssueFactory, UserFactory, raise_issue
from tests.issues.conftest import form_data, issue_data

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, forum, *args) -> str:
    return reverse(f"issues:{name}", args=[forum.slug, *args])


def receipt_in(html: str) -> str:
    found = re.search(r'data-copy="([A-Z2-7-]+)"', html)
    assert found, "no receipt code on the page"
    return found.group(1)


# Raising ------------------------------------------------------------------------------------


def test_raise_page_explains_anonymity_and_preselects_neither_choice(forum, lists, member):
    page = client_for(member).get(url("raise", forum)).content.decode()
    assert "What anonymity protects, and what it cannot" in page
    assert "your employer runs the network" in page
    assert "a small team can identify you" in page
    radios = re.findall(r'<input type="radio" name="identity"[^>]*>', page)
    assert len(radios) == 2
    assert not any("checked" in radio for radio in radios)


def test_named_issue_is_raised_and_shown_with_the_name(forum, lists, member):
    client = client_for(member)
    response = client.post(url("raise", forum), form_data(lists, body="Use **bold** and a list"))
    issue = Issue.objects.get()
    assert response.status_code == 302 and response["Location"] == issue.get_absolute_url()
    page = client.get(issue.get_absolute_url()).content.decode()
    assert str(member) in page
    assert "<strong>bold</strong>" in page


def test_choosing_neither_named_nor_anonymous_keeps_everything_typed(forum, lists, member):
    data = form_data(lists, identity=None, title="Printers broken", team="Duty team")
    response = client_for(member).post(url("raise", forum), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose whether to raise this under your name or anonymously." in page
    assert 'value="Printers broken"' in page and 'value="Duty team"' in page
    assert "Most of us hold 28 to 34 children." in page
    assert f'<option value="{lists["category"].pk}" selected>' in page
    assert not Issue.objects.exists()


def test_anonymous_issue_waits_shows_the_receipt_and_never_the_author(forum, lists, member):
    client = client_for(member)
    data = form_data(lists, identity="anonymous", submission=receipts.new_submission())
    response = client.post(url("raise", forum), data)
    assert response.status_code == 302 and response["Location"] == url("receipt", forum)
    receipt_page = client.get(response["Location"])
    assert "no-store" in receipt_page["Cache-Control"]
    page = receipt_page.content.decode()
    code = receipt_in(page)
    assert "It will appear within 30 minutes" in page
    assert not Issue.objects.exists()  # nothing is written while it waits
    assert code not in str(dict(client.session))

    services.anonymous_publish_due(everything=True)
    issue = Issue.objects.get()
    assert issue.receipt_hash == receipts.receipt_hash(code)
    page = client.get(issue.get_absolute_url()).content.decode()
    assert "Raised anonymously" in page
    assert str(member) not in page.split("<main", 1)[1]
    assert code not in page


def test_sending_the_anonymous_form_again_raises_one_issue_with_the_same_code(forum, lists, member):
    client = client_for(member)
    data = form_data(lists, identity="anonymous", submission=receipts.new_submission())
    first = receipt_in(
        client.get(client.post(url("raise", forum), data)["Location"]).content.decode()
    )
    second = receipt_in(
        client.get(client.post(url("raise", forum), data)["Location"]).content.decode()
    )
    assert first == second
    services.anonymous_publish_due(everything=True)
    third = receipt_in(
        client.get(client.post(url("raise", forum), data)["Location"]).content.decode()
    )
    services.anonymous_publish_due(everything=True)
    assert third == first
    assert Issue.objects.count() == 1


def test_refreshing_the_receipt_page_shows_the_code_again_and_other_pages_never(
    forum, lists, member
):
    client = client_for(member)
    data = form_data(lists, identity="anonymous", submission=receipts.new_submission())
    location = client.post(url("raise", forum), data)["Location"]
    assert receipt_in(client.get(location).content.decode()) == receipt_in(
        client.get(location).content.decode()
    )
    assert "No receipt code to show" in client_for(member).get(location).content.decode()


def test_sending_the_named_form_again_raises_one_issue(forum, lists, member):
    client = client_for(member)
    data = form_data(lists, submission=receipts.new_submission())
    first = client.post(url("raise", forum), data)["Location"]
    again = client.post(url("raise", forum), data)["Location"]
    assert first == again
    assert Issue.objects.count() == 1


def test_figures_are_stored_and_shown(forum, lists, member):
    data = form_data(lists, figure_1_label="children on my caseload", figure_1_value="31")
    client_for(member).post(url("raise", forum), data)
    issue = Issue.objects.get()
    assert issue.figures == [{"label": "children on my caseload", "value": 31}]
    assert (
        "children on my caseload"
        in client_for(member).get(issue.get_absolute_url()).content.decode()
    )


def test_half_a_figure_is_a_clear_error(forum, lists, member):
    response = client_for(member).post(url("raise", forum), form_data(lists, figure_2_value="7"))
    assert "Say what this number counts." in response.content.decode()
    assert not Issue.objects.exists()


# Following an anonymous issue ---------------------------------------------------------------


def test_receipt_opens_the_issue_and_posts_an_update(forum, lists, member, convenor):
    raised = raise_issue(forum=forum, actor=member, data=issue_data(lists), anonymous=True)
    services.comment_post(issue=raised.issue, actor=convenor, body="Can you say which team?")
    client = client_for(member)
    page = client.post(url("follow", forum), {"receipt": raised.receipt}).content.decode()
    assert "Can you say which team?" in page
    assert f'name="receipt" value="{raised.receipt}"' in page
    sent = {"receipt": raised.receipt, "body": "The duty team.", "submission": "ab" * 16}
    response = client.post(url("follow_update", forum), sent)
    assert response.status_code == 302 and response["Location"] == url("follow", forum)
    assert "within 30 minutes" in client.get(response["Location"]).content.decode()
    assert not Comment.objects.filter(from_raiser=True).exists()
    client.post(url("follow_update", forum), sent)  # refreshed, or sent again
    services.anonymous_publish_due(everything=True)
    client.post(url("follow_update", forum), sent)
    services.anonymous_publish_due(everything=True)
    update = Comment.objects.get(from_raiser=True)
    assert update.author is None and update.issue == raised.issue
    assert raised.receipt not in str(dict(client.session))
    shown = client_for(convenor).get(raised.issue.get_absolute_url()).content.decode()
    assert "The person who raised this" in shown


def test_an_address_guessing_wrong_codes_is_told_to_slow_down(forum, lists, member):
    raised = raise_issue(forum=forum, actor=member, data=issue_data(lists), anonymous=True)
    client = client_for(member)
    for _ in range(receipts.ADDRESS_LIMIT):
        response = client.post(url("follow", forum), {"receipt": receipts.new_receipt()})
        assert "does not match an issue" in response.content.decode()
    response = client.post(url("follow", forum), {"receipt": receipts.new_receipt()})
    assert response.status_code == 429
    assert "too many codes from your network did not match" in response.content.decode()
    response = client.post(url("follow_update", forum), {"receipt": "AAAA-BBBB", "body": "x"})
    assert response.status_code == 429
    assert not Comment.objects.exists()
    # A right code still opens its issue.
    assert client.post(url("follow", forum), {"receipt": raised.receipt}).status_code == 200


def test_behind_a_proxy_wrong_receipts_are_counted_per_client(forum, lists, member, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    client = client_for(member)

    def follow(receipt: str, client_address: str):
        return client.post(
            url("follow", forum), {"receipt": receipt}, headers={"x-forwarded-for": client_address}
        )

    for _ in range(receipts.ADDRESS_LIMIT):
        follow(receipts.new_receipt(), "203.0.113.7")

    assert follow(receipts.new_receipt(), "203.0.113.7").status_code == 429
    assert follow(receipts.new_receipt(), "198.51.100.2").status_code == 200


def test_update_with_a_wrong_receipt_posts_nothing(forum, member):
    response = client_for(member).post(
        url("follow_update", forum), {"receipt": "AAAA-BBBB", "body": "Hello"}
    )
    assert response.status_code == 200
    assert "does not match" in response.content.decode()
    assert not Comment.objects.exists()


# Support and discussion ---------------------------------------------------------------------


def test_support_with_htmx_updates_the_count_and_announces_it(forum, member):
    issue = IssueFactory(forum=forum)
    client = client_for(member)
    response = client.post(url("support", forum, issue.pk), {"action": "support"}, **HTMX)
    assert response.status_code == 200
    assert "1 person supports this" in response.content.decode()
    assert 'aria-pressed="true"' in response.content.decode()
    assert "You support this issue." in response["HX-Trigger"]
    response = client.post(url("support", forum, issue.pk), {"action": "withdraw"}, **HTMX)
    assert "0 people support this" in response.content.decode()
    assert not Support.objects.exists()


def test_support_without_javascript_redirects_back(forum, member):
    issue = IssueFactory(forum=forum)
    response = client_for(member).post(url("support", forum, issue.pk), {"action": "support"})
    assert response.status_code == 302
    assert Support.objects.filter(issue=issue, user=member).exists()


def test_no_page_lists_supporters(forum, member, convenor):
    issue = IssueFactory(forum=forum)
    supporter = UserFactory(display_name="Zebedee Supporter")
    Support.objects.create(issue=issue, user=supporter)
    for path in (
        url("detail", forum, issue.pk),
        url("list", forum),
        url("manage", forum, issue.pk),
    ):
        page = client_for(convenor).get(path).content.decode()
        assert "Zebedee" not in page and supporter.email not in page


def test_comment_with_htmx_returns_the_discussion_with_focus_on_it(forum, member, convenor):
    issue = IssueFactory(forum=forum, author=member)
    response = client_for(convenor).post(
        url("comment", forum, issue.pk), {"body": "Try the *new* rota", "is_solution": "on"}, **HTMX
    )
    page = response.content.decode()
    comment = Comment.objects.get()
    assert f'id="comment-{comment.pk}" data-focus-after-swap' in page
    assert "A further solution" in page and "<em>new</em>" in page
    assert "<html" not in page
    assert "Your comment has been posted." in response["HX-Trigger"]
    assert Notification.objects.filter(kind="issue_comment", recipient=member).exists()


def test_empty_comment_is_a_clear_error_with_htmx_and_without(forum, member):
    issue = IssueFactory(forum=forum)
    client = client_for(member)
    for extra in (HTMX, {}):
        response = client.post(url("comment", forum, issue.pk), {"body": "  "}, **extra)
        assert response.status_code == 200
        assert "Write your comment first." in response.content.decode()
    assert not Comment.objects.exists()


def test_convenor_hides_a_comment_and_members_see_the_reason(forum, member, convenor):
    comment = CommentFactory(issue=IssueFactory(forum=forum), body="Names the family")
    response = client_for(convenor).post(
        url("comment_hide", forum, comment.pk), {"reason": "Names a family"}
    )
    assert response.status_code == 302
    page = client_for(member).get(url("detail", forum, comment.issue.pk)).content.decode()
    assert "Hidden by a convenor: Names a family" in page
    assert "Names the family" not in page


def test_hidden_issue_shows_only_the_trace_to_members(forum, member, convenor):
    issue = IssueFactory(forum=forum, title="Secret title")
    client_for(convenor).post(url("hide", forum, issue.pk), {"reason": "Identifies a child"})
    page = client_for(member).get(url("detail", forum, issue.pk)).content.decode()
    assert "Hidden by a convenor: Identifies a child" in page
    assert "Secret title" not in page
    listing = client_for(member).get(url("list", forum)).content.decode()
    assert "Secret title" not in listing and "Identifies a child" in listing
    assert (
        "Secret title" in client_for(convenor).get(url("detail", forum, issue.pk)).content.decode()
    )


# Editing ------------------------------------------------------------------------------------


def test_named_author_edits_and_a_revision_is_kept(forum, lists, member):
    issue = raise_issue(forum=forum, actor=member, data=issue_data(lists), anonymous=False).issue
    data = form_data(lists, title="A better title", version=issue.version)
    response = client_for(member).post(url("edit", forum, issue.pk), data)
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.title == "A better title"
    assert IssueRevision.objects.get(issue=issue).title == issue_data(lists).title


def test_other_members_cannot_edit(forum, lists, member):
    issue = IssueFactory(forum=forum, category=lists["category"], service_area=lists["area"])
    response = client_for(member).post(
        url("edit", forum, issue.pk), form_data(lists, title="Mine now", version=1)
    )
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.title != "Mine now"


def test_stale_edit_shows_both_texts_and_keeps_what_was_typed(forum, lists, member, convenor):
    issue = raise_issue(forum=forum, actor=member, data=issue_data(lists), anonymous=False).issue
    opened = issue.version
    client_for(convenor).post(
        url("edit", forum, issue.pk),
        form_data(lists, body="The convenor's wording", version=opened),
    )
    response = client_for(member).post(
        url("edit", forum, issue.pk), form_data(lists, body="My own wording", version=opened)
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "The convenor&#x27;s wording" in page or "The convenor's wording" in page
    assert "My own wording" in page
    assert f'name="version" value="{opened + 1}"' in page
    issue.refresh_from_db()
    assert issue.body == "The convenor's wording"
    resave = client_for(member).post(
        url("edit", forum, issue.pk), form_data(lists, body="My own wording", version=opened + 1)
    )
    assert resave.status_code == 302
    issue.refresh_from_db()
    assert issue.body == "My own wording"


# Convenor tools -----------------------------------------------------------------------------


def test_convenor_merges_a_duplicate_and_it_points_to_the_kept_issue(forum, member, convenor):
    keep, duplicate = IssueFactory(forum=forum), IssueFactory(forum=forum)
    response = client_for(convenor).post(url("merge", forum, duplicate.pk), {"into": keep.pk})
    assert response.status_code == 302
    page = client_for(member).get(url("detail", forum, duplicate.pk)).content.decode()
    assert "This issue was merged into" in page
    assert url("detail", forum, keep.pk) in page
    listing = client_for(member).get(url("list", forum)).content.decode()
    assert duplicate.title not in listing


def test_merge_into_another_forums_issue_is_a_field_error(forum, other_forum, convenor):
    issue, elsewhere = IssueFactory(forum=forum), IssueFactory(forum=other_forum)
    response = client_for(convenor).post(url("merge", forum, issue.pk), {"into": elsewhere.pk})
    assert response.status_code == 200
    assert "Choose another issue from this forum." in response.content.decode()


def test_convenor_closes_with_a_reason_and_it_shows_on_the_timeline(forum, member, convenor):
    issue = IssueFactory(forum=forum, author=member)
    client = client_for(convenor)
    response = client.post(url("set_status", forum, issue.pk), {"status": "closed"})
    assert "Say why the issue is closed." in response.content.decode()
    client.post(url("set_status", forum, issue.pk), {"status": "closed", "reason": "Fixed"})
    issue.refresh_from_db()
    assert issue.status == Status.CLOSED
    page = client_for(member).get(url("detail", forum, issue.pk)).content.decode()
    assert "Status changed to “Closed”. Fixed" in page


def test_named_author_gets_emails_and_an_anonymous_one_none(
    forum, lists, member, convenor, django_capture_on_commit_callbacks
):
    named = raise_issue(forum=forum, actor=member, data=issue_data(lists), anonymous=False).issue
    hidden_raiser = UserFactory()
    anonymous = raise_issue(
        forum=forum, actor=hidden_raiser, data=issue_data(lists), anonymous=True
    ).issue
    mail.outbox.clear()
    client = client_for(convenor)
    with django_capture_on_commit_callbacks(execute=True):
        for issue in (named, anonymous):
            client.post(url("comment", forum, issue.pk), {"body": "Noted"})
            client.post(url("set_status", forum, issue.pk), {"status": "on_agenda"})
    recipients = [address for message in mail.outbox for address in message.to]
    assert recipients.count(member.email) == 1, "the comment; the status waits for the digest"
    assert hidden_raiser.email not in recipients


# Finding ------------------------------------------------------------------------------------


def test_list_filters_search_and_sorts(forum, lists, member):
    other_category = lists["safety"]
    old = IssueFactory(forum=forum, title="Old laptops", raised_on="2026-01-01")
    busy = IssueFactory(forum=forum, title="Rota gaps", category=other_category)
    mine = IssueFactory(forum=forum, title="My parking issue", author=member)
    Support.objects.create(issue=busy, user=member)
    Support.objects.create(issue=busy, user=UserFactory())
    client = client_for(member)

    def titles(**params) -> list[str]:
        page = client.get(url("list", forum), params).content.decode()
        return re.findall(r'<h3><a href="[^"]+">([^<]+)</a></h3>', page)

    assert titles(sort="supported")[0] == "Rota gaps"
    assert titles(sort="longest_open")[0] == "Old laptops"
    assert titles(category=other_category.pk) == ["Rota gaps"]
    assert titles(mine="on") == ["My parking issue"]
    assert titles(supported="on") == ["Rota gaps"]
    assert titles(q="laptops") == ["Old laptops"]
    assert titles(q="parking ISSUE") == ["My parking issue"]
    assert titles(status="resolved") == []
    assert set(titles()) == {old.title, busy.title, mine.title}


def test_list_drops_a_bad_filter_and_keeps_the_good_ones(forum, member):
    IssueFactory(forum=forum, title="Findable laptops")
    IssueFactory(forum=forum, title="Something else")
    response = client_for(member).get(
        url("list", forum), {"q": "findable", "category": "999999", "sort": "x", "page": "zz"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Findable laptops" in page and "Something else" not in page


def test_list_paginates_and_htmx_gets_only_the_results(forum, member):
    for n in range(25):
        IssueFactory(forum=forum, title=f"Issue {n:02d}")
    client = client_for(member)
    first = client.get(url("list", forum)).content.decode()
    assert "Page 1 of 2" in first and "25 issues" in first
    second = client.get(url("list", forum), {"page": 2, "sort": "newest"}, **HTMX)
    body = second.content.decode()
    assert "<html" not in body and 'id="results"' not in body
    assert "Page 2 of 2" in body and "sort=newest&amp;page=1" in body


def test_forum_home_shows_recent_issues(forum, member):
    IssueFactory(forum=forum, title="Recent visible issue")
    page = client_for(member).get(reverse("forum_home", args=[forum.slug])).content.decode()
    assert "Recent visible issue" in page and "1 open issue." in page


def test_issue_of_another_forum_is_not_found(forum, other_forum, member):
    elsewhere = IssueFactory(forum=other_forum)
    client = client_for(member)
    for name in ("detail", "edit"):
        assert client.get(url(name, forum, elsewhere.pk)).status_code == 404
    for name in ("support", "comment"):
        assert client.post(url(name, forum, elsewhere.pk), {"body": "x"}).status_code == 404
    assert not Support.objects.exists() and not Comment.objects.exists()


def test_earlier_versions_are_shown_without_naming_the_editor(forum, lists, member, convenor):
    issue = raise_issue(
        forum=forum, actor=member, data=issue_data(lists, body="First wording"), anonymous=True
    ).issue
    client_for(convenor).post(
        url("edit", forum, issue.pk), form_data(lists, body="Second wording", version=1)
    )
    page = client_for(member).get(url("detail", forum, issue.pk)).content.decode()
    assert "Earlier version (1)" in page and "First wording" in page and "Second wording" in page
    assert "Edited by a convenor" in page
    assert str(convenor) not in page.split("<main", 1)[1]


def test_a_merged_issue_cannot_be_supported(forum, member, convenor):
    keep, duplicate = IssueFactory(forum=forum), IssueFactory(forum=forum)
    services.issue_merge(issue=duplicate, into=keep, actor=convenor)
    response = client_for(member).post(url("support", forum, duplicate.pk), {"action": "support"})
    assert response.status_code == 302
    assert not Support.objects.exists()


def test_editing_an_issue_into_personal_safety_alerts_the_convenors(forum, lists, member, convenor):
    issue = raise_issue(forum=forum, actor=member, data=issue_data(lists), anonymous=False).issue
    assert not Notification.objects.exists()
    data = form_data(lists, category=lists["safety"].pk, version=issue.version)
    client_for(member).post(url("edit", forum, issue.pk), data)
    assert Notification.objects.get(kind="safety_issue_raised").recipient == convenor


@pytest.mark.parametrize("status", Status.values)
def test_the_status_label_is_the_status_display(status):
    issue = Issue(status=status)
    assert issue.status_label == issue.get_status_display()
