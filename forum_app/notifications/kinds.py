"""Every kind of email the forum sends, in one place.

A kind's ``key`` names its templates (``emails/<key>.subject.txt``, ``.txt``, ``.html``).
Each kind builds its own dedupe keys from ``keys``: named formats filled with what the
service names (``brief=…``) and ``person``, the recipient's id. A key says what makes the
message unique, so the same change run twice queues it once. The first format is the
default; a kind with several moments (a reminder before a date, another after it) names
each one.

Kinds people cannot turn off (a leader's due reminders, safety alerts) are always sent
straight away. Account-security emails (sign-in, password, two-factor) are sent by the
accounts system itself and never pass through preferences.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from forum_app.models import Delivery


@dataclass(frozen=True)
class Kind:
    key: str
    label: str | Promise
    description: str | Promise
    can_turn_off: bool = True
    default: str = Delivery.IMMEDIATE
    # Hidden kinds go to addresses without a preference (invitations) or are the digest itself.
    listed: bool = True
    # Kinds that only make sense together (news of followed issues) are never sent one by one.
    digest_only: bool = False
    keys: Mapping[str, str] = field(default_factory=dict, compare=False)

    def dedupe_key(self, variant: str = "", **parts: object) -> str:
        """The dedupe key of one message: the ``variant`` format (default: the first), filled."""
        template = self.keys[variant] if variant else next(iter(self.keys.values()))
        return template.format(**parts)

    def allows(self, delivery: str) -> bool:
        return not (self.digest_only and delivery == Delivery.IMMEDIATE)


DIGEST = "digest"

KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in [
        Kind(
            "membership_requested",
            _("Requests to join"),
            _("Someone asks to join a forum you convene."),
            keys={"": "membership_requested:{membership}:{person}"},
        ),
        Kind(
            "membership_approved",
            _("Your request to join was approved"),
            _("A convenor lets you into a forum."),
            keys={"": "membership_approved:{membership}"},
        ),
        Kind(
            "safety_issue_raised",
            _("Safety issues"),
            _("An issue marked as a safety concern is raised in a forum you convene."),
            can_turn_off=False,
            keys={"": "safety_issue_raised:{issue}:{person}"},
        ),
        Kind(
            "issue_comment",
            _("Comments on your issues"),
            _("Someone comments on, or offers a solution to, an issue you raised under your name."),
            keys={"": "issue_comment:{comment}"},
        ),
        Kind(
            "issue_news",
            _("What happened to issues you follow"),
            _(
                "An issue you raised, supported or follow is grouped into a theme, decided on, "
                "sent to leaders in a brief, answered, or a commitment about it moves on. "
                "Only in a digest, never one email at a time."
            ),
            default=Delivery.DAILY,
            digest_only=True,
            keys={"": "issue_news:{event}:{person}"},
        ),
        Kind(
            "agenda_proposal",
            _("Answers to your agenda proposals"),
            _(
                "The convenor puts an item you proposed on a meeting's agenda, or declines it. "
                "Only in a digest, never one email at a time."
            ),
            default=Delivery.DAILY,
            digest_only=True,
            keys={"": "agenda_proposal:{proposal}"},
        ),
        Kind(
            "meeting_minutes",
            _("Meeting minutes"),
            _("The minutes of a meeting of your forum are ready."),
            keys={"": "meeting_minutes:{meeting}:{person}"},
        ),
        Kind(
            "meeting_scheduled",
            _("Meetings arranged"),
            _("A meeting of your forum is arranged or changed."),
            keys={"": "meeting_scheduled:{meeting}:{change}:{sequence}:{person}"},
        ),
        Kind(
            "meeting_reminder",
            _("Meeting reminders"),
            _("A week and a day before a meeting of your forum."),
            keys={"": "meeting_reminder:{meeting}:{label}:{person}:{sequence}"},
        ),
        Kind(
            "voting_open",
            _("Voting is open"),
            _("Voting opens in a meeting you said you would vote in remotely."),
            keys={"": "voting_open:{meeting}:{person}"},
        ),
        Kind(
            "vote_reminder",
            _("Reminders to vote"),
            _("A day before voting closes, if you have not voted yet."),
            keys={"": "vote_reminder:{meeting}:{person}"},
        ),
        Kind(
            "brief_sent",
            _("Briefs addressed to you"),
            _("A forum sends you an escalation brief to answer."),
            can_turn_off=False,
            keys={"": "brief_sent:{brief}:{version}:{person}"},
        ),
        Kind(
            "brief_reminder",
            _("Reminders about briefs to answer"),
            _("A brief addressed to you is nearly due, due or overdue."),
            can_turn_off=False,
            keys={
                "due": "brief_due:{brief}:{stage}:{response_by}:{person}",
                "overdue": "brief_overdue:{brief}:{week}:{person}",
            },
        ),
        Kind(
            "brief_moved_up",
            _("Briefs moved up the ladder"),
            _("A brief from your forum went unanswered and was sent to the next leader up."),
            keys={"": "brief_up:{brief}:{week}:{person}"},
        ),
        Kind(
            "brief_response",
            _("Leaders' responses"),
            _("A leader acknowledges or answers a brief from your forum."),
            keys={"": "brief_response:{brief}:{event}:{person}"},
        ),
        Kind(
            "commitment_reminder",
            _("Reminders about your commitments"),
            _("A commitment you made is nearly due, due or overdue."),
            can_turn_off=False,
            keys={
                "soon": "commitment_soon:{commitment}:{due_on}",
                "update": "commitment_update:{commitment}:{due_on}",
            },
        ),
        Kind(
            "commitment_overdue",
            _("Overdue commitments"),
            _("A leader's commitment to your forum is overdue."),
            keys={"": "commitment_overdue:{commitment}:{due_on}:{person}"},
        ),
        Kind(
            "invitation",
            _("Invitations"),
            _("A convenor invites your address to a forum."),
            can_turn_off=False,
            listed=False,
            keys={"": "invitation:{invitation}"},
        ),
        Kind(
            DIGEST,
            _("Digest"),
            _("Your daily or weekly summary."),
            can_turn_off=False,
            listed=False,
            keys={"": "digest:{period}:{key}:{person}"},
        ),
    ]
}


def kind_for(key: str) -> Kind:
    """The registered kind, or a plain one for a key not (yet) in the registry."""
    found = KINDS.get(key)
    if found is not None:
        return found
    label = key.replace("_", " ").capitalize()
    return Kind(key, label, label)


def listed_kinds() -> list[Kind]:
    return [kind for kind in KINDS.values() if kind.listed]
