"""Who may do what. The one table of roles and abilities, and the guards that read it.

To change who may run a meeting (or anything else), change ``ABILITIES`` below: views,
services, templates and the navigation all ask ``can(membership, ability)`` and nothing
else compares roles.

Deny by default: views declare the ability they need with ``forum_ability_required``;
anything outside a person's reach answers 404, so its existence is not revealed.
Privileged roles (convenor, steward, leader) and site admins must have two-factor
authentication switched on before they reach their pages.
"""

from collections.abc import Callable
from functools import wraps

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forum_app.models import PARTICIPANT_ROLES, PRIVILEGED_ROLES, Forum, Membership, Role

# Who may do what, by role. Each ability is named by what it lets a person do.
ABILITIES: dict[str, frozenset[str]] = {
    # Read and raise issues, comment, attend meetings and vote, read sent briefs, see the
    # dashboard: everything a forum's own people share.
    "take_part": PARTICIPANT_ROLES,
    # Hide, merge, change the status of and edit any issue or comment.
    "moderate_issues": frozenset({Role.CONVENOR}),
    # Schedule meetings, change their phases, shape the agenda and themes, record decisions
    # and minutes.
    "run_meetings": frozenset({Role.CONVENOR}),
    # Draft, edit and send briefs to senior leaders; cite figures in them.
    "write_briefs": frozenset({Role.CONVENOR}),
    # Approve and decline requests to join, invite people, revoke invitations.
    "manage_members": frozenset({Role.CONVENOR}),
    # See and send again the forum's emails that could not be delivered.
    "resend_emails": frozenset({Role.CONVENOR}),
    # Read the briefs addressed to them, acknowledge, respond and make commitments.
    "answer_briefs": frozenset({Role.LEADER}),
    # Export the anonymous summaries of the forums they steward.
    "export_summaries": frozenset({Role.STEWARD}),
}


def roles_that_can(ability: str) -> frozenset[str]:
    """The roles holding ``ability``; an unknown name is a programming error."""
    try:
        return ABILITIES[ability]
    except KeyError:
        raise ValueError(f"Unknown ability {ability!r}; see ABILITIES") from None


def can(membership: Membership | None, ability: str) -> bool:
    """True when this active membership holds ``ability``. No membership can do nothing."""
    allowed = roles_that_can(ability)
    return membership is not None and membership.is_active and membership.role in allowed


# What a service says when someone without the ability tries a change.
REFUSALS = {
    "run_meetings": gettext_lazy("Only a convenor of this forum can do that."),
}


def membership_in(forum: Forum, user) -> Membership | None:
    """The person's active membership of ``forum``, or None."""
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.active().filter(forum=forum, user=user).first()


def can_in(forum: Forum, user, ability: str) -> bool:
    """True when ``user`` holds ``ability`` in ``forum``; one query."""
    return can(membership_in(forum, user), ability)


def require(forum: Forum, user, ability: str, message: str | None = None) -> None:
    """Refuse a change by anyone without ``ability`` in ``forum``; one query.

    Services call it so that a write stays safe whoever calls it (a view, a task, a shell).
    """
    if not can_in(forum, user, ability):
        raise ValidationError(
            message or REFUSALS.get(ability) or _("Your role in this forum cannot do that.")
        )


def can_edit_issue(membership: Membership, issue) -> bool:
    """The named raiser and moderators may edit; nobody may edit a merged issue."""
    if issue.merged_into_id is not None:
        return False
    if can(membership, "moderate_issues"):
        return True
    return not issue.is_anonymous and issue.author_id == membership.user_id


class Abilities:
    """What one membership may do, for templates: ``{% if can.run_meetings %}``."""

    def __init__(self, membership: Membership | None):
        self.membership = membership

    def __getitem__(self, ability: str) -> bool:
        if ability not in ABILITIES:
            raise KeyError(ability)
        return can(self.membership, ability)

    def __getattr__(self, ability: str) -> bool:
        if ability.startswith("_") or ability not in ABILITIES:
            raise AttributeError(ability)
        return can(self.membership, ability)


def has_mfa(user) -> bool:
    return get_mfa_adapter().is_mfa_enabled(user)


def needs_mfa(user, role: str | None = None) -> bool:
    """True when this person must switch on two-factor authentication before going on."""
    privileged = user.is_staff or role in PRIVILEGED_ROLES
    return privileged and not has_mfa(user)


def mfa_setup_redirect(request: HttpRequest) -> HttpResponse:
    messages.warning(
        request,
        _(
            "Your role needs two-factor authentication. Set up an authenticator app "
            "to continue — it takes about a minute."
        ),
    )
    return redirect(f"/accounts/2fa/totp/activate/?next={request.get_full_path()}")


def get_forum_for(user, slug: str, ability: str) -> tuple[Forum, Membership]:
    """The forum and the person's membership, or 404 when they lack ``ability`` in it."""
    membership = (
        Membership.objects.active()
        .select_related("forum")
        .filter(forum__slug=slug, user=user, role__in=list(roles_that_can(ability)))
        .first()
    )
    if membership is None:
        raise Http404
    return membership.forum, membership


def forum_ability_required(ability: str) -> Callable:
    """Let a view through only for active members of the forum in ``slug`` with ``ability``.

    Sets ``request.forum`` and ``request.membership`` (see ``forum_app.http.ForumRequest``),
    shows times in the forum's time zone, and sends privileged roles without two-factor
    authentication to set it up.
    """
    roles_that_can(ability)  # fail at import time on a misspelt ability

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
            forum, membership = get_forum_for(request.user, slug, ability)
            if needs_mfa(request.user, membership.role):
                return mfa_setup_redirect(request)
            request.forum = forum
            request.membership = membership
            timezone.activate(forum.tzinfo)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def ability_anywhere_required(ability: str) -> Callable:
    """Let a view through for people holding ``ability`` in any forum (e.g. leaders).

    Sets ``request.memberships`` to the memberships that hold it.
    """
    roles = list(roles_that_can(ability))

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            memberships = list(
                Membership.objects.active()
                .select_related("forum")
                .filter(user=request.user, role__in=roles)
            )
            if not memberships:
                raise Http404
            if needs_mfa(request.user, memberships[0].role):
                return mfa_setup_redirect(request)
            request.memberships = memberships
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def home_for(user) -> str | None:
    """Where a signed-in person lands: leaders who hold no other role go to their briefs."""
    roles = set(Membership.objects.active().filter(user=user).values_list("role", flat=True))
    if roles and roles <= {Role.LEADER}:
        return "escalations:briefs_for_me"
    return None
