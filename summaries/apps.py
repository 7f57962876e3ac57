from django.apps import AppConfig


class SummariesConfig(AppConfig):
    name = "summaries"

    def ready(self) -> None:
        from forum_app.demo import demo_seeder_register
        from forum_app.personal_data import personal_data_register
        from forum_app.retention import retention_register
        from summaries import (
            personal_data,
            signals,  # noqa: F401 (connects the receivers)
        )
        from summaries.demo import seed_pulse
        from summaries.retention import exports_expire

        retention_register("exports", exports_expire)
        personal_data_register(
            "summaries",
            export=personal_data.summaries_export,
            erase=personal_data.summaries_erase,
            reported=personal_data.REPORTED,
        )
        demo_seeder_register(seed_pulse)
