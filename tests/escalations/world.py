"""A forum with an escalated theme and briefs in each state, for the escalations tests."""

from unittest import mock

from escalations.services import briefs as services
from meetings.models import MeetingTheme, ThemeIssue
from tests.factories import DecisionFactory, IssueFactory, MeetingFactory, ThemeFactory


def escalated_theme(forum, *, issues: int = 3, meetings: int = 2):
    """A theme with ``issues`` issues that came up in ``meetings`` meetings."""
    theme = ThemeFactory(forum=forum, name="Caseloads too high")
    for _ in range(issues):
        ThemeIssue.objects.create(theme=theme, issue=IssueFactory(forum=forum))
    for _ in range(meetings):
        MeetingTheme.objects.create(meeting=MeetingFactory(forum=forum), theme=theme)
    return theme


def draft_brief(forum, convenor, leader, **theme_options):
    theme = escalated_theme(forum, **theme_options)
    decision = DecisionFactory(meeting=MeetingFactory(forum=forum), theme=theme, leader=leader)
    return services.brief_create(forum=forum, actor=convenor, theme=theme, decision=decision)


def sent_brief(forum, convenor, leader, **theme_options):
    brief = draft_brief(forum, convenor, leader, **theme_options)
    services.brief_send(brief=brief, actor=convenor)
    brief.refresh_from_db()
    return brief


def escalation_world(forum, convenor, leader) -> dict[str, list]:
    """URL arguments for every escalations URL, keyed as the policy table names them.

    The role matrix checks who reaches what, so the sent brief gets a stand-in PDF instead of
    a real rendering (the PDF tests render real ones).
    """
    draft = draft_brief(forum, convenor, leader)
    with mock.patch(
        "escalations.services.briefs.render_brief_pdf", return_value=b"%PDF-1.7 stand-in"
    ):
        sent = sent_brief(forum, convenor, leader)
    commitment = services.commitment_add(
        brief=sent,
        actor=leader,
        what="Review caseloads",
        owner="Head of Service",
        due_on=sent.response_by,
    )
    waiting = DecisionFactory(
        meeting=MeetingFactory(forum=forum), theme=escalated_theme(forum), leader=leader
    )
    slug = forum.slug
    return {
        "escalate_decision": [slug, waiting.pk],
        "brief_theme": [slug, waiting.theme.pk],
        "draft_brief": [slug, draft.pk],
        "sent_brief": [slug, sent.pk],
        "sent_version": [slug, sent.pk, 1],
        "leader_brief": [sent.pk],
        "leader_version": [sent.pk, 1],
        "commitment": [commitment.pk],
    }
