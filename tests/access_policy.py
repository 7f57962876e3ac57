"""The one table of who may reach which URL. Every URL of the project's apps needs a row.

A row says which HTTP method to use, how to fill the URL's arguments from the sample
``world`` (see test_role_matrix.py), and the status each persona gets. Personas not named
get 404 (signed in, outside their reach) or a redirect to sign in (anonymous).
"""

from dataclasses import dataclass, field

PERSONAS = ["anonymous", "member", "convenor", "steward", "leader", "outsider"]
SIGNED_IN = ["member", "convenor", "steward", "leader", "outsider"]


@dataclass(frozen=True)
class Rule:
    allowed: dict[str, int]
    method: str = "get"
    args: str = ""  # a key of the sample world whose value fills the URL's arguments
    anonymous: int = 302  # login_required redirects to sign-in
    others: int = 404
    data: dict = field(default_factory=dict)

    def expected(self, persona: str) -> int:
        if persona in self.allowed:
            return self.allowed[persona]
        return self.anonymous if persona == "anonymous" else self.others


def everyone(status: int = 200, **overrides: int) -> dict[str, int]:
    return {persona: overrides.get(persona, status) for persona in PERSONAS}


FORUM_MEMBERS = {"member": 200, "convenor": 200}
CONVENOR_ONLY = {"convenor": 200}
CONVENOR_POST = {"convenor": 302}

