from django.apps import AppConfig


class IssuesConfig(AppConfig):
    name = "issues"

    def ready(self) -> None:
        from forum_app.demo import demo_seeder_register
        from forum_app.notifications.digests import digest_source_register
        from forum_app.personal_data import personal_data_register
        from issues import personal_data
        from issues.demo import seed_issues
        from issues.models import Issue
        from issues.news import issue_news_tell
        from issues.similar import watch

        watch(Issue)  # any issue saved or deleted refits the forum's similar issues

        digest_source_register(issue_news_tell)
        personal_data_register(
            "issues",
            export=personal_data.issues_export,
            erase=personal_data.issues_erase,
            reported=personal_data.REPORTED,
        )
        demo_seeder_register(seed_issues)
