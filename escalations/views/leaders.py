"""The leaders' side: the briefs addressed to them, and nothing else of the forum."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from escalations.forms import CommitmentForm, CommitmentUpdateForm, ResponseForm
from escalations.models import Brief, BriefEvent, BriefVersion
from escalations.pdf import document_context
from escalations.permissions import get_brief_for_leader, get_commitment_for_leader
from escalations.services import briefs as services
from escalations.services.versions import version_history
from escalations.views.briefs import brief_detail_queryset, pdf_response
from forum_app.forms import add_service_errors
from forum_app.http import MembershipsRequest, post_only
from forum_app.once import sent_once
from forum_app.permissions import ability_anywhere_required

PAGE_SIZE = 20


@ability_anywhere_required("answer_briefs")
def briefs_for_me(request: MembershipsRequest) -> HttpResponse:
    forums = [membership.forum for membership in request.memberships]
    briefs = (
        Brief.objects.addressed_to(request.user)
        .filter(forum__in=forums)
        .select_related("forum")
        .order_by("response_by", "pk")
    )
    page = Paginator(briefs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "escalations/briefs_for_me.html", {"forums": forums, "page": page})


def _leader_page(request, brief, *, response_form=None, commitment_form=None, status=200):
    """The brief as the leader reads it: the document itself, what they have done, what next."""
    brief = brief_detail_queryset().get(pk=brief.pk)
    versions = version_history(brief)
    current = brief.versions.order_by("-number").only("snapshot").first()
    mine = [r for r in brief.responses.all() if r.leader_id == request.user.pk]
    acknowledged = next(
        (
            event
            for event in brief.events.all()
            if event.kind == BriefEvent.Kind.ACKNOWLEDGED and event.actor_id == request.user.pk
        ),
        None,
    )
    return render(
        request,
        "escalations/leader_brief.html",
        {
            "brief": brief,
            "versions": versions,
            "document": document_context(current.snapshot) if current else None,
            "my_response": mine[-1] if mine else None,
            "acknowledged": acknowledged,
            "response_form": response_form or ResponseForm(),
            "commitment_form": commitment_form or CommitmentForm(),
            "update_form": CommitmentUpdateForm,
            "leader_view": True,
        },
        status=status,
    )


@ability_anywhere_required("answer_briefs")
def brief(request: MembershipsRequest, pk: int) -> HttpResponse:
    return _leader_page(request, get_brief_for_leader(request.user, pk))


@ability_anywhere_required("answer_briefs")
def version_pdf(request: MembershipsRequest, pk: int, number: int) -> HttpResponse:
    found = get_brief_for_leader(request.user, pk)
    version = get_object_or_404(BriefVersion, brief=found, number=number)
    return pdf_response(bytes(version.pdf), f"{found.reference}-v{number}.pdf")


@post_only("escalations:brief", keep=("pk",))
@ability_anywhere_required("answer_briefs")
def acknowledge(request: MembershipsRequest, pk: int) -> HttpResponse:
    found = get_brief_for_leader(request.user, pk)
    services.brief_acknowledge(brief=found, actor=request.user)
    messages.success(request, _("Thank you. The forum can see you have the brief."))
    return redirect(found.get_leader_url())


@post_only("escalations:brief", keep=("pk",))
@ability_anywhere_required("answer_briefs")
@sent_once
def respond(request: MembershipsRequest, pk: int) -> HttpResponse:
    found = get_brief_for_leader(request.user, pk)
    form = ResponseForm(request.POST)
    if form.is_valid():
        try:
            services.brief_respond(brief=found, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your response is recorded and the forum is told."))
            return redirect(found.get_leader_url())
    return _leader_page(request, found, response_form=form, status=400)


@post_only("escalations:brief", keep=("pk",))
@ability_anywhere_required("answer_briefs")
@sent_once
def commitment_add(request: MembershipsRequest, pk: int) -> HttpResponse:
    found = get_brief_for_leader(request.user, pk)
    form = CommitmentForm(request.POST)
    if form.is_valid():
        try:
            services.commitment_add(brief=found, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Commitment added."))
            return redirect(found.get_leader_url() + "#commitments")
    return _leader_page(request, found, commitment_form=form, status=400)


@post_only("escalations:briefs_for_me", keep=())
@ability_anywhere_required("answer_briefs")
@sent_once
def commitment_update(request: MembershipsRequest, pk: int) -> HttpResponse:
    commitment = get_commitment_for_leader(request.user, pk)
    form = CommitmentUpdateForm(request.POST)
    if form.is_valid():
        services.commitment_update(commitment=commitment, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Commitment updated."))
    else:
        messages.error(request, _("Choose a status from the list."))
    return redirect(commitment.brief.get_leader_url() + f"#commitment-{commitment.pk}")
