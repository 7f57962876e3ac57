"""Monthly meetings, themes, ballots and decisions."""

from django.urls import path

from meetings.views import (
    ballots,
    decisions,
    minutes,
    proposals,
    running,
    schedule,
    suggestions,
    themes,
    voting,
)

app_name = "meetings"

urlpatterns = [
    path("", schedule.meeting_list, name="list"),
    path("new/", schedule.meeting_schedule, name="schedule"),
    path("<int:pk>/", running.meeting_detail, name="detail"),
    path("<int:pk>/live/", running.meeting_live, name="live"),
    path("<int:pk>/edit/", schedule.meeting_edit, name="edit"),
    path("<int:pk>/cancel/", schedule.meeting_cancel, name="cancel"),
    path("<int:pk>/calendar.ics", schedule.meeting_calendar, name="calendar"),
    path("<int:pk>/attend/", running.meeting_attend, name="attend"),
    path("<int:pk>/rsvp/", voting.meeting_rsvp, name="rsvp"),
    path("<int:pk>/phase/", running.meeting_phase, name="phase"),
    path("<int:pk>/confirm/", running.meeting_confirm, name="confirm"),
    path("<int:pk>/close/", running.meeting_close, name="close"),
    path("<int:pk>/agenda/", running.agenda_add, name="agenda_add"),
    path("<int:pk>/agenda/order/", running.agenda_order, name="agenda_order"),
    path("<int:pk>/agenda/<int:item_pk>/move/", running.agenda_move, name="agenda_move"),
    path("<int:pk>/agenda/<int:item_pk>/remove/", running.agenda_remove, name="agenda_remove"),
    path("<int:pk>/group/", themes.group_board, name="group"),
    path("<int:pk>/themes/", themes.theme_create, name="theme_create"),
    path("<int:pk>/themes/<int:theme_pk>/", themes.theme_change, name="theme_change"),
    path("<int:pk>/move/", themes.issue_move, name="issue_move"),
    path("<int:pk>/suggest/", suggestions.suggest, name="suggest"),
    path(
        "<int:pk>/suggestions/<int:item_pk>/",
        suggestions.suggestion_answer,
        name="suggestion_answer",
    ),
    path(
        "<int:pk>/suggestions/batch/<int:batch_pk>/",
        suggestions.suggestion_batch,
        name="suggestion_batch",
    ),
    path("<int:pk>/vote/", ballots.vote, name="vote"),
    path("<int:pk>/voting/window/", voting.voting_window, name="voting_window"),
    path("<int:pk>/voting/close/", voting.voting_close, name="voting_close"),
    path("<int:pk>/decide/", decisions.decide, name="decide"),
    path("<int:pk>/decide/<int:theme_pk>/", decisions.decision_record, name="decision_record"),
    path("<int:pk>/minutes/", minutes.minutes, name="minutes"),
    path("<int:pk>/minutes/publish/", minutes.minutes_publish, name="minutes_publish"),
    path("<int:pk>/minutes/correct/", minutes.minutes_correct, name="minutes_correct"),
    path("<int:pk>/minutes.pdf", minutes.minutes_download, name="minutes_pdf"),
    # Members' agenda proposals and the convenor's voting times (meetings/views/proposals.py)
    path("<int:pk>/proposals/", proposals.agenda_proposals, name="proposals"),
    path(
        "<int:pk>/proposals/<int:proposal_pk>/accept/",
        proposals.proposal_accept,
        name="proposal_accept",
    ),
    path(
        "<int:pk>/proposals/<int:proposal_pk>/decline/",
        proposals.proposal_decline,
        name="proposal_decline",
    ),
    path("<int:pk>/voting/times/", voting.voting_times, name="voting_times"),
    path("<int:pk>/voting/open/", voting.voting_open_early, name="voting_open_early"),
]
