"""Writing, sending and answering briefs.

Every function here is keyword-only, atomic and takes the acting person. Emails go through
the outbox inside the same transaction, so they are sent once and only if the change stands.
"""

import datetime
import hashlib
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from escalations import signing
from escalations.models import (
    AWAITING_RESPONSE,
    CLOSED_STATUSES,
    Brief,
    BriefEvent,
    BriefFigure,
    BriefQuote,
    BriefStatus,
    BriefVersion,
    Commitment,
    DifferenceAnswer,
    DifferenceReceipt,
    DifferenceTally,
    ProgressNote,
    Response,
)
from escalations.pdf import render_brief_html, render_brief_pdf
from escalations.services.evidence import theme_evidence
from escalations.services.followups import cancel_due_reminders, response_reminders_schedule
from escalations.services.versions import REASON_LIMIT, Change, snapshot_changes
from forum_app.models import Forum, Membership, Role, User
from forum_app.notifications import notify
from forum_app.sealed_box import Box, sealed_open, sealed_put, sealed_waiting
from issues.models import Issue, IssueEvent
from issues.services import issue_news_record
from meetings.models import Decision, Outcome, Theme

REFERENCE_PREFIX_FALLBACK = "BR"


@dataclass(frozen=True)
class BriefData:
    title: str
    problem: str
    impact: str
    proposed_solutions: str
    ask: str
    response_by: datetime.date
    recipients: list[User]
    quotes: list[tuple[int | None, str]]  # (issue id, quoted words)


def forum_leaders(forum: Forum):
    """Active leaders of ``forum``: the only people a brief may be addressed to."""
    return User.objects.active_in(forum, Role.LEADER).order_by("display_name", "pk")


def forum_convenors(forum: Forum):
    return User.objects.active_in(forum, Role.CONVENOR).order_by("pk")


def _event(brief: Brief, kind: str, *, actor: User | None, text: str = "", **extra) -> BriefEvent:
    """Record one step of the brief's life with who took it and in what role."""
    role = ""
    if actor is not None:
        role = (
            Membership.objects.filter(forum_id=brief.forum_id, user=actor)
            .values_list("role", flat=True)
            .first()
            or ""
        )
    return BriefEvent.objects.create(
        brief=brief, kind=kind, text=text, actor=actor, actor_role=role, **extra
    )


def _tell_followers(brief: Brief, kind: str, text: str) -> None:
    """Put this step on the timeline of every issue in the brief's theme, for its followers."""
    issues = Issue.objects.filter(theme_link__theme_id=brief.theme_id).select_related("forum")
    issue_news_record(issues=issues, kind=kind, text=text)


def _short(text: str, length: int = 300) -> str:
    return Truncator(" ".join(text.split())).chars(length)


def _name(user: User) -> str:
    return user.display_name or user.email


def reference_prefix(forum: Forum) -> str:
    letters = "".join(word[0] for word in forum.name.split() if word[:1].isalpha())[:3]
    return letters.upper() or REFERENCE_PREFIX_FALLBACK


