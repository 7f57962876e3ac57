"""Forms for raising, finding, discussing and moderating issues."""

from django import forms
from django.utils.translation import gettext_lazy as _

from forum_app.forms import CountedTextarea, LongTextField
from forum_app.models import Forum
from forum_app.widgets import QuickSelect
from issues import receipts
from issues.models import TEXT_LIMIT, TITLE_LIMIT, Category, Issue, ServiceArea, Status
from issues.services import Figure, IssueData

FIGURE_ROWS = 3
COMMENT_LIMIT = 5_000
REASON_LIMIT = 500


TOO_LONG = _("Keep this to %(limit_value)s characters or fewer (it has %(show_value)s).")


def text_field(
    label, *, missing=None, help_text="", rows: int = 5, limit: int = TEXT_LIMIT
) -> forms.CharField:
    """A textarea field; required when ``missing`` (the message for an empty one) is given."""
    errors = {"max_length": TOO_LONG}
    if missing:
        errors["required"] = missing
    return LongTextField(
        label=label,
        max_length=limit,
        required=bool(missing),
        help_text=help_text,
        widget=CountedTextarea(attrs={"rows": rows}),
        error_messages=errors,
    )


class IssueForm(forms.Form):
    """The fields of an issue. Category and service area are limited to the forum's own."""

    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_LIMIT,
        help_text=_("A short summary, like a headline."),
        error_messages={
            "required": _("Enter a title."),
            "max_length": TOO_LONG,
        },
    )
    body = text_field(
        _("What happens"),
        help_text=_("Describe the problem. You can use paragraphs, lists and links."),
        missing=_("Describe what happens."),
    )
    impact = text_field(
        _("Impact on people who use services and on staff"),
        rows=4,
        missing=_("Say what the impact is."),
    )
    proposed_solution = text_field(
        _("Proposed solution"),
        rows=4,
        help_text=_("What would fix it, even in part?"),
        missing=_("Suggest a solution, even a partial one."),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        empty_label=_("Choose a category"),
        error_messages={
            "required": _("Choose a category."),
            "invalid_choice": _("Choose one of this forum's categories."),
        },
    )
    service_area = forms.ModelChoiceField(
        label=_("Service area"),
        queryset=ServiceArea.objects.none(),
        empty_label=_("Choose a service area"),
        error_messages={
            "required": _("Choose a service area."),
            "invalid_choice": _("Choose one of this forum's service areas."),
        },
    )
    team = forms.CharField(
        label=_("Team (optional)"),
        max_length=120,
        required=False,
        error_messages={"max_length": TOO_LONG},
    )
    safety_risk = forms.BooleanField(
        label=_("Someone could be hurt"),
        required=False,
        help_text=_("Tick this and the convenors are alerted straight away."),
    )
    evidence = text_field(
        _("Evidence (optional)"),
        rows=3,
        help_text=_("Examples, dates, anything that shows the problem. Leave out names."),
    )

    def __init__(self, *args, forum: Forum, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.forum = forum
        self.fields["category"].queryset = Category.objects.filter(forum=forum)
        self.fields["service_area"].queryset = ServiceArea.objects.filter(forum=forum)
        for n in range(1, FIGURE_ROWS + 1):
            self.fields[f"figure_{n}_label"] = forms.CharField(
                label=_("Figure %(n)s: what it counts") % {"n": n},
                max_length=80,
                required=False,
                help_text=_("For example “children on my caseload”.") if n == 1 else "",
                error_messages={"max_length": TOO_LONG},
            )
            self.fields[f"figure_{n}_value"] = forms.DecimalField(
                label=_("Figure %(n)s: number") % {"n": n},
                required=False,
                max_digits=12,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
                error_messages={"invalid": _("Enter a number, like 31 or 2.5.")},
            )

    @property
    def figures_open(self) -> bool:
        """Show the figure fields unfolded when they hold something or an error."""
        names = [
            f"figure_{n}_{part}" for n in range(1, FIGURE_ROWS + 1) for part in ("label", "value")
        ]
        return any(self[name].value() not in (None, "") or self.errors.get(name) for name in names)

    def figure_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"figure_{n}_label"], self[f"figure_{n}_value"])
            for n in range(1, FIGURE_ROWS + 1)
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        for n in range(1, FIGURE_ROWS + 1):
            label = cleaned.get(f"figure_{n}_label")
            value = cleaned.get(f"figure_{n}_value")
            if label and value is None and f"figure_{n}_value" not in self.errors:
                self.add_error(f"figure_{n}_value", _("Enter the number for this figure."))
            if value is not None and not label:
                self.add_error(f"figure_{n}_label", _("Say what this number counts."))
        return cleaned

    def issue_data(self) -> IssueData:
        data = self.cleaned_data
        figures = []
        for n in range(1, FIGURE_ROWS + 1):
            value = data.get(f"figure_{n}_value")
            if data.get(f"figure_{n}_label") and value is not None:
                number = int(value) if value == value.to_integral_value() else float(value)
                figures.append(Figure(label=data[f"figure_{n}_label"], value=number))
        return IssueData(
            title=data["title"],
            body=data["body"],
            impact=data["impact"],
            proposed_solution=data["proposed_solution"],
            category=data["category"],
            service_area=data["service_area"],
            team=data["team"],
            evidence=data["evidence"],
            figures=tuple(figures),
            safety_risk=data["safety_risk"],
        )

    @classmethod
    def initial_for(cls, issue: Issue) -> dict:
        initial = {
            "title": issue.title,
            "body": issue.body,
            "impact": issue.impact,
            "proposed_solution": issue.proposed_solution,
            "category": issue.category_id,
            "service_area": issue.service_area_id,
            "team": issue.team,
            "evidence": issue.evidence,
            "safety_risk": issue.safety_risk,
            "version": issue.version,
        }
        for n, figure in enumerate(issue.figures[:FIGURE_ROWS], start=1):
            initial[f"figure_{n}_label"] = figure.get("label", "")
            initial[f"figure_{n}_value"] = figure.get("value")
        return initial


