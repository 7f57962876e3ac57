"""Minutes: editing the draft, publishing, correcting, the PDF."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from forum_app.forms import add_service_errors
from forum_app.http import ForumRequest, post_only
from forum_app.permissions import can, forum_ability_required
from meetings import services
from meetings.forms import MinutesCorrectionForm, MinutesForm
from meetings.models import Meeting, Minutes
from meetings.pdf import minutes_pdf
from meetings.permissions import get_meeting_for
from meetings.services.decisions import minutes_context
from meetings.views.shared import confirmed, done, refused


def _minutes_for(request: ForumRequest, meeting: Meeting) -> Minutes:
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None or (
        minutes.published_at is None and not can(request.membership, "run_meetings")
    ):
        raise Http404
    return minutes


@forum_ability_required("take_part")
def minutes(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    record = _minutes_for(request, meeting)
    form = None
    if can(request.membership, "run_meetings") and record.published_at is None:
        form = MinutesForm(request.POST or None, initial={"body": record.body})
        if request.method == "POST" and form.is_valid():
            try:
                services.minutes_update(
                    minutes=record, actor=request.user, body=form.cleaned_data["body"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return done(request, request.path, _("Minutes saved."))
    elif request.method == "POST":
        raise Http404
    return _minutes_page(request, meeting, record, form=form)


def _minutes_page(
    request: ForumRequest, meeting, record, *, form=None, correction=None, status=200
):
    if (
        correction is None
        and can(request.membership, "run_meetings")
        and record.published_at is not None
    ):
        correction = MinutesCorrectionForm(initial={"body": record.body})
    context = {
        "forum": request.forum,
        "meeting": meeting,
        "minutes": record,
        "form": form,
        "correction": correction,
        "revisions": list(record.revisions.select_related("corrected_by")),
    }
    return render(request, "meetings/minutes.html", context, status=status)


@post_only("meetings:minutes")
@forum_ability_required("run_meetings")
def minutes_correct(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    record = get_object_or_404(Minutes, meeting=meeting)
    form = MinutesCorrectionForm(request.POST)
    if form.is_valid():
        try:
            services.minutes_correct(
                minutes=record,
                actor=request.user,
                body=form.cleaned_data["body"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            url = reverse("meetings:minutes", args=[request.forum.slug, meeting.pk])
            return done(request, url, _("Minutes corrected. The earlier version is kept below."))
    return _minutes_page(request, meeting, record, correction=form, status=400)


@post_only("meetings:minutes")
@forum_ability_required("run_meetings")
def minutes_publish(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    record = get_object_or_404(Minutes, meeting=meeting)
    url = reverse("meetings:minutes", args=[request.forum.slug, meeting.pk])
    if not confirmed(request):
        return redirect("meetings:confirm", request.forum.slug, meeting.pk)
    try:
        services.minutes_publish(minutes=record, actor=request.user)
    except ValidationError as error:
        return refused(request, url, error)
    return done(request, url, _("Minutes published. Members have been emailed."))


@require_GET
@forum_ability_required("take_part")
def minutes_download(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    record = _minutes_for(request, meeting)
    response = HttpResponse(
        minutes_pdf(record, minutes_context(meeting)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="minutes-{meeting.pk}.pdf"'
    return response
