"""The care app's pages: each page module lists its own routes."""

from django.urls import URLPattern

from shequ.care.views import bookings, compliance, homeservices, visits

app_name = "care"
urlpatterns: list[URLPattern] = []
urlpatterns += visits.urls
urlpatterns += compliance.urls
urlpatterns += homeservices.urls
urlpatterns += bookings.urls
