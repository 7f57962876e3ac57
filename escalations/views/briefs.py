"""A forum's own brief pages: members read them, convenors write, send and follow them up."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from escalations import signing, verification
from escalations.forms import (
    VERIFY_UPLOAD_LIMIT,
    BriefForm,
    DifferenceForm,
    OutcomesFilterForm,
    SendForm,
    StatusForm,
    VerifyForm,
)
from escalations.models import (
    Brief,
    BriefEvent,
    BriefFigure,
    BriefStatus,
    BriefVersion,
    Commitment,
    DifferenceReceipt,
    ProgressNote,
)
from escalations.pdf import render_brief_html, render_brief_pdf
from escalations.permissions import get_brief_in_forum
from escalations.services import briefs as services
from escalations.services.versions import version_history
from escalations.uploads import cap_uploads
from forum_app.forms import add_service_errors
from forum_app.http import ForumRequest, post_only
from forum_app.once import sent_once
from forum_app.permissions import can, forum_ability_required
from meetings.models import Decision, Outcome, Theme


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def brief_detail_queryset():
    return Brief.objects.select_related("forum", "theme").prefetch_related(
        "recipients",
        Prefetch("events", queryset=BriefEvent.objects.select_related("actor")),
        "responses__leader",
        Prefetch(
            "commitments",
            queryset=Commitment.objects.select_related("made_by").prefetch_related(
                Prefetch("notes", queryset=ProgressNote.objects.select_related("written_by"))
            ),
        ),
        Prefetch("versions", queryset=BriefVersion.objects.defer("pdf", "html", "snapshot")),
        "difference_tallies",
    )


@forum_ability_required("take_part")
def brief_list(request: ForumRequest) -> HttpResponse:
    forum = request.forum
    writer = can(request.membership, "write_briefs")
    briefs = Brief.objects.in_forum(forum).select_related("theme")
    if not writer:
        briefs = briefs.sent()
    waiting = []
    if writer:
        waiting = (
            Decision.objects.filter(meeting__forum=forum, outcome=Outcome.ESCALATE)
            .annotate(has_brief=Exists(Brief.objects.filter(decision=OuterRef("pk"))))
            .filter(has_brief=False)
            .select_related("theme", "meeting")
        )
    return render(
        request,
        "escalations/forum_briefs.html",
        {"forum": forum, "briefs": briefs, "waiting": waiting},
    )


@forum_ability_required("take_part")
def you_said_we_did(request: ForumRequest) -> HttpResponse:
    """Every escalation: the ask, the leader's answer, commitments and whether it helped."""
    forum = request.forum
    briefs = Brief.objects.in_forum(forum)
    form = OutcomesFilterForm(request.GET or None, years=briefs.sent_years())
    shown = briefs.you_said_we_did()
    if form.is_valid():
        if form.cleaned_data["status"]:
            shown = shown.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["year"]:
            shown = shown.filter(sent_at__year=form.cleaned_data["year"])
    return render(
        request,
        "escalations/you_said_we_did.html",
        {"forum": forum, "briefs": list(shown), "form": form, "filtered": bool(request.GET)},
    )


def _started(request: ForumRequest, brief: Brief) -> HttpResponse:
    messages.success(request, _("Draft brief %(ref)s started.") % {"ref": brief.reference})
    return redirect("forum_briefs:edit", request.forum.slug, brief.pk)


@post_only("forum_briefs:list", keep=("slug",))
@forum_ability_required("write_briefs")
@sent_once
def brief_from_decision(request: ForumRequest, decision: int) -> HttpResponse:
    found = get_object_or_404(
        Decision.objects.select_related("theme"),
        pk=decision,
        meeting__forum=request.forum,
        outcome=Outcome.ESCALATE,
    )
    brief = services.brief_create(
        forum=request.forum, actor=request.user, theme=found.theme, decision=found
    )
    return _started(request, brief)


