from django.apps import AppConfig


class SummariesConfig(AppConfig):
    name = "summaries"

    def ready(self) -> None:
        from forum_app.retention import retention_register
        from summaries import signals  # noqa: F401 (connects the receivers)
        from summaries.retention import exports_expire

        retention_register("exports", exports_expire)
