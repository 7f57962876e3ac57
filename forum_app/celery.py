"""The Celery app. Settings come from Django's (CELERY_*); periodic jobs are listed here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forum_app.settings")

app = Celery("forum_app")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {}
