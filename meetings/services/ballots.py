"""Secret dot voting: one ballot per person, totals kept apart from who voted."""

from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from forum_app.models import User
from meetings.models import Attendance, BallotReceipt, Meeting, Phase, Theme, ThemeTally
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
    if not Attendance.objects.filter(meeting=meeting, user=voter).exists():
        raise ValidationError(_("Join the meeting before you vote: open the meeting page."))
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


@transaction.atomic
def ballot_cast(*, meeting: Meeting, voter: User, allocations: dict[int, int]) -> None:
    """Cast one secret ballot: ``allocations`` maps theme ids to dots.

    The receipt (who voted) and the tallies (running totals, no person, no time) are
    written in one transaction. The unique receipt decides when one person sends two
    ballots at once; a bad ballot raises ``ValidationError`` and stores nothing.
    """
    clean = _validate(meeting, voter, allocations)
    # Lock the meeting row while it is still in the voting phase: a ballot and the
    # convenor closing the vote cannot interleave.
    if not Meeting.objects.filter(pk=meeting.pk, phase=Phase.VOTE).update(
        state_version=F("state_version") + 1
    ):
        raise ValidationError(_("Voting has just closed. Your vote was not counted."))
    try:
        with transaction.atomic():
            BallotReceipt.objects.create(meeting=meeting, user=voter)
    except IntegrityError:
        raise ValidationError(ALREADY_VOTED) from None
    for theme_id in sorted(clean):
        ThemeTally.objects.filter(meeting=meeting, theme_id=theme_id).update(
            dots=F("dots") + clean[theme_id]
        )


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
