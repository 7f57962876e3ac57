"""A forum's summary pages: the dashboard and the monthly workload pulse."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _

from escalations.models import Brief, BriefStatus
from escalations.services.briefs import brief_figure_add
from forum_app.forms import add_service_errors
from forum_app.http import ForumRequest, post_only
from forum_app.once import sent_once
from forum_app.permissions import can, forum_ability_required
from summaries import services
from summaries.charts import bar_chart_uri, trend_chart_uri
from summaries.dashboard import forum_dashboard
from summaries.forms import PulseForm
from summaries.pulse import PulseFigures, PulseMonth, pulse_results


def _bar_chart(groups, label: str) -> str:
    if not groups:
        return ""
    return bar_chart_uri([g.label for g in groups], [g.value("issues") for g in groups], label)


@forum_ability_required("take_part")
def dashboard(request: ForumRequest) -> HttpResponse:
    figures = forum_dashboard(request.forum)
    issues_axis = _("Open issues")
    charts = {
        "category": _bar_chart(figures.by_category, issues_axis),
        "service_area": _bar_chart(figures.by_service_area, issues_axis),
        "themes": bar_chart_uri(
            [str(label) for label, _n in figures.themes_by_status],
            [n for _label, n in figures.themes_by_status],
            _("Themes"),
        ),
    }
    return render(
        request,
        "summaries/dashboard.html",
        {"forum": request.forum, "figures": figures, "charts": charts},
    )


@forum_ability_required("take_part")
def pulse(request: ForumRequest) -> HttpResponse:
    forum = request.forum
    month = services.pulse_month(forum)
    form = PulseForm(request.POST or None, forum=forum)
    if request.method == "POST" and form.is_valid():
        try:
            services.pulse_answer(forum=forum, actor=request.user, data=form.data_for_service())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you. Your answers are in, without your name."))
            return redirect("summaries:pulse", forum.slug)
    results = pulse_results(forum, month)
    shown = [r for r in results if r.total is not None]
    trend = ""
    if shown:
        trend = trend_chart_uri(
            [r.month.strftime("%b %Y") for r in shown],
            {
                _("Average caseload"): [r.total.caseload for r in shown],
                _("Average hours beyond contract"): [r.total.extra_hours for r in shown],
                _("Average % of time on admin"): [r.total.admin_percent for r in shown],
                _("Average wellbeing (1–5)"): [r.total.wellbeing for r in shown],
            },
        )
    answered = services.already_answered(forum=forum, user=request.user, month=month)
    writer = can(request.membership, "write_briefs")
    return render(
        request,
        "summaries/pulse.html",
        {
            "forum": forum,
            "form": form,
            "month": month,
            "answered": answered,
            "waiting": services.pulse_waiting(forum, month),
            "results": list(reversed(results)),
            "trend": trend,
            "k": forum.k_anonymity,
            "draft_briefs": _draft_briefs(forum) if writer else [],
            "measures": _measures(),
        },
    )


def _draft_briefs(forum):
    return Brief.objects.in_forum(forum).filter(status=BriefStatus.DRAFT)


def _measures() -> dict[str, str]:
    return {
        "caseload": _("Average caseload"),
        "extra_hours": _("Average hours a week beyond contract"),
        "admin_percent": _("Average % of time on admin"),
        "wellbeing": _("Average wellbeing (1–5)"),
    }


def _citable(results, month: str, label: str) -> tuple[PulseFigures, PulseMonth] | None:
    """The shown, unfolded figures of ``label`` in ``month``: never a folded or hidden group."""
    for result in results:
        if result.month.isoformat() == month and result.total is not None:
            for row in (*result.areas, result.total):
                if row.label == label and not row.folded:
                    return row, result
    return None


def pulse_figure_text(row: PulseFigures, result: PulseMonth, *, measure: str) -> str:
    """A pulse figure as a sentence a leader can read on its own."""
    values = {
        "measure": _measures()[measure],
        "value": f"{getattr(row, measure):g}",
        "group": row.label,
        "n": row.people,
        "when": formats.date_format(result.month, "F Y"),
    }
    if row is result.total:
        return _("%(measure)s %(value)s across the forum (%(n)s answers, %(when)s)") % values
    return _("%(measure)s %(value)s in %(group)s (%(n)s answers, %(when)s)") % values


@post_only("summaries:pulse", keep=("slug",))
@forum_ability_required("write_briefs")
@sent_once
def pulse_to_brief(request: ForumRequest) -> HttpResponse:
    forum = request.forum
    back = redirect("summaries:pulse", forum.slug)
    brief = _draft_briefs(forum).filter(pk=_whole(request.POST.get("brief"))).first()
    if brief is None:
        messages.error(request, _("Choose a draft brief of this forum. Sent briefs cannot change."))
        return back
    results = pulse_results(forum, services.pulse_month(forum))
    found = _citable(results, request.POST.get("month", ""), request.POST.get("group", ""))
    measure = request.POST.get("measure", "")
    if found is None or measure not in _measures():
        messages.error(request, _("Choose a figure shown in the results."))
        return back
    text = pulse_figure_text(*found, measure=measure)
    source = _("Workload pulse, %(when)s") % {"when": formats.date_format(found[1].month, "F Y")}
    try:
        brief_figure_add(brief=brief, actor=request.user, text=text, source=source)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return back
    messages.success(
        request, _("Added to brief %(ref)s: %(text)s") % {"ref": brief.reference, "text": text}
    )
    return back


def _whole(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None
