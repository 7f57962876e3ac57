"""Similar issues on the pages: "Is this already raised?" while raising, and on an issue."""

import json
import re
import threading
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues import services, similar
from issues.models import Comment, Issue, Status, Support
from issues.similarity import Doc, TfidfEngine, issue_text
from tests.conftest import client_for
from tests.factories import IssueFactory, raise_issue
from tests.issues.conftest import form_data, issue_data

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "forum_app" / "demo" / "sample_issues.json"

CASELOADS = {
    "title": "Caseloads in the assessment team are over 30",
    "body": "Most of us hold 28 to 34 children, so statutory visits slip every week.",
    "proposed_solution": "Publish a caseload cap and stick to it.",
}
OTHERS = [
    {
        "title": "Laptops freeze during home visits",
        "body": "The laptop locks up when the VPN drops, and notes typed in the car are lost.",
        "proposed_solution": "Offline mode for the case recording system.",
    },
    {
        "title": "Interpreters take days to book",
        "body": "Booking an interpreter for a family meeting takes three days by email.",
        "proposed_solution": "A direct phone line to the interpreting service.",
    },
    {
        "title": "Parking permits withdrawn at the civic centre",
        "body": "Without permits we circle the streets looking for a space before appointments.",
        "proposed_solution": "Bring back permits for staff who drive to visits.",
    },
]
TYPED = {
    "title": "Assessment team caseloads over 30 children",
    "body": "I hold 33 children and the statutory visits keep slipping.",
}


@pytest.fixture(autouse=True)
def _no_fitted_engines():
    """Each test fits its own engines: forums and issue ids are reused between tests."""
    similar.forget_all()
    yield
    similar.forget_all()


@pytest.fixture
def fits(monkeypatch) -> list[int]:
    """The forum ids the engine is fitted for, one entry per fit."""
    calls: list[int] = []
    real_fit = similar._fit

    def counting_fit(forum_id: int):
        calls.append(forum_id)
        return real_fit(forum_id)

    monkeypatch.setattr(similar, "_fit", counting_fit)
    return calls


@pytest.fixture
def caseloads(forum):
    for texts in OTHERS:
        IssueFactory(forum=forum, **texts)
    return IssueFactory(forum=forum, **CASELOADS)


def _typing(client, forum, **params):
    return client.post(reverse("issues:similar", args=[forum.slug]), params, HTTP_HX_REQUEST="true")


def test_typed_text_never_travels_in_an_address(forum, member, caseloads):
    client = client_for(member)
    url = reverse("issues:similar", args=[forum.slug])
    answered = client.get(url, TYPED, HTTP_HX_REQUEST="true")
    assert answered.status_code == 302  # back to the raise page, nothing looked up
    assert answered["Location"] == reverse("issues:raise", args=[forum.slug])
    page = client.get(reverse("issues:raise", args=[forum.slug])).content.decode()
    assert f'hx-get="{url}' not in page


def _found(response) -> list[int]:
    assert response.status_code == 200
    return [found.issue.pk for found in response.context["similar"] or []]


# --- while raising ---------------------------------------------------------------------------


def test_a_near_duplicate_is_suggested_while_typing(forum, member, caseloads):
    response = _typing(client_for(member), forum, **TYPED)

    assert _found(response) == [caseloads.pk]
    page = response.content.decode()
    assert caseloads.title in page
    assert "caseloads" in response.context["similar"][0].shared_terms
    support = reverse("issues:support", args=[forum.slug, caseloads.pk])
    assert f'formaction="{support}"' in page
    assert "Me too – support this instead" in page
    assert "1 supporter" not in page and "0 supporters" in page


def test_an_unrelated_text_suggests_nothing(forum, member, caseloads):
    response = _typing(
        client_for(member), forum, title="Canteen coffee machine", body="Broken since June."
    )

    assert _found(response) == []
    assert "No open issue looks like yours" in response.content.decode()


def test_an_empty_forum_suggests_nothing(forum, member):
    assert _found(_typing(client_for(member), forum, **TYPED)) == []


def test_a_forum_with_one_issue_finds_it(forum, member):
    only = IssueFactory(forum=forum, **CASELOADS)

    assert _found(_typing(client_for(member), forum, **TYPED)) == [only.pk]


def test_unknown_words_suggest_nothing(forum, member, caseloads):
    response = _typing(client_for(member), forum, title="Zyxquo vlorp grenthax", body="blimflorp")

    assert _found(response) == []


