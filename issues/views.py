"""Pages for raising, finding, supporting, discussing and moderating issues."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_htmx.http import trigger_client_event

from forum_app.forms import add_service_errors
from forum_app.http import ForumRequest, post_only
from forum_app.once import sent_once
from forum_app.permissions import can, can_edit_issue, forum_ability_required
from issues import receipts, services, similar
from issues.forms import (
    CommentForm,
    EditForm,
    FilterForm,
    FollowForm,
    HideForm,
    MergeForm,
    RaiseForm,
    RaiserUpdateForm,
    ReasonForm,
    StatusForm,
)
from issues.models import TEXT_LIMIT, TITLE_LIMIT, Comment, Issue
from issues.permissions import get_comment_for, get_issue_for
from issues.waiting_room import WaitingRoomUnavailable

PAGE_SIZE = 20


@forum_ability_required("take_part")
def issue_list(request: ForumRequest) -> HttpResponse:
    form = FilterForm(request.GET or None, forum=request.forum)
    moderator = can(request.membership, "moderate_issues")
    issues = (
        Issue.objects.in_forum(request.forum)
        .listed()
        .for_list()
        .with_counts()
        .with_viewer(request.user)
        .filtered(user=request.user, moderator=moderator, **form.filters())
    )
    page = Paginator(issues, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "forum": request.forum,
        "form": form,
        "page": page,
        "query": query.urlencode(),
    }
    template = "issues/list.html#results" if request.htmx else "issues/list.html"
    return render(request, template, context)


def _attempt(data: QueryDict) -> int:
    """How many times the page has already asked for similar issues while they were fitted."""
    attempt = data.get("attempt", "")
    return min(int(attempt), similar.MAX_ATTEMPTS) if attempt.isdigit() else 0


def _similar_context(
    found: list[similar.SimilarIssue] | None, attempt: int, retry: QueryDict
) -> dict:
    """``similar`` to show, or ``looking`` with what asks again a moment later: ``retry``
    (a query string, for pages that ask by GET) and ``next_attempt``."""
    if found is not None:
        return {"similar": found, "looking": False}
    retry["attempt"] = str(attempt + 1)
    again = attempt < similar.MAX_ATTEMPTS
    return {
        "similar": None,
        "looking": True,
        "retry": retry.urlencode() if again else "",
        "next_attempt": attempt + 1 if again else None,
    }


def _similar_to_typed(request: ForumRequest, data) -> dict:
    """Template context for open issues like the title and "what happens" in ``data``.

    ``similar`` is None when the text is too short to try; ``looking`` is true while the
    forum's vectors are being fitted.
    """
    title, body = data.get("title", "")[:TITLE_LIMIT], data.get("body", "")[:TEXT_LIMIT]
    if not similar.has_enough_words(f"{title}\n{body}"):
        return {"similar": None, "looking": False}
    category = data.get("category", "")
    category = category if category.isdigit() else ""
    found = similar.similar_issues(forum=request.forum, text=f"{title}\n{body}", category=category)
    return _similar_context(found, _attempt(data), QueryDict(mutable=True))


@never_cache
@post_only("issues:raise", keep=("slug",))
@forum_ability_required("take_part")
def issue_similar(request: ForumRequest) -> HttpResponse:
    """Answer “Is this already raised?” while a person types on the raise page.

    A POST: what is typed never travels in an address, which proxies write to their logs.
    """
    context = {"forum": request.forum, **_similar_to_typed(request, request.POST)}
    return render(request, "issues/raise.html#similar", context)


@never_cache
@forum_ability_required("take_part")
def issue_similar_to(request: ForumRequest, pk: int) -> HttpResponse:
    """An issue's "Similar issues", which its page loads after showing everything else."""
    issue = get_issue_for(request, pk)
    moderator = can(request.membership, "moderate_issues")
    show_content = moderator or not issue.hidden
    context = {
        "forum": request.forum,
        "issue": issue,
        "show_content": show_content,
        "similar": [],
    }
    if show_content:
        found = similar.similar_issues(
            forum=request.forum,
            text=similar.text_of(issue),
            exclude=issue.pk,
            category=str(issue.category_id),
        )
        context |= _similar_context(found, _attempt(request.GET), QueryDict(mutable=True))
    template = "issues/similar_to.html#section" if request.htmx else "issues/similar_to.html"
    return render(request, template, context)


