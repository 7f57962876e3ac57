from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumAppConfig(AppConfig):
    name = "forum_app"
    verbose_name = _("Forums and people")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from forum_app.middleware import stamp_sign_in

        user_logged_in.connect(stamp_sign_in, dispatch_uid="forum_app.stamp_sign_in")
