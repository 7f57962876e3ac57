"""Forms for meetings. Times are entered in the forum's own time zone."""

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from forum_app.models import Forum, User
from meetings.models import Meeting, Outcome, Theme
from meetings.services import DecisionData, MeetingData
from meetings.services.ballots import field_for


class MeetingForm(forms.Form):
    # The service's names for the fields its errors point at (see add_service_errors).
    service_fields = {"starts_at": "start", "ends_at": "end"}

    title = forms.CharField(label=_("Title"), max_length=120)
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    start = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end = forms.TimeField(
        label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("A room and building, or leave empty for an online meeting."),
    )
    video_link = forms.URLField(
        label=_("Video call link"),
        required=False,
        help_text=_("For example a Teams or Zoom link that starts with https://"),
        assume_scheme="https",
    )

    def __init__(self, *args, forum: Forum, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.forum = forum

    @classmethod
    def initial_for(cls, meeting: Meeting | None, starts_at: datetime, ends_at: datetime) -> dict:
        tz = meeting.forum.tzinfo if meeting else None
        start = starts_at.astimezone(tz) if tz else starts_at
        end = ends_at.astimezone(tz) if tz else ends_at
        initial = {"date": start.date(), "start": start.time(), "end": end.time()}
        if meeting is not None:
            initial |= {
                "title": meeting.title,
                "place": meeting.place,
                "video_link": meeting.video_link,
            }
        return initial

    def data_for_service(self) -> MeetingData:
        cleaned = self.cleaned_data
        tz = self.forum.tzinfo
        return MeetingData(
            title=cleaned["title"],
            starts_at=datetime.combine(cleaned["date"], cleaned["start"], tzinfo=tz),
            ends_at=datetime.combine(cleaned["date"], cleaned["end"], tzinfo=tz),
            place=cleaned["place"],
            video_link=cleaned["video_link"],
        )


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Add an item"), max_length=200)


class ThemeNameForm(forms.Form):
    name = forms.CharField(label=_("Theme name"), max_length=120)


class ThemeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Theme) -> str:
        return obj.name


class IssueIdsField(forms.Field):
    """Issue ids sent as repeated ``issue`` values (one Move button, or the ticked boxes)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        try:
            return [int(v) for v in value or []]
        except (TypeError, ValueError):
            raise ValidationError(_("Choose issues from the board.")) from None


class MoveForm(forms.Form):
    issue = IssueIdsField()
    theme = ThemeChoiceField(
        label=_("Move to theme"),
        queryset=Theme.objects.none(),
        required=False,
        empty_label=_("Not in a theme"),
    )

    def __init__(self, *args, themes, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = themes


class MergeForm(forms.Form):
    target = ThemeChoiceField(label=_("Merge into"), queryset=Theme.objects.none())

    def __init__(self, *args, themes, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = themes


class SplitForm(forms.Form):
    name = forms.CharField(label=_("Name of the new theme"), max_length=120)
    issues = forms.TypedMultipleChoiceField(
        label=_("Issues to move into it"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, issues, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issues"].choices = [(i.pk, i.title) for i in issues]


class VotingWindowForm(forms.Form):
    """When voting closes, in the forum's time zone."""

    service_fields = {"closes_at": "date"}

    date = forms.DateField(
        label=_("Voting closes on"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    time = forms.TimeField(
        label=_("at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def __init__(self, *args, meeting: Meeting, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        if meeting.voting_closes_at and not self.is_bound:
            local = meeting.voting_closes_at.astimezone(meeting.forum.tzinfo)
            self.initial = {"date": local.date(), "time": local.time()}

    def closes_at(self) -> datetime:
        tz = self.meeting.forum.tzinfo
        return datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"], tzinfo=tz)


class VoteForm(forms.Form):
    """One number per theme on the ballot; empty means no dots. ``changing`` asks for the code."""

    def __init__(
        self, *args, themes: list[Theme], cap: int, changing: bool = False, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.themes = themes
        if changing:
            self.fields["code"] = forms.CharField(
                label=_("Your ballot code"),
                max_length=40,
                help_text=_("The code you were shown when you voted, such as ABCD-EFGH-JKLM-NPQR."),
                error_messages={
                    "required": _("Enter the ballot code you were shown when you voted.")
                },
                widget=forms.TextInput(
                    attrs={
                        "autocomplete": "off",
                        "autocapitalize": "characters",
                        "spellcheck": "false",
                    }
                ),
            )
        for theme in themes:
            self.fields[field_for(theme.pk)] = forms.IntegerField(
                label=theme.name,
                required=False,
                min_value=0,
                max_value=cap,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "data-dots": ""}),
                error_messages={
                    "invalid": _("Enter a whole number of dots, such as 0, 1 or 2."),
                    "min_value": _("Dots cannot be negative. Use 0 for none."),
                    "max_value": _("Put at most %(limit_value)s dots on one theme."),
                },
            )

    def allocations(self) -> dict[int, int]:
        return {t.pk: self.cleaned_data.get(field_for(t.pk)) or 0 for t in self.themes}

    def theme_fields(self) -> list[forms.BoundField]:
        return [self[field_for(t.pk)] for t in self.themes]


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What did the meeting decide?"),
        choices=Outcome.choices,
        widget=forms.RadioSelect,
    )
    problem_statement = forms.CharField(
        label=_("Problem statement"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    proposed_solution = forms.CharField(
        label=_("Proposed solution"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    ask = forms.CharField(
        label=_("The ask"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("For an escalation: exactly what the leader is asked to do."),
    )
    leader = forms.ModelChoiceField(
        label=_("Senior leader to answer"),
        queryset=None,
        required=False,
        empty_label=_("Not escalated"),
    )
    response_by = forms.DateField(
        label=_("Response needed by"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    owner = forms.CharField(
        label=_("Who does what"),
        max_length=200,
        required=False,
        help_text=_("For example: “Convenor drafts the brief by Friday”."),
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, leaders, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = User.objects.filter(pk__in=[u.pk for u in leaders])

    def data_for_service(self) -> DecisionData:
        return DecisionData(**self.cleaned_data)


class MinutesForm(forms.Form):
    body = forms.CharField(
        label=_("Minutes"),
        widget=forms.Textarea(attrs={"rows": 24}),
        help_text=_("Markdown: ## for headings, - for lists. Names of attendees are never listed."),
    )


class MinutesCorrectionForm(MinutesForm):
    """Correct published minutes: the whole corrected text, and one line saying what changed."""

    note = forms.CharField(
        label=_("What did you correct?"),
        help_text=_("One line members will see, e.g. “The date of the next meeting was wrong.”"),
        max_length=200,
    )


class AgendaProposalForm(forms.Form):
    """A member's proposal for a meeting's agenda."""

    title = forms.CharField(
        label=_("What should the meeting discuss?"),
        max_length=200,
        help_text=_("One line, for example “Pool cars for home visits”."),
        error_messages={"required": _("Say what the item is.")},
    )
    why = forms.CharField(
        label=_("Why it matters (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few lines for the convenor. Up to 1,000 characters."),
    )


class ProposalDeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=300,
        required=False,
        help_text=_("The member who proposed it sees this. Up to 300 characters."),
    )
