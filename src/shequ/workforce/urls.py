"""The workforce app's pages: each page module lists its own routes."""

from django.urls import URLPattern

from shequ.workforce.views import development, imports, staffing, workers

app_name = "workforce"
urlpatterns: list[URLPattern] = []
urlpatterns += workers.urls
urlpatterns += staffing.urls
urlpatterns += imports.urls
urlpatterns += development.urls
