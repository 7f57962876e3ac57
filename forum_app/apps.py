from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumAppConfig(AppConfig):
    name = "forum_app"
    verbose_name = _("Forums and people")