def test_a_short_text_shows_only_the_explanation(forum, member, caseloads, fits):
    response = _typing(client_for(member), forum, title="Caseloads", body="high")

    assert response.status_code == 200
    assert response.context["similar"] is None
    assert "As you type a title" in response.content.decode()
    assert fits == []


def test_a_100000_character_text_is_answered(forum, member, caseloads):
    huge = ("Caseloads in the assessment team are over 30 children. " * 2000)[:100_000]

    response = _typing(client_for(member), forum, title=huge[:5000], body=huge, category="x")

    assert _found(response) == [caseloads.pk]


def test_hidden_merged_and_closed_issues_are_not_suggested(forum, member, caseloads):
    IssueFactory(forum=forum, hidden=True, hidden_reason="Names a child", **CASELOADS)
    IssueFactory(
        forum=forum, status=Status.CLOSED, closed_reason="Sorted by the manager", **CASELOADS
    )
    IssueFactory(
        forum=forum,
        merged_into=caseloads,
        status=Status.CLOSED,
        closed_reason="Merged",
        **CASELOADS,
    )
    IssueFactory(forum=forum, status=Status.RESOLVED, **CASELOADS)

    assert _found(_typing(client_for(member), forum, **TYPED)) == [caseloads.pk]


def test_an_issue_closed_since_the_vectors_were_fitted_is_not_suggested(
    forum, member, caseloads, fits
):
    client = client_for(member)
    assert _found(_typing(client, forum, **TYPED)) == [caseloads.pk]
    Issue.objects.filter(pk=caseloads.pk).update(status=Status.RESOLVED)  # no invalidation

    assert _found(_typing(client, forum, **TYPED)) == []
    assert len(fits) == 1


def test_other_forums_issues_never_appear(forum, other_forum, member, outsider, caseloads):
    theirs = IssueFactory(forum=other_forum, **CASELOADS)

    assert _found(_typing(client_for(member), forum, **TYPED)) == [caseloads.pk]
    assert _found(_typing(client_for(outsider), other_forum, **TYPED)) == [theirs.pk]
    assert _typing(client_for(outsider), forum, **TYPED).status_code == 404


@pytest.mark.parametrize("persona", ["leader", "steward", "outsider"])
def test_only_members_and_convenors_may_ask(request, forum, caseloads, persona):
    person = request.getfixturevalue(persona)

    assert _typing(client_for(person), forum, **TYPED).status_code == 404


def test_the_vectors_are_refitted_after_an_issue_is_raised_and_not_before(
    forum, member, lists, fits, django_capture_on_commit_callbacks
):
    client = client_for(member)
    interpreters = {"title": "Interpreters take three days to book", "body": "Every time."}
    typed = {"title": "Booking interpreters takes days", "body": "For every family meeting."}
    IssueFactory(forum=forum, **OTHERS[0])
    assert _found(_typing(client, forum, **typed)) == []
    assert _found(_typing(client, forum, **typed)) == []
    assert fits == [forum.pk]

    with django_capture_on_commit_callbacks(execute=True):
        raised = raise_issue(
            forum=forum, actor=member, data=issue_data(lists, **interpreters), anonymous=True
        )

    assert _found(_typing(client, forum, **typed)) == [raised.issue.pk]
    assert _found(_typing(client, forum, **typed)) == [raised.issue.pk]
    assert fits == [forum.pk, forum.pk]


@pytest.fixture
def slow_fit(monkeypatch) -> threading.Event:
    """Fits wait until the returned event is set, as a large forum's fit takes seconds."""
    go = threading.Event()
    real_fit = similar._fit

    def waiting_fit(forum_id: int):
        assert go.wait(10), "the test never let the fit finish"
        return real_fit(forum_id)

    monkeypatch.setattr(similar, "_fit", waiting_fit)
    return go


@pytest.mark.django_db(transaction=True)
def test_while_the_first_fit_runs_the_raise_page_answers_at_once_and_asks_again(
    forum, member, background_fits, slow_fit
):
    caseloads = IssueFactory(forum=forum, **CASELOADS)
    client = client_for(member)

    response = _typing(client, forum, **TYPED, category="")

    assert _found(response) == []
    assert response.context["looking"]
    page = response.content.decode()
    assert "Looking for similar issues" in page
    assert 'hx-trigger="load delay:2s"' in page
    again = re.search(r'hx-post="([^"]+)"', page).group(1)
    assert again == reverse("issues:similar", args=[forum.slug])
    assert """hx-vals='{"attempt": "1"}'""" in page
    assert "Assessment" not in again

    slow_fit.set()
    similar.wait_for_refits()
    response = _typing(client, forum, **TYPED, category="", attempt="1")
    assert _found(response) == [caseloads.pk]
    assert not response.context["looking"]


