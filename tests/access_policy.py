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
    "accessibility": Rule(everyone(200)),
    "join": Rule({p: 200 for p in SIGNED_IN}),
    "invitation": Rule(everyone(200), args="invitation_token"),
    # A forum's own pages: the manager-free boundary.
    "forum_home": Rule(FORUM_MEMBERS, args="forum"),
    "forum_members": Rule(CONVENOR_ONLY, args="forum"),
    "membership_approve": Rule(CONVENOR_POST, method="post", args="pending_membership"),
    "membership_decline": Rule(CONVENOR_POST, method="post", args="pending_membership"),
    "invitation_revoke": Rule(CONVENOR_POST, method="post", args="open_invitation"),
    # The leaders' side.
    "escalations:briefs_for_me": Rule({"leader": 200}),
}