def _next_reference(forum: Forum) -> str:
    Forum.objects.select_for_update().filter(pk=forum.pk).first()
    year = timezone.localdate().year
    prefix = f"{reference_prefix(forum)}-{year}-"
    taken = Brief.objects.filter(forum=forum, reference__startswith=prefix).values_list(
        "reference", flat=True
    )
    numbers = [int(ref.rsplit("-", 1)[1]) for ref in taken if ref.rsplit("-", 1)[1].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def _check_recipients(forum: Forum, recipients: list[User]) -> None:
    leaders = set(forum_leaders(forum).values_list("pk", flat=True))
    if any(person.pk not in leaders for person in recipients):
        raise ValidationError(
            {"recipients": _("Choose senior leaders who are members of this forum.")}
        )


def _set_quotes(brief: Brief, quotes: list[tuple[int | None, str]]) -> None:
    brief.quotes.all().delete()
    allowed = set(brief.theme.theme_issues.values_list("issue_id", flat=True))
    BriefQuote.objects.bulk_create(
        BriefQuote(brief=brief, issue_id=issue if issue in allowed else None, text=text, position=i)
        for i, (issue, text) in enumerate(quotes)
        if text.strip()
    )


@transaction.atomic
def brief_create(
    *, forum: Forum, actor: User, theme: Theme, decision: Decision | None = None
) -> Brief:
    """Start a draft brief for ``theme``, filled in from the meeting's decision when there is one.

    The draft is addressed to the decision's leader; the convenor edits it before sending.
    """
    if theme.forum_id != forum.pk or (decision and decision.theme_id != theme.pk):
        raise ValidationError(_("That theme is not part of this forum."))
    if decision is not None and decision.outcome != Outcome.ESCALATE:
        raise ValidationError(_("Only a decision to escalate can become a brief."))
    first = theme.theme_issues.select_related("issue").order_by("issue__raised_on").first()
    brief = Brief.objects.create(
        forum=forum,
        theme=theme,
        decision=decision,
        reference=_next_reference(forum),
        title=theme.name,
        problem=(decision.problem_statement if decision else "")
        or (first.issue.body if first else ""),
        impact=first.issue.impact if first else "",
        proposed_solutions=(decision.proposed_solution if decision else "")
        or (first.issue.proposed_solution if first else ""),
        ask=decision.ask if decision else "",
        created_by=actor,
        **({"response_by": decision.response_by} if decision and decision.response_by else {}),
    )
    if decision and decision.leader_id:
        leaders = forum_leaders(forum).filter(pk=decision.leader_id)
        brief.recipients.set(leaders)
    _event(brief, BriefEvent.Kind.CREATED, actor=actor)
    return brief


@transaction.atomic
def brief_update(*, brief: Brief, actor: User, data: BriefData) -> Brief:
    """Change a brief's text, recipients and quotes. A sent brief is frozen until sent again."""
    _check_recipients(brief.forum, data.recipients)
    for name in ("title", "problem", "impact", "proposed_solutions", "ask", "response_by"):
        setattr(brief, name, getattr(data, name))
    brief.save()
    brief.recipients.set(data.recipients)
    _set_quotes(brief, data.quotes)
    return brief


FIGURE_TEXT_MAX = BriefFigure._meta.get_field("text").max_length
FIGURE_SOURCE_MAX = BriefFigure._meta.get_field("source").max_length


@transaction.atomic
def brief_figure_add(*, brief: Brief, actor: User, text: str, source: str) -> BriefFigure:
    """Cite a figure, such as one from the workload pulse, in the brief's evidence.

    Like any other edit it changes only the brief's working copy: versions already sent keep
    what they had, and the figure goes out when the brief is next sent. Closed briefs refuse.
    """
    brief = Brief.objects.select_for_update().get(pk=brief.pk)
    if brief.status in CLOSED_STATUSES:
        raise ValidationError(_("This brief is closed, so its evidence cannot change."))
    text, source = text.strip(), source.strip()
    if not text:
        raise ValidationError({"text": _("Write the figure you want to cite.")})
    if len(text) > FIGURE_TEXT_MAX:
        raise ValidationError(
            {"text": _("Keep the figure to %(n)s characters or fewer.") % {"n": FIGURE_TEXT_MAX}}
        )
    if not source or len(source) > FIGURE_SOURCE_MAX:
        raise ValidationError(
            {
                "source": _("Say where the figure comes from, in %(n)s characters or fewer.")
                % {"n": FIGURE_SOURCE_MAX}
            }
        )
    position = (brief.figures.aggregate(n=Max("position"))["n"] or 0) + 1
    figure = BriefFigure.objects.create(brief=brief, text=text, source=source, position=position)
    brief.save(update_fields=["updated_at"])
    return figure


@transaction.atomic
def brief_figure_remove(*, figure: BriefFigure, actor: User) -> None:
    """Take a cited figure out of the brief's working copy; sent versions keep it."""
    brief = Brief.objects.select_for_update().get(pk=figure.brief_id)
    if brief.status in CLOSED_STATUSES:
        raise ValidationError(_("This brief is closed, so its evidence cannot change."))
    figure.delete()
    brief.save(update_fields=["updated_at"])


def brief_snapshot(brief: Brief, *, version: int | None, sent_at: datetime.datetime) -> dict:
    """Everything the brief's document shows, as JSON: the one input to its HTML and PDF."""
    evidence = theme_evidence(brief.theme)
    return {
        "reference": brief.reference,
        "version": version,
        "date": timezone.localtime(sent_at, brief.forum.tzinfo).date().isoformat(),
        "forum": brief.forum.name,
        "theme": brief.theme.name,
        "title": brief.title,
        "problem": brief.problem,
        "impact": brief.impact,
        "proposed_solutions": brief.proposed_solutions,
        "ask": brief.ask,
        "response_by": brief.response_by.isoformat(),
        "recipients": [person.display_name or person.email for person in brief.recipients.all()],
        "quotes": [quote.text for quote in brief.quotes.all()],
        "figures": [
            {"text": figure.text, "source": figure.source} for figure in brief.figures.all()
        ],
        "evidence": evidence.as_json(),
    }


def _leader_link(brief: Brief) -> str:
    return settings.SITE_URL + reverse("escalations:brief", args=[brief.pk])


def _email_context(brief: Brief, **extra) -> dict:
    return {
        "forum": brief.forum.name,
        "reference": brief.reference,
        "title": brief.title,
        "ask": brief.ask,
        "response_by": brief.response_by.isoformat(),
        "respond_by": brief.response_by.strftime("%-d %B %Y"),
        "link": _leader_link(brief),
        **extra,
    }


def brief_pending_changes(brief: Brief) -> list[Change] | None:
    """What sending the brief now would change from the last version sent; None if never sent."""
    last = brief.versions.order_by("-number").only("snapshot").first()
    if last is None:
        return None
    current = brief_snapshot(brief, version=None, sent_at=timezone.now())
    return snapshot_changes(last.snapshot, current)


def _check_new_version(brief: Brief, snapshot: dict, reason: str) -> str:
    """The one-line reason for sending a new version, after checking one may be sent."""
    last = brief.versions.order_by("-number").only("number", "snapshot").first()
    if last is None:
        return ""
    if not snapshot_changes(last.snapshot, snapshot):
        raise ValidationError(
            _(
                "Nothing has changed since version %(n)s was sent, so there is nothing new to "
                "send. Amend the brief first."
            )
            % {"n": last.number}
        )
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say in one line why you are sending a new version.")})
    if len(reason) > REASON_LIMIT:
        raise ValidationError(
            {"reason": _("Keep the reason to %(n)s characters or fewer.") % {"n": REASON_LIMIT}}
        )
    return reason


@transaction.atomic
def brief_send(*, brief: Brief, actor: User, reason: str = "") -> BriefVersion:
    """Freeze the brief into a new version and send it to every recipient.

    The version keeps the HTML, the PDF bytes, the JSON snapshot and the PDF's SHA-256 and
    is never changed again. Sending an amended brief makes the next version, only when
    something in it changed and with a one-line ``reason``; earlier ones stay downloadable.
    Each recipient gets one email per version and reminders before and on the response-by date.
    """
    brief = Brief.objects.select_for_update().get(pk=brief.pk)
    if brief.status in (BriefStatus.RESOLVED, BriefStatus.DECLINED):
        raise ValidationError(_("This brief is closed and cannot be sent again."))
    recipients = list(brief.recipients.all())
    if not recipients:
        raise ValidationError({"recipients": _("Choose at least one senior leader to send to.")})
    if not brief.ask.strip():
        raise ValidationError({"ask": _("Say what you are asking the leader to do.")})
    _check_recipients(brief.forum, recipients)
    now = timezone.now()
    number = (brief.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    snapshot = brief_snapshot(brief, version=number, sent_at=now)
    reason = _check_new_version(brief, snapshot, reason)
    snapshot["signing_key"] = signing.key_id(signing.signing_key().public_key())
    snapshot["verify_url"] = settings.SITE_URL + reverse(
        "forum_briefs:verify", args=[brief.forum.slug]
    )
    html = render_brief_html(snapshot)
    pdf = signing.sign_pdf(
        render_brief_pdf(html),
        forum=brief.forum.slug,
        reference=brief.reference,
        version=number,
        sent_at=now,
    )
    version = BriefVersion.objects.create(
        brief=brief,
        number=number,
        html=html,
        pdf=pdf,
        snapshot=snapshot,
        sha256=hashlib.sha256(pdf).hexdigest(),
        sent_at=now,
        sent_by=actor,
        reason=reason,
    )
    first = number == 1
    if first or brief.status == BriefStatus.DRAFT:
        brief.status = BriefStatus.SENT
    brief.sent_at = brief.sent_at or now
    brief.save(update_fields=["status", "sent_at", "updated_at"])
    _event(
        brief,
        BriefEvent.Kind.SENT if first else BriefEvent.Kind.AMENDED,
        actor=actor,
        happened_at=now,
        text=_("Version %(n)s sent to %(people)s.")
        % {"n": number, "people": ", ".join(snapshot["recipients"])}
        + (f" {reason}" if reason else ""),
    )
    if first:
        _tell_followers(
            brief,
            IssueEvent.Kind.BRIEF,
            _("The forum sent the brief “%(title)s” to %(people)s, asking: %(ask)s")
            % {
                "title": brief.title,
                "people": ", ".join(snapshot["recipients"]),
                "ask": _short(brief.ask),
            },
        )
    anchor = signing.version_anchor(version, tz=brief.forum.tzinfo)
    for leader in recipients:
        notify(
            kind="brief_sent",
            email=leader.email,
            dedupe_key=f"brief_sent:{brief.pk}:{number}:{leader.pk}",
            context=_email_context(brief, **anchor, amended=not first, reason=reason),
            recipient=leader,
            forum=brief.forum,
        )
    # Every convenor keeps the same record: the fingerprints in their mailboxes are what the
    # forum checks a stored brief against if the server is ever in doubt.
    for convenor in forum_convenors(brief.forum):
        notify(
            kind="brief_sent",
            email=convenor.email,
            dedupe_key=f"brief_sent:{brief.pk}:{number}:{convenor.pk}",
            context=_email_context(
                brief,
                **anchor,
                amended=not first,
                reason=reason,
                record=True,
                recipients=", ".join(snapshot["recipients"]),
                link=settings.SITE_URL + brief.get_absolute_url(),
            ),
            recipient=convenor,
            forum=brief.forum,
        )
    response_reminders_schedule(brief=brief, leaders=recipients)
    return version


@transaction.atomic
def brief_acknowledge(*, brief: Brief, actor: User) -> Brief:
    """A leader says they have the brief. Convenors are told, and followers in their digest."""
    brief = Brief.objects.select_for_update().get(pk=brief.pk)
    if brief.status != BriefStatus.SENT:
        return brief
    brief.status = BriefStatus.ACKNOWLEDGED
    brief.save(update_fields=["status", "updated_at"])
    _event(
        brief,
        BriefEvent.Kind.ACKNOWLEDGED,
        actor=actor,
        text=_("Acknowledged by %(name)s.") % {"name": actor.display_name or actor.email},
    )
    _tell_convenors(brief, event="acknowledged", actor=actor)
    # Followers hear it too: a leader has the brief, and when an answer is due.
    _tell_followers(
        brief,
        IssueEvent.Kind.RESPONSE,
        _("%(name)s acknowledged the brief “%(title)s” and is to answer by %(date)s.")
        % {
            "name": _name(actor),
            "title": brief.title,
            "date": date_format(brief.response_by, "j F Y"),
        },
    )
    return brief


POSITION_STATUS = {
    Response.Position.ACCEPT: BriefStatus.RESPONDED,
    Response.Position.ACCEPT_IN_PART: BriefStatus.RESPONDED,
    Response.Position.DECLINE: BriefStatus.DECLINED,
    Response.Position.NEED_MORE_TIME: BriefStatus.ACKNOWLEDGED,
}


@transaction.atomic
def brief_respond(*, brief: Brief, actor: User, position: str, reasons: str) -> Response:
    """Record a leader's position and reasons; the brief's status follows the position."""
    brief = Brief.objects.select_for_update().get(pk=brief.pk)
    if not reasons.strip():
        raise ValidationError({"reasons": _("Give your reasons, so the forum understands.")})
    response = Response.objects.create(
        brief=brief, leader=actor, position=position, reasons=reasons.strip()
    )
    if brief.status not in (BriefStatus.IN_PROGRESS, BriefStatus.RESOLVED):
        brief.status = POSITION_STATUS[position]
        brief.save(update_fields=["status", "updated_at"])
    if position != Response.Position.NEED_MORE_TIME:
        cancel_due_reminders(brief)
    _event(
        brief,
        BriefEvent.Kind.RESPONDED,
        actor=actor,
        text=_("%(name)s: %(position)s.")
        % {"name": actor.display_name or actor.email, "position": response.get_position_display()},
    )
    _tell_convenors(brief, event=f"response:{response.pk}", actor=actor)
    _tell_followers(
        brief,
        IssueEvent.Kind.RESPONSE,
        _("%(name)s answered the brief “%(title)s”: %(position)s. “%(reasons)s”")
        % {
            "name": _name(actor),
            "title": brief.title,
            "position": response.get_position_display(),
            "reasons": _short(response.reasons),
        },
    )
    return response


@transaction.atomic
def brief_set_status(*, brief: Brief, actor: User, status: str) -> Brief:
    """A convenor records where a sent brief stands (e.g. resolved or stalled)."""
    if brief.status == BriefStatus.DRAFT or status == BriefStatus.DRAFT:
        raise ValidationError(_("Send the brief before changing its status."))
    brief.status = status
    brief.save(update_fields=["status", "updated_at"])
    if status in (BriefStatus.RESOLVED, BriefStatus.DECLINED):
        cancel_due_reminders(brief)
    _event(brief, BriefEvent.Kind.STATUS, actor=actor, text=str(BriefStatus(status).label))
    if status == BriefStatus.RESOLVED:
        _tell_followers(
            brief,
            IssueEvent.Kind.DIFFERENCE,
            _(
                "The brief “%(title)s” is resolved. Say whether it made a difference on the "
                "brief's page."
            )
            % {"title": brief.title},
        )
    else:
        _tell_followers(
            brief,
            IssueEvent.Kind.PROGRESS,
            _("The brief “%(title)s” is now: %(status)s.")
            % {"title": brief.title, "status": BriefStatus(status).label},
        )
    return brief


def _tell_convenors(brief: Brief, *, event: str, actor: User) -> None:
    for convenor in forum_convenors(brief.forum):
        notify(
            kind="brief_response",
            email=convenor.email,
            dedupe_key=f"brief_response:{brief.pk}:{event}:{convenor.pk}",
            context=_email_context(
                brief,
                status=brief.get_status_display(),
                leader=actor.display_name or actor.email,
                link=settings.SITE_URL + brief.get_absolute_url(),
            ),
            recipient=convenor,
            forum=brief.forum,
        )


@transaction.atomic
def commitment_add(
    *, brief: Brief, actor: User, what: str, owner: str, due_on: datetime.date
) -> Commitment:
    """A leader commits to something by a date.

    The daily follow-up sweep reminds them a week before it is due and asks for an update after.
    """
    brief = Brief.objects.select_for_update().get(pk=brief.pk)
    if brief.status not in (*AWAITING_RESPONSE, BriefStatus.RESPONDED, BriefStatus.IN_PROGRESS):
        raise ValidationError(_("Commitments can be added while the brief is open."))
    commitment = Commitment.objects.create(
        brief=brief, what=what.strip(), owner=owner.strip(), due_on=due_on, made_by=actor
    )
    if brief.status in (*AWAITING_RESPONSE, BriefStatus.RESPONDED):
        Brief.objects.filter(pk=brief.pk).update(status=BriefStatus.IN_PROGRESS)
        brief.status = BriefStatus.IN_PROGRESS
    _event(
        brief,
        BriefEvent.Kind.COMMITMENT,
        actor=actor,
        text=_("%(what)s — %(owner)s, by %(due)s.")
        % {"what": commitment.what, "owner": commitment.owner, "due": due_on.strftime("%-d %B %Y")},
    )
    _tell_followers(
        brief,
        IssueEvent.Kind.COMMITMENT,
        _("%(name)s made a commitment: %(what)s — %(owner)s, by %(due)s.")
        % {
            "name": _name(actor),
            "what": _short(commitment.what),
            "owner": commitment.owner,
            "due": due_on.strftime("%-d %B %Y"),
        },
    )
    return commitment


@transaction.atomic
def commitment_update(
    *, commitment: Commitment, actor: User, status: str, note: str = ""
) -> Commitment:
    """Move a commitment on and, optionally, say how it is going.

    Only the leader who made a commitment may change it; the note and the timeline say who.
    """
    if commitment.made_by_id != actor.pk:
        raise PermissionDenied(_("Only the leader who made this commitment can change it."))
    commitment.status = status
    commitment.save(update_fields=["status"])
    if note.strip():
        ProgressNote.objects.create(commitment=commitment, text=note.strip(), written_by=actor)
    _event(
        commitment.brief,
        BriefEvent.Kind.COMMITMENT_UPDATED,
        actor=actor,
        text=f"{commitment.what[:80]}: {commitment.get_status_display()}",
    )
    progress = _("The commitment “%(what)s” is now: %(status)s.") % {
        "what": _short(commitment.what, 120),
        "status": commitment.get_status_display(),
    }
    if note.strip():
        progress = f"{progress} {_short(note)}"
    _tell_followers(commitment.brief, IssueEvent.Kind.PROGRESS, progress)
    return commitment


def difference_box(brief: Brief) -> Box:
    return Box(kind="difference", scope=str(brief.pk))


@transaction.atomic
def difference_answer(*, brief: Brief, actor: User, answer: str) -> bool:
    """Record one anonymous "Did this make a difference?" answer; False if they already answered.

    Who answered is a receipt; the answer waits sealed (``forum_app.sealed_box``) until at
    least k answers wait, then they are counted together, so no count ever moves by one
    person's answer.
    """
    if brief.status != BriefStatus.RESOLVED:
        raise ValidationError(_("You can say whether it made a difference once it is resolved."))
    if answer not in DifferenceAnswer.values:
        raise ValidationError({"answer": _("Choose one of the answers.")})
    _receipt, created = DifferenceReceipt.objects.get_or_create(brief=brief, user=actor)
    if not created:
        return False
    box = difference_box(brief)
    sealed_put(box=box, payload={"answer": answer})

    def count(answers: list[dict]) -> None:
        for value, n in sorted(Counter(a["answer"] for a in answers).items()):
            tally, _created = DifferenceTally.objects.get_or_create(brief=brief, answer=value)
            DifferenceTally.objects.filter(pk=tally.pk).update(count=F("count") + n)

    sealed_open(box=box, count=count, at_least=brief.forum.k_anonymity)
    return True


def difference_waiting(brief: Brief) -> int:
    """Answers not yet counted: they wait until there are enough to count together."""
    return sealed_waiting(difference_box(brief))
