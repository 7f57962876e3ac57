"""Raising an issue: the form, issues like the one being typed, the anonymous receipt."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from forum_app.forms import add_service_errors
from forum_app.http import ForumRequest, post_only
from forum_app.permissions import forum_ability_required
from issues import receipts, services, similar
from issues.forms import RaiseForm
from issues.models import TEXT_LIMIT, TITLE_LIMIT
from issues.waiting_room import WaitingRoomUnavailable


def attempt_number(data: QueryDict) -> int:
    """How many times the page has already asked for similar issues while they were fitted."""
    attempt = data.get("attempt", "")
    return min(int(attempt), similar.MAX_ATTEMPTS) if attempt.isdigit() else 0


def similar_context(
    found: list[similar.SimilarIssue] | None, attempt: int, retry: QueryDict
) -> dict:
    """``similar`` to show, or ``looking`` with what asks again a moment later: ``retry``
    (a query string, for pages that ask by GET) and ``next_attempt``."""
    if found is not None:
        return {"similar": found, "looking": False}
    retry["attempt"] = str(attempt + 1)
    again = attempt < similar.MAX_ATTEMPTS
    return {
        "similar": None,
        "looking": True,
        "retry": retry.urlencode() if again else "",
        "next_attempt": attempt + 1 if again else None,
    }


def _similar_to_typed(request: ForumRequest, data) -> dict:
    """Template context for open issues like the title and "what happens" in ``data``.

    ``similar`` is None when the text is too short to try; ``looking`` is true while the
    forum's vectors are being fitted.
    """
    title, body = data.get("title", "")[:TITLE_LIMIT], data.get("body", "")[:TEXT_LIMIT]
    if not similar.has_enough_words(f"{title}\n{body}"):
        return {"similar": None, "looking": False}
    category = data.get("category", "")
    category = category if category.isdigit() else ""
    found = similar.similar_issues(forum=request.forum, text=f"{title}\n{body}", category=category)
    return similar_context(found, attempt_number(data), QueryDict(mutable=True))


@never_cache
@post_only("issues:raise", keep=("slug",))
@forum_ability_required("take_part")
def issue_similar(request: ForumRequest) -> HttpResponse:
    """Answer “Is this already raised?” while a person types on the raise page.

    A POST: what is typed never travels in an address, which proxies write to their logs.
    """
    context = {"forum": request.forum, **_similar_to_typed(request, request.POST)}
    return render(request, "issues/raise.html#similar", context)


@never_cache
@forum_ability_required("take_part")
def issue_raise(request: ForumRequest) -> HttpResponse:
    if request.method == "POST" and "check_similar" in request.POST:
        # Without JavaScript: show the page again, everything typed kept, with the matches.
        form = RaiseForm(initial=request.POST.dict(), forum=request.forum)
        context = {"forum": request.forum, "form": form}
        context |= _similar_to_typed(request, request.POST)
        return render(request, "issues/raise.html", context)
    form = RaiseForm(request.POST if request.method == "POST" else None, forum=request.forum)
    if request.method == "POST" and form.is_valid():
        submission = form.cleaned_data["submission"]
        try:
            if form.anonymous:
                receipt = services.issue_raise_anonymous(
                    forum=request.forum, data=form.data_for_service(), submission=submission
                )
            else:
                issue = services.issue_raise(
                    forum=request.forum,
                    actor=request.user,
                    data=form.data_for_service(),
                    submission=submission,
                )
        except ValidationError as error:
            add_service_errors(form, error)
        except WaitingRoomUnavailable:
            form.add_error(None, NOT_TAKEN)
        except services.AlreadySent:
            messages.info(request, ALREADY_SENT)
            return redirect("issues:list", request.forum.slug)
        else:
            if form.anonymous:
                return _show_receipt(request, receipt)
            messages.success(request, _("Your issue has been raised."))
            return redirect(issue.get_absolute_url())
    return render(request, "issues/raise.html", {"forum": request.forum, "form": form})


ALREADY_SENT = _(
    "You sent this issue already, so it was not sent again. It appears within the forum's "
    "window; follow it with the receipt code you were shown the first time."
)


NOT_TAKEN = _(
    "We could not take your anonymous post just now, so nothing was sent. "
    "What you wrote is still here: try again in a minute."
)


RECEIPT_COOKIE = "swf_receipt"


RECEIPT_SALT = "issues.receipt"


RECEIPT_SECONDS = 60 * 60


def _show_receipt(request: ForumRequest, receipt: str) -> HttpResponse:
    """Redirect to the receipt page, carrying the code in a cookie only that page receives.

    Nothing is stored on the server: the code lives in the raiser's browser for an hour, so
    refreshing the receipt page still shows it, and sending the form again (Back, then
    Raise) shows the same code without raising a second issue.
    """
    url = reverse("issues:receipt", args=[request.forum.slug])
    response = redirect(url)
    response.set_signed_cookie(
        RECEIPT_COOKIE,
        receipt,
        salt=RECEIPT_SALT,
        max_age=RECEIPT_SECONDS,
        path=url,
        secure=request.is_secure(),
        httponly=True,
        samesite="Strict",
    )
    return response


@never_cache
@require_GET
@forum_ability_required("take_part")
def issue_receipt(request: ForumRequest) -> HttpResponse:
    """The receipt code of the anonymous issue this browser has just raised."""
    receipt = request.get_signed_cookie(
        RECEIPT_COOKIE, default=None, salt=RECEIPT_SALT, max_age=RECEIPT_SECONDS
    )
    context = {
        "forum": request.forum,
        "receipt": receipt,
        "groups": receipt.split("-") if receipt else [],
    }
    if receipt:
        token = receipts.feed_token(receipt)
        issue = services.issue_for_receipt(forum=request.forum, receipt=receipt)
        context |= {
            "feed_url": request.build_absolute_uri(
                reverse("issues:feed", args=[request.forum.slug, token])
            ),
            "issue": issue,
            "events": issue.events.all() if issue else [],
        }
    return render(request, "issues/receipt.html", context)
