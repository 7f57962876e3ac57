from django import forms
from django.core.exceptions import ValidationError
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


class CountedTextarea(forms.Textarea):
    """A textarea that counts down to its limit rather than cutting off what goes past it.

    A browser's ``maxlength`` silently drops whatever is pasted beyond the limit, mid-word.
    Here the limit travels as ``data-limit`` for the counter script, and the server refuses an
    over-long text with an error next to the field and the text kept.
    """

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        limit = widget_attrs.pop("maxlength", None)
        if limit:
            widget_attrs["data-limit"] = limit
        return context


class LongTextField(forms.CharField):
    """Free text with a limit, counted as the writer sees it: a line break is one character.

    Browsers send a textarea's line breaks as two characters (CR LF); counted raw, a text the
    counter showed as fitting could be refused.
    """

    widget = CountedTextarea

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to the field it names, else above it.

    A service names fields by its own data (``starts_at``); a form whose fields are named
    otherwise maps them in ``service_fields`` (``{"starts_at": "start"}``).
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    renamed = getattr(form, "service_fields", {})
    for field, messages in error.message_dict.items():
        name = renamed.get(field, field)
        form.add_error(name if name in form.fields else None, messages)
