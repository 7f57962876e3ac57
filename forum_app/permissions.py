"""Who may reach what. Every access rule of the project lives here.

Deny by default: views declare the roles that may use them with ``forum_role_required``;
anything outside a person's reach answers 404, so its existence is not revealed.
Privileged roles (convenor, steward, leader) and site admins must have two-factor
authentication switched on before they reach their pages.
"""

from collections.abc import Callable, Iterable
from functools import wraps

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from forum_app.models import PARTICIPANT_ROLES, PRIVILEGED_ROLES, Forum, Membership, Role

MEMBERS = PARTICIPANT_ROLES
CONVENORS = frozenset({Role.CONVENOR})
STEWARDS = frozenset({Role.STEWARD})
LEADERS = frozenset({Role.LEADER})


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


def active_membership(user, forum: Forum) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.active().filter(forum=forum, user=user).first()


def get_forum_for(user, slug: str, roles: Iterable[str]) -> tuple[Forum, Membership]:
    """The forum and the person's membership, or 404 when they hold none of ``roles`` in it."""
    membership = (
        Membership.objects.active()
        .select_related("forum")
        .filter(forum__slug=slug, user=user, role__in=list(roles))
        .first()
    )
    if membership is None:
        raise Http404
    return membership.forum, membership


def forum_role_required(roles: Iterable[str]) -> Callable:
    """Let a view through only for active members of the forum in ``slug`` with one of ``roles``.

    Sets ``request.forum`` and ``request.membership``, shows times in the forum's time zone,
    and sends privileged roles without two-factor authentication to set it up.
    """
    allowed = frozenset(roles)

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
            forum, membership = get_forum_for(request.user, slug, allowed)
            if needs_mfa(request.user, membership.role):
                return mfa_setup_redirect(request)
            request.forum = forum
            request.membership = membership
            timezone.activate(forum.tzinfo)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def role_anywhere_required(roles: Iterable[str]) -> Callable:
    """Let a view through for people holding one of ``roles`` in any forum (e.g. leaders)."""
    allowed = frozenset(roles)

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            memberships = list(
                Membership.objects.active()
                .select_related("forum")
                .filter(user=request.user, role__in=list(allowed))
            )
            if not memberships:
                raise Http404
            if needs_mfa(request.user, memberships[0].role):
                return mfa_setup_redirect(request)
            request.memberships = memberships
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def can_manage_members(membership: Membership) -> bool:
    return membership.role == Role.CONVENOR


def home_for(user) -> str | None:
    """Where a signed-in person lands: leaders who hold no other role go to their briefs."""
    roles = set(Membership.objects.active().filter(user=user).values_list("role", flat=True))
    if roles and roles <= {Role.LEADER}:
        return "escalations:briefs_for_me"
    return None