@post_only("forum_briefs:list", keep=("slug",))
@forum_ability_required("write_briefs")
@sent_once
def brief_from_theme(request: ForumRequest, theme: int) -> HttpResponse:
    found = get_object_or_404(Theme, pk=theme, forum=request.forum)
    brief = services.brief_create(forum=request.forum, actor=request.user, theme=found)
    return _started(request, brief)


@forum_ability_required("take_part")
def brief_detail(request: ForumRequest, pk: int) -> HttpResponse:
    writer = can(request.membership, "write_briefs")
    brief = get_brief_in_forum(request.forum, pk, drafts=writer)
    brief = brief_detail_queryset().get(pk=brief.pk)
    answered = DifferenceReceipt.objects.filter(brief=brief, user=request.user).exists()
    return render(
        request,
        "escalations/forum_brief.html",
        {
            "forum": request.forum,
            "brief": brief,
            "status_form": StatusForm(initial={"status": brief.status}),
            "difference_form": DifferenceForm(),
            "answered": answered,
            "difference_waiting": services.difference_waiting(brief) if answered else 0,
            "versions": version_history(brief),
        },
    )


@forum_ability_required("write_briefs")
def brief_edit(request: ForumRequest, pk: int) -> HttpResponse:
    brief = get_brief_in_forum(request.forum, pk, drafts=True)
    initial = {
        "title": brief.title,
        "problem": brief.problem,
        "impact": brief.impact,
        "proposed_solutions": brief.proposed_solutions,
        "ask": brief.ask,
        "response_by": brief.response_by,
        "recipients": list(brief.recipients.all()),
        "quoted": [q.issue_id for q in brief.quotes.all() if q.issue_id],
    }
    form = BriefForm(request.POST or None, initial=initial, forum=request.forum, theme=brief.theme)
    if request.method == "POST" and form.is_valid():
        try:
            services.brief_update(brief=brief, actor=request.user, data=form.data_for_service())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Brief saved. Preview it before sending."))
            return redirect(brief.get_absolute_url())
    return render(
        request,
        "escalations/brief_edit.html",
        {"forum": request.forum, "brief": brief, "form": form, "figures": brief.figures.all()},
    )


