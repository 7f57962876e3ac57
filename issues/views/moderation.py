"""Moderating issues: status, merging and hiding, by those who may moderate."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from forum_app.forms import add_service_errors
from forum_app.http import ForumRequest, post_only
from forum_app.permissions import forum_ability_required
from issues import services
from issues.forms import HideForm, MergeForm, ReasonForm, StatusForm
from issues.models import Comment, Issue
from issues.permissions import get_comment_for, get_issue_for


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
