"""Pages for everyone: home, joining, invitations, a forum's home and its members."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from forum_app import accessibility as statement
from forum_app import services
from forum_app.forms import InvitationForm, JoinForm, add_service_errors
from forum_app.http import ForumRequest, post_only
from forum_app.middleware import session_seconds_left, touch_session
from forum_app.models import Invitation, Membership
from forum_app.permissions import forum_ability_required, home_for


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "forum_app/welcome.html")
    destination = home_for(request.user)
    if destination:
        return redirect(destination)
    memberships = (
        Membership.objects.filter(user=request.user)
        .exclude(status=Membership.Status.LEFT)
        .select_related("forum")
        .order_by("forum__name")
    )
    return render(request, "forum_app/home.html", {"memberships": memberships})


@login_required
def join(request: HttpRequest) -> HttpResponse:
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_request(forum=form.cleaned_data["forum"], user=request.user)
        except ValidationError as error:
            form.add_error("forum", error)
        else:
            messages.success(request, _("Your request has been sent to the forum's convenors."))
            return redirect("home")
    return render(request, "forum_app/join.html", {"form": form})


@never_cache
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    found = services.invitation_lookup(token)
    problem = services.invitation_problem(found)
    if request.method == "POST" and request.user.is_authenticated and not problem:
        try:
            membership = services.invitation_accept(token=token, user=request.user)
        except ValidationError as error:
            problem = error.messages[0]
        else:
            messages.success(request, _("Welcome to %(forum)s.") % {"forum": membership.forum})
            return redirect("home")
    status = 410 if problem and found else (404 if problem else 200)
    return render(
        request,
        "forum_app/invitation.html",
        {"invitation": found, "problem": problem},
        status=status,
    )


@forum_ability_required("take_part")
def forum_home(request: ForumRequest) -> HttpResponse:
    return render(request, "forum_app/forum_home.html", {"forum": request.forum})


@forum_ability_required("manage_members")
def forum_members(request: ForumRequest) -> HttpResponse:
    forum = request.forum
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(forum=forum, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("forum_members", forum.slug)
    memberships = forum.memberships.select_related("user").order_by("status", "user__email")
    context = {
        "forum": forum,
        "pending": [m for m in memberships if m.status == Membership.Status.PENDING],
        "active": [m for m in memberships if m.status == Membership.Status.ACTIVE],
        "invitations": forum.invitations.usable(),
        "form": form,
    }
    return render(request, "forum_app/members.html", context)


def _pending_membership(request: ForumRequest, pk: int) -> Membership:
    return get_object_or_404(Membership, pk=pk, forum=request.forum)


@post_only("forum_members", keep=("slug",))
@forum_ability_required("manage_members")
def membership_approve(request: ForumRequest, pk: int) -> HttpResponse:
    membership = _pending_membership(request, pk)
    try:
        services.membership_approve(membership=membership, actor=request.user)
        messages.success(request, _("%(name)s is now a member.") % {"name": membership.user})
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect("forum_members", request.forum.slug)


@post_only("forum_members", keep=("slug",))
@forum_ability_required("manage_members")
def membership_decline(request: ForumRequest, pk: int) -> HttpResponse:
    membership = _pending_membership(request, pk)
    try:
        services.membership_decline(membership=membership, actor=request.user)
        messages.success(request, _("Request declined."))
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect("forum_members", request.forum.slug)


@post_only("forum_members", keep=("slug",))
@forum_ability_required("manage_members")
def invitation_revoke(request: ForumRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk, forum=request.forum)
    services.invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(request, _("Invitation withdrawn."))
    return redirect("forum_members", request.forum.slug)


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    context = {
        "organisation": settings.ACCESSIBILITY_ORGANISATION,
        "contact": settings.ACCESSIBILITY_CONTACT_EMAIL,
        "reply_days": statement.REPLY_WORKING_DAYS,
        "gaps": statement.KNOWN_GAPS,
        "checks": statement.CHECKS,
        "pdf_kinds": [kind.name for kind in statement.PDF_KINDS],
        "prepared_on": statement.PREPARED_ON,
        "reviewed_on": statement.REVIEWED_ON,
    }
    return render(request, "forum_app/accessibility.html", context)


@post_only("home", keep=())
@login_required
def session_extend(request: HttpRequest) -> HttpResponse:
    """Keep a quiet session signed in for another idle period ("Stay signed in")."""
    touch_session(request)
    if request.accepts("application/json") and not request.accepts("text/html"):
        return JsonResponse({"seconds_left": session_seconds_left(request)})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = home_for(request.user) or "home"
    return redirect(target)


def _broker_state() -> str:
    if not settings.REDIS_URL:
        return "not used"
    from redis import Redis

    timeout = settings.REDIS_TIMEOUT_SECONDS
    try:
        Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout
        ).ping()
    except Exception:
        return "unavailable"
    return "ok"


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: 200 while this server's pages can work.

    That needs the database, not the broker: without Redis, pages still answer (emails wait
    in the database, the cache falls back to it). So the broker's state is in the body, and
    ``/healthz/broker`` answers 503 for monitoring that should page someone.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:
        database = "unavailable"
    live = database == "ok"
    return JsonResponse(
        {"status": "ok" if live else "down", "database": database, "broker": _broker_state()},
        status=200 if live else 503,
    )


@require_GET
@never_cache
def healthz_broker(request: HttpRequest) -> JsonResponse:
    """The broker (Redis) on its own: 503 while it does not answer, for monitoring."""
    broker = _broker_state()
    return JsonResponse({"broker": broker}, status=503 if broker == "unavailable" else 200)
