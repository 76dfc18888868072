"""Admin pages for the shared kernel: the holiday calendar (editable), notifications and the
delivery log (read-only). Access comes from role permissions (``ScopedAdmin``), not Django's
model permissions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shequ.core import audit, calendar
from shequ.core.admin_site import ScopedAdmin
from shequ.core.models import CalendarDay, Delivery, Notification
from shequ.core.permissions import CorePerm

WEEKDAYS = (_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日"))


def _has(request: HttpRequest, perm: str) -> bool:
    user: Any = request.user
    return bool(getattr(user, "is_authenticated", False)) and user.has_permission(perm)


class YearFilter(admin.SimpleListFilter):
    title = _("年份")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(ScopedAdmin):
    """Holidays and make-up working days. Not scoped: one calendar for the whole platform."""

    view_perm = change_perm = delete_perm = CorePerm.MANAGE_CALENDAR
    scoped_model = False
    list_display = ("date", "weekday", "kind", "name")
    list_filter = ("kind", YearFilter)
    search_fields = ("name",)
    ordering = ("-date",)

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return str(WEEKDAYS[obj.date.weekday()])

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _has(request, CorePerm.MANAGE_CALENDAR)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _has(request, CorePerm.MANAGE_CALENDAR)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _has(request, CorePerm.MANAGE_CALENDAR)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _has(request, CorePerm.MANAGE_CALENDAR)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _has(request, CorePerm.MANAGE_CALENDAR)

    @staticmethod
    def _calendar_changed() -> None:
        # Now for this process, and again at commit so that no request caches the old rows meanwhile.
        calendar.invalidate()
        transaction.on_commit(calendar.invalidate)

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit.record(
            "core.change_calendar_day" if change else "core.add_calendar_day",
            obj=obj,
            actor=request.user,
            fields=form.changed_data,
        )
        self._calendar_changed()

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        audit.record("core.delete_calendar_day", obj=obj, actor=request.user)
        super().delete_model(request, obj)
        self._calendar_changed()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        for obj in queryset:
            audit.record("core.delete_calendar_day", obj=obj, actor=request.user)
        super().delete_queryset(request, queryset)
        self._calendar_changed()


class ReadOnlyAdmin(ScopedAdmin):
    scoped_model = False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Each admin user sees their own inbox only."""

    list_display = ("subject", "topic", "created_at", "read_at")
    list_filter = ("topic",)
    search_fields = ("subject",)
    exclude = ("recipient",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        user: Any = request.user
        return Notification.objects.filter(recipient_id=getattr(user, "pk", None))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user: Any = request.user
        if not getattr(user, "is_authenticated", False):
            return False
        return obj is None or obj.recipient_id == user.pk


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """The outside-message log: masked destinations only; an auditor's view."""

    view_perm = CorePerm.VIEW_AUDIT
    list_display = ("created_at", "channel", "backend", "destination_masked", "topic", "status")
    list_filter = ("channel", "status", "topic")
    date_hierarchy = "created_at"

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _has(request, CorePerm.VIEW_AUDIT)
