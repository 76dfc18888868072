"""The volunteering app's pages: each page module lists its own routes."""

from django.urls import URLPattern

from shequ.volunteering.views import activities, party, statistics, timebank, volunteers, wishes

app_name = "volunteering"
urlpatterns: list[URLPattern] = []
urlpatterns += volunteers.urls
urlpatterns += activities.urls
urlpatterns += party.urls
urlpatterns += wishes.urls
urlpatterns += timebank.urls
urlpatterns += statistics.urls
