from django import forms
from django.utils.translation import gettext_lazy as _

from forum_app.models import Forum, Role


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)


class JoinForm(forms.Form):
    forum = forms.ModelChoiceField(
        label=_("Forum"),
        queryset=Forum.objects.filter(open_for_requests=True),
        empty_label=_("Choose a forum"),
        error_messages={"required": _("Choose the forum you want to join.")},
    )
