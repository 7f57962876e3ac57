"""Every kind of email the forum sends, in one place.

A kind's ``key`` names its templates (``emails/<key>.subject.txt``, ``.txt``, ``.html``).
Kinds people cannot turn off (a leader's due reminders, safety alerts) are always sent
straight away. Account-security emails (sign-in, password, two-factor) are sent by the
accounts system itself and never pass through preferences.
"""

from dataclasses import dataclass

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
        ),
        Kind(
            "membership_approved",
            _("Your request to join was approved"),
            _("A convenor lets you into a forum."),
        ),
        Kind(
            "safety_issue_raised",
            _("Safety issues"),
            _("An issue marked as a safety concern is raised in a forum you convene."),
            can_turn_off=False,
        ),
        Kind(
            "issue_comment",
            _("Comments on your issues"),
            _("Someone comments on, or offers a solution to, an issue you raised under your name."),
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
        ),
        Kind(
            "meeting_minutes",
            _("Meeting minutes"),
            _("The minutes of a meeting of your forum are ready."),
        ),
        Kind(
            "meeting_scheduled",
            _("Meetings arranged"),
            _("A meeting of your forum is arranged or changed."),
        ),
        Kind(
            "meeting_reminder",
            _("Meeting reminders"),
            _("A week and a day before a meeting of your forum."),
        ),
        Kind(
            "voting_open",
            _("Voting is open"),
            _("Voting opens in a meeting you said you would vote in remotely."),
        ),
        Kind(
            "vote_reminder",
            _("Reminders to vote"),
            _("A day before voting closes, if you have not voted yet."),
        ),
        Kind(
            "brief_sent",
            _("Briefs addressed to you"),
            _("A forum sends you an escalation brief to answer."),
            can_turn_off=False,
        ),
        Kind(
            "brief_reminder",
            _("Reminders about briefs to answer"),
            _("A brief addressed to you is nearly due, due or overdue."),
            can_turn_off=False,
        ),
        Kind(
            "brief_moved_up",
            _("Briefs moved up the ladder"),
            _("A brief from your forum went unanswered and was sent to the next leader up."),
        ),
        Kind(
            "brief_response",
            _("Leaders' responses"),
            _("A leader acknowledges or answers a brief from your forum."),
        ),
        Kind(
            "commitment_reminder",
            _("Reminders about your commitments"),
            _("A commitment you made is nearly due, due or overdue."),
            can_turn_off=False,
        ),
        Kind(
            "commitment_overdue",
            _("Overdue commitments"),
            _("A leader's commitment to your forum is overdue."),
        ),
        Kind(
            "invitation",
            _("Invitations"),
            _("A convenor invites your address to a forum."),
            can_turn_off=False,
            listed=False,
        ),
        Kind(
            DIGEST,
            _("Digest"),
            _("Your daily or weekly summary."),
            can_turn_off=False,
            listed=False,
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
