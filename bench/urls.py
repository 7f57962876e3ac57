"""The app's URLs and the in-app floor page; only the benchmark's server uses them."""

from django.urls import path

from bench.floor import floor
from forum_app.urls import handler403, handler404, handler500, urlpatterns

urlpatterns = [*urlpatterns, path("bench/floor/<slug:slug>/", floor)]
__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
