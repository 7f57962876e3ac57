from django.apps import AppConfig


class IssuesConfig(AppConfig):
    name = "issues"

    def ready(self) -> None:
        from forum_app.notifications.digests import digest_source_register
        from issues.news import issue_news_tell

        digest_source_register(issue_news_tell)
