"""Sample meetings for the role matrix: one running a vote, one scheduled, one closed."""

from meetings import services
from meetings.models import AgendaItem, AgendaProposal, Phase, SuggestionBatch, SuggestionItem
from tests.factories import IssueFactory, MeetingFactory


def meeting_world(forum, convenor, member) -> dict[str, list]:
    """URL arguments for every meetings URL, keyed as the policy table names them."""
    scheduled = MeetingFactory(forum=forum)
    closed = MeetingFactory(forum=forum)
    for phase in (Phase.SCHEDULED, Phase.REVIEW):
        closed = services.meeting_advance(meeting=closed, actor=convenor, expected=phase)
    services.theme_create(meeting=closed, actor=convenor, name="Caseloads")
    for phase in (Phase.GROUP, Phase.VOTE):
        closed = services.meeting_advance(meeting=closed, actor=convenor, expected=phase)
    minutes = services.meeting_close(meeting=closed, actor=convenor)
    services.minutes_publish(minutes=minutes, actor=convenor)

    running = MeetingFactory(forum=forum)
    for phase in (Phase.SCHEDULED, Phase.REVIEW):
        running = services.meeting_advance(meeting=running, actor=convenor, expected=phase)
    item = AgendaItem.objects.create(meeting=running, title="Lone working policy", position=1)
    ballot_theme = services.theme_create(meeting=running, actor=convenor, name="IT systems")
    batch = SuggestionBatch.objects.create(meeting=running)
    suggestion = SuggestionItem.objects.create(
        batch=batch, issue=IssueFactory(forum=forum), theme=ballot_theme
    )
    for phase in (Phase.GROUP, Phase.VOTE):
        running = services.meeting_advance(meeting=running, actor=convenor, expected=phase)
    proposal = AgendaProposal.objects.create(
        meeting=scheduled, proposed_by=member, title="Pool cars for home visits"
    )
    slug = forum.slug
    return {
        "agenda_proposal": [slug, scheduled.pk, proposal.pk],
        "meeting": [slug, running.pk],
        "scheduled_meeting": [slug, scheduled.pk],
        "closed_meeting": [slug, closed.pk],
        "agenda_item": [slug, running.pk, item.pk],
        "meeting_theme": [slug, running.pk, ballot_theme.pk],
        "suggestion": [slug, running.pk, suggestion.pk],
        "suggestion_batch": [slug, running.pk, batch.pk],
    }
