"""The participation app's pages: each page module lists its own routes."""

from django.urls import URLPattern

from shequ.participation.views import (
    deliberation,
    disclosures,
    elections,
    lists,
    meetings,
    public,
    talk,
)

app_name = "participation"
urlpatterns: list[URLPattern] = []
urlpatterns += deliberation.urls
urlpatterns += meetings.urls
urlpatterns += disclosures.urls
urlpatterns += talk.urls
urlpatterns += elections.urls
urlpatterns += lists.urls
urlpatterns += public.urls
