"""Hostile text in every field an email shows: inert in the HTML, verbatim in the text part.

A forum whose every name, title and note is an attack goes through its whole life (joining,
an issue, meetings, minutes, a brief up the ladder, commitments, a digest) using the real
services; the outbox sends each email to the test mailbox. Each email's HTML must have the
same elements as its twin rendered with harmless text, show the hostile text as text, and its
plain-text part must carry that text exactly, neither escaped nor collapsed into a header.
Then every payload goes into every user-text field of every kind of email at once.
"""

import copy
import dataclasses
import datetime
import re
from email import message_from_string

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from icalendar import Calendar

from escalations.models import EscalationSettings, LadderRung, Response
from escalations.services import briefs
from escalations.services.followups import followups_sweep
from forum_app.models import Delivery, Membership, Notification, NotificationPreference, Role
from forum_app.notifications import KINDS, digests_send, outbox_sweep, render_email
from forum_app.services import invitation_create, membership_approve, membership_request
from issues.models import Status
from issues.services import IssueData, comment_post, issue_set_status
from meetings import services as meetings
from meetings.forms import MeetingForm
from meetings.models import Meeting, Outcome, Phase, Rsvp
from meetings.services import proposals
from meetings.services.schedule import meeting_notices_sweep
from meetings.services.voting import meeting_rsvp, vote_reminders_queue
from tests.factories import (
    CategoryFactory,
    ForumFactory,
    MeetingFactory,
    MembershipFactory,
    ServiceAreaFactory,
    UserFactory,
    raise_issue,
)
from tests.meetings.conftest import advance_to
from tests.xss import (
    ENTITIES,
    HEADER_INJECTION,
    PAYLOADS,
    Document,
    escaped_or_absent,
    fit,
    live_markup,
    payload_born,
    squeeze,
)

pytestmark = pytest.mark.django_db

# The context keys of each kind that carry text someone typed (a name, a title, a note).
USER_TEXT: dict[str, tuple[str, ...]] = {
    "membership_requested": ("forum", "name"),
    "membership_approved": ("forum",),
    "invitation": ("forum", "inviter"),
    "safety_issue_raised": ("forum", "title", "category", "raised_by"),
    "issue_comment": ("forum", "title", "commenter"),
    "issue_news": ("forum", "title", "text"),
    "meeting_scheduled": ("forum", "title", "place", "video_link"),
    "meeting_reminder": ("forum", "title", "place", "video_link"),
    "meeting_minutes": ("forum", "title"),
    "vote_reminder": ("forum", "title"),
    "voting_open": ("forum", "title"),
    "agenda_proposal": ("forum", "meeting", "title", "text"),
    "brief_sent": ("forum", "title", "ask", "recipients", "reason"),
    "brief_reminder": ("forum", "title"),
    "brief_moved_up": ("forum", "title", "leader"),
    "brief_response": ("forum", "title", "leader"),
    "commitment_reminder": ("forum", "what", "owner"),
    "commitment_overdue": ("forum", "what", "owner"),
    "digest": ("items.forum", "items.line"),
}
# Kinds only ever sent inside a digest.
DIGEST_ONLY = {key for key, kind in KINDS.items() if kind.digest_only}
# Kinds whose emails hold no text anyone typed. None so far: every email names its forum.
NO_USER_TEXT: set[str] = set()
# Context values that choose a template branch; one email of each branch is checked.
BRANCHES = (
    "change",
    "stage",
    "moved_up",
    "amended",
    "record",
    "is_solution",
    "in_days",
    "period",
)

# Each field the world fills, with the most its form accepts.
FIELDS = {
    "forum": 120,
    "convenor": 80,
    "member": 80,
    "joiner": 80,
    "leader": 80,
    "director": 80,
    "category": 80,
    "issue_title": 200,
    "close_reason": 500,
    "meeting_title": 120,
    "place": 200,
    "minutes_meeting_title": 120,
    "theme": 120,
    "proposal": 200,
    "decline_reason": 300,
    "brief_title": 200,
    "ask": 500,
    "commitment": 500,
    "owner": 200,
}
# Passes the meeting form's URL check, so this is the worst a video link can be.
VIDEO_LINK = 'https://video.example/room?next="><svg/onload=alert(1)>'


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def texts_for_round(number: int) -> dict[str, str]:
    """One payload per field, a different one in each round, so all of them are used."""
    return {
        field: fit(PAYLOADS[(number * len(FIELDS) + i) % len(PAYLOADS)], limit)
        for i, (field, limit) in enumerate(FIELDS.items())
    }


