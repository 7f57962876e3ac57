from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "escalations"

    def ready(self) -> None:
        from escalations import personal_data
        from escalations.agenda import agenda_entries, briefs_sent_section
        from escalations.attachments import brief_pdf_attachment
        from escalations.demo import seed_briefs
        from forum_app.demo import demo_seeder_register
        from forum_app.notifications.emails import register_attachment
        from forum_app.personal_data import personal_data_register
        from meetings.agenda import register_source
        from meetings.minutes import register_minutes_section

        register_source(agenda_entries)
        register_minutes_section(briefs_sent_section)
        register_attachment("brief_sent", brief_pdf_attachment)
        personal_data_register(
            "escalations",
            export=personal_data.escalations_export,
            erase=personal_data.escalations_erase,
            reported=personal_data.REPORTED,
        )
        demo_seeder_register(seed_briefs)
