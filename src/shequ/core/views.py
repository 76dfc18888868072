"""The auditor's page: filter, page through and export the audit trail of one's jurisdiction."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import audit, queries
from shequ.core.decorators import permission_required
from shequ.core.exports import safe_row
from shequ.core.forms import StyledForm
from shequ.core.models import AuditOutcome
from shequ.core.permissions import CorePerm


class AuditFilterForm(StyledForm):
    actor = forms.CharField(label=gettext_lazy("操作人"), required=False, max_length=150)
    action = forms.CharField(label=gettext_lazy("操作"), required=False, max_length=80)
    outcome = forms.ChoiceField(
        label=gettext_lazy("结果"), required=False, choices=[("", "—"), *AuditOutcome.choices]
    )
    date_from = forms.DateField(
        label=gettext_lazy("起始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=gettext_lazy("截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, Any]:
    form = AuditFilterForm(request.GET or None)
    events = queries.visible_audit_events(request.user)
    if form.is_valid():
        events = queries.filter_audit_events(events, **form.cleaned_data)
    return form, events


@permission_required(CorePerm.VIEW_AUDIT)
def audit_list(request: HttpRequest) -> HttpResponse:
    form, events = _filtered(request)
    page = Paginator(
        events.only(
            "at",
            "actor_name",
            "role",
            "region_code",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "fields",
            "reason",
            "ip",
            "outcome",
        ),
        50,
    ).get_page(request.GET.get("page"))
    can_export = request.user.has_permission(CorePerm.EXPORT_AUDIT)  # type: ignore[union-attr]
    return render(
        request, "core/audit_list.html", {"form": form, "page_obj": page, "can_export": can_export}
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@permission_required(CorePerm.VIEW_AUDIT)
@permission_required(CorePerm.EXPORT_AUDIT)
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    form, events = _filtered(request)
    with transaction.atomic():
        audit.record(
            "core.export_audit",
            object_type="core.AuditEvent",
            object_repr=_("审计日志导出"),
            fields=sorted(
                k
                for k, v in (form.cleaned_data if form.is_bound and form.is_valid() else {}).items()
                if v
            ),
        )
    writer = csv.writer(_Echo())
    header = [
        _("时间"),
        _("操作人"),
        _("角色"),
        _("区域代码"),
        _("操作"),
        _("对象类型"),
        _("对象标识"),
        _("对象"),
        _("字段"),
        _("事由"),
        _("IP 地址"),
        _("结果"),
    ]
    tz = timezone.get_current_timezone()

    def rows() -> Iterator[str]:
        yield "\ufeff"  # so that Excel opens the UTF-8 file correctly
        yield writer.writerow(header)
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow(
                safe_row(
                    [
                        event.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                        event.actor_name,
                        event.role,
                        event.region_code,
                        event.action,
                        event.object_type,
                        event.object_id,
                        event.object_repr,
                        " ".join(event.fields),
                        event.reason,
                        event.ip or "",
                        event.outcome,
                    ]
                )
            )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