ROUNDS = -(-len(PAYLOADS) // len(FIELDS))


def plain_texts() -> dict[str, str]:
    """Ordinary text for every field the forum's life fills, for tests not about payloads."""
    text = {key: key.replace("_", " ").title() for key in ("forum", "convenor", "member")}
    return text | {
        "joiner": "Joiner",
        "leader": "Leader",
        "director": "Director",
        "category": "Safety",
        "issue_title": "Lone visits at night",
        "close_reason": "Fixed",
        "meeting_title": "Monthly meeting",
        "place": "Room 4",
        "minutes_meeting_title": "Last month",
        "theme": "Safety at night",
        "brief_title": "Lone visits",
        "ask": "Fund pairs",
        "commitment": "Fund pairs",
        "owner": "Head of Service",
        "proposal": "Weekend lone working",
        "decline_reason": "Next month",
    }


def person(forum, role: str, name: str):
    return MembershipFactory(forum=forum, role=role, user__display_name=name).user


def live_a_forums_life(text: dict[str, str], monkeypatch, also=None) -> None:
    """Every kind of email, each produced by the service that sends it, holding ``text``.

    ``also(forum)``, if given, adds people to the forum before its life begins.
    """
    monkeypatch.setattr(briefs, "render_brief_pdf", lambda html: b"%PDF-1.7 stand-in")
    forum = ForumFactory(name=text["forum"])
    convenor = person(forum, Role.CONVENOR, text["convenor"])
    member = person(forum, Role.MEMBER, text["member"])
    leader = person(forum, Role.LEADER, text["leader"])
    director = person(forum, Role.LEADER, text["director"])
    reader = person(forum, Role.MEMBER, "Reads a daily digest")
    NotificationPreference.objects.create(
        user=reader, kind="meeting_scheduled", delivery=Delivery.DAILY
    )
    if also is not None:
        also(forum)
    today = timezone.localdate()

    joiner = UserFactory(display_name=text["joiner"])
    membership_request(forum=forum, user=joiner)
    membership_approve(membership=Membership.objects.get(user=joiner), actor=convenor)
    invitation_create(forum=forum, actor=convenor, email="invitee@council.example", role="member")

    category = CategoryFactory(forum=forum, name=text["category"], is_safety=True)
    data = IssueData(
        title=text["issue_title"],
        body="Lone visits at night.",
        impact="Someone could be hurt.",
        proposed_solution="Visit in pairs.",
        category=category,
        service_area=ServiceAreaFactory(forum=forum),
    )
    issue = raise_issue(forum=forum, actor=member, data=data, anonymous=False).issue
    comment_post(issue=issue, actor=convenor, body="Same here.")
    comment_post(issue=issue, actor=convenor, body="Pair up.", is_solution=True)

    starts = at(today + datetime.timedelta(days=10), 12)
    plan = meetings.MeetingData(
        title=text["meeting_title"],
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        place=text["place"],
        video_link=VIDEO_LINK,
    )
    meeting = meetings.meeting_schedule(forum=forum, actor=convenor, data=plan)
    meeting_notices_sweep()  # what a worker does once the change commits
    hour = datetime.timedelta(hours=1)
    plan = dataclasses.replace(plan, starts_at=starts + hour, ends_at=starts + 2 * hour)
    meeting = meetings.meeting_reschedule(meeting=meeting, actor=convenor, data=plan)
    meeting_notices_sweep()
    outbox_sweep(now=starts)
    meetings.meeting_cancel(meeting=meeting, actor=convenor)
    meeting_notices_sweep()

    upcoming = MeetingFactory(forum=forum, title=text["minutes_meeting_title"])
    proposal = proposals.agenda_proposal_create(
        meeting=upcoming, actor=member, title=text["proposal"]
    )
    proposals.agenda_proposal_decline(
        proposal=proposal, actor=convenor, reason=text["decline_reason"]
    )
    meeting_rsvp(meeting=upcoming, user=reader, answer=Rsvp.Answer.REMOTE)
    held = advance_to(upcoming, convenor, Phase.GROUP)
    theme = meetings.theme_create(meeting=held, actor=convenor, name=text["theme"])
    meetings.issue_move(meeting=held, actor=convenor, issue=issue, theme=theme)
    held = advance_to(held, convenor, Phase.VOTE)
    Meeting.objects.filter(pk=held.pk).update(
        voting_opens_at=timezone.now() - datetime.timedelta(days=2),
        voting_closes_at=timezone.now() + datetime.timedelta(hours=12),
    )
    vote_reminders_queue()  # the convenor has not voted yet
    meetings.meeting_attend(meeting=held, user=member)
    meetings.ballot_cast(meeting=held, voter=member, allocations={theme.pk: 1})
    held = advance_to(held, convenor, Phase.DECIDE)
    decision = meetings.decision_record(
        meeting=held,
        actor=convenor,
        theme=theme,
        data=meetings.DecisionData(
            outcome=Outcome.ESCALATE,
            problem_statement="Lone visits at night.",
            ask=text["ask"],
            leader=leader,
            response_by=today + datetime.timedelta(days=28),
        ),
    )
    minutes = meetings.meeting_close(meeting=held, actor=convenor)
    meetings.minutes_publish(minutes=minutes, actor=convenor)

    brief = briefs.brief_create(forum=forum, actor=convenor, theme=theme, decision=decision)
    brief.title = text["brief_title"]
    brief.save()
    briefs.brief_send(brief=brief, actor=convenor)
    brief.ask = text["ask"] + " "  # amended, so a second version may go
    brief.save()
    briefs.brief_send(brief=brief, actor=convenor, reason=text["brief_title"])
    brief.refresh_from_db()
    outbox_sweep(now=at(brief.response_by, 12))
    LadderRung.objects.create(forum=forum, leader=leader, position=1)
    LadderRung.objects.create(forum=forum, leader=director, position=2)
    EscalationSettings.objects.create(forum=forum, reminders_before_moving_up=1)
    for week in (1, 2):
        followups_sweep(now=at(brief.response_by + datetime.timedelta(weeks=week)))
    briefs.brief_acknowledge(brief=brief, actor=director)
    briefs.brief_respond(
        brief=brief, actor=leader, position=Response.Position.ACCEPT, reasons="Agreed."
    )
    due = today + datetime.timedelta(days=20)
    briefs.commitment_add(
        brief=brief, actor=leader, what=text["commitment"], owner=text["owner"], due_on=due
    )
    for days in (-5, 1):
        followups_sweep(now=at(due + datetime.timedelta(days=days)))

    issue_set_status(issue=issue, status=Status.CLOSED, actor=convenor, reason=text["close_reason"])
    far = at(today + datetime.timedelta(days=400))
    digests_send(period=Delivery.DAILY, now=far)
    outbox_sweep(now=far)


def sent_rows(outbox) -> list[tuple[Notification, object]]:
    """Each email in the test mailbox with the outbox row it was made from."""
    ids = [
        int(re.search(r"<notification-(\d+)-", m.extra_headers["Message-ID"])[1]) for m in outbox
    ]
    rows = Notification.objects.in_bulk(ids)
    return [(rows[pk], message) for pk, message in zip(ids, outbox, strict=True)]


def values_of(row: Notification, key: str) -> list[str]:
    if key.startswith("items."):
        return [item[key.split(".", 1)[1]] for item in row.context["items"]]
    return [row.context[key]] if row.context.get(key) else []


def fields_of(context: dict):
    """Each text in an email's context with its key (``items.line`` for a list of items)."""
    for key, value in context.items():
        if isinstance(value, str):
            yield key, value
        elif isinstance(value, list):
            for item in value:
                yield from ((f"{key}.{sub}", text) for sub, text in fields_of(item))


def user_text(row: Notification) -> list[str]:
    """The values of ``row``'s user-text fields."""
    return [value for key in USER_TEXT[row.kind] for value in values_of(row, key)]


def replaced(value, swaps: dict[str, str]):
    """``value`` (a JSON context) with each hostile text swapped for its harmless stand-in."""
    if isinstance(value, dict):
        return {key: replaced(item, swaps) for key, item in value.items()}
    if isinstance(value, list):
        return [replaced(item, swaps) for item in value]
    if isinstance(value, str):
        for hostile, benign in sorted(swaps.items(), key=lambda swap: -len(swap[0])):
            value = value.replace(hostile, benign).replace(" ".join(hostile.split()), benign)
        return value
    return value


def rendered(row: Notification, context: dict):
    twin = copy.copy(row)
    twin.context = context
    return render_email(twin)


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def problems(row: Notification, message, benign: Document) -> list[str]:
    """Everything wrong with how ``message`` carries the user text of ``row``."""
    found = []
    html, body, subject = html_of(message), message.body, message.subject
    document = Document(html)
    found += [f"live markup: {item}" for item in live_markup(html)]
    born = payload_born(document, benign) + payload_born(benign, document)
    if born:
        found.append(f"elements differ from the harmless twin: {dict(born)}")
    for value in user_text(row):
        if not escaped_or_absent(value, html):
            found.append(f"unescaped in the HTML: {value!r}")
        if document.shows(value) != (squeeze(value) in squeeze(f"{subject}\n{body}")):
            found.append(f"HTML and plain text disagree on showing {value!r}")
    bare = body
    for value in sorted(user_text(row), key=len, reverse=True):
        bare = bare.replace(value, "")
    found += [f"{entity} in the plain text" for entity in ENTITIES if entity in bare]
    if "\r" in subject or "\n" in subject:
        found.append(f"line break in the subject {subject!r}")
    return found


def headers_problems(message) -> list[str]:
    parsed = message_from_string(message.message().as_string())
    found = []
    if parsed.get_all("Subject") is None or len(parsed.get_all("Subject")) != 1:
        found.append("not exactly one Subject header")
    if parsed.get_all("Bcc") or message.bcc or message.cc:
        found.append("a copy to someone else")
    if message.recipients() != message.to or len(message.to) != 1:
        found.append(f"recipients {message.recipients()}")
    return found


def test_every_kind_of_email_has_payload_coverage():
    for key in KINDS:
        assert key in USER_TEXT or key in NO_USER_TEXT, (
            f"add payload coverage for kind {key!r} in {__name__}.USER_TEXT "
            "(or list it in NO_USER_TEXT if its emails hold nothing anyone typed)"
        )
    assert set(USER_TEXT) | NO_USER_TEXT <= set(KINDS)


@pytest.mark.parametrize("number", range(ROUNDS))
def test_hostile_text_from_the_real_services_is_inert_in_every_email(
    number, monkeypatch, mailoutbox
):
    text = texts_for_round(number)
    live_a_forums_life(text, monkeypatch)
    sent = sent_rows(mailoutbox)
    assert {row.kind for row, _message in sent} >= set(USER_TEXT) - DIGEST_ONLY, (
        "a kind was never sent"
    )
    assert DIGEST_ONLY <= set(Notification.objects.values_list("kind", flat=True)), (
        "a digest-only kind was never queued"
    )
    swaps = {value: f"Harmless text {i}" for i, value in enumerate(text.values())}
    swaps[VIDEO_LINK] = "https://video.example/room"
    shown: dict[str, set[str]] = {kind: set() for kind in USER_TEXT}
    for row, message in sent:
        everything = squeeze(message.subject + message.body + html_of(message))
        undeclared = {
            key
            for key, value in fields_of(row.context)
            if key not in USER_TEXT[row.kind]
            and value != replaced(value, swaps)
            and squeeze(value) in everything
        }
        assert not undeclared, f"add {undeclared} to USER_TEXT[{row.kind!r}]"
        benign = Document(html_of(rendered(row, replaced(row.context, swaps))))
        assert problems(row, message, benign) == [], (row.kind, row.context)
        assert headers_problems(message) == [], row.kind
        for key in USER_TEXT[row.kind]:
            hostile = [v for v in values_of(row, key) if v != replaced(v, swaps)]
            if any(squeeze(v) in squeeze(message.subject + message.body) for v in hostile):
                shown[row.kind].add(key)
    for kind, keys in USER_TEXT.items():
        if kind in DIGEST_ONLY:  # carried by the digest's lines, checked as "digest"
            continue
        assert shown[kind] == set(keys), f"{kind}: no hostile text in {set(keys) - shown[kind]}"


def test_a_title_cannot_add_a_header_or_a_calendar_property(forum, convenor, member, mailoutbox):
    starts = at(timezone.localdate() + datetime.timedelta(days=10), 12)
    data = meetings.MeetingData(
        title=HEADER_INJECTION,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        place=HEADER_INJECTION,
    )
    convenor.display_name = member.display_name = HEADER_INJECTION[:80]
    convenor.save()
    member.save()
    meetings.meeting_schedule(forum=forum, actor=convenor, data=data)
    meeting_notices_sweep()
    outbox_sweep()
    assert mailoutbox
    for message in mailoutbox:
        assert "\n" not in message.subject and "Bcc:" in message.subject
        assert headers_problems(message) == []
        head = message.message().as_string().split("\n\n", 1)[0]
        assert not re.search(r"^(Bcc|ATTENDEE):", head, flags=re.MULTILINE | re.IGNORECASE)
        [(_name, ics, _type)] = message.attachments
        assert not re.search(r"^Bcc", ics, flags=re.MULTILINE | re.IGNORECASE)
        # The recipient is the one attendee, whatever their name holds.
        assert len(re.findall(r"^ATTENDEE", ics, flags=re.MULTILINE)) == 1
        [event] = Calendar.from_ical(ics).walk("VEVENT")
        as_read = HEADER_INJECTION.replace("\r\n", "\n")  # a calendar line break is \n
        assert str(event["SUMMARY"]) == f"{as_read} – {forum.name}"
        assert str(event["LOCATION"]) == as_read
        assert str(event["ATTENDEE"]) == f"mailto:{message.to[0]}"


def test_the_video_link_in_emails_is_the_worst_the_meeting_form_accepts(forum):
    field = MeetingForm.base_fields["video_link"]
    assert field.clean(VIDEO_LINK) == VIDEO_LINK
    for script in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>"):
        with pytest.raises(ValidationError):
            field.clean(script)


def representatives(sent) -> list[Notification]:
    """One sent row for each kind and template branch."""
    chosen: dict[tuple, Notification] = {}
    for row, _message in sent:
        branch = tuple(row.context.get(key) for key in BRANCHES)
        chosen.setdefault((row.kind, branch), row)
    return list(chosen.values())


def with_payload(row: Notification, payload: str) -> dict:
    context = copy.deepcopy(row.context)
    for key in USER_TEXT[row.kind]:
        if key.startswith("items."):
            for item in context["items"]:
                item[key.split(".", 1)[1]] = payload
        elif key != "video_link":  # the meeting form takes only http(s) URLs there
            context[key] = payload
    return context


def test_every_payload_in_every_field_of_every_kind(monkeypatch, mailoutbox):
    live_a_forums_life(texts_for_round(0), monkeypatch)
    rows = representatives(sent_rows(mailoutbox))
    queued = Notification.objects.filter(kind__in=DIGEST_ONLY)  # rendered as if sent alone
    rows += list({row.kind: row for row in queued}.values())
    assert {row.kind for row in rows} == set(USER_TEXT)
    failures = []
    for row in rows:
        benign = Document(html_of(rendered(row, with_payload(row, "Harmless text"))))
        for payload in PAYLOADS:
            twin = copy.copy(row)
            twin.context = with_payload(row, payload)
            message = render_email(twin)
            found = problems(twin, message, benign)
            if not Document(html_of(message)).shows(payload):
                found.append("the payload is not shown as text")
            if payload not in message.body:
                found.append("the plain text does not carry the payload verbatim")
            failures += [(row.kind, payload, problem) for problem in found]
    assert failures == []
