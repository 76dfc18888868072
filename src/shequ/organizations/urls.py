"""The organizations app's pages: each page module lists its own routes."""

from django.urls import URLPattern

from shequ.organizations.views import charity, imports, linkage, providers, social

app_name = "organizations"
urlpatterns: list[URLPattern] = []
urlpatterns += social.urls
urlpatterns += linkage.urls
urlpatterns += charity.urls
urlpatterns += providers.urls
urlpatterns += imports.urls
