from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"

    def ready(self) -> None:
        from forum_app.notifications.emails import register_attachment
        from meetings.calendar import invitation_attachment

        register_attachment("meeting_scheduled", invitation_attachment)