POLICY: dict[str, Rule] = {
    # Public and account-level pages.
    "home": Rule(everyone(200, leader=302)),
    "healthz": Rule(everyone(200)),
    "healthz_broker": Rule(everyone(200)),
    "accessibility": Rule(everyone(200)),
    "join": Rule({p: 200 for p in SIGNED_IN}),
    "session_extend": Rule({p: 302 for p in SIGNED_IN}, method="post"),
    "invitation": Rule(everyone(200), args="invitation_token"),
    # A forum's own pages: the manager-free boundary.
    "forum_home": Rule(FORUM_MEMBERS, args="forum"),
    "forum_members": Rule(CONVENOR_ONLY, args="forum"),
    "membership_approve": Rule(CONVENOR_POST, method="post", args="pending_membership"),
    "membership_decline": Rule(CONVENOR_POST, method="post", args="pending_membership"),
    "invitation_revoke": Rule(CONVENOR_POST, method="post", args="open_invitation"),
    # Issues: members and convenors of the forum only; convenors moderate.
    "issues:list": Rule(FORUM_MEMBERS, args="forum"),
    "issues:raise": Rule(FORUM_MEMBERS, args="forum"),
    "issues:receipt": Rule(FORUM_MEMBERS, args="forum"),
    "issues:similar": Rule(
        FORUM_MEMBERS, method="post", args="forum", data={"title": "Caseloads too high"}
    ),
    "issues:follow": Rule(FORUM_MEMBERS, args="forum"),
    "issues:follow_update": Rule(FORUM_MEMBERS, method="post", args="forum", data={"body": "x"}),
    "issues:detail": Rule(FORUM_MEMBERS, args="issue"),
    "issues:similar_to": Rule(FORUM_MEMBERS, args="issue"),
    "issues:edit": Rule(FORUM_MEMBERS, args="issue"),
    "issues:support": Rule({"member": 302, "convenor": 302}, method="post", args="issue"),
    "issues:follow_issue": Rule({"member": 302, "convenor": 302}, method="post", args="issue"),
    # The anonymous raiser's feed: whoever holds its secret address, signed in or not.
    "issues:feed": Rule(everyone(200), args="issue_feed"),
    "issues:comment": Rule(
        {"member": 302, "convenor": 302}, method="post", args="issue", data={"body": "Me too."}
    ),
    "issues:manage": Rule(CONVENOR_ONLY, args="issue"),
    "issues:set_status": Rule(
        CONVENOR_POST, method="post", args="issue", data={"status": "on_agenda"}
    ),
    "issues:merge": Rule(CONVENOR_ONLY, method="post", args="issue"),
    "issues:hide": Rule(CONVENOR_POST, method="post", args="issue", data={"reason": "Off topic"}),
    "issues:comment_hide": Rule(CONVENOR_ONLY, args="comment"),
    # Meetings: members follow, attend and vote; convenors run them. Leaders and stewards
    # reach none of it.
    "meetings:list": Rule(FORUM_MEMBERS, args="forum"),
    "meetings:schedule": Rule(CONVENOR_ONLY, args="forum"),
    "meetings:detail": Rule(FORUM_MEMBERS, args="meeting"),
    "meetings:live": Rule(FORUM_MEMBERS, args="meeting"),
    "meetings:calendar": Rule(FORUM_MEMBERS, args="scheduled_meeting"),
    "meetings:edit": Rule(CONVENOR_ONLY, args="scheduled_meeting"),
    "meetings:cancel": Rule(CONVENOR_POST, method="post", args="scheduled_meeting"),
    "meetings:attend": Rule({"member": 302, "convenor": 302}, method="post", args="meeting"),
    "meetings:rsvp": Rule({"member": 302, "convenor": 302}, method="post", args="meeting"),
    "meetings:phase": Rule(CONVENOR_POST, method="post", args="meeting"),
    "meetings:confirm": Rule(CONVENOR_ONLY, args="meeting"),
    "meetings:close": Rule(CONVENOR_POST, method="post", args="meeting"),
    "meetings:agenda_add": Rule(CONVENOR_POST, method="post", args="meeting"),
    "meetings:agenda_order": Rule(CONVENOR_POST, method="post", args="meeting"),
    "meetings:agenda_move": Rule(CONVENOR_POST, method="post", args="agenda_item"),
    "meetings:agenda_remove": Rule(CONVENOR_POST, method="post", args="agenda_item"),
    "meetings:group": Rule(CONVENOR_ONLY, args="meeting"),
    # The sample meeting is not grouping yet: the board comes back saying so, the name kept.
    "meetings:theme_create": Rule(CONVENOR_ONLY, method="post", args="meeting"),
    "meetings:theme_change": Rule(CONVENOR_POST, method="post", args="meeting_theme"),
    "meetings:issue_move": Rule(CONVENOR_POST, method="post", args="meeting"),
    "meetings:suggest": Rule(CONVENOR_POST, method="post", args="meeting"),
    "meetings:suggestion_answer": Rule(CONVENOR_POST, method="post", args="suggestion"),
    "meetings:suggestion_batch": Rule(CONVENOR_POST, method="post", args="suggestion_batch"),
    "meetings:vote": Rule(FORUM_MEMBERS, args="meeting"),
    "meetings:voting_window": Rule(CONVENOR_POST, method="post", args="meeting"),
    "meetings:voting_close": Rule(CONVENOR_ONLY, args="meeting"),
    "meetings:voting_times": Rule(CONVENOR_ONLY, args="meeting"),
    "meetings:voting_open_early": Rule(CONVENOR_ONLY, args="scheduled_meeting"),
    "meetings:proposals": Rule(FORUM_MEMBERS, args="scheduled_meeting"),
    "meetings:proposal_accept": Rule(CONVENOR_POST, method="post", args="agenda_proposal"),
    "meetings:proposal_decline": Rule(CONVENOR_POST, method="post", args="agenda_proposal"),
    "meetings:decide": Rule(CONVENOR_ONLY, args="meeting"),
    # An empty decision is refused, the page coming back with what is missing (400).
    "meetings:decision_record": Rule({"convenor": 400}, method="post", args="meeting_theme"),
    "meetings:minutes": Rule(FORUM_MEMBERS, args="closed_meeting"),
    "meetings:minutes_publish": Rule(CONVENOR_POST, method="post", args="closed_meeting"),
    "meetings:minutes_correct": Rule(
        CONVENOR_POST,
        method="post",
        args="closed_meeting",
        data={"body": "## Minutes\n\nCorrected.", "note": "A name was wrong."},
    ),
    "meetings:minutes_pdf": Rule(FORUM_MEMBERS, args="closed_meeting"),
    # The leaders' side.
    "escalations:briefs_for_me": Rule({"leader": 200}),
    "escalations:brief": Rule({"leader": 200}, args="leader_brief"),
    "escalations:version_pdf": Rule({"leader": 200}, args="leader_version"),
    "escalations:acknowledge": Rule({"leader": 302}, method="post", args="leader_brief"),
    "escalations:respond": Rule(
        {"leader": 302},
        method="post",
        args="leader_brief",
        data={"position": "accept", "reasons": "Agreed."},
    ),
    "escalations:commitment_add": Rule(
        {"leader": 302},
        method="post",
        args="leader_brief",
        data={"what": "Review", "owner": "Head of Service", "due_on": "2099-01-01"},
    ),
    "escalations:commitment_update": Rule(
        {"leader": 302}, method="post", args="commitment", data={"status": "in_progress"}
    ),
    # A forum's briefs: members read them, convenors write and send. Leaders reach them only
    # through their own pages above.
    "forum_briefs:you_said_we_did": Rule(FORUM_MEMBERS, args="forum"),
    "forum_briefs:list": Rule(FORUM_MEMBERS, args="forum"),
    "forum_briefs:verify": Rule(FORUM_MEMBERS, args="forum"),
    "forum_briefs:from_decision": Rule(CONVENOR_POST, method="post", args="escalate_decision"),
    "forum_briefs:from_theme": Rule(CONVENOR_POST, method="post", args="brief_theme"),
    "forum_briefs:detail": Rule(FORUM_MEMBERS, args="sent_brief"),
    "forum_briefs:edit": Rule(CONVENOR_ONLY, args="draft_brief"),
    "forum_briefs:preview": Rule(CONVENOR_ONLY, args="draft_brief"),
    "forum_briefs:figure_remove": Rule(CONVENOR_POST, method="post", args="brief_figure"),
    "forum_briefs:draft_pdf": Rule(CONVENOR_ONLY, args="draft_brief"),
    "forum_briefs:check": Rule(CONVENOR_ONLY, args="draft_brief"),
    "forum_briefs:send": Rule(CONVENOR_POST, method="post", args="draft_brief"),
    "forum_briefs:status": Rule(
        CONVENOR_POST, method="post", args="sent_brief", data={"status": "stalled"}
    ),
    "forum_briefs:difference": Rule(
        {"member": 302, "convenor": 302}, method="post", args="sent_brief", data={"answer": "yes"}
    ),
    "forum_briefs:version_pdf": Rule(FORUM_MEMBERS, args="sent_version"),
    # Emails: your own choices, one-click unsubscribe (no sign-in), failed deliveries.
    "notification_preferences": Rule({p: 200 for p in SIGNED_IN}),
    "notification_unsubscribe": Rule(everyone(200), args="unsubscribe_token"),
    "notifications_failed": Rule(CONVENOR_ONLY, args="forum"),
    "notifications_retry_failed": Rule(CONVENOR_ONLY, args="forum"),
    "notification_retry": Rule(CONVENOR_POST, method="post", args="failed_notification"),
    # The local mailbox exists only with DEBUG on (never in tests or production).
    "dev_mailbox": Rule({}, anonymous=404),
    "dev_mailbox_message": Rule({}, args="mail_file", anonymous=404),
    "dev_mailbox_html": Rule({}, args="mail_file", anonymous=404),
    # Summaries: the dashboard and pulse are the forum's own; stewards only export.
    "summaries:dashboard": Rule(FORUM_MEMBERS, args="forum"),
    "summaries:pulse": Rule(FORUM_MEMBERS, args="forum"),
    "summaries:pulse_to_brief": Rule(CONVENOR_POST, method="post", args="forum"),
    "exports:steward": Rule({"steward": 200}),
    # An export's page is its maker's only; the world's export is still queued, so even its
    # maker gets 404 on the download (tests/summaries covers the ready file).
    "exports:job": Rule({"steward": 200}, args="export_job"),
    "exports:download": Rule({}, args="export_job"),
}
