from django.urls import path

from bench.bare.views import healthz, table

urlpatterns = [path("", table), path("healthz", healthz)]
