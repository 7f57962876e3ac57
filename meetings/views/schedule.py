"""Arranging meetings: the list, scheduling, changing, cancelling, the calendar file."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from forum_app.forms import add_service_errors
from forum_app.http import ForumRequest, post_only
from forum_app.once import sent_once
from forum_app.permissions import forum_ability_required
from meetings import services
from meetings.calendar import meeting_ics
from meetings.forms import MeetingForm
from meetings.models import Meeting, Phase
from meetings.permissions import get_meeting_for
from meetings.services.schedule import default_start
from meetings.views.shared import done, refused

PER_PAGE = 10


@forum_ability_required("take_part")
def meeting_list(request: ForumRequest) -> HttpResponse:
    forum = request.forum
    meetings = Meeting.objects.in_forum(forum).select_related("forum")
    upcoming = list(meetings.upcoming()[:20])
    past = Paginator(meetings.past().with_attendance(), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "forum": forum,
        "upcoming": upcoming,
        "past": past,
    }
    return render(request, "meetings/list.html", context)


@forum_ability_required("run_meetings")
@sent_once
def meeting_schedule(request: ForumRequest) -> HttpResponse:
    forum = request.forum
    start = default_start(forum)
    form = MeetingForm(
        request.POST or None,
        forum=forum,
        initial={
            "title": _("Forum meeting, %(month)s") % {"month": start.strftime("%B %Y")},
            "date": start.date(),
            "start": start.time(),
            "end": (start.replace(hour=min(start.hour + 1, 23))).time(),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_schedule(
                forum=forum, actor=request.user, data=form.data_for_service()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return done(
                request,
                meeting.get_absolute_url(),
                _("Meeting arranged. Members are being sent an invitation."),
            )
    return render(request, "meetings/schedule.html", {"forum": forum, "form": form})


@forum_ability_required("run_meetings")
def meeting_edit(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    if meeting.phase != Phase.SCHEDULED:
        return refused(
            request,
            meeting.get_absolute_url(),
            ValidationError(_("Only a meeting that has not started can be changed.")),
        )
    initial = MeetingForm.initial_for(meeting, meeting.starts_at, meeting.ends_at)
    form = MeetingForm(request.POST or None, forum=request.forum, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_reschedule(
                meeting=meeting, actor=request.user, data=form.data_for_service()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return done(request, meeting.get_absolute_url(), _("Meeting updated."))
    context = {"forum": request.forum, "form": form, "meeting": meeting}
    return render(request, "meetings/schedule.html", context)


@post_only("meetings:detail")
@forum_ability_required("run_meetings")
def meeting_cancel(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    try:
        services.meeting_cancel(meeting=meeting, actor=request.user)
    except ValidationError as error:
        return refused(request, meeting.get_absolute_url(), error)
    return done(
        request, meeting.get_absolute_url(), _("Meeting cancelled. Members are being told.")
    )


@require_GET
@forum_ability_required("take_part")
def meeting_calendar(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    ics = meeting_ics(meeting, attendee=(str(request.user), request.user.email))
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response
