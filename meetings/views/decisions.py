"""Recording a decision for each theme voted on."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import trigger_client_event

from forum_app.forms import add_service_errors
from forum_app.http import ForumRequest, post_only
from forum_app.permissions import forum_ability_required
from meetings import services
from meetings.forms import DecisionForm
from meetings.models import Meeting, Theme
from meetings.permissions import get_meeting_for
from meetings.views.shared import done

DECISION_FIELDS = tuple(DecisionForm.base_fields)


def _typed(data, prefix: str) -> dict:
    """What was typed for one theme in a POST of the whole decide page, as a form's initial."""
    typed = {}
    for name in DECISION_FIELDS:
        key = f"{prefix}-{name}"
        if key in data:
            typed[name] = data.get(key)
    return typed


def _decision_rows(meeting: Meeting, leaders, *, posted=None, bound=None, saved=None) -> list:
    """One row per theme voted on: its result, its decision, and the form to show.

    ``bound`` is the form just sent for one theme (with its errors, if any). Without
    JavaScript the whole page is sent, so ``posted`` holds what was typed for every other
    theme; each keeps it instead of going back to what was last saved.
    """
    decisions = {d.theme_id: d for d in meeting.decisions.all()}
    rows = []
    for number, result in enumerate(services.results(meeting), start=1):
        theme_pk, prefix = result.theme.pk, f"t{result.theme.pk}"
        decision = decisions.get(theme_pk)
        if bound is not None and bound.prefix == prefix:
            form = bound
        else:
            initial = {}
            if decision is not None:
                initial = {name: getattr(decision, name) for name in DECISION_FIELDS}
            if posted is not None:
                initial |= _typed(posted, prefix)
            form = DecisionForm(initial=initial, leaders=leaders, prefix=prefix)
        rows.append(
            {
                "number": number,
                "result": result,
                "decision": decision,
                "form": form,
                "saved": saved == theme_pk,
            }
        )
    return rows


@forum_ability_required("run_meetings")
def decide(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    leaders = services.leaders_of(request.forum)
    rows = _decision_rows(meeting, leaders)
    context = {"forum": request.forum, "meeting": meeting, "rows": rows, "leaders": leaders}
    return render(request, "meetings/decide.html", context)


@post_only("meetings:decide")
@forum_ability_required("run_meetings")
def decision_record(request: ForumRequest, pk: int, theme_pk: int) -> HttpResponse:
    """Save one theme's decision. With htmx only that theme's part of the page comes back;
    without, the whole page, keeping what was typed for the other themes."""
    meeting = get_meeting_for(request, pk)
    theme = get_object_or_404(Theme, pk=theme_pk, forum=request.forum)
    leaders = services.leaders_of(request.forum)
    form = DecisionForm(request.POST, leaders=leaders, prefix=f"t{theme.pk}")
    saved = False
    if form.is_valid():
        try:
            services.decision_record(
                meeting=meeting, actor=request.user, theme=theme, data=form.data_for_service()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            saved = True
    message = _("Decision on “%(theme)s” recorded.") % {"theme": theme.name}
    url = reverse("meetings:decide", args=[request.forum.slug, meeting.pk])
    if saved and not request.htmx and not _others_typed(request.POST, theme):
        return done(request, f"{url}#theme-{theme.pk}", message)
    rows = _decision_rows(
        meeting, leaders, posted=request.POST, bound=form, saved=theme.pk if saved else None
    )
    context = {"forum": request.forum, "meeting": meeting, "leaders": leaders, "rows": rows}
    if request.htmx:
        context["row"] = next(row for row in rows if row["result"].theme.pk == theme.pk)
        response = render(request, "meetings/decide.html#decision_row", context)
        if saved:
            trigger_client_event(response, "announce", message)
        return response
    if saved:
        messages.success(request, message)
    return render(request, "meetings/decide.html", context, status=200 if saved else 400)


def _others_typed(data, theme: Theme) -> bool:
    """Whether the POST carries the other themes' fields (the whole page, sent without htmx)."""
    own = f"t{theme.pk}-"
    return any(key.startswith("t") and "-" in key and not key.startswith(own) for key in data)
