from django.urls import path

from shequ.core import views

app_name = "core"
urlpatterns = [
    path("", views.audit_list, name="audit"),
    path("export.csv", views.audit_export, name="audit_export"),
]
