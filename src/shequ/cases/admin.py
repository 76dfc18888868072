"""Read-only admin for the catalogue: every write goes through ``cases.actions`` (the pages), so the
admin only lists, scoped to the user's jurisdiction."""

from __future__ import annotations

from django.contrib import admin

from shequ.cases.models import AbolishedCertificate, ServiceItem
from shequ.cases.permissions import CasesPerm
from shequ.core.admin_site import ScopedAdmin


@admin.register(ServiceItem)
class ServiceItemAdmin(ScopedAdmin):
    view_perm = CasesPerm.VIEW_CATALOG
    list_display = ("code", "name", "category", "region", "status")
    list_filter = ("status", "category")
    search_fields = ("code", "name")
    list_select_related = ("region",)


@admin.register(AbolishedCertificate)
class AbolishedCertificateAdmin(ScopedAdmin):
    view_perm = CasesPerm.VIEW_CATALOG
    list_display = ("name", "region")
    search_fields = ("name", "keywords")
    list_select_related = ("region",)
