"""Monthly meetings, themes, ballots and decisions."""

from django.urls import path

from meetings import proposal_views, views, window_views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_schedule, name="schedule"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/live/", views.meeting_live, name="live"),
    path("<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("<int:pk>/calendar.ics", views.meeting_calendar, name="calendar"),
    path("<int:pk>/attend/", views.meeting_attend, name="attend"),
    path("<int:pk>/rsvp/", views.meeting_rsvp, name="rsvp"),
    path("<int:pk>/phase/", views.meeting_phase, name="phase"),
    path("<int:pk>/confirm/", views.meeting_confirm, name="confirm"),
    path("<int:pk>/close/", views.meeting_close, name="close"),
    path("<int:pk>/agenda/", views.agenda_add, name="agenda_add"),
    path("<int:pk>/agenda/order/", views.agenda_order, name="agenda_order"),
    path("<int:pk>/agenda/<int:item_pk>/move/", views.agenda_move, name="agenda_move"),
    path("<int:pk>/agenda/<int:item_pk>/remove/", views.agenda_remove, name="agenda_remove"),
    path("<int:pk>/group/", views.group_board, name="group"),
    path("<int:pk>/themes/", views.theme_create, name="theme_create"),
    path("<int:pk>/themes/<int:theme_pk>/", views.theme_change, name="theme_change"),
    path("<int:pk>/move/", views.issue_move, name="issue_move"),
    path("<int:pk>/suggest/", views.suggest, name="suggest"),
    path(
        "<int:pk>/suggestions/<int:item_pk>/",
        views.suggestion_answer,
        name="suggestion_answer",
    ),
    path(
        "<int:pk>/suggestions/batch/<int:batch_pk>/",
        views.suggestion_batch,
        name="suggestion_batch",
    ),
    path("<int:pk>/vote/", views.vote, name="vote"),
    path("<int:pk>/voting/window/", views.voting_window, name="voting_window"),
    path("<int:pk>/voting/close/", views.voting_close, name="voting_close"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/decide/<int:theme_pk>/", views.decision_record, name="decision_record"),
    path("<int:pk>/minutes/", views.minutes, name="minutes"),
    path("<int:pk>/minutes/publish/", views.minutes_publish, name="minutes_publish"),
    path("<int:pk>/minutes/correct/", views.minutes_correct, name="minutes_correct"),
    path("<int:pk>/minutes.pdf", views.minutes_download, name="minutes_pdf"),
    # Members' agenda proposals; the convenor's voting window (proposal_views, window_views)
    path("<int:pk>/proposals/", proposal_views.agenda_proposals, name="proposals"),
    path(
        "<int:pk>/proposals/<int:proposal_pk>/accept/",
        proposal_views.proposal_accept,
        name="proposal_accept",
    ),
    path(
        "<int:pk>/proposals/<int:proposal_pk>/decline/",
        proposal_views.proposal_decline,
        name="proposal_decline",
    ),
    path("<int:pk>/voting/times/", window_views.voting_times, name="voting_times"),
    path("<int:pk>/voting/open/", window_views.voting_open_early, name="voting_open_early"),
]