@post_only("forum_briefs:edit")
@forum_ability_required("write_briefs")
def brief_figure_remove(request: ForumRequest, pk: int, figure: int) -> HttpResponse:
    brief = get_brief_in_forum(request.forum, pk, drafts=True)
    found = get_object_or_404(BriefFigure, pk=figure, brief=brief)
    try:
        services.brief_figure_remove(figure=found, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Figure removed from the brief."))
    return redirect("forum_briefs:edit", request.forum.slug, brief.pk)


@forum_ability_required("write_briefs")
def brief_preview(request: ForumRequest, pk: int) -> HttpResponse:
    brief = get_brief_in_forum(request.forum, pk, drafts=True)
    snapshot = services.brief_snapshot(brief, version=None, sent_at=brief.updated_at)
    html = render_brief_html(
        snapshot, stylesheet_href=static("css/pdf/brief.css"), back_url=brief.get_absolute_url()
    )
    return HttpResponse(html)


@forum_ability_required("write_briefs")
def brief_draft_pdf(request: ForumRequest, pk: int) -> HttpResponse:
    brief = get_brief_in_forum(request.forum, pk, drafts=True)
    snapshot = services.brief_snapshot(brief, version=None, sent_at=brief.updated_at)
    pdf = render_brief_pdf(render_brief_html(snapshot))
    return pdf_response(pdf, f"{brief.reference}-draft.pdf")


def _check_page(request: ForumRequest, brief: Brief, form: SendForm, status: int = 200):
    """Check your answers: who it goes to, the ask, the date, the PDF, and what changed."""
    brief = brief_detail_queryset().get(pk=brief.pk)
    changes = services.brief_pending_changes(brief)
    context = {
        "forum": request.forum,
        "brief": brief,
        "form": form,
        "changes": changes,
        "sent_before": changes is not None,
        "next_version": brief.versions.count() + 1,
    }
    return render(request, "escalations/brief_check.html", context, status=status)


@forum_ability_required("write_briefs")
def brief_check(request: ForumRequest, pk: int) -> HttpResponse:
    brief = get_brief_in_forum(request.forum, pk, drafts=True)
    return _check_page(request, brief, SendForm())


@post_only("forum_briefs:check")
@forum_ability_required("write_briefs")
@sent_once
def brief_send(request: ForumRequest, pk: int) -> HttpResponse:
    brief = get_brief_in_forum(request.forum, pk, drafts=True)
    form = SendForm(request.POST)
    if form.is_valid():
        try:
            version = services.brief_send(
                brief=brief, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Version %(n)s of %(ref)s sent.") % {"n": version.number, "ref": brief.reference},
            )
            return redirect(brief.get_absolute_url())
    return _check_page(request, brief, form, status=400)


@forum_ability_required("take_part")
def version_pdf(request: ForumRequest, pk: int, number: int) -> HttpResponse:
    brief = get_brief_in_forum(request.forum, pk, drafts=False)
    version = get_object_or_404(BriefVersion, brief=brief, number=number)
    return pdf_response(bytes(version.pdf), f"{brief.reference}-v{number}.pdf")


@post_only("forum_briefs:detail")
@forum_ability_required("write_briefs")
def brief_status(request: ForumRequest, pk: int) -> HttpResponse:
    brief = get_brief_in_forum(request.forum, pk, drafts=False)
    form = StatusForm(request.POST)
    if form.is_valid():
        services.brief_set_status(
            brief=brief, actor=request.user, status=form.cleaned_data["status"]
        )
        messages.success(request, _("Status updated."))
    else:
        messages.error(request, _("Choose a status from the list."))
    return redirect(brief.get_absolute_url())


@post_only("forum_briefs:detail")
@forum_ability_required("take_part")
def brief_difference(request: ForumRequest, pk: int) -> HttpResponse:
    brief = get_brief_in_forum(request.forum, pk, drafts=False)
    form = DifferenceForm(request.POST)
    if not form.is_valid() or brief.status != BriefStatus.RESOLVED:
        messages.error(request, _("Choose one of the answers once the brief is resolved."))
        return redirect(brief.get_absolute_url())
    counted = services.difference_answer(
        brief=brief, actor=request.user, answer=form.cleaned_data["answer"]
    )
    messages.success(
        request,
        _("Thank you. Your answer is counted without your name.")
        if counted
        else _("You have already answered for this brief."),
    )
    return redirect(brief.get_absolute_url())


@csrf_exempt
@forum_ability_required("take_part")
def brief_verify(request: ForumRequest) -> HttpResponse:
    """Check a PDF or a fingerprint against what the forum signed.

    The upload cap must be in place before anything reads the body, and the CSRF check reads
    it, so CSRF is checked inside (``_brief_verify``) rather than by the middleware.
    """
    capped = cap_uploads(request, VERIFY_UPLOAD_LIMIT)
    return _brief_verify(request, capped)


@csrf_protect
def _brief_verify(request: ForumRequest, capped) -> HttpResponse:
    finding = None
    form = VerifyForm()
    status = 200
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES, too_large=bool(capped.too_large))
        if form.is_valid():
            upload = form.cleaned_data.get("pdf")
            if upload:
                finding = verification.check_file(request.forum, upload.read())
            else:
                finding = verification.check_fingerprint(request.forum, form.cleaned_data["sha256"])
        else:
            status = 413 if capped.too_large else 400
    return render(
        request,
        "escalations/verify.html",
        {
            "forum": request.forum,
            "form": form,
            "finding": finding,
            "keys": signing.published_keys(),
            "development_key": settings.BRIEF_SIGNING_KEY_IS_DEVELOPMENT,
        },
        status=status,
    )
