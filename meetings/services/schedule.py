"""Arranging meetings: schedule, reschedule, cancel, invitations and reminders.

A change records the meeting and one ``MeetingNotice`` in the request; a worker writes the
members' invitations and reminders (``meeting_notice_send``) after it commits, so a forum of
thousands is scheduled as fast as a forum of ten. The sweeper sends any notice no worker got.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from forum_app.handoff import hand_off
from forum_app.models import Forum, Notification, User
from forum_app.notifications import notify_each
from forum_app.permissions import require
from meetings.models import Meeting, MeetingNotice, Phase

REMINDERS = (("7d", timedelta(days=7)), ("1d", timedelta(days=1)))


@dataclass(frozen=True)
class MeetingData:
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str = ""
    video_link: str = ""


def same_day_next_month(day: date) -> date:
    """The same weekday in the same week of the next month (first Tuesday → first Tuesday).

    A fifth weekday that next month lacks becomes that month's last such weekday.
    """
    week = (day.day - 1) // 7
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    weeks = [
        w[day.weekday()]
        for w in calendar.Calendar().monthdatescalendar(year, month)
        if w[day.weekday()].month == month
    ]
    return weeks[min(week, len(weeks) - 1)]


def next_meeting_times(meeting: Meeting) -> tuple[datetime, datetime]:
    """Start and end of the meeting one month on, on the same weekday, at the same local time."""
    tz = meeting.forum.tzinfo
    start = timezone.localtime(meeting.starts_at, tz)
    end = timezone.localtime(meeting.ends_at, tz)
    day = same_day_next_month(start.date())
    new_start = datetime.combine(day, start.time(), tzinfo=tz)
    return new_start, new_start + (end - start)


def members_to_invite(forum: Forum):
    """People who take part in the forum: active members and convenors."""
    return User.objects.members_of(forum)


def _check(data: MeetingData) -> None:
    errors = {}
    if not data.title.strip():
        errors["title"] = _("Give the meeting a title.")
    if data.ends_at <= data.starts_at:
        errors["ends_at"] = _("The meeting must end after it starts.")
    if data.starts_at < timezone.now() - timedelta(hours=1):
        errors["starts_at"] = _("Choose a date and time in the future.")
    if not data.place.strip() and not data.video_link.strip():
        errors["place"] = _("Say where the meeting is, or give a video call link.")
    if errors:
        raise ValidationError(errors)


def _when(meeting: Meeting) -> str:
    local = timezone.localtime(meeting.starts_at, meeting.forum.tzinfo)
    end = timezone.localtime(meeting.ends_at, meeting.forum.tzinfo)
    return f"{date_format(local, 'l j F Y')}, {local:%H:%M}–{end:%H:%M}"


def _context(meeting: Meeting, change: str) -> dict:
    base = settings.SITE_URL
    args = [meeting.forum.slug, meeting.pk]
    return {
        "forum": meeting.forum.name,
        "meeting_id": meeting.pk,
        "title": meeting.title,
        "when": _when(meeting),
        "place": meeting.place,
        "video_link": meeting.video_link,
        "change": change,
        "link": base + reverse("meetings:detail", args=args),
        "calendar_link": base + reverse("meetings:calendar", args=args),
    }


def _announce(meeting: Meeting, change: str) -> MeetingNotice:
    """Record that members are to hear of ``change``; a worker tells them after commit."""
    notice, _created = MeetingNotice.objects.get_or_create(
        meeting=meeting, change=change, sequence=meeting.sequence
    )
    transaction.on_commit(lambda: _hand_off_notice(notice.pk))
    return notice


def _hand_off_notice(pk: int) -> None:
    from meetings.tasks import send_meeting_notice

    hand_off(send_meeting_notice, pk)


def meeting_notice_send(*, notice_id: int) -> int:
    """Write the invitations (and reminders) of one notice; returns how many were queued.

    Safe to run twice or at once from two places: the notice is locked and marked done in
    the same transaction, the meeting is locked against a change meanwhile, and every email
    has its own dedupe key. A notice that a later one has overtaken (the meeting moved again,
    or was cancelled, before it went out) is marked done without emails: the later one
    tells members how the meeting stands now.
    """
    with transaction.atomic():
        notices = MeetingNotice.objects.filter(pk=notice_id, done_at=None)
        if connection.features.has_select_for_update_skip_locked:
            notices = notices.select_for_update(skip_locked=True)
        notice = notices.first()
        if notice is None:
            return 0
        meeting = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("forum")
            .get(pk=notice.meeting_id)
        )
        overtaken = MeetingNotice.objects.filter(
            meeting=meeting, sequence__gt=notice.sequence
        ).exists()
        queued = 0
        if not overtaken:
            queued = _invite_all(meeting, notice.change)
            if meeting.phase == Phase.SCHEDULED:
                _queue_reminders(meeting)
        notice.done_at = timezone.now()
        notice.save(update_fields=["done_at"])
    return queued


def meeting_notices_sweep() -> int:
    """Send every notice no worker has done yet (a lost hand-off); returns how many."""
    waiting = MeetingNotice.objects.filter(done_at=None).order_by("created_at", "pk")
    ids = list(waiting.values_list("pk", flat=True))
    for pk in ids:
        meeting_notice_send(notice_id=pk)
    return len(ids)


def _invite_all(meeting: Meeting, change: str) -> int:
    return notify_each(
        "meeting_scheduled",
        User.objects.members_of(meeting.forum),
        forum=meeting.forum,
        key={"meeting": meeting.pk, "change": change, "sequence": meeting.sequence},
        context=_context(meeting, change),
    )


def _queue_reminders(meeting: Meeting) -> None:
    """Queue the week-before and day-before reminders that still lie in the future."""
    now = timezone.now()
    context = _context(meeting, "reminder")
    for label, before in REMINDERS:
        due = meeting.starts_at - before
        if due <= now:
            continue
        notify_each(
            "meeting_reminder",
            User.objects.members_of(meeting.forum),
            forum=meeting.forum,
            key={"meeting": meeting.pk, "label": label, "sequence": meeting.sequence},
            context={**context, "in_days": before.days},
            due_at=due,
            about=meeting,
        )


def _drop_pending_reminders(meeting: Meeting) -> int:
    """Remove reminders not yet sent (a row being sent is left alone: it is already out)."""
    reminders = Notification.objects.about(meeting).filter(kind="meeting_reminder")
    deleted, _by_model = reminders.not_yet_sent().delete()
    return deleted


@transaction.atomic
def meeting_schedule(*, forum: Forum, actor: User, data: MeetingData) -> Meeting:
    """Arrange a meeting; members get an invitation with a calendar file and two reminders.

    The invitations are written by a worker after commit (``meeting_notice_send``).
    """
    require(forum, actor, "run_meetings")
    _check(data)
    meeting = Meeting.objects.create(
        forum=forum,
        title=data.title.strip(),
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        place=data.place.strip(),
        video_link=data.video_link.strip(),
        dots_per_person=forum.dots_per_person,
        max_dots_per_theme=forum.max_dots_per_theme,
        scheduled_by=actor,
    )
    _announce(meeting, MeetingNotice.Change.NEW)
    return meeting


@transaction.atomic
def meeting_reschedule(*, meeting: Meeting, actor: User, data: MeetingData) -> Meeting:
    """Change a scheduled meeting. A new time sends an update and moves the reminders.

    The calendar file's SEQUENCE goes up with each change of time, so calendar apps
    replace the old entry instead of adding a second one.
    """
    require(meeting.forum, actor, "run_meetings")
    locked = Meeting.objects.select_for_update().select_related("forum").get(pk=meeting.pk)
    if locked.phase != Phase.SCHEDULED:
        raise ValidationError(_("Only a meeting that has not started can be changed."))
    _check(data)
    moved = (locked.starts_at, locked.ends_at) != (data.starts_at, data.ends_at)
    changed = moved or (locked.place, locked.video_link) != (data.place, data.video_link)
    locked.title = data.title.strip()
    locked.starts_at, locked.ends_at = data.starts_at, data.ends_at
    locked.place, locked.video_link = data.place.strip(), data.video_link.strip()
    if changed:
        locked.sequence = F("sequence") + 1
    locked.state_version = F("state_version") + 1
    locked.save()
    locked.refresh_from_db()
    if moved:
        _drop_pending_reminders(locked)
    if changed:
        _announce(locked, MeetingNotice.Change.MOVED)
    return locked


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, actor: User) -> Meeting:
    """Cancel a meeting that has not started: members are told, reminders are withdrawn."""
    require(meeting.forum, actor, "run_meetings")
    locked = Meeting.objects.select_for_update().select_related("forum").get(pk=meeting.pk)
    if locked.phase != Phase.SCHEDULED:
        raise ValidationError(_("Only a meeting that has not started can be cancelled."))
    locked.phase = Phase.CANCELLED
    locked.sequence = F("sequence") + 1
    locked.state_version = F("state_version") + 1
    locked.save(update_fields=["phase", "sequence", "state_version"])
    locked.refresh_from_db()
    _drop_pending_reminders(locked)
    _announce(locked, MeetingNotice.Change.CANCELLED)
    return locked


def default_start(forum: Forum) -> datetime:
    """A sensible first suggestion: next month's same week and weekday as the last meeting."""
    last = Meeting.objects.in_forum(forum).exclude(phase=Phase.CANCELLED).order_by("-starts_at")
    last = last.select_related("forum").first()
    if last is not None:
        return next_meeting_times(last)[0]
    tomorrow = timezone.localdate(timezone.now(), forum.tzinfo) + timedelta(days=7)
    return datetime.combine(tomorrow, time(12, 30), tzinfo=forum.tzinfo)
