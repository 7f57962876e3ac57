"""The leaders' side: the briefs addressed to them, and nothing else of the forum."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from forum_app.permissions import LEADERS, role_anywhere_required


@role_anywhere_required(LEADERS)
def briefs_for_me(request: HttpRequest) -> HttpResponse:
    forums = [membership.forum for membership in request.memberships]
    return render(request, "escalations/briefs_for_me.html", {"forums": forums, "briefs": []})
