"""How django-allauth fits this forum: who may sign up, and the sign-up form."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forum_app.models import Forum, Invitation


def email_domain_allowed(email: str) -> bool:
    domain = email.rsplit("@", 1)[-1].lower()
    return domain in settings.ALLOWED_SIGNUP_DOMAINS


def is_invited(email: str) -> bool:
    return Invitation.objects.usable().filter(email__iexact=email).exists()


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
        if not (email_domain_allowed(email) or is_invited(email)):
            raise forms.ValidationError(
                _(
                    "Sign-up is open to work email addresses only. Use your work address, "
                    "or ask your forum's convenor for an invitation."
                )
            )
        return email


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": gettext_lazy(
            "That code is not right. Codes change every 30 seconds: type the one your app "
            "shows now, or one of your recovery codes."
        ),
    }


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        email = sociallogin.user.email or ""
        return bool(email) and (email_domain_allowed(email) or is_invited(email))


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
