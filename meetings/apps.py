from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"

    def ready(self) -> None:
        from forum_app.notifications.emails import register_attachment
        from forum_app.personal_data import personal_data_register
        from issues.similar import theme_labels_register
        from meetings import personal_data
        from meetings.calendar import invitation_attachment
        from meetings.services.themes import theme_labels

        register_attachment("meeting_scheduled", invitation_attachment)
        theme_labels_register(theme_labels)
        personal_data_register(
            "meetings",
            export=personal_data.meetings_export,
            erase=personal_data.meetings_erase,
            reported=personal_data.REPORTED,
        )
