from django.conf.urls.i18n import i18n_patterns  # noqa: F401
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("shequ.accounts.urls")),
    path("territory/", include("shequ.territory.urls")),
    path("admin/", admin.site.urls),
    path("", include("shequ.web.urls")),
]
