"""Writes for meetings. Each is keyword-only, atomic and takes the acting person."""

from meetings.services.ballots import ballot_cast, ballot_themes, results, voted
from meetings.services.decisions import (
    DecisionData,
    decision_record,
    leaders_of,
    meeting_close,
    minutes_publish,
    minutes_update,
)
from meetings.services.running import (
    agenda_item_add,
    agenda_item_move,
    agenda_item_remove,
    agenda_reorder,
    meeting_advance,
    meeting_attend,
    meeting_step_back,
    new_issues_for,
)
from meetings.services.schedule import (
    MeetingData,
    meeting_cancel,
    meeting_reschedule,
    meeting_schedule,
    next_meeting_times,
    same_day_next_month,
)
from meetings.services.suggestions import (
    propose_groups,
    suggestion_create,
    suggestion_decide,
    suggestion_decide_all,
    suggestion_undo,
)
from meetings.services.themes import (
    issue_move,
    theme_add_to_meeting,
    theme_create,
    theme_merge,
    theme_remove_from_meeting,
    theme_rename,
    theme_split,
)

__all__ = [
    "DecisionData",
    "MeetingData",
    "agenda_item_add",
    "agenda_item_move",
    "agenda_item_remove",
    "agenda_reorder",
    "ballot_cast",
    "ballot_themes",
    "decision_record",
    "issue_move",
    "leaders_of",
    "meeting_advance",
    "meeting_attend",
    "meeting_cancel",
    "meeting_close",
    "meeting_reschedule",
    "meeting_schedule",
    "meeting_step_back",
    "minutes_publish",
    "minutes_update",
    "new_issues_for",
    "next_meeting_times",
    "propose_groups",
    "results",
    "same_day_next_month",
    "suggestion_create",
    "suggestion_decide",
    "suggestion_decide_all",
    "suggestion_undo",
    "theme_add_to_meeting",
    "theme_create",
    "theme_merge",
    "theme_remove_from_meeting",
    "theme_rename",
    "theme_split",
    "voted",
]
