"""Admin for the territory. Every list, form, choice and autocomplete is scoped to the user's
jurisdiction: ``TerritoryPerm.VIEW`` to see, ``MANAGE`` to edit a region's few editable fields,
``MANAGE_GRIDS`` to add and change grids, estates, buildings and villager groups.

Regions come from the division file (``load_territory``): here only the name, the administrative
parent, the centre and the boundary may be corrected, and nothing is added or deleted.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import audit
from shequ.core.scoping import scoped
from shequ.territory.geometry import validate_geojson
from shequ.territory.models import Building, Estate, Grid, Region, VillagerGroup
from shequ.territory.permissions import TerritoryPerm

VIEW = TerritoryPerm.VIEW


class ScopedAdmin(admin.ModelAdmin):
    """Rows, choices and rights follow the user's roles and jurisdiction, never Django's
    model permissions (our users have none)."""

    write_perm: str = TerritoryPerm.MANAGE_GRIDS
    # The permission whose jurisdiction limits foreign-key choices: where the user may write.
    choice_perm: str = TerritoryPerm.MANAGE_GRIDS
    list_per_page = 100

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        return scoped(super().get_queryset(request), request.user, VIEW)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_permission(VIEW)  # type: ignore[union-attr]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_permission(VIEW)  # type: ignore[union-attr]

    def _may_write(self, request: HttpRequest, obj: Any) -> bool:
        if not request.user.has_permission(self.write_perm):  # type: ignore[union-attr]
            return False
        if obj is None or obj.pk is None:
            return True
        # The object must lie where the user holds the write permission, not merely where they view.
        cache: dict[tuple[str, int], bool] = request.__dict__.setdefault(
            "_territory_write_scope", {}
        )
        key = (obj._meta.label, obj.pk)
        if key not in cache:
            rows = self.model._default_manager.filter(pk=obj.pk)
            cache[key] = scoped(rows, request.user, self.write_perm).exists()
        return cache[key]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._may_write(request, None)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request, obj)

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        related = db_field.remote_field.model
        kwargs["queryset"] = scoped(related._default_manager.all(), request.user, self.choice_perm)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool
    ) -> None:
        # The admin runs this inside its transaction, so the audit event commits with the change.
        super().save_model(request, obj, form, change)
        action = "change" if change else "add"
        audit.record(
            f"territory.{action}_{obj._meta.model_name}", obj=obj, fields=form.changed_data
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit.record(f"territory.delete_{obj._meta.model_name}", obj=obj)
        super().delete_model(request, obj)


class GeometryFormMixin:
    """Boundaries must be valid GeoJSON areas (see ``territory.geometry``)."""

    cleaned_data: dict[str, Any]

    def clean_geometry(self) -> dict[str, Any] | None:
        value = self.cleaned_data.get("geometry")
        if value in (None, "", {}):
            return None
        return validate_geojson(value)


def _same_community(grid: Grid | None, community: Region | None) -> None:
    if grid is not None and community is not None and grid.community_id != community.pk:
        raise forms.ValidationError(
            {"grid": _("所选网格不属于%(community)s。") % {"community": community.name}}
        )


# --- Regions ------------------------------------------------------------------------------------


class RegionForm(GeometryFormMixin, forms.ModelForm):
    class Meta:
        model = Region
        fields = ["name", "admin_parent", "centre_lat", "centre_lng", "geometry"]

    def clean_admin_parent(self) -> Region | None:
        parent = self.cleaned_data.get("admin_parent")
        if parent is not None and self.instance.pk is not None:
            if parent.pk == self.instance.pk or parent.path.startswith(self.instance.path):
                raise forms.ValidationError(_("行政上级不能是本区划或其下级。"))
            if parent.depth != self.instance.depth - 1:
                raise forms.ValidationError(_("行政上级应比本区划高一级。"))
        return parent


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    form = RegionForm
    write_perm = TerritoryPerm.MANAGE
    # Pointing at a legal parent is not a write into it: any region the user can see will do.
    choice_perm = VIEW
    list_display = ["code", "name", "level", "kind", "parent", "is_urban", "is_virtual"]
    list_select_related = ["parent"]
    list_filter = ["level", "kind", "is_urban", "is_virtual"]
    search_fields = ["name", "^code"]
    autocomplete_fields = ["admin_parent"]
    readonly_fields = ["code", "level", "kind", "parent", "path", "depth", "is_urban", "is_virtual"]
    fieldsets = [
        (None, {"fields": ["code", "name", "level", "kind", "parent", "is_urban", "is_virtual"]}),
        (gettext_lazy("行政隶属"), {"fields": ["admin_parent"]}),
        (gettext_lazy("位置"), {"fields": ["centre_lat", "centre_lng", "geometry"]}),
        (gettext_lazy("技术信息"), {"fields": ["path", "depth"], "classes": ["collapse"]}),
    ]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Grids and what is in them ------------------------------------------------------------------


class GridForm(GeometryFormMixin, forms.ModelForm):
    class Meta:
        model = Grid
        fields = ["community", "parent", "code", "name", "centre_lat", "centre_lng", "geometry"]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or self.cleaned_data
        if self.instance.pk is not None:  # code, community and parent are fixed once created
            return data
        community, parent, code = data.get("community"), data.get("parent"), data.get("code") or ""
        if community is None:
            return data
        if parent is not None and parent.community_id != community.pk:
            raise forms.ValidationError({"parent": _("上级网格不属于所选村(社区)。")})
        if parent is not None and parent.parent_id is not None:
            raise forms.ValidationError({"parent": _("微网格下不能再划分网格。")})
        # No national grid code exists: community code + 3 digits, micro-grid + 2 more digits.
        base, extra = (parent.code, 2) if parent is not None else (community.code, 3)
        if not (
            code.isascii()
            and code.isdigit()
            and code.startswith(base)
            and len(code) == len(base) + extra
        ):
            raise forms.ValidationError(
                {"code": _("编码应为 %(base)s 加 %(n)d 位数字。") % {"base": base, "n": extra}}
            )
        self.instance.path = f"{(parent or community).path}{code}/"
        self.instance.is_micro = parent is not None
        return data


@admin.register(Grid)
class GridAdmin(ScopedAdmin):
    form = GridForm
    list_display = ["code", "name", "community", "parent", "is_micro"]
    list_select_related = ["community", "parent"]
    list_filter = ["is_micro"]
    search_fields = ["name", "^code"]
    autocomplete_fields = ["community", "parent"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A grid's code and place make its path, which its micro-grids and scoped rows build on.
        return ["community", "parent", "code", "is_micro"] if obj is not None else ["is_micro"]


class EstateForm(GeometryFormMixin, forms.ModelForm):
    class Meta:
        model = Estate
        fields = [
            "community", "grid", "name", "address", "is_natural_village",
            "centre_lat", "centre_lng", "geometry",
        ]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or self.cleaned_data
        _same_community(data.get("grid"), data.get("community"))
        return data


@admin.register(Estate)
class EstateAdmin(ScopedAdmin):
    form = EstateForm
    list_display = ["name", "community", "grid", "is_natural_village"]
    list_select_related = ["community", "grid"]
    list_filter = ["is_natural_village"]
    search_fields = ["name", "address"]
    autocomplete_fields = ["community", "grid"]


class BuildingForm(forms.ModelForm):
    class Meta:
        model = Building
        fields = ["estate", "grid", "number", "floors", "units", "centre_lat", "centre_lng"]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or self.cleaned_data
        estate = data.get("estate")
        _same_community(data.get("grid"), estate.community if estate is not None else None)
        return data


@admin.register(Building)
class BuildingAdmin(ScopedAdmin):
    form = BuildingForm
    list_display = ["__str__", "estate", "grid", "floors", "units"]
    list_select_related = ["estate", "grid"]
    search_fields = ["number", "estate__name"]
    autocomplete_fields = ["estate", "grid"]


class VillagerGroupForm(forms.ModelForm):
    class Meta:
        model = VillagerGroup
        fields = ["community", "grid", "name", "centre_lat", "centre_lng"]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or self.cleaned_data
        _same_community(data.get("grid"), data.get("community"))
        return data


@admin.register(VillagerGroup)
class VillagerGroupAdmin(ScopedAdmin):
    form = VillagerGroupForm
    list_display = ["name", "community", "grid"]
    list_select_related = ["community", "grid"]
    search_fields = ["name"]
    autocomplete_fields = ["community", "grid"]
