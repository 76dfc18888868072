"""The emergency app's pages: each page module lists its own routes."""

from django.urls import URLPattern

from shequ.emergency.views import alerts, preparedness

app_name = "emergency"
urlpatterns: list[URLPattern] = []
urlpatterns += alerts.urls
urlpatterns += preparedness.urls