@never_cache
@forum_ability_required("take_part")
def issue_raise(request: ForumRequest) -> HttpResponse:
    if request.method == "POST" and "check_similar" in request.POST:
        # Without JavaScript: show the page again, everything typed kept, with the matches.
        form = RaiseForm(initial=request.POST.dict(), forum=request.forum)
        context = {"forum": request.forum, "form": form}
        context |= _similar_to_typed(request, request.POST)
        return render(request, "issues/raise.html", context)
    form = RaiseForm(request.POST if request.method == "POST" else None, forum=request.forum)
    if request.method == "POST" and form.is_valid():
        submission = form.cleaned_data["submission"]
        try:
            if form.anonymous:
                receipt = services.issue_raise_anonymous(
                    forum=request.forum, data=form.data_for_service(), submission=submission
                )
            else:
                issue = services.issue_raise(
                    forum=request.forum,
                    actor=request.user,
                    data=form.data_for_service(),
                    submission=submission,
                )
        except ValidationError as error:
            add_service_errors(form, error)
        except WaitingRoomUnavailable:
            form.add_error(None, NOT_TAKEN)
        except services.AlreadySent:
            messages.info(request, ALREADY_SENT)
            return redirect("issues:list", request.forum.slug)
        else:
            if form.anonymous:
                return _show_receipt(request, receipt)
            messages.success(request, _("Your issue has been raised."))
            return redirect(issue.get_absolute_url())
    return render(request, "issues/raise.html", {"forum": request.forum, "form": form})


ALREADY_SENT = _(
    "You sent this issue already, so it was not sent again. It appears within the forum's "
    "window; follow it with the receipt code you were shown the first time."
)
NOT_TAKEN = _(
    "We could not take your anonymous post just now, so nothing was sent. "
    "What you wrote is still here: try again in a minute."
)
RECEIPT_COOKIE = "swf_receipt"
RECEIPT_SALT = "issues.receipt"
RECEIPT_SECONDS = 60 * 60


def _show_receipt(request: ForumRequest, receipt: str) -> HttpResponse:
    """Redirect to the receipt page, carrying the code in a cookie only that page receives.

    Nothing is stored on the server: the code lives in the raiser's browser for an hour, so
    refreshing the receipt page still shows it, and sending the form again (Back, then
    Raise) shows the same code without raising a second issue.
    """
    url = reverse("issues:receipt", args=[request.forum.slug])
    response = redirect(url)
    response.set_signed_cookie(
        RECEIPT_COOKIE,
        receipt,
        salt=RECEIPT_SALT,
        max_age=RECEIPT_SECONDS,
        path=url,
        secure=request.is_secure(),
        httponly=True,
        samesite="Strict",
    )
    return response


@never_cache
@require_GET
@forum_ability_required("take_part")
def issue_receipt(request: ForumRequest) -> HttpResponse:
    """The receipt code of the anonymous issue this browser has just raised."""
    receipt = request.get_signed_cookie(
        RECEIPT_COOKIE, default=None, salt=RECEIPT_SALT, max_age=RECEIPT_SECONDS
    )
    context = {
        "forum": request.forum,
        "receipt": receipt,
        "groups": receipt.split("-") if receipt else [],
    }
    if receipt:
        token = receipts.feed_token(receipt)
        issue = services.issue_for_receipt(forum=request.forum, receipt=receipt)
        context |= {
            "feed_url": request.build_absolute_uri(
                reverse("issues:feed", args=[request.forum.slug, token])
            ),
            "issue": issue,
            "events": issue.events.all() if issue else [],
        }
    return render(request, "issues/receipt.html", context)


