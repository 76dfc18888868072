from django.contrib import admin
from django.urls import include, path

from shequ.api import api
from shequ.web import views as web_views

urlpatterns = [
    path("healthz", web_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("accounts/", include("shequ.accounts.urls")),
    path("territory/", include("shequ.territory.urls")),
    path("registry/", include("shequ.registry.urls")),
    path("cases/", include("shequ.cases.urls")),
    path("facilities/", include("shequ.facilities.urls")),
    path("workforce/", include("shequ.workforce.urls")),
    path("participation/", include("shequ.participation.urls")),
    path("organizations/", include("shequ.organizations.urls")),
    path("volunteering/", include("shequ.volunteering.urls")),
    path("care/", include("shequ.care.urls")),
    path("emergency/", include("shequ.emergency.urls")),
    path("indicators/", include("shequ.indicators.urls")),
    path("open311/v2/", include("shequ.cases.open311.urls")),
    path("audit/", include("shequ.core.urls")),
    path("admin/", admin.site.urls),
    path("", include("shequ.web.urls")),
]

handler400 = "shequ.web.views.bad_request"
handler403 = "shequ.web.views.permission_denied"
handler404 = "shequ.web.views.page_not_found"
handler500 = "shequ.web.views.server_error"
