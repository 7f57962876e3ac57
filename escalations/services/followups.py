"""Keeping leaders to their word: reminders, overdue notices and the escalation ladder.

Reminders before and on a date are outbox rows held back with ``due_at``. Anything that
depends on time passing (weekly overdue reminders, moving up the ladder, overdue
commitments) is done by ``followups_sweep``, run daily. Every message has a dedupe key and
every ladder step a unique event key, so running the sweep twice sends nothing twice.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from escalations import signing
from escalations.models import (
    AWAITING_RESPONSE,
    Brief,
    BriefEvent,
    Commitment,
    EscalationSettings,
    LadderRung,
)
from forum_app.models import Notification, User
from forum_app.notifications import notify_each

REMINDER_HOUR = 9
DUE_SOON = datetime.timedelta(days=7)


def _at_nine(day: datetime.date, tzinfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(REMINDER_HOUR), tzinfo=tzinfo)


def _link(brief: Brief) -> str:
    return settings.SITE_URL + reverse("escalations:brief", args=[brief.pk])


def _context(brief: Brief, stage: str, **extra) -> dict:
    return {
        "forum": brief.forum.name,
        "reference": brief.reference,
        "title": brief.title,
        "response_by": brief.response_by.isoformat(),
        "stage": stage,
        "link": _link(brief),
        **extra,
    }


def response_reminders_schedule(*, brief: Brief, leaders: list[User]) -> None:
    """Hold back two reminders per leader: a week before the response-by date and on it."""
    tz = brief.forum.tzinfo
    for stage, day in (
        ("soon", brief.response_by - DUE_SOON),
        ("today", brief.response_by),
    ):
        notify_each(
            "brief_reminder",
            leaders,
            variant="due",
            forum=brief.forum,
            key={"brief": brief.pk, "stage": stage, "response_by": brief.response_by},
            context=_context(brief, stage),
            due_at=_at_nine(day, tz),
            about=brief,
        )


def cancel_due_reminders(brief: Brief) -> int:
    """Drop the held-back reminders of a brief that no longer waits for an answer."""
    reminders = Notification.objects.about(brief).filter(kind="brief_reminder")
    deleted, _rows = reminders.filter(status=Notification.Status.PENDING).delete()
    return deleted


def _ladder_next(brief: Brief) -> User | None:
    current = set(brief.recipients.values_list("pk", flat=True))
    leaders = set(User.objects.leaders_of(brief.forum).values_list("pk", flat=True))
    rungs = LadderRung.objects.filter(forum=brief.forum).select_related("leader")
    positions = [rung.position for rung in rungs if rung.leader_id in current]
    floor = max(positions, default=-1)
    for rung in rungs:
        if rung.position > floor and rung.leader_id not in current and rung.leader_id in leaders:
            return rung.leader
    return None


def _claim_step(brief: Brief, kind: str, key: str, text: str, now) -> bool:
    """Write the timeline event for one ladder step; False if an earlier sweep already did."""
    try:
        with transaction.atomic():
            BriefEvent.objects.create(
                brief=brief, kind=kind, dedupe_key=key, text=text, happened_at=now
            )
    except IntegrityError:
        return False
    return True


def _move_up(brief: Brief, week: int, now) -> None:
    leader = _ladder_next(brief)
    name = (leader.display_name or leader.email) if leader else ""
    text = (
        _("No answer after the reminders; sent on to %(name)s.") % {"name": name}
        if leader
        else _("No answer after the reminders, and nobody higher on the ladder.")
    )
    if not _claim_step(brief, BriefEvent.Kind.MOVED_UP, f"brief_up:{brief.pk}:{week}", text, now):
        return
    if leader is not None:
        brief.recipients.add(leader)
        Brief.objects.filter(pk=brief.pk).update(rung=brief.rung + 1)
        latest = brief.versions.defer("pdf", "html").order_by("-number").first()
        anchor = signing.version_anchor(latest, tz=brief.forum.tzinfo) if latest else {}
        notify_each(
            "brief_sent",
            [leader],
            forum=brief.forum,
            key={"brief": brief.pk, "version": anchor.get("version")},
            context=_context(brief, "moved_up", **anchor, moved_up=True, ask=brief.ask),
        )
    notify_each(
        "brief_moved_up",
        User.objects.convenors_of(brief.forum),
        forum=brief.forum,
        key={"brief": brief.pk, "week": week},
        context=_context(
            brief, "moved_up", leader=name, link=settings.SITE_URL + brief.get_absolute_url()
        ),
    )


def _overdue_brief(brief: Brief, today: datetime.date, now, patience: int) -> None:
    days = (today - brief.response_by).days
    week = days // 7
    if week < 1:
        return
    if week % (patience + 1) == 0:
        _move_up(brief, week, now)
        return
    leaders = list(brief.recipients.all())
    _claim_step(
        brief,
        BriefEvent.Kind.REMINDER,
        f"brief_overdue:{brief.pk}:{week}",
        _("Overdue reminder %(n)s sent.") % {"n": week},
        now,
    )
    notify_each(
        "brief_reminder",
        leaders,
        variant="overdue",
        forum=brief.forum,
        key={"brief": brief.pk, "week": week},
        context=_context(brief, "overdue", days=days),
    )


def _commitment_followup(commitment: Commitment, today: datetime.date) -> None:
    brief = commitment.brief
    leader = commitment.made_by
    context = _context(
        brief,
        "",
        what=commitment.what,
        owner=commitment.owner,
        due_on=commitment.due_on.isoformat(),
    )
    key = {"commitment": commitment.pk, "due_on": commitment.due_on}
    maker = [leader] if leader else []
    if commitment.due_on - DUE_SOON <= today < commitment.due_on:
        notify_each(
            "commitment_reminder",
            maker,
            variant="soon",
            forum=brief.forum,
            key=key,
            context={**context, "stage": "soon"},
        )
    if today > commitment.due_on:
        notify_each(
            "commitment_reminder",
            maker,
            variant="update",
            forum=brief.forum,
            key=key,
            context={**context, "stage": "overdue"},
        )
        notify_each(
            "commitment_overdue",
            User.objects.convenors_of(brief.forum),
            forum=brief.forum,
            key=key,
            context={**context, "link": settings.SITE_URL + brief.get_absolute_url()},
        )


def followups_sweep(now: datetime.datetime | None = None) -> None:
    """Send what time has made due: weekly overdue reminders, ladder steps, commitment nudges.

    Safe to run any number of times a day: each message and each ladder step happens once.
    """
    now = now or timezone.now()
    patience = dict(
        EscalationSettings.objects.values_list("forum_id", "reminders_before_moving_up")
    )
    briefs = Brief.objects.filter(status__in=AWAITING_RESPONSE).select_related("forum")
    for brief in briefs:
        today = timezone.localtime(now, brief.forum.tzinfo).date()
        if brief.response_by >= today:
            continue
        with transaction.atomic():
            _overdue_brief(brief, today, now, max(1, patience.get(brief.forum_id, 2)))
    commitments = Commitment.objects.open().select_related("brief__forum", "made_by")
    for commitment in commitments:
        today = timezone.localtime(now, commitment.brief.forum.tzinfo).date()
        if commitment.due_on - DUE_SOON > today:
            continue
        with transaction.atomic():
            _commitment_followup(commitment, today)
