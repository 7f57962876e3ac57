"""Secret dot voting: one ballot per person, counted all together when voting closes.

A ballot is sealed into the meeting's ballot box (``forum_app.sealed_box``) in the same
transaction as the voter's receipt, and nothing else is written: no running total, no change
to the meeting row. When voting closes, one transaction unseals every ballot, writes them in
random order and sets the totals. So at no moment does the database hold a trace that ties a
ballot to fewer than all the people who voted.
"""

from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from forum_app.models import User
from forum_app.sealed_box import Box, BoxClosed, sealed_open, sealed_put
from meetings.models import Attendance, Ballot, BallotReceipt, Meeting, Phase, Theme, ThemeTally
from meetings.permissions import is_participant_role, role_in

ALREADY_VOTED = gettext_lazy("You have already voted in this meeting. Each person votes once.")


def field_for(theme_id: int) -> str:
    """The form field (and error key) for the dots placed on one theme."""
    return f"theme_{theme_id}"


def ballot_themes(meeting: Meeting) -> list[Theme]:
    """The themes on this meeting's ballot, by name."""
    return list(Theme.objects.filter(tallies__meeting=meeting).order_by("name", "pk").distinct())


def _validate(meeting: Meeting, voter: User, allocations: dict[int, int]) -> dict[int, int]:
    if meeting.phase != Phase.VOTE:
        raise ValidationError(_("Voting is not open in this meeting."))
    if not is_participant_role(role_in(meeting.forum, voter)):
        raise ValidationError(_("Only members of the forum vote. Leaders and stewards do not."))
    if BallotReceipt.objects.filter(meeting=meeting, user=voter).exists():
        raise ValidationError(ALREADY_VOTED)
    on_ballot = set(meeting.tallies.values_list("theme_id", flat=True))
    errors: dict[str, str] = {}
    cap = meeting.max_dots_per_theme
    clean: dict[int, int] = {}
    for theme_id, dots in allocations.items():
        if not isinstance(dots, int) or isinstance(dots, bool):
            errors[field_for(theme_id)] = _("Enter a whole number of dots.")
        elif theme_id not in on_ballot:
            errors[NON_FIELD_ERRORS] = _("One of the themes is not on this meeting's ballot.")
        elif dots < 0:
            errors[field_for(theme_id)] = _("Dots cannot be negative. Use 0 for none.")
        elif dots > cap:
            errors[field_for(theme_id)] = ngettext(
                "Put at most %(cap)d dot on one theme.",
                "Put at most %(cap)d dots on one theme.",
                cap,
            ) % {"cap": cap}
        elif dots:
            clean[theme_id] = dots
    if errors:
        raise ValidationError(errors)
    total = sum(clean.values())
    budget = meeting.dots_per_person
    if total > budget:
        raise ValidationError(
            ngettext(
                "You placed %(total)d dots but have %(budget)d dot. Take %(over)d off.",
                "You placed %(total)d dots but have %(budget)d dots. Take %(over)d off.",
                budget,
            )
            % {"total": total, "budget": budget, "over": total - budget}
        )
    if total == 0:
        raise ValidationError(_("Place at least one dot before you send your vote."))
    return clean


def ballot_box(meeting: Meeting) -> Box:
    return Box(kind="ballot", scope=str(meeting.pk))


@transaction.atomic
def ballot_cast(*, meeting: Meeting, voter: User, allocations: dict[int, int]) -> None:
    """Cast one secret ballot: ``allocations`` maps theme ids to dots.

    Writes the receipt (who voted), counts the voter as attending, and seals the ballot into
    the meeting's ballot box, all in one transaction. The unique receipt decides when one
    person sends two ballots at once; a bad ballot raises ``ValidationError`` and stores
    nothing.
    """
    clean = _validate(meeting, voter, allocations)
    try:
        with transaction.atomic():
            BallotReceipt.objects.create(meeting=meeting, user=voter)
    except IntegrityError:
        raise ValidationError(ALREADY_VOTED) from None
    Attendance.objects.bulk_create([Attendance(meeting=meeting, user=voter)], ignore_conflicts=True)
    try:
        sealed_put(box=ballot_box(meeting), payload={str(pk): dots for pk, dots in clean.items()})
    except BoxClosed:
        raise ValidationError(_("Voting has just closed. Your vote was not counted.")) from None


def ballots_count(meeting: Meeting) -> int:
    """Close the ballot box and count every ballot in it; call it as voting closes.

    Runs inside the transaction that moves the meeting out of voting. Returns how many
    ballots were counted.
    """

    def count(ballots: list[dict]) -> None:
        Ballot.objects.bulk_create(Ballot(meeting=meeting, dots=dots) for dots in ballots)
        totals: Counter[int] = Counter()
        for dots in ballots:
            totals.update({int(pk): n for pk, n in dots.items()})
        for theme_id, dots in sorted(totals.items()):
            ThemeTally.objects.filter(meeting=meeting, theme_id=theme_id).update(
                dots=F("dots") + dots
            )

    return sealed_open(box=ballot_box(meeting), count=count, close=True)


@dataclass(frozen=True)
class Result:
    theme: Theme
    dots: int


def results(meeting: Meeting) -> list[Result]:
    """Themes with their dots, most first. Empty while voting is still open."""
    if not meeting.results_visible:
        return []
    tallies = meeting.tallies.select_related("theme").order_by("-dots", "theme__name")
    return [Result(theme=t.theme, dots=t.dots) for t in tallies]


def voted(meeting: Meeting, user: User) -> bool:
    return BallotReceipt.objects.filter(meeting=meeting, user=user).exists()
