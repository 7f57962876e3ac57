"""How django-allauth fits this forum: who may sign up, and the sign-up form."""

from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forum_app.crypto import is_sealed_text, seal_text, unseal_text
from forum_app.models import Forum, Invitation
from forum_app.names import validate_display_name

# Authenticator secrets are sealed for this context (see forum_app/crypto.py).
MFA_SECRET_CONTEXT = b"mfa-secret"


def email_domain_allowed(email: str) -> bool:
    domain = email.rsplit("@", 1)[-1].lower()
    return domain in settings.ALLOWED_SIGNUP_DOMAINS


def invitation_being_followed(target: str | None) -> Invitation | None:
    """The usable invitation whose link ``target`` (a "next" address) is, if any.

    Holding the link is what counts, never the address typed: sign-up must answer the same
    for an address with a pending invitation as for any other, or it would tell strangers
    who has been invited.
    """
    if not target:
        return None
    try:
        match = resolve(urlsplit(target).path)
    except Resolver404:
        return None
    if match.url_name != "invitation":
        return None
    from forum_app.services import invitation_lookup, invitation_problem

    found = invitation_lookup(match.kwargs["token"])
    return found if invitation_problem(found) is None else None


def _next_of(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return request.POST.get("next") or request.GET.get("next") or ""


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": gettext_lazy(
            "The email address or password is not right. Check them and try again."
        ),
        "too_many_login_attempts": gettext_lazy(
            "Too many failed attempts to sign in. Wait a few minutes and try again (the wait "
            "grows after more failures), or reset your password."
        ),
    }

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        following = invitation_being_followed(_next_of(self.request))
        if not (email_domain_allowed(email) or following):
            raise forms.ValidationError(
                _(
                    "Sign-up is open to work email addresses only. Use your work address, "
                    "or ask your forum's convenor for an invitation."
                )
            )
        return email


class MFAAdapter(DefaultMFAAdapter):
    """Two-factor sign-in. Authenticator secrets are stored sealed, never in clear.

    A copy of the database alone is then not enough to make anyone's codes: the key is
    derived from ``SECRET_KEY``, which is not in the database.
    """

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": gettext_lazy(
            "That code is not right. Codes change every 30 seconds: type the one your app "
            "shows now, or one of your recovery codes."
        ),
    }

    def encrypt(self, text: str) -> str:
        return seal_text(text, context=MFA_SECRET_CONTEXT)

    def decrypt(self, encrypted_text: str) -> str:
        if not is_sealed_text(encrypted_text):
            # Every stored secret was sealed by migration forum_app 0003; a clear one was
            # written behind the app's back and is not trusted.
            raise ValueError("An authenticator secret is stored in clear.")
        return unseal_text(encrypted_text, context=MFA_SECRET_CONTEXT)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        email = sociallogin.user.email or ""
        following = invitation_being_followed(sociallogin.state.get("next"))
        return bool(email) and (email_domain_allowed(email) or following is not None)


class PlainFieldsMixin:
    """Labels say what to type; placeholders that repeat them vanish as soon as one types."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class LoginForm(PlainFieldsMixin, AllauthLoginForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The page links to password reset beside the button; a link inside the help text
        # would be read out again with the field.
        self.fields["password"].help_text = ""


class ResetPasswordForm(PlainFieldsMixin, AllauthResetPasswordForm):
    pass


class SignupForm(PlainFieldsMixin, AllauthSignupForm):
    """Sign-up asks for a name and which forum to ask to join."""

    display_name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=80,
        help_text=gettext_lazy("Shown on issues and comments you post under your name."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        validators=[validate_display_name],
    )
    forum = forms.ModelChoiceField(
        label=gettext_lazy("Forum you want to join"),
        queryset=Forum.objects.filter(open_for_requests=True),
        required=False,
        empty_label=gettext_lazy("Choose a forum"),
        help_text=gettext_lazy(
            "A convenor will approve your request. Skip this if you were invited."
        ),
    )

    field_order = ["display_name", "email", "password1", "password2", "forum"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = gettext_lazy("Work email address")
        self.fields["email"].help_text = gettext_lazy(
            "The address your employer gave you. We send a link to it to check it is yours."
        )
        forums = list(self.fields["forum"].queryset)
        if len(forums) == 1:
            self.fields["forum"].initial = forums[0].pk

    def save(self, request: HttpRequest):
        from forum_app.services import membership_request

        user = super().save(request)
        user.display_name = self.cleaned_data["display_name"]
        user.save(update_fields=["display_name"])
        if self.cleaned_data.get("forum"):
            membership_request(forum=self.cleaned_data["forum"], user=user)
        return user
