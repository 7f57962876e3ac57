"""Secret dot voting: one ballot per person, counted all together when voting closes.

A ballot is sealed into the meeting's ballot box (``forum_app.sealed_box``) in the same
transaction as the voter's receipt, and nothing else is written: no running total, no change
to the meeting row. When voting closes, one transaction unseals every ballot, writes them in
random order and sets the totals. So at no moment does the database hold a trace that ties a
ballot to fewer than all the people who voted.
"""

import base64
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from forum_app.models import Notification, User
from forum_app.permissions import can_in
from forum_app.sealed_box import Box, BoxClosed, sealed_open, sealed_put, sealed_replace
from issues.models import Issue
from meetings.models import Attendance, Ballot, BallotReceipt, Meeting, Theme, ThemeTally

ALREADY_VOTED = gettext_lazy("You have already voted in this meeting. Each person votes once.")


def field_for(theme_id: int) -> str:
    """The form field (and error key) for the dots placed on one theme."""
    return f"theme_{theme_id}"


def ballot_themes(meeting: Meeting) -> list[Theme]:
    """The themes on this meeting's ballot, by name, each with its issues (``ballot_issues``).

    Two queries: the themes, then their visible issues with how many support each
    (``support_count``), most supported first.
    """
    themes = list(Theme.objects.filter(tallies__meeting=meeting).order_by("name", "pk").distinct())
    issues = (
        Issue.objects.listed()
        .filter(hidden=False, theme_link__theme__in=themes)
        .with_counts()
        .annotate(ballot_theme_id=F("theme_link__theme_id"))
        .only("pk", "title", "body")
        .order_by("-support_count", "title", "pk")
    )
    grouped: defaultdict[int, list[Issue]] = defaultdict(list)
    for issue in issues:
        grouped[issue.ballot_theme_id].append(issue)
    for theme in themes:
        theme.ballot_issues = grouped[theme.pk]
    return themes


def _validate(
    meeting: Meeting, voter: User, allocations: dict[int, int], *, changing: bool = False
) -> dict[int, int]:
    if not meeting.voting_open():
        raise ValidationError(_("Voting is not open in this meeting."))
    if not can_in(meeting.forum, voter, "take_part"):
        raise ValidationError(_("Only members of the forum vote. Leaders and stewards do not."))
    has_voted = BallotReceipt.objects.filter(meeting=meeting, user=voter).exists()
    if has_voted and not changing:
        raise ValidationError(ALREADY_VOTED)
    if changing and not has_voted:
        raise ValidationError(
            _("You have not voted in this meeting yet, so there is nothing to change.")
        )
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


def new_ballot_code() -> str:
    """Sixteen letters and digits in fours (80 random bits): too many to guess or try."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode()
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalise_code(code: str) -> str:
    """The code as issued, however it was typed: case, spaces and dashes do not matter."""
    letters = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


def _own(code: str, voter: User) -> str:
    """What the sealed box keeps the hash of: the code, bound to the one person it was given to.

    So a code seen over someone's shoulder changes nothing for anyone else; and with 80
    random bits in the code, the hash cannot be tried against people to find whose it is.
    """
    return f"{voter.pk}:{normalise_code(code)}"


@transaction.atomic
def ballot_cast(*, meeting: Meeting, voter: User, allocations: dict[int, int]) -> str:
    """Cast one secret ballot: ``allocations`` maps theme ids to dots. Returns its ballot code.

    Writes the receipt (who voted), counts the voter as attending if the meeting is on, and
    seals the ballot into the meeting's ballot box, all in one transaction; a reminder to vote
    (or a notice that voting is open)
    still waiting to go is withdrawn. The unique receipt decides when one person sends two
    ballots at once; a bad ballot raises ``ValidationError`` and stores nothing. The code is
    shown to the voter once and kept nowhere but as a hash inside the sealed entry, so only
    the voter can use it to change their ballot (``ballot_change``).
    """
    clean = _validate(meeting, voter, allocations)
    try:
        with transaction.atomic():
            BallotReceipt.objects.create(meeting=meeting, user=voter)
    except IntegrityError:
        raise ValidationError(ALREADY_VOTED) from None
    if timezone.now() < meeting.ends_at:
        Attendance.objects.bulk_create(
            [Attendance(meeting=meeting, user=voter)], ignore_conflicts=True
        )
    code = new_ballot_code()
    try:
        sealed_put(
            box=ballot_box(meeting),
            payload={str(pk): dots for pk, dots in clean.items()},
            code=_own(code, voter),
        )
    except BoxClosed:
        raise ValidationError(_("Voting has just closed. Your vote was not counted.")) from None
    Notification.objects.about(meeting).not_yet_sent().filter(
        kind__in=["vote_reminder", "voting_open"], recipient=voter
    ).delete()
    return code


WRONG_CODE = gettext_lazy(
    "That code does not match a ballot in this meeting. Check it against the code you were "
    "shown when you voted; your vote has not changed."
)


@transaction.atomic
def ballot_change(*, meeting: Meeting, voter: User, code: str, allocations: dict[int, int]) -> None:
    """Replace the ballot that ``code`` was issued for, while voting is open.

    Writes nothing but the sealed entry: no receipt, no time, nothing naming the voter. A
    code that matches no waiting ballot changes nothing and raises ``ValidationError``.
    """
    clean = _validate(meeting, voter, allocations, changing=True)
    if not normalise_code(code):
        raise ValidationError({"code": _("Enter the ballot code you were shown when you voted.")})
    try:
        replaced = sealed_replace(
            box=ballot_box(meeting),
            code=_own(code, voter),
            payload={str(pk): dots for pk, dots in clean.items()},
        )
    except BoxClosed:
        raise ValidationError(_("Voting has just closed. Your vote was not changed.")) from None
    if not replaced:
        raise ValidationError({"code": WRONG_CODE})


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
