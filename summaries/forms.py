"""Forms for the workload pulse and steward exports."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from forum_app.models import Forum
from issues.models import ServiceArea
from summaries.models import (
    CASELOAD_MAX,
    EXTRA_HOURS_MAX,
    PERCENT_MAX,
    WELLBEING_MAX,
    WELLBEING_MIN,
    ExportFormat,
)
from summaries.services import PulseData

LONGEST_EXPORT = datetime.timedelta(days=3 * 366)


def _whole_number(label, low: int, high: int, help_text) -> forms.IntegerField:
    between = _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=help_text,
        error_messages={
            "required": between,
            "invalid": between,
            "min_value": between,
            "max_value": between,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class PulseForm(forms.Form):
    caseload = _whole_number(
        _("How many cases (or people) are you working with now?"),
        0,
        CASELOAD_MAX,
        _("Your current caseload, 0 to %(max)s.") % {"max": CASELOAD_MAX},
    )
    extra_hours = _whole_number(
        _("How many hours beyond your contract did you work last week?"),
        0,
        EXTRA_HOURS_MAX,
        _("Paid or unpaid, 0 to %(max)s.") % {"max": EXTRA_HOURS_MAX},
    )
    admin_percent = _whole_number(
        _("What share of your time goes on admin rather than direct work with people?"),
        0,
        PERCENT_MAX,
        _("A percentage, 0 to 100. Recording, forms and systems count as admin."),
    )
    wellbeing = forms.TypedChoiceField(
        label=_("How are you coping?"),
        choices=[
            (1, _("1 – Very badly")),
            (2, _("2 – Badly")),
            (3, _("3 – Getting by")),
            (4, _("4 – Well")),
            (5, _("5 – Very well")),
        ],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how you are coping, from %(low)s to %(high)s.")
            % {"low": WELLBEING_MIN, "high": WELLBEING_MAX},
            "invalid_choice": _("Choose how you are coping, from %(low)s to %(high)s.")
            % {"low": WELLBEING_MIN, "high": WELLBEING_MAX},
        },
    )
    service_area = forms.ModelChoiceField(
        label=_("Your service area (optional)"),
        queryset=ServiceArea.objects.none(),
        required=False,
        empty_label=_("Prefer not to say"),
        help_text=_("Areas with fewer answers than the forum's threshold are never shown alone."),
        error_messages={"invalid_choice": _("Choose one of the listed service areas.")},
    )

    def __init__(self, *args, forum: Forum, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_area"].queryset = ServiceArea.objects.filter(forum=forum)

    def data_for_service(self) -> PulseData:
        return PulseData(**self.cleaned_data)


class ExportForm(forms.Form):
    forums = forms.ModelMultipleChoiceField(
        label=_("Forums"),
        queryset=Forum.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one forum."),
            "invalid_choice": _("Choose forums from the list."),
            "invalid_pk_value": _("Choose forums from the list."),
        },
    )
    start = forms.DateField(
        label=_("From"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={
            "required": _("Enter the first day of the period."),
            "invalid": _("Enter a real date, like 01/04/2026."),
        },
    )
    end = forms.DateField(
        label=_("To"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={
            "required": _("Enter the last day of the period."),
            "invalid": _("Enter a real date, like 31/03/2027."),
        },
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=ExportFormat.choices,
        initial=ExportFormat.XLSX,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a format."), "invalid_choice": _("Choose a format.")},
    )

    def __init__(self, *args, forums: list[Forum], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["forums"].queryset = Forum.objects.filter(pk__in=[f.pk for f in forums])

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end of the period must be on or after its start."))
            elif end - start > LONGEST_EXPORT:
                self.add_error("end", _("Choose a period of three years or less."))
        return cleaned
