"""Forms for writing briefs, answering them and following them up."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from escalations.models import BriefStatus, Commitment, DifferenceAnswer, Response
from escalations.services.briefs import BriefData, forum_leaders
from escalations.services.versions import REASON_LIMIT
from forum_app.models import Forum
from issues.forms import text_field
from issues.models import Issue

QUOTE_LIMIT = 400


def _future_date(value: datetime.date) -> datetime.date:
    if value < timezone.localdate():
        raise forms.ValidationError(_("Choose today or a date in the future."))
    return value


class BriefForm(forms.Form):
    """The words of a brief, who it goes to and which issues it quotes (never who wrote them)."""

    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": _("Enter a title.")}
    )
    ask = text_field(
        _("The ask"),
        rows=3,
        missing=_("Say what you are asking the leader to do."),
        help_text=_("One specific thing a leader can say yes or no to."),
    )
    problem = text_field(_("The problem"), missing=_("Describe the problem."))
    impact = text_field(_("The impact"), rows=4)
    proposed_solutions = text_field(_("Proposed solutions"), rows=4)
    response_by = forms.DateField(
        label=_("Response needed by"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={
            "required": _("Enter the date a response is needed by."),
            "invalid": _("Enter a real date, like 31/03/2026."),
        },
    )
    recipients = forms.ModelMultipleChoiceField(
        label=_("Send to"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Senior leaders who are members of this forum."),
    )
    quoted = forms.ModelMultipleChoiceField(
        label=_("Quote these issues"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A few words from each are quoted without any name. Check they identify nobody."
        ),
    )

    def __init__(self, *args, forum: Forum, theme, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = forum_leaders(forum)
        self.fields["recipients"].label_from_instance = lambda u: u.display_name or u.email
        self.fields["quoted"].queryset = Issue.objects.filter(
            theme_link__theme=theme, hidden=False
        ).order_by("raised_on", "pk")
        self.fields["quoted"].label_from_instance = lambda issue: issue.title

    def clean_response_by(self) -> datetime.date:
        return _future_date(self.cleaned_data["response_by"])

    def data_for_service(self) -> BriefData:
        data = self.cleaned_data
        return BriefData(
            title=data["title"],
            problem=data["problem"],
            impact=data["impact"],
            proposed_solutions=data["proposed_solutions"],
            ask=data["ask"],
            response_by=data["response_by"],
            recipients=list(data["recipients"]),
            quotes=[(issue.pk, _quote(issue.body)) for issue in data["quoted"]],
        )


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1].rsplit(" ", 1)[0] + "…"


class ResponseForm(forms.Form):
    position = forms.ChoiceField(
        label=_("Your position"),
        choices=Response.Position.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose your position.")},
    )
    reasons = text_field(
        _("Your reasons"), missing=_("Give your reasons, so the forum understands."), rows=5
    )


class CommitmentForm(forms.Form):
    what = text_field(
        _("What will be done"), missing=_("Say what will be done."), rows=3, limit=2000
    )
    owner = forms.CharField(
        label=_("Who does it"),
        max_length=200,
        help_text=_("A named person or role, e.g. Head of Service, Children’s Services."),
        error_messages={"required": _("Say who will do it.")},
    )
    due_on = forms.DateField(
        label=_("Due by"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={
            "required": _("Enter the date it will be done by."),
            "invalid": _("Enter a real date, like 31/03/2026."),
        },
    )

    def clean_due_on(self) -> datetime.date:
        return _future_date(self.cleaned_data["due_on"])


class CommitmentUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Commitment.Status.choices)
    note = text_field(_("Progress note (optional)"), rows=3, limit=2000)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[c for c in BriefStatus.choices if c[0] != BriefStatus.DRAFT],
    )


class DifferenceForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Did this make a difference?"),
        choices=DifferenceAnswer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one of the answers.")},
    )


# Brief PDFs are well under 1 MB; anything past this is not one.
VERIFY_UPLOAD_LIMIT = 5 * 1024 * 1024


class VerifyForm(forms.Form):
    pdf = forms.FileField(
        label=_("The PDF"),
        required=False,
        help_text=_("Brief PDFs are smaller than 5 MB."),
    )
    sha256 = forms.CharField(
        label=_("Or its SHA-256 fingerprint"),
        required=False,
        max_length=64,
        min_length=64,
        help_text=_("64 letters and digits."),
        error_messages={"min_length": _("A SHA-256 fingerprint is 64 characters long.")},
    )

    def __init__(self, *args, too_large: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.too_large = too_large

    def clean_pdf(self):
        upload = self.cleaned_data.get("pdf")
        if self.too_large or (upload and upload.size > VERIFY_UPLOAD_LIMIT):
            raise forms.ValidationError(
                _(
                    "This file is larger than 5 MB, so it is not a brief PDF from this forum. "
                    "Check you chose the right file."
                )
            )
        return upload

    def clean_sha256(self) -> str:
        value = self.cleaned_data["sha256"].strip().lower()
        if value and any(ch not in "0123456789abcdef" for ch in value):
            raise forms.ValidationError(_("Use only the digits 0–9 and letters a–f."))
        return value

    def clean(self):
        data = super().clean()
        chosen = data.get("pdf") or data.get("sha256")
        if not chosen and not self.errors and not self.too_large:
            raise forms.ValidationError(_("Choose a PDF file or paste its fingerprint."))
        return data


class SendForm(forms.Form):
    """The last step before a brief goes: for a new version, one line saying why."""

    reason = forms.CharField(
        label=_("Why are you sending a new version?"),
        help_text=_(
            "One line the leaders will read, e.g. “The response date moved after the "
            "Director asked for more time.”"
        ),
        max_length=REASON_LIMIT,
        required=False,
    )


class OutcomesFilterForm(forms.Form):
    """The "You said, we did" page's filters, read from the query string."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status"))]
        + [(value, label) for value, label in BriefStatus.choices if value != BriefStatus.DRAFT],
    )
    year = forms.TypedChoiceField(
        label=_("Year sent"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, years: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("Any year"))] + [(y, str(y)) for y in years]
