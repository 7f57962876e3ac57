from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "escalations"

    def ready(self) -> None:
        from escalations.agenda import agenda_entries, briefs_sent_section
        from escalations.attachments import brief_pdf_attachment
        from forum_app.notifications.emails import register_attachment
        from meetings.agenda import register_source
        from meetings.minutes import register_minutes_section

        register_source(agenda_entries)
        register_minutes_section(briefs_sent_section)
        register_attachment("brief_sent", brief_pdf_attachment)
