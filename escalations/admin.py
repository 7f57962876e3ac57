"""Forum settings for escalations, for site admins: the ladder and its patience.

Briefs, responses and commitments are forum content and are not shown here.
"""

from django.contrib import admin

from escalations.models import EscalationSettings, LadderRung


@admin.register(EscalationSettings)
class EscalationSettingsAdmin(admin.ModelAdmin):
    list_display = ["forum", "reminders_before_moving_up"]


@admin.register(LadderRung)
class LadderRungAdmin(admin.ModelAdmin):
    list_display = ["forum", "position", "leader"]
    list_filter = ["forum"]
    ordering = ["forum", "position"]
    autocomplete_fields = ["leader"]
