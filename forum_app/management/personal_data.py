"""What the forum holds about one person, for UK GDPR access and erasure requests.

Used by the ``export_personal_data`` and ``erase_person`` commands. It lives with the
management commands because it reads every app's data, which forum_app itself must not.
Anonymous issues and raiser updates carry no link to anyone, so they cannot be found here;
ballots and pulse answers are kept apart from who gave them, so only the receipts appear.
"""

import secrets
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from escalations.models import DifferenceReceipt
from forum_app.models import Invitation, Membership, Notification, NotificationPreference, User
from forum_app.services import user_deactivate
from issues.models import Comment, Follow, Issue, IssueRedaction, IssueRevision, Support
from meetings.models import Attendance, BallotReceipt
from summaries.dashboard import figures_changed
from summaries.models import ExportRecord, PulseReceipt

ERASED_EMAIL_DOMAIN = "erased.invalid"

# Links to a person that the sections below already report in full.
_REPORTED = {
    (EmailAddress, "user"),
    (Authenticator, "user"),
    (SocialAccount, "user"),
    (Membership, "user"),
    (Notification, "recipient"),
    (NotificationPreference, "user"),
    (Issue, "author"),
    (Comment, "author"),
    (Support, "user"),
    (Attendance, "user"),
    (BallotReceipt, "user"),
    (PulseReceipt, "user"),
    (DifferenceReceipt, "user"),
    (ExportRecord, "user"),
}


def person_find(email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()


def _when(value) -> str | None:
    return value.isoformat() if value else None


def _other_links(user: User) -> dict[str, list[int]]:
    """Every other row that points at the person, by model and field, as row ids.

    Found from the models themselves, so a table added later still shows up here.
    """
    found: dict[str, list[int]] = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not (field.many_to_one and field.concrete and field.related_model is User):
                continue
            if (model, field.name) in _REPORTED:
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
    email = user.email
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": email,
            "display_name": user.display_name,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
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
                {"provider": s.provider, "date_joined": _when(s.date_joined)}
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
                "requested_at": _when(m.requested_at),
                "decided_at": _when(m.decided_at),
            }
            for m in Membership.objects.filter(user=user).select_related("forum").order_by("pk")
        ],
        "issues_raised_under_your_name": [
            {
                "id": i.pk,
                "forum": i.forum.slug,
                "title": i.title,
                "what_happens": i.body,
                "impact": i.impact,
                "proposed_solution": i.proposed_solution,
                "team": i.team,
                "evidence": i.evidence,
                "figures": i.figures,
                "raised_on": _when(i.raised_on),
                "status": i.status,
            }
            for i in Issue.objects.filter(author=user, is_anonymous=False)
            .select_related("forum")
            .order_by("pk")
        ],
        "comments": [
            {
                "id": c.pk,
                "issue_id": c.issue_id,
                "issue_title": c.issue.title,
                "comment": c.body,
                "further_solution": c.is_solution,
                "posted_on": _when(c.posted_on),
            }
            for c in Comment.objects.filter(author=user).select_related("issue").order_by("pk")
        ],
        "issues_supported": [
            {"issue_id": s.issue_id, "issue_title": s.issue.title, "forum": s.issue.forum.slug}
            for s in Support.objects.filter(user=user).select_related("issue__forum").order_by("pk")
        ],
        "issues_followed": [
            {"issue_id": f.issue_id, "issue_title": f.issue.title, "forum": f.issue.forum.slug}
            for f in Follow.objects.filter(user=user).select_related("issue__forum").order_by("pk")
        ],
        "meetings_attended": [_meeting(a.meeting) for a in _by_meeting(Attendance, user)],
        "ballots_cast_receipts": [_meeting(r.meeting) for r in _by_meeting(BallotReceipt, user)],
        "pulse_answered_receipts": [
            {"forum": r.forum.slug, "month": r.month.strftime("%Y-%m")}
            for r in PulseReceipt.objects.filter(user=user)
            .select_related("forum")
            .order_by("month")
        ],
        "made_a_difference_receipts": list(
            DifferenceReceipt.objects.filter(user=user)
            .order_by("pk")
            .values_list("brief_id", flat=True)
        ),
        "notifications_sent_to_you": [
            {
                "kind": n.kind,
                "email": n.email,
                "status": n.status,
                "created_at": _when(n.created_at),
                "sent_at": _when(n.sent_at),
            }
            for n in Notification.objects.filter(
                models.Q(recipient=user) | models.Q(email__iexact=email)
            ).order_by("created_at", "pk")
        ],
        "invitations_to_your_address": [
            {
                "forum": inv.forum.slug,
                "role": inv.role,
                "created_at": _when(inv.created_at),
                "expires_at": _when(inv.expires_at),
                "accepted_at": _when(inv.accepted_at),
                "revoked_at": _when(inv.revoked_at),
            }
            for inv in Invitation.objects.filter(email__iexact=email)
            .select_related("forum")
            .order_by("pk")
        ],
        "summary_exports_you_made": [
            {
                "created_at": _when(e.created_at),
                "period_start": _when(e.period_start),
                "period_end": _when(e.period_end),
                "format": e.format,
            }
            for e in ExportRecord.objects.filter(user=user).order_by("pk")
        ],
        "other_records_linked_to_you": _other_links(user),
    }


def _preference_fields() -> list[str]:
    return [
        f.name for f in NotificationPreference._meta.concrete_fields if f.name not in {"id", "user"}
    ]


def _by_meeting(model, user: User):
    return model.objects.filter(user=user).select_related("meeting__forum").order_by("pk")


def _meeting(meeting) -> dict[str, Any]:
    return {
        "forum": meeting.forum.slug,
        "meeting": meeting.title,
        "starts_at": _when(meeting.starts_at),
    }


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
    email = user.email
    for forum_id in set(Issue.objects.filter(author=user).values_list("forum_id", flat=True)):
        figures_changed(forum_id)  # their issues now count as one person each
    Issue.objects.filter(author=user).update(author=None)
    Comment.objects.filter(author=user).update(author=None)
    IssueRevision.objects.filter(edited_by=user).update(edited_by=None)
    IssueRedaction.objects.filter(redacted_by=user).update(redacted_by=None)
    Support.objects.filter(user=user).delete()
    Follow.objects.filter(user=user).delete()
    Notification.objects.filter(models.Q(recipient=user) | models.Q(email__iexact=email)).delete()
    Invitation.objects.filter(email__iexact=email).delete()
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
    return user
