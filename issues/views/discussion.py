"""Reading and taking part: the list, an issue's page, support, comments, following, editing."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_htmx.http import trigger_client_event

from forum_app.forms import add_service_errors
from forum_app.http import ForumRequest, post_only
from forum_app.once import sent_once
from forum_app.permissions import can, can_edit_issue, forum_ability_required
from issues import services, similar
from issues.forms import CommentForm, EditForm, FilterForm, RaiseForm
from issues.models import Issue
from issues.permissions import get_issue_for
from issues.views.raising import attempt_number, similar_context

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
        context |= similar_context(found, attempt_number(request.GET), QueryDict(mutable=True))
    template = "issues/similar_to.html#section" if request.htmx else "issues/similar_to.html"
    return render(request, template, context)


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
