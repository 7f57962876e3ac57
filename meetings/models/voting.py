"""Secret ballots: who voted, and what was voted, kept where they cannot be joined.

A ballot is stored in two places that cannot be joined: ``BallotReceipt`` records that a
person voted (and nothing else); what they voted waits sealed in the meeting's ballot box
(``forum_app.sealed_box``) until voting closes, and is then counted with every other ballot
into ``Ballot`` rows and ``ThemeTally`` totals, which hold no person and no time. One receipt
per person per meeting is a database constraint.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from meetings.models.meeting import Meeting, Theme


class BallotReceipt(models.Model):
    """That a person voted in a meeting. Holds nothing about what they voted for."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="one_ballot_per_person")
        ]

    def __str__(self) -> str:
        return f"Ballot receipt for {self.meeting_id}"


class Ballot(models.Model):
    """One counted ballot: the dots placed on each theme. No person, no time, a random id.

    Written only when voting closes, every ballot of the meeting in one transaction and in
    random order, so neither transaction ids nor row order can tie one to a voter.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="ballots")
    dots = models.JSONField(help_text=_("Dots per theme id."))

    def __str__(self) -> str:
        return f"Ballot in {self.meeting_id}"


class ThemeTally(models.Model):
    """Total dots for one theme in one meeting, written when voting closes. No person, no time."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="tallies")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="tallies")
    dots = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "theme"], name="one_tally_per_theme")
        ]

    def __str__(self) -> str:
        return f"{self.theme_id}: {self.dots}"
