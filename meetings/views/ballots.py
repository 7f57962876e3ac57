"""The secret ballot page: place dots, cast or change a vote."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from forum_app.forms import add_service_errors
from forum_app.http import ForumRequest
from forum_app.permissions import forum_ability_required
from meetings import services
from meetings.forms import VoteForm
from meetings.models import Meeting
from meetings.permissions import get_meeting_for
from meetings.services import voting
from meetings.views.shared import done

# The ballot code goes to the voter in a short-lived signed cookie: never in a URL (access
# logs) and never in the session or the database, where it could be tied to them.
CODE_COOKIE = "ballot_code"


CODE_SHOWN_FOR = 15 * 60


def _code_salt(meeting: Meeting) -> str:
    return f"ballot-code:{meeting.pk}"


def _adjusted(form: VoteForm, data, move: str, budget: int, cap: int) -> dict[str, object]:
    """The ballot as typed, with one dot added or taken off (the + and − buttons without JS)."""
    values: dict[str, object] = {}
    for name in form.fields:
        values[name] = data.get(name, "")
    counts = {bf.name: _dots(values.get(bf.name)) for bf in form.theme_fields()}
    name, _sep, step = move.partition(":")
    if name in counts:
        left = budget - sum(counts.values())
        if step == "+1" and counts[name] < cap and left > 0:
            counts[name] += 1
        elif step == "-1" and counts[name] > 0:
            counts[name] -= 1
    return values | counts


def _dots(value) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


@forum_ability_required("take_part")
def vote(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    is_open = meeting.voting_open()
    themes = services.ballot_themes(meeting) if is_open else []
    already = services.voted(meeting, request.user)
    budget, cap = meeting.dots_per_person, meeting.max_dots_per_theme
    kwargs = {"themes": themes, "cap": cap, "changing": already}
    move = request.POST.get("adjust", "")
    if move:
        blank = VoteForm(**kwargs)
        form = VoteForm(initial=_adjusted(blank, request.POST, move, budget, cap), **kwargs)
    else:
        form = VoteForm(request.POST or None, **kwargs)
    if request.method == "POST" and not move and form.is_valid():
        allocations = form.allocations()
        url = reverse("meetings:vote", args=[request.forum.slug, meeting.pk])
        try:
            if already:
                services.ballot_change(
                    meeting=meeting,
                    voter=request.user,
                    code=form.cleaned_data["code"],
                    allocations=allocations,
                )
            else:
                code = services.ballot_cast(
                    meeting=meeting, voter=request.user, allocations=allocations
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if already:
                return done(request, url, _("Your vote is changed. Nobody can see how you voted."))
            response = done(
                request, url, _("Thank you: your vote is counted. Nobody can see how you voted.")
            )
            response.set_signed_cookie(
                CODE_COOKIE,
                code,
                salt=_code_salt(meeting),
                max_age=CODE_SHOWN_FOR,
                path=url,
                secure=request.is_secure(),
                httponly=True,
                samesite="Strict",
            )
            return response
    used = sum(_dots(bf.value()) for bf in form.theme_fields())
    context = {
        "forum": request.forum,
        "meeting": meeting,
        "form": form,
        "rows": list(zip(themes, form.theme_fields(), strict=True)),
        "already": already,
        "open": is_open,
        "closes": voting.closes_text(meeting) if meeting.voting_closes_at else "",
        "left": budget - used,
        "over": used - budget,
        "code": request.get_signed_cookie(
            CODE_COOKIE, default=None, salt=_code_salt(meeting), max_age=CODE_SHOWN_FOR
        ),
    }
    return render(request, "meetings/vote.html", context)
