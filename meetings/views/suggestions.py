"""Suggested themes on the grouping board: ask, accept or reject, undo."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from forum_app.http import ForumRequest, post_only
from forum_app.permissions import forum_ability_required
from meetings import services
from meetings.models import SuggestionBatch, SuggestionItem
from meetings.permissions import get_meeting_for
from meetings.views.shared import done, refused
from meetings.views.themes import board_url


@post_only("meetings:group")
@forum_ability_required("run_meetings")
def suggest(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    url = board_url(request, meeting, "#suggestions")
    try:
        batch = services.suggestion_create(meeting=meeting, actor=request.user)
    except ValidationError as error:
        return refused(request, url, error)
    if batch is None:
        return done(request, url, _("Every open issue is already in a theme."))
    return done(request, url, _("Suggestions are ready. Accept or reject each one."))


@post_only("meetings:group")
@forum_ability_required("run_meetings")
def suggestion_answer(request: ForumRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    item = get_object_or_404(
        SuggestionItem.objects.select_related("batch__meeting__forum", "issue"),
        pk=item_pk,
        batch__meeting=meeting,
    )
    accept = request.POST.get("answer") == "accept"
    url = board_url(request, meeting, "#suggestions")
    try:
        services.suggestion_decide(item=item, actor=request.user, accept=accept)
    except ValidationError as error:
        return refused(request, url, error)
    message = _("Suggestion accepted.") if accept else _("Suggestion rejected.")
    return done(request, url, message)


@post_only("meetings:group")
@forum_ability_required("run_meetings")
def suggestion_batch(request: ForumRequest, pk: int, batch_pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    batch = get_object_or_404(
        SuggestionBatch.objects.select_related("meeting__forum"), pk=batch_pk, meeting=meeting
    )
    action = request.POST.get("action", "")
    url = board_url(request, meeting, "#suggestions")
    try:
        if action == "undo":
            count = services.suggestion_undo(batch=batch, actor=request.user)
            message = _("Suggestions undone: %(count)d issues put back.") % {"count": count}
        elif action in ("accept", "reject"):
            count = services.suggestion_decide_all(
                batch=batch, actor=request.user, accept=action == "accept"
            )
            message = _("%(count)d suggestions answered.") % {"count": count}
        else:
            raise ValidationError(_("Choose what to do with the suggestions."))
    except ValidationError as error:
        return refused(request, url, error)
    return done(request, url, message)