@pytest.mark.django_db(transaction=True)
def test_while_the_first_fit_runs_an_issue_page_shows_and_its_similar_issues_follow(
    forum, member, background_fits, slow_fit
):
    caseloads = IssueFactory(forum=forum, **CASELOADS)
    twin = IssueFactory(forum=forum, title="Assessment caseloads are over 30", body="Same.")
    client = client_for(member)
    section = reverse("issues:similar_to", args=[forum.slug, caseloads.pk])

    page = client.get(caseloads.get_absolute_url()).content.decode()
    assert f'hx-get="{section}" hx-trigger="load"' in page
    response = client.get(section, HTTP_HX_REQUEST="true")
    assert response.context["looking"]
    assert f'hx-get="{section}?attempt=1" hx-trigger="load delay:2s"' in response.content.decode()
    assert "Looking for similar issues" in client.get(section).content.decode()

    slow_fit.set()
    similar.wait_for_refits()
    response = client.get(section, {"attempt": 1}, HTTP_HX_REQUEST="true")
    assert _found(response) == [twin.pk]
    assert "hx-trigger" not in response.content.decode()


def test_asking_again_stops_after_a_while(forum, member, caseloads, monkeypatch):
    def never_fitted(forum_id, stamp, lock):
        lock.release()

    monkeypatch.setattr(similar, "_fit_in_background", never_fitted)
    client = client_for(member)
    section = reverse("issues:similar_to", args=[forum.slug, caseloads.pk])

    response = client.get(section, {"attempt": similar.MAX_ATTEMPTS}, HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert "hx-trigger" not in page
    assert "Similar issues cannot be shown just now" in page
    typed = _typing(client, forum, **TYPED, attempt=similar.MAX_ATTEMPTS + 5)
    assert "hx-trigger" not in typed.content.decode()
    assert "Similar issues cannot be shown just now" in typed.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_changed_forum_is_refitted_in_the_background_meanwhile_answering_from_older_vectors(
    forum, member, lists, fits, background_fits
):
    for texts in OTHERS:
        IssueFactory(forum=forum, **texts)
    typed = {"title": "Assessment caseloads are over 30", "body": "Too many children each."}
    client = client_for(member)
    _typing(client, forum, **typed)
    similar.wait_for_refits()
    assert _found(_typing(client, forum, **typed)) == []

    raised = raise_issue(  # commits, so the stamp moves on for real
        forum=forum, actor=member, data=issue_data(lists, **CASELOADS), anonymous=False
    )
    response = _typing(client, forum, **typed)
    assert _found(response) == []  # the older vectors, at once
    assert not response.context["looking"]
    similar.wait_for_refits()

    assert _found(_typing(client, forum, **typed)) == [raised.issue.pk]
    assert fits == [forum.pk, forum.pk]


@pytest.mark.parametrize("change", ["edit", "status", "hide", "merge"])
def test_every_change_to_an_issue_marks_the_vectors_stale(
    forum, convenor, caseloads, fits, change, django_capture_on_commit_callbacks
):
    similar.similar_issues(forum=forum, text=TYPED["title"])
    other = Issue.objects.exclude(pk=caseloads.pk).first()
    with django_capture_on_commit_callbacks(execute=True):
        if change == "edit":
            data = services.IssueData(
                title="Caseloads are over 35 now",
                body=caseloads.body,
                impact=caseloads.impact,
                proposed_solution=caseloads.proposed_solution,
                category=caseloads.category,
                service_area=caseloads.service_area,
            )
            services.issue_edit(issue=caseloads, actor=convenor, data=data, expected_version=1)
        elif change == "status":
            services.issue_set_status(issue=caseloads, status=Status.ON_AGENDA, actor=convenor)
        elif change == "hide":
            services.issue_hide(issue=caseloads, actor=convenor, reason="Names a child")
        else:
            services.issue_merge(issue=other, into=caseloads, actor=convenor)
    similar.similar_issues(forum=forum, text=TYPED["title"])

    assert fits == [forum.pk, forum.pk]


def test_a_rolled_back_change_does_not_refit(forum, member, caseloads, fits):
    similar.similar_issues(forum=forum, text=TYPED["title"])
    similar.invalidate(forum_id=forum.pk)  # inside the test's transaction, never committed
    similar.similar_issues(forum=forum, text=TYPED["title"])

    assert fits == [forum.pk]


def test_suggestions_still_work_when_the_cache_is_down(forum, member, caseloads, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(cache, "get", broken)

    assert _found(_typing(client_for(member), forum, **TYPED)) == [caseloads.pk]


def test_me_too_from_the_raise_page_supports_and_opens_the_issue(forum, member, caseloads, lists):
    support = reverse("issues:support", args=[forum.slug, caseloads.pk])

    # The button submits the raise form to the support page (formaction).
    response = client_for(member).post(support, form_data(lists, action="support"), follow=True)

    assert response.redirect_chain[-1][0] == caseloads.get_absolute_url()
    assert Support.objects.filter(issue=caseloads, user=member).exists()
    assert Issue.objects.filter(forum=forum).count() == len(OTHERS) + 1
    assert "You support this issue." in response.content.decode()


def test_me_too_can_add_what_was_typed_as_a_named_comment(forum, member, caseloads, lists):
    support = reverse("issues:support", args=[forum.slug, caseloads.pk])
    typed = form_data(
        lists,
        action="support_and_comment",
        identity="named",
        body="Ours are at 34 each.",
        impact="Visits slip.",
        proposed_solution="",
    )

    response = client_for(member).post(support, typed, follow=True)

    comment = Comment.objects.get(issue=caseloads)
    assert (comment.author, comment.body) == (
        member,
        "Ours are at 34 each.\n\nImpact: Visits slip.",
    )
    assert Support.objects.filter(issue=caseloads, user=member).exists()
    assert "what you typed is now a comment on it" in response.content.decode()


def test_me_too_when_anonymous_counts_the_support_and_posts_nothing(
    forum, member, caseloads, lists
):
    support = reverse("issues:support", args=[forum.slug, caseloads.pk])
    typed = form_data(lists, action="support_and_comment", identity="anonymous")

    response = client_for(member).post(support, typed, follow=True)

    assert Support.objects.filter(issue=caseloads, user=member).exists()
    assert not Comment.objects.filter(issue=caseloads).exists()
    assert "you chose to stay anonymous" in response.content.decode()


def test_me_too_with_a_comment_too_long_keeps_the_text_in_the_comment_form(
    forum, member, caseloads, lists
):
    support = reverse("issues:support", args=[forum.slug, caseloads.pk])
    long = "word " * 1_200
    typed = form_data(lists, action="support_and_comment", identity="named", body=long)

    response = client_for(member).post(support, typed)

    assert response.status_code == 200
    page = response.content.decode()
    assert long.strip() in page and "Keep this to 5000 characters or fewer" in page
    assert not Comment.objects.filter(issue=caseloads).exists()


def test_without_javascript_checking_keeps_everything_typed(forum, member, caseloads, lists):
    typed = form_data(lists, **TYPED, team="Duty and assessment", check_similar="1")
    typed.pop("impact")

    response = client_for(member).post(reverse("issues:raise", args=[forum.slug]), typed)

    assert response.status_code == 200
    page = response.content.decode()
    assert _found(response) == [caseloads.pk]
    assert f'value="{TYPED["title"]}"' in page
    assert TYPED["body"] in page
    assert 'value="Duty and assessment"' in page
    assert f'<option value="{lists["category"].pk}" selected>' in page
    assert "errorlist" not in page  # checking is not submitting: no "enter this" errors
    assert Issue.objects.filter(forum=forum).count() == len(OTHERS) + 1


def test_the_raise_page_asks_while_typing_and_announces_a_short_count(forum, member):
    page = client_for(member).get(reverse("issues:raise", args=[forum.slug])).content.decode()

    assert f'hx-post="{reverse("issues:similar", args=[forum.slug])}"' in page
    assert 'hx-trigger="input changed delay:600ms"' in page
    # The cards are not read out whole at each keystroke: a status region hears a short count.
    assert '<p id="similar-status" class="visually-hidden" role="status"></p>' in page
    assert '<div id="similar-issues">' in page
    assert 'hx-target="#similar-issues"' in page
    assert '<h2 id="similar-heading">Is this already raised?</h2>' in page


# --- on an issue's page ----------------------------------------------------------------------


def _similar_to(client, issue):
    section = reverse("issues:similar_to", args=[issue.forum.slug, issue.pk])
    return client.get(section, HTTP_HX_REQUEST="true")


def test_an_issue_page_lists_similar_open_issues_but_not_itself_or_its_duplicates(
    forum, member, caseloads
):
    twin = IssueFactory(forum=forum, title="Assessment caseloads are over 30", body="Same here.")
    IssueFactory(
        forum=forum,
        merged_into=caseloads,
        status=Status.CLOSED,
        closed_reason="Merged",
        **CASELOADS,
    )
    client = client_for(member)
    section = reverse("issues:similar_to", args=[forum.slug, caseloads.pk])
    page = client.get(caseloads.get_absolute_url()).content.decode()
    assert f'<a href="{section}">Show similar issues</a>' in page  # without JavaScript

    response = _similar_to(client, caseloads)

    assert _found(response) == [twin.pk]
    page = response.content.decode()
    assert "Similar issues" in page
    assert "Merge into this" not in page
    assert "<html" not in page
    without_js = client.get(section).content.decode()
    assert "<html" in without_js and twin.title in without_js


def test_an_issue_with_nothing_similar_shows_no_similar_section(forum, member, caseloads):
    response = _similar_to(client_for(member), caseloads)

    assert _found(response) == []
    assert response.content.decode().strip() == ""


def test_a_convenor_can_merge_into_a_similar_issue(forum, convenor, caseloads):
    twin = IssueFactory(forum=forum, title="Assessment caseloads are over 30", body="Same here.")
    client = client_for(convenor)

    page = _similar_to(client, twin).content.decode()
    manage = reverse("issues:manage", args=[forum.slug, twin.pk])
    assert f'href="{manage}?into={caseloads.pk}#merge-heading"' in page

    merge_page = client.get(manage, {"into": caseloads.pk}).content.decode()
    assert f'<option value="{caseloads.pk}" selected>' in merge_page
    assert client.get(manage, {"into": "nonsense"}).status_code == 200


def test_a_hidden_issue_shows_members_no_similar_issues(forum, member, caseloads, fits):
    hidden = IssueFactory(forum=forum, hidden=True, hidden_reason="Names a child", **CASELOADS)
    client = client_for(member)

    response = client.get(hidden.get_absolute_url())

    assert "similar" not in response.context
    assert "Similar issues" not in response.content.decode()
    section = _similar_to(client, hidden)
    assert _found(section) == []
    assert section.content.decode().strip() == ""
    assert hidden.title not in client.get(section.request["PATH_INFO"]).content.decode()
    assert fits == []


# --- cost ------------------------------------------------------------------------------------


def _queries(
    client, path: str, similar_expected: bool = True, method: str = "get", **params
) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(path, params, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    if similar_expected:
        assert response.context["similar"], "the measured request must find similar issues"
    return len(captured)


def test_typing_and_issue_pages_run_a_fixed_number_of_queries(forum, member):
    client = client_for(member)
    first = IssueFactory(forum=forum, **CASELOADS)
    IssueFactory(forum=forum, title="Assessment caseloads are over 30", body="Same here.")
    IssueFactory.create_batch(8, forum=forum)
    typing = reverse("issues:similar", args=[forum.slug])
    detail = first.get_absolute_url()
    section = reverse("issues:similar_to", args=[forum.slug, first.pk])

    def measure():
        client.post(typing, TYPED)  # fit, and warm the session
        return (
            _queries(client, typing, method="post", **TYPED),
            _queries(client, detail, similar_expected=False),
            _queries(client, section),
        )

    at_ten = measure()
    IssueFactory.create_batch(190, forum=forum)
    similar.forget_all()
    at_two_hundred = measure()

    assert at_ten == at_two_hundred
    assert at_ten[0] <= 7  # session, user, membership, the matches; the session save
    assert at_ten[2] <= at_ten[0] + 1  # and the issue itself


def test_the_lighter_engine_still_finds_same_theme_issues_for_85_percent():
    issues = json.loads(SAMPLE.read_text(encoding="utf-8"))["issues"]
    docs = [Doc(i, issue_text(issue), issue["category"]) for i, issue in enumerate(issues)]
    engine = TfidfEngine(char_ngrams=similar.CHAR_NGRAMS)
    engine.fit(docs)

    same = 0
    for doc in docs:
        [best] = engine.similar(doc.text, k=1, exclude=doc.key, category=doc.category)
        same += issues[best.key]["theme"] == issues[doc.key]["theme"]
    assert same / len(docs) >= 0.85, f"{same}/{len(docs)} in the same theme"
