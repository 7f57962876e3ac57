"""The forum dashboard, the workload pulse and steward exports."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from forum_app.permissions import (
    CONVENORS,
    MEMBERS,
    STEWARDS,
    forum_role_required,
    role_anywhere_required,
)
from summaries import services
from summaries.charts import bar_chart_uri, trend_chart_uri
from summaries.dashboard import forum_dashboard
from summaries.exports import export_file
from summaries.forms import ExportForm, PulseForm
from summaries.pulse import pulse_results


def _bar_chart(groups, label: str) -> str:
    if not groups:
        return ""
    return bar_chart_uri([g.label for g in groups], [g.value("issues") for g in groups], label)


@forum_role_required(MEMBERS | CONVENORS)
def dashboard(request: HttpRequest) -> HttpResponse:
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


@forum_role_required(MEMBERS | CONVENORS)
def pulse(request: HttpRequest) -> HttpResponse:
    forum = request.forum
    month = services.pulse_month(forum)
    form = PulseForm(request.POST or None, forum=forum)
    if request.method == "POST" and form.is_valid():
        try:
            services.pulse_answer(forum=forum, actor=request.user, data=form.pulse_data())
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, problems in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                form.add_error(None, error)
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
    return render(
        request,
        "summaries/pulse.html",
        {
            "forum": forum,
            "form": form,
            "month": month,
            "answered": answered,
            "results": list(reversed(results)),
            "trend": trend,
            "k": forum.k_anonymity,
        },
    )


@role_anywhere_required(STEWARDS)
def exports(request: HttpRequest) -> HttpResponse:
    forums = [membership.forum for membership in request.memberships]
    form = ExportForm(request.POST or None, forums=forums)
    if request.method == "POST" and form.is_valid():
        chosen = list(form.cleaned_data["forums"])
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        services.export_record(
            actor=request.user,
            forums=chosen,
            start=start,
            end=end,
            format=form.cleaned_data["format"],
        )
        made = export_file(chosen, start, end, form.cleaned_data["format"])
        response = HttpResponse(made.content, content_type=made.content_type)
        response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
        return response
    return render(
        request,
        "summaries/exports.html",
        {"form": form, "forums": forums},
    )
