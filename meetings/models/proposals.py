"""Items members ask to have on a meeting's agenda."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from meetings.models.meeting import AgendaItem, Meeting


class AgendaProposal(models.Model):
    """An item a member asks to have on a meeting's agenda, until the convenor answers.

    Accepting it adds a free agenda item (``agenda_item``); declining keeps an optional reason
    for the proposer. Named, like any post: it is never anonymous.
    """

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting for the convenor")
        ACCEPTED = "accepted", _("On the agenda")
        DECLINED = "declined", _("Declined")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="proposals")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("item"), max_length=200)
    why = models.TextField(_("why it matters"), max_length=1000, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    decline_reason = models.CharField(_("reason"), max_length=300, blank=True)
    agenda_item = models.OneToOneField(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposal"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("agenda proposal")
        verbose_name_plural = _("agenda proposals")

    def __str__(self) -> str:
        return self.title
