from django.urls import path

from shequ.cases import views
from shequ.cases.views import intake, open311_clients, resident, staff, statistics

app_name = "cases"
urlpatterns = [
    path("catalog/", views.catalog, name="catalog"),
    path("catalog/new/", views.item_new, name="item_new"),
    path("catalog/<int:item_id>/", views.item, name="item"),
    path("catalog/<int:item_id>/edit/", views.item_edit, name="item_edit"),
    path("catalog/<int:item_id>/transition/", views.item_transition, name="item_transition"),
    path("admission/", views.admission, name="admission"),
    path("certificates/", views.certificates, name="certificates"),
    path("certificates/new/", views.certificate_new, name="certificate_new"),
    path(
        "certificates/<int:certificate_id>/edit/", views.certificate_edit, name="certificate_edit"
    ),
    # Public (政务公开): no sign-in needed.
    path("services/", views.services, name="services"),
    path("services/<int:item_id>/", views.service, name="service"),
    path("services/certificates/", views.public_certificates, name="public_certificates"),
]

# Cases (S2, G1, S4): each page module lists its own routes.
urlpatterns += staff.urls + intake.urls + resident.urls + statistics.urls + open311_clients.urls
