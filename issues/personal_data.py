"""What issues holds about a person: issues raised and comments under their name, supports
and follows. Registered with ``forum_app.personal_data`` in ``IssuesConfig.ready``.

Anonymous issues carry no link to anyone, so they are neither found nor touched here.
"""

from typing import Any

from forum_app.models import User
from forum_app.personal_data import when
from issues.models import Comment, Follow, Issue, IssueRedaction, IssueRevision, Support


def issues_export(user: User) -> dict[str, Any]:
    return {
        "issues_raised_under_your_name": [
            {
                "id": i.pk,
                "forum": i.forum.slug,
                "title": i.title,
                "what_happens": i.body,
                "impact": i.impact,
                "proposed_solution": i.proposed_solution,
                "team": i.team,
                "evidence": i.evidence,
                "figures": i.figures,
                "raised_on": when(i.raised_on),
                "status": i.status,
            }
            for i in Issue.objects.filter(author=user, is_anonymous=False)
            .select_related("forum")
            .order_by("pk")
        ],
        "comments": [
            {
                "id": c.pk,
                "issue_id": c.issue_id,
                "issue_title": c.issue.title,
                "comment": c.body,
                "further_solution": c.is_solution,
                "posted_on": when(c.posted_on),
            }
            for c in Comment.objects.filter(author=user).select_related("issue").order_by("pk")
        ],
        "issues_supported": [
            {"issue_id": s.issue_id, "issue_title": s.issue.title, "forum": s.issue.forum.slug}
            for s in Support.objects.filter(user=user).select_related("issue__forum").order_by("pk")
        ],
        "issues_followed": [
            {"issue_id": f.issue_id, "issue_title": f.issue.title, "forum": f.issue.forum.slug}
            for f in Follow.objects.filter(user=user).select_related("issue__forum").order_by("pk")
        ],
    }


def issues_erase(user: User) -> None:
    """Their named issues and comments stay, by "A former member"; supports and follows go.

    Issues are saved one by one, so whatever counts them (the dashboard's figures) hears of
    the change as it does of any other save.
    """
    for issue in Issue.objects.filter(author=user).only("pk", "forum_id", "author"):
        issue.author = None
        issue.save(update_fields=["author"])
    Comment.objects.filter(author=user).update(author=None)
    IssueRevision.objects.filter(edited_by=user).update(edited_by=None)
    IssueRedaction.objects.filter(redacted_by=user).update(redacted_by=None)
    Support.objects.filter(user=user).delete()
    Follow.objects.filter(user=user).delete()


REPORTED = [(Issue, "author"), (Comment, "author"), (Support, "user")]
