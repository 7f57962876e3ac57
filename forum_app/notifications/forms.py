from django import forms
from django.utils.translation import gettext_lazy as _

from forum_app.models import Delivery
from forum_app.notifications.kinds import Kind


class PreferencesForm(forms.Form):
    """One set of radio buttons per kind the person may change."""

    def __init__(self, *args, kinds: list[Kind], initial_choices: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind.key] = forms.ChoiceField(
                label=kind.label,
                help_text=kind.description,
                choices=[(value, label) for value, label in Delivery.choices if kind.allows(value)],
                initial=initial_choices.get(kind.key, kind.default),
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose how often you want these emails.")},
            )
