"""The app as the benchmark serves it: its production settings, with the in-app floor page
added through a URLconf of the benchmark's own (bench/urls.py), so the floor is never part
of the app's URLs."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forum_app.settings")
application = get_wsgi_application()
settings.ROOT_URLCONF = "bench.urls"
