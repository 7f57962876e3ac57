"""The anonymous raiser's page: follow an issue by its receipt code, add an update."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from forum_app.forms import add_service_errors
from forum_app.http import ForumRequest, post_only
from forum_app.permissions import forum_ability_required
from issues import receipts, services
from issues.forms import FollowForm, RaiserUpdateForm
from issues.models import Issue
from issues.views.raising import NOT_TAKEN
from issues.waiting_room import WaitingRoomUnavailable


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
