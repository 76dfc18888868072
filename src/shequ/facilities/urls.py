"""The facilities app's pages: each page module lists its own routes."""

from django.urls import URLPattern

from shequ.facilities.views import coverage, registry
from shequ.facilities.views import imports as facility_imports

app_name = "facilities"
urlpatterns: list[URLPattern] = []
urlpatterns += coverage.urls
urlpatterns += facility_imports.urls
urlpatterns += registry.urls
