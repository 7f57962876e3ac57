from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "escalations"

    def ready(self) -> None:
        from escalations.agenda import agenda_entries
        from meetings.agenda import register_source

        register_source(agenda_entries)
