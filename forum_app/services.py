"""Writes for forums, memberships and invitations. Each is atomic and takes the acting user."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import SESSION_KEY as SESSION_USER_KEY
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from forum_app.models import (
    INVITATION_LIFETIME,
    Forum,
    Invitation,
    Membership,
    Role,
    User,
    hash_token,
)
from forum_app.notifications import KINDS, notify, notify_each


@transaction.atomic
def forum_create(*, name: str, slug: str, convenor: User, description: str = "") -> Forum:
    """Create a forum with its first convenor (active at once)."""
    forum = Forum(name=name, slug=slug, description=description)
    forum.full_clean()
    forum.save()
    Membership.objects.update_or_create(
        forum=forum,
        user=convenor,
        defaults={"role": Role.CONVENOR, "status": Membership.Status.ACTIVE},
    )
    return forum


@transaction.atomic
def membership_request(*, forum: Forum, user: User) -> Membership:
    """Ask to join ``forum`` as a member; its convenors are told.

    An existing membership is left as it is (asking twice changes nothing).
    """
    if not forum.open_for_requests:
        raise ValidationError(_("This forum is not taking requests to join."))
    membership, created = Membership.objects.get_or_create(
        forum=forum, user=user, defaults={"role": Role.MEMBER}
    )
    if created:
        link = settings.SITE_URL + reverse("forum_members", args=[forum.slug])
        notify_each(
            "membership_requested",
            User.objects.convenors_of(forum),
            forum=forum,
            key={"membership": membership.pk},
            context={"forum": forum.name, "name": str(user), "link": link},
        )
    return membership


def _decide(membership: Membership, status: str) -> Membership:
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.status != Membership.Status.PENDING:
        raise ValidationError(_("This request has already been answered."))
    locked.status = status
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_at"])
    return locked


@transaction.atomic
def membership_approve(*, membership: Membership, actor: User) -> Membership:
    """Approve a pending request; the person is told by email."""
    membership = _decide(membership, Membership.Status.ACTIVE)
    forum = membership.forum
    notify_each(
        "membership_approved",
        [membership.user],
        forum=forum,
        key={"membership": membership.pk},
        context={
            "forum": forum.name,
            "link": settings.SITE_URL + reverse("forum_home", args=[forum.slug]),
        },
    )
    return membership


@transaction.atomic
def membership_decline(*, membership: Membership, actor: User) -> Membership:
    """Decline a pending request. The person is not emailed; they see it when they sign in."""
    return _decide(membership, Membership.Status.DECLINED)


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str


@transaction.atomic
def invitation_create(*, forum: Forum, actor: User, email: str, role: str) -> IssuedInvitation:
    """Invite ``email`` to ``forum`` in ``role`` with a single-use link that expires.

    Only a hash of the token is stored; the link goes out by email.
    """
    email = email.strip().lower()
    if Membership.objects.active().filter(forum=forum, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member of the forum.")})
    token = Invitation.new_token()
    invitation = Invitation.objects.create(
        forum=forum,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=actor,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    notify(
        kind="invitation",
        email=email,
        forum=forum,
        dedupe_key=KINDS["invitation"].dedupe_key(invitation=invitation.pk),
        context={
            "forum": forum.name,
            "role": invitation.get_role_display(),
            "inviter": str(actor),
            "link": settings.SITE_URL + reverse("invitation", args=[token]),
            "expires": timezone.localdate(invitation.expires_at).strftime("%-d %B %Y"),
        },
    )
    return IssuedInvitation(invitation=invitation, token=token)


def invitation_lookup(token: str) -> Invitation | None:
    return Invitation.objects.select_related("forum").filter(token_hash=hash_token(token)).first()


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why an invitation cannot be used, in words for the person holding it; None if usable."""
    if invitation is None:
        return _("This invitation link is not valid. Check you copied the whole link.")
    if invitation.revoked_at:
        return _("This invitation was withdrawn. Ask the convenor for a new one.")
    if invitation.accepted_at:
        return _("This invitation has already been used. Each link works once.")
    if invitation.expires_at <= timezone.now():
        return _("This invitation has expired. Ask the convenor to send a new one.")
    return None


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """Use an invitation: the signed-in person who opened its link joins in the invited role.

    The invitation binds to whoever uses the link first, whatever address their account has:
    the link went only to the invited address, and an account someone registered in advance
    with that address gains nothing from it.
    """
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("forum")
        .filter(token_hash=hash_token(token))
        .first()
    )
    problem = invitation_problem(invitation)
    if problem:
        raise ValidationError(problem)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    membership, _created = Membership.objects.update_or_create(
        forum=invitation.forum,
        user=user,
        defaults={
            "role": invitation.role,
            "status": Membership.Status.ACTIVE,
            "decided_at": timezone.now(),
        },
    )
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> None:
    Invitation.objects.filter(pk=invitation.pk, accepted_at=None).update(revoked_at=timezone.now())


def user_sessions_end(*, user: User) -> int:
    """Delete every stored session signed in as ``user``; returns how many ended.

    Sessions live in the database, keyed by a random id, so finding one person's means
    reading each live session's data.
    """
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_USER_KEY)) == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def user_deactivate(*, user: User, actor: User | None) -> User:
    """Switch an account off and sign it out everywhere.

    ``actor`` is the site admin who did it, or None from a management command. The account
    and what it wrote stay; it can no longer sign in, and its open sessions end now rather
    than at their idle timeout.
    """
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    user_sessions_end(user=user)
    return user
