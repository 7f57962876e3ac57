from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"

    def ready(self) -> None:
        from forum_app.demo import demo_seeder_register
        from forum_app.notifications.emails import register_attachment
        from forum_app.personal_data import personal_data_register
        from issues.similar import theme_labels_register, watch
        from meetings import personal_data
        from meetings.calendar import invitation_attachment
        from meetings.demo import seed_meetings
        from meetings.models import Theme, ThemeIssue
        from meetings.services.themes import theme_labels, theme_link_forum

        register_attachment("meeting_scheduled", invitation_attachment)
        # Similar issues learn from the themes, and refit when a theme or a place in one changes.
        theme_labels_register(theme_labels)
        watch(Theme)
        watch(ThemeIssue, theme_link_forum)
        personal_data_register(
            "meetings",
            export=personal_data.meetings_export,
            erase=personal_data.meetings_erase,
            reported=personal_data.REPORTED,
        )
        demo_seeder_register(seed_meetings)
