"""What the forum holds about one person, for UK GDPR access and erasure requests.

Used by the ``export_personal_data`` and ``erase_person`` commands. Each app says what it
holds about a person and how to erase it, and registers that here
(``personal_data_register`` in its ``AppConfig.ready``), so this module never imports a
feature app; the account, memberships, emails and invitations are forum_app's own part.
Anything else that points at the person, in any app, is listed by model and field, so a table
added later still shows up. Anonymous issues and raiser updates carry no link to anyone, so
they cannot be found here; ballots and pulse answers are kept apart from who gave them, so
only the receipts appear.
"""

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from forum_app.models import Invitation, Membership, Notification, NotificationPreference, User
from forum_app.services import user_deactivate

ERASED_EMAIL_DOMAIN = "erased.invalid"


@dataclass(frozen=True)
class PersonalData:
    """One app's part: its sections of the export, how it erases, and the links it reports.

    ``export`` returns sections (name to plain data, ready for JSON). ``erase`` removes or
    detaches the person's rows; parts registered later (apps built on earlier ones) erase
    first, while what they read is still there. ``reported`` lists the (model, field) links
    to a person that the sections already report in full.
    """

    export: Callable[[User], dict[str, Any]]
    erase: Callable[[User], None]
    reported: Iterable[tuple[type[models.Model], str]] = ()


_parts: dict[str, PersonalData] = {}


def personal_data_register(
    name: str,
    *,
    export: Callable[[User], dict[str, Any]],
    erase: Callable[[User], None],
    reported: Iterable[tuple[type[models.Model], str]] = (),
) -> None:
    """Add an app's part of what the forum holds about a person."""
    _parts[name] = PersonalData(export=export, erase=erase, reported=tuple(reported))


def when(value) -> str | None:
    """A date or time as ISO text, or None: how every section writes one."""
    return value.isoformat() if value else None


def person_find(email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()


def _reported() -> set[tuple[type[models.Model], str]]:
    return {link for part in _parts.values() for link in part.reported}


def _other_links(user: User) -> dict[str, list[int]]:
    """Every other row that points at the person, by model and field, as row ids.

    Found from the models themselves, so a table added later still shows up here.
    """
    reported = _reported()
    found: dict[str, list[int]] = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not (field.many_to_one and field.concrete and field.related_model is User):
                continue
            if (model, field.name) in reported:
                continue
            ids = list(
                model._default_manager.filter(**{field.name: user})
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if ids:
                found[f"{model._meta.label}.{field.name}"] = ids
        for field in model._meta.many_to_many:
            if field.related_model is User:
                ids = list(
                    model._default_manager.filter(**{field.name: user})
                    .order_by("pk")
                    .values_list("pk", flat=True)
                )
                if ids:
                    found[f"{model._meta.label}.{field.name}"] = ids
    return found


def personal_data_export(*, user: User) -> dict[str, Any]:
    """Everything held about ``user``, as plain data ready for JSON."""
    exported: dict[str, Any] = {"exported_at": timezone.now().isoformat()}
    for part in _parts.values():
        exported.update(part.export(user))
    exported["other_records_linked_to_you"] = _other_links(user)
    return exported


@transaction.atomic
def person_erase(*, user: User) -> User:
    """Erase a person while keeping the forum's record whole.

    Issues and comments they posted under their name stay, shown as by "A former member";
    their supports are deleted, so those issues' counts drop by one. Tallies, briefs and
    other people's content are untouched. Ballot, attendance and pulse receipts stay
    attached to the emptied account so past turnout figures remain true; they no longer
    lead to a person. The account is switched off and emptied: a placeholder address, no
    name, no usable password, no two-factor devices, no memberships, no sessions.
    """
    for part in reversed(list(_parts.values())):
        part.erase(user)
    return user


# forum_app's own part: the account, its memberships, emails and invitations ----------------


def _preference_fields() -> list[str]:
    return [
        f.name for f in NotificationPreference._meta.concrete_fields if f.name not in {"id", "user"}
    ]


def _sent_to(user: User):
    return Notification.objects.filter(
        models.Q(recipient=user) | models.Q(email__iexact=user.email)
    )


def account_export(user: User) -> dict[str, Any]:
    email = user.email
    return {
        "account": {
            "email": email,
            "display_name": user.display_name,
            "date_joined": when(user.date_joined),
            "last_login": when(user.last_login),
            "is_active": user.is_active,
            "site_admin": user.is_staff,
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
            "two_factor_methods": sorted(
                Authenticator.objects.filter(user=user).values_list("type", flat=True)
            ),
            "single_sign_on": [
                {"provider": s.provider, "date_joined": when(s.date_joined)}
                for s in SocialAccount.objects.filter(user=user).order_by("pk")
            ],
            "email_preferences": list(
                NotificationPreference.objects.filter(user=user)
                .order_by("pk")
                .values(*_preference_fields())
            ),
        },
        "memberships": [
            {
                "forum": m.forum.name,
                "forum_slug": m.forum.slug,
                "role": m.role,
                "status": m.status,
                "requested_at": when(m.requested_at),
                "decided_at": when(m.decided_at),
            }
            for m in Membership.objects.filter(user=user).select_related("forum").order_by("pk")
        ],
        "notifications_sent_to_you": [
            {
                "kind": n.kind,
                "email": n.email,
                "status": n.status,
                "created_at": when(n.created_at),
                "sent_at": when(n.sent_at),
            }
            for n in _sent_to(user).order_by("created_at", "pk")
        ],
        "invitations_to_your_address": [
            {
                "forum": inv.forum.slug,
                "role": inv.role,
                "created_at": when(inv.created_at),
                "expires_at": when(inv.expires_at),
                "accepted_at": when(inv.accepted_at),
                "revoked_at": when(inv.revoked_at),
            }
            for inv in Invitation.objects.filter(email__iexact=email)
            .select_related("forum")
            .order_by("pk")
        ],
    }


def account_erase(user: User) -> None:
    _sent_to(user).delete()
    Invitation.objects.filter(email__iexact=user.email).delete()
    Invitation.objects.filter(invited_by=user).update(invited_by=None)
    Membership.objects.filter(user=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user_deactivate(user=user, actor=None)
    user.email = f"former-member-{secrets.token_hex(8)}@{ERASED_EMAIL_DOMAIN}"
    user.display_name = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()


personal_data_register(
    "account",
    export=account_export,
    erase=account_erase,
    reported=[
        (EmailAddress, "user"),
        (Authenticator, "user"),
        (SocialAccount, "user"),
        (Membership, "user"),
        (Notification, "recipient"),
        (NotificationPreference, "user"),
    ],
)