def _detail_context(request: ForumRequest, issue: Issue, **extra) -> dict:
    moderator = can(request.membership, "moderate_issues")
    support_count, supported_by_me, followed_by_me = (
        Issue.objects.filter(pk=issue.pk)
        .with_counts()
        .with_viewer(request.user)
        .with_follower(request.user)
        .values_list("support_count", "supported_by_me", "followed_by_me")
        .get()
    )
    return {
        "forum": request.forum,
        "issue": issue,
        "support_count": support_count,
        "supported_by_me": supported_by_me,
        "followed_by_me": followed_by_me,
        "comments": issue.comments.for_display(),
        "events": issue.events.all(),
        "revisions": issue.revisions.all(),
        "redactions": issue.redactions.select_related("redacted_by"),
        "merged_issues": issue.merged_issues.only("pk", "title", "forum_id"),
        "can_edit": can_edit_issue(request.membership, issue),
        "show_content": moderator or not issue.hidden,
        "comment_form": CommentForm(),
        **extra,
    }


@forum_ability_required("take_part")
def issue_detail(request: ForumRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request, pk)
    return render(request, "issues/detail.html", _detail_context(request, issue))


@post_only("issues:detail")
@forum_ability_required("take_part")
def issue_support(request: ForumRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request, pk)
    level = messages.SUCCESS
    if request.POST.get("action") == "support_and_comment":
        return _support_with_comment(request, issue)
    if request.POST.get("action") == "withdraw":
        services.issue_support_withdraw(issue=issue, actor=request.user)
        announcement = _("You no longer support this issue.")
    else:
        try:
            services.issue_support(issue=issue, actor=request.user)
            announcement = _("You support this issue.")
        except ValidationError as error:
            level, announcement = messages.ERROR, error.messages[0]
    if not request.htmx:
        messages.add_message(request, level, announcement)
        return redirect(issue.get_absolute_url())
    response = render(request, "issues/detail.html#support", _detail_context(request, issue))
    return trigger_client_event(response, "announce", announcement)


def _typed_for_comment(data) -> str:
    """What was typed on the raise page, as one comment: what happens, then impact, solution."""
    parts = [data.get("body", "").strip()]
    for field, label in (("impact", _("Impact")), ("proposed_solution", _("Proposed solution"))):
        if text := data.get(field, "").strip():
            parts.append(f"{label}: {text}")
    return "\n\n".join(p for p in parts if p)