def submission_field() -> forms.CharField:
    """A form's one-time token: made when the form is shown, sent back with it, never stored
    until what the form creates is, so the same form sent twice creates one thing."""
    return forms.CharField(
        widget=forms.HiddenInput, required=False, initial=receipts.new_submission
    )


class OneTimeForm(forms.Form):
    submission = submission_field()

    def clean_submission(self) -> str:
        value = self.cleaned_data.get("submission", "")
        return value if receipts.is_submission(value) else receipts.new_submission()


class RaiseForm(OneTimeForm, IssueForm):
    """Raising adds the choice, made every time, between named and anonymous."""

    NAMED = "named"
    ANONYMOUS = "anonymous"

    identity = forms.ChoiceField(
        label=_("Named or anonymous"),
        choices=[(NAMED, _("Under my name")), (ANONYMOUS, _("Anonymously"))],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether to raise this under your name or anonymously."),
            "invalid_choice": _("Choose whether to raise this under your name or anonymously."),
        },
    )

    @property
    def anonymous(self) -> bool:
        return self.cleaned_data["identity"] == self.ANONYMOUS


class EditForm(IssueForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    redact = forms.BooleanField(
        label=_("This edit removes words that could identify someone (a redaction)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"aria-describedby": "id_redact_helptext"}),
        help_text=_(
            "The earlier wording is then removed everywhere the forum keeps it, its history "
            "included. The history says that a convenor redacted the issue, and when."
        ),
    )


class CommentForm(forms.Form):
    body = text_field(
        _("Your comment"),
        limit=COMMENT_LIMIT,
        rows=4,
        help_text=_("You can use paragraphs, lists and links. Your name is shown with it."),
        missing=_("Write your comment first."),
    )
    is_solution = forms.BooleanField(label=_("This is a further solution"), required=False)


class FollowForm(forms.Form):
    receipt = forms.CharField(
        label=_("Receipt code"),
        max_length=100,
        help_text=_("The code you were given when you raised the issue, like ABCD-EFGH-…"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter your receipt code.")},
    )


class RaiserUpdateForm(OneTimeForm):
    receipt = forms.CharField(max_length=100, widget=forms.HiddenInput)
    body = text_field(
        _("Your update"),
        limit=COMMENT_LIMIT,
        rows=4,
        help_text=_("Shown as from “the person who raised this”. Your name is not stored."),
        missing=_("Write your update first."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (shown to everyone)"),
        max_length=REASON_LIMIT,
        widget=CountedTextarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why."), "max_length": TOO_LONG},
    )


class HideForm(ReasonForm):
    """Hiding an issue: its own ids, as it shares the manage page with the status form's reason."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_hide_%s")
        super().__init__(*args, **kwargs)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=Status.choices,
        error_messages={"invalid_choice": _("Choose one of the statuses listed.")},
    )
    reason = forms.CharField(
        label=_("Reason (needed when closing)"),
        max_length=REASON_LIMIT,
        required=False,
        widget=CountedTextarea(attrs={"rows": 2}),
        error_messages={"max_length": TOO_LONG},
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("status") == Status.CLOSED and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Say why the issue is closed."))
        return cleaned


class IssueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Issue) -> str:
        return f"#{obj.pk} {obj.title}"


class MergeForm(forms.Form):
    into = IssueChoiceField(
        label=_("Merge into"),
        queryset=Issue.objects.none(),
        empty_label=_("Choose the issue to keep"),
        error_messages={
            "required": _("Choose the issue to keep."),
            "invalid_choice": _("Choose another issue from this forum."),
        },
    )

    def __init__(self, *args, issue: Issue, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = (
            Issue.objects.in_forum(issue.forum).listed().exclude(pk=issue.pk).order_by("-pk")
        )


class FilterForm(forms.Form):
    """The list page's filters; they live in the URL so a search can be shared."""

    SORTS = [
        ("", _("Best match when searching, otherwise newest")),
        ("newest", _("Newest first")),
        ("supported", _("Most supported")),
        ("longest_open", _("Open longest")),
    ]

    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    # Plain choices of (id, name), read once each: the list page stays a few queries.
    category = forms.TypedChoiceField(
        label=_("Category"), coerce=int, empty_value=None, required=False, widget=QuickSelect
    )
    service_area = forms.TypedChoiceField(
        label=_("Service area"), coerce=int, empty_value=None, required=False, widget=QuickSelect
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *Status.choices],
        required=False,
        widget=QuickSelect,
    )
    mine = forms.BooleanField(label=_("Raised by me (under my name)"), required=False)
    supported = forms.BooleanField(label=_("Supported by me"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False, widget=QuickSelect)

    def __init__(self, *args, forum: Forum, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            ("", _("All categories")),
            *Category.objects.filter(forum=forum).values_list("pk", "name"),
        ]
        self.fields["service_area"].choices = [
            ("", _("All service areas")),
            *ServiceArea.objects.filter(forum=forum).values_list("pk", "name"),
        ]

    def filters(self) -> dict:
        """The valid filters; an invalid one (a stale category id, say) is left out."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data