def _support_with_comment(request: HttpRequest, issue: Issue) -> HttpResponse:
    """ "Me too", with what was typed on the raise page added as a named comment.

    Someone who chose to raise anonymously is counted as a supporter only: comments show their
    writer's name, and no anonymous comment exists.
    """
    if request.POST.get("identity") == RaiseForm.ANONYMOUS:
        try:
            services.issue_support(issue=issue, actor=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.info(
                request,
                _(
                    "You support this issue. What you typed was not added as a comment: "
                    "comments show your name, and you chose to stay anonymous."
                ),
            )
        return redirect(issue.get_absolute_url())
    form = CommentForm({"body": _typed_for_comment(request.POST)})
    if form.is_valid():
        try:
            comment = services.issue_support_with_comment(
                issue=issue, actor=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("You support this issue, and what you typed is now a comment on it.")
            )
            return redirect(f"{issue.get_absolute_url()}#comment-{comment.pk}")
    # Too long or empty: the text stays in the comment form, with what to change next to it.
    context = _detail_context(request, issue, comment_form=form)
    return render(request, "issues/detail.html", context)


@post_only("issues:detail")
@forum_ability_required("take_part")
def issue_follow_toggle(request: ForumRequest, pk: int) -> HttpResponse:
    """Follow an issue, or stop following it; followers hear what becomes of it."""
    issue = get_issue_for(request, pk)
    if request.POST.get("action") == "unfollow":
        services.issue_unfollow(issue=issue, actor=request.user)
        announcement = _("You no longer follow this issue.")
    else:
        services.issue_follow(issue=issue, actor=request.user)
        announcement = _("You follow this issue. What becomes of it will be in your digest.")
    if not request.htmx:
        messages.success(request, announcement)
        return redirect(issue.get_absolute_url())
    response = render(request, "issues/detail.html#support", _detail_context(request, issue))
    return trigger_client_event(response, "announce", announcement)


@post_only("issues:detail")
@forum_ability_required("take_part")
@sent_once
def comment_post(request: ForumRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request, pk)
    form = CommentForm(request.POST)
    new_comment = None
    if form.is_valid():
        try:
            new_comment = services.comment_post(
                issue=issue, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
    if new_comment and not request.htmx:
        messages.success(request, _("Your comment has been posted."))
        return redirect(f"{issue.get_absolute_url()}#comment-{new_comment.pk}")
    context = _detail_context(
        request,
        issue,
        comment_form=form if new_comment is None else CommentForm(),
        new_comment=new_comment,
    )
    template = "issues/detail.html#discussion" if request.htmx else "issues/detail.html"
    response = render(request, template, context)
    if new_comment is not None:
        trigger_client_event(response, "announce", _("Your comment has been posted."))
    return response


@forum_ability_required("take_part")
def issue_edit(request: ForumRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request, pk)
    if not can_edit_issue(request.membership, issue):
        messages.error(request, _("Only the person who raised it or a convenor can edit this."))
        return redirect(issue.get_absolute_url())
    initial = EditForm.initial_for(issue)
    form = EditForm(
        request.POST if request.method == "POST" else None, forum=request.forum, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.issue_edit(
                issue=issue,
                actor=request.user,
                data=form.data_for_service(),
                expected_version=form.cleaned_data["version"],
                redact=form.cleaned_data["redact"] and can(request.membership, "moderate_issues"),
            )
        except services.EditConflict as conflict:
            retry = EditForm(
                {**request.POST.dict(), "version": conflict.current.version},
                forum=request.forum,
            )
            context = {"forum": request.forum, "issue": conflict.current, "form": retry}
            return render(request, "issues/conflict.html", context, status=409)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your changes have been saved."))
            return redirect(issue.get_absolute_url())
    context = {
        "forum": request.forum,
        "issue": issue,
        "form": form,
    }
    return render(request, "issues/edit.html", context)


def _manage_page(request: ForumRequest, issue: Issue, status: int = 200, **forms) -> HttpResponse:
    context = {
        "forum": request.forum,
        "issue": issue,
        "status_form": forms.get("status_form")
        or StatusForm(initial={"status": issue.status, "reason": issue.closed_reason}),
        "merge_form": forms.get("merge_form") or MergeForm(issue=issue),
        "hide_form": forms.get("hide_form") or HideForm(),
    }
    return render(request, "issues/manage.html", context, status=status)


@forum_ability_required("moderate_issues")
def issue_manage(request: ForumRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request, pk)
    into = request.GET.get("into", "")  # "Merge into this…" from the similar issues
    merge_form = MergeForm(issue=issue, initial={"into": into} if into.isdigit() else None)
    return _manage_page(request, issue, merge_form=merge_form)


@post_only("issues:manage")
@forum_ability_required("moderate_issues")
def issue_set_status(request: ForumRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.issue_set_status(issue=issue, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Status updated."))
            return redirect(issue.get_absolute_url())
    return _manage_page(request, issue, status_form=form)


@post_only("issues:manage")
@forum_ability_required("moderate_issues")
def issue_merge(request: ForumRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request, pk)
    form = MergeForm(request.POST, issue=issue)
    if form.is_valid():
        try:
            services.issue_merge(issue=issue, into=form.cleaned_data["into"], actor=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The issues have been merged."))
            return redirect(form.cleaned_data["into"].get_absolute_url())
    return _manage_page(request, issue, merge_form=form)


@post_only("issues:manage")
@forum_ability_required("moderate_issues")
def issue_hide(request: ForumRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request, pk)
    form = HideForm(request.POST)
    if form.is_valid():
        services.issue_hide(issue=issue, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The issue is hidden. The reason is shown in its place."))
        return redirect(issue.get_absolute_url())
    return _manage_page(request, issue, hide_form=form)


@forum_ability_required("moderate_issues")
def comment_hide(request: ForumRequest, pk: int) -> HttpResponse:
    comment: Comment = get_comment_for(request, pk)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.comment_hide(
            comment=comment, actor=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("The comment is hidden. The reason is shown in its place."))
        return redirect(f"{comment.issue.get_absolute_url()}#comment-{comment.pk}")
    context = {"forum": request.forum, "comment": comment, "form": form}
    return render(request, "issues/comment_hide.html", context)


def _feed_url(request: ForumRequest, issue: Issue, code: str) -> str | None:
    """The address of the issue's story feed, for the holder of its receipt code.

    Issues raised before feeds existed keep no way to find one, so they offer none.
    """
    token = receipts.feed_token(code)
    if not issue.feed_hash or issue.feed_hash != receipts.feed_lookup(token):
        return None
    return request.build_absolute_uri(reverse("issues:feed", args=[request.forum.slug, token]))


def _follow_page(request: ForumRequest, form, issue: Issue | None, status: int = 200, **extra):
    context = {"forum": request.forum, "form": form, "issue": issue, **extra}
    if issue is not None:
        context |= {
            "comments": issue.comments.for_display(),
            "events": issue.events.all(),
            "show_content": not issue.hidden,
            "feed_url": _feed_url(request, issue, form.cleaned_data["receipt"]),
        }
    return render(request, "issues/follow.html", context, status=status)


def _issue_for_code(request: ForumRequest, form: FollowForm) -> tuple[Issue | None, int]:
    """The issue for the code in a validated ``form``, or None with the error on the form.

    Wrong codes are limited per part of the code and per address (``issues.receipts``),
    never per person: a colleague's right code still works while someone else guesses.
    """
    if not form.is_valid():
        return None, 200
    code = form.cleaned_data["receipt"]
    refused = receipts.code_refused(code)
    if refused:
        form.add_error(
            "receipt",
            _(
                "This code, or one much like it, has been tried too many times. "
                "Try again after %(time)s."
            )
            % {"time": _clock(refused.until)},
        )
        return None, 429
    issue = services.issue_for_receipt(forum=request.forum, receipt=code)
    if issue is None:
        slow_down = receipts.wrong_code(request, code)
        if slow_down:
            form.add_error(
                "receipt",
                _(
                    "That code does not match, and too many codes from your network did not "
                    "match this hour. Try again after %(time)s. Your own code, typed exactly, "
                    "still works."
                )
                % {"time": _clock(slow_down.until)},
            )
            return None, 429
        form.add_error(
            "receipt",
            _(
                "That code does not match an issue in this forum. Check it and try again. "
                "An anonymous issue appears within %(minutes)s minutes of being raised: if "
                "you raised it just now, try again later."
            )
            % {"minutes": request.forum.anonymity_window_minutes},
        )
    return issue, 200


def _clock(when) -> str:
    return time_format(timezone.localtime(when), "H:i")


@never_cache
@forum_ability_required("take_part")
def issue_follow(request: ForumRequest) -> HttpResponse:
    """Find an anonymous issue by its receipt code; the code travels only in the POST body."""
    if request.method != "POST":
        return _follow_page(request, FollowForm(), None)
    form = FollowForm(request.POST)
    issue, status = _issue_for_code(request, form)
    if issue is None:
        return _follow_page(request, form, None, status=status)
    update_form = RaiserUpdateForm(initial={"receipt": form.cleaned_data["receipt"]})
    return _follow_page(request, form, issue, update_form=update_form)


@never_cache
@post_only("issues:follow", keep=("slug",))
@forum_ability_required("take_part")
def issue_follow_update(request: ForumRequest) -> HttpResponse:
    """Post an update as the anonymous raiser; the code comes back in a hidden field."""
    form = FollowForm({"receipt": request.POST.get("receipt", "")})
    issue, status = _issue_for_code(request, form)
    if issue is None:
        return _follow_page(request, form, None, status=status)
    receipt = form.cleaned_data["receipt"]
    update_form = RaiserUpdateForm(request.POST)
    if update_form.is_valid():
        try:
            services.issue_raiser_update(
                forum=request.forum,
                receipt=receipt,
                body=update_form.cleaned_data["body"],
                submission=update_form.cleaned_data["submission"],
            )
        except ValidationError as error:
            add_service_errors(update_form, error)
        except WaitingRoomUnavailable:
            update_form.add_error(None, NOT_TAKEN)
        else:
            minutes = request.forum.anonymity_window_minutes
            messages.success(
                request,
                _(
                    "Your update was received. It will appear on the issue within %(minutes)s "
                    "minutes, so the time it appears cannot be linked to you."
                )
                % {"minutes": minutes},
            )
            return redirect("issues:follow", request.forum.slug)
    return _follow_page(request, form, issue, update_form=update_form)
