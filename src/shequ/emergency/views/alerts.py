"""Pages of the alerts feature (G3): the emergency console, issuing an alert (with a preview of whom
it reaches), an alert's page with the live reach board (htmx polls the board partial), closing it;
the grid worker's checklist (reveal the phone for the call, confirm reached or escalate); the
resident's active alerts. Reads through ``queries.alerts``, writes through ``actions.alerts``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import permission_required, resident_only
from shequ.core.forms import apply_action_errors
from shequ.core.masking import mask_name, mask_phone
from shequ.core.page_views import flash_errors, paged, run_action
from shequ.emergency.actions import alerts as actions
from shequ.emergency.forms import alerts as forms
from shequ.emergency.models import Alert, ReachItem, ReachReason, ReachStatus
from shequ.emergency.permissions import EmergencyPerm
from shequ.emergency.queries import alerts as queries

VIEW = EmergencyPerm.VIEW
ISSUE = EmergencyPerm.ISSUE_ALERTS
CONFIRM = EmergencyPerm.CONFIRM_REACH
CHECKLIST_PAGE = 50
REASONS = dict(ReachReason.choices)


# --- Staff: console, issue, alert and board ------------------------------------------------------------


@permission_required(VIEW)
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    active, closed = queries.console(user)
    return render(
        request,
        "emergency/alerts/console.html",
        {
            "active": active,
            "closed": closed,
            "may_issue": bool(queries.issuing_regions(user)),
            "may_confirm": user.has_permission(CONFIRM),
        },
    )


@permission_required(ISSUE)
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    regions = queries.issuing_regions(user)
    if not regions:
        raise PermissionDenied(_("预警须由镇(街道)及以上发布。"))
    form = forms.AlertForm(
        request.POST or None, regions=regions, targets=queries.target_choices(user)
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.action_input()
        try:
            if "preview" in request.POST:
                preview = actions.preview_alert(
                    region=data["region"],
                    target_regions=data["target_regions"],
                    area=data["area"],
                    by=user,
                )
            else:
                alert = actions.issue_alert(**data, by=user)
                messages.success(
                    request,
                    _("已发布预警 %(number)s：覆盖居民 %(n)d 人，需确认的重点人员 %(m)d 人。")
                    % {
                        "number": alert.number,
                        "n": alert.resident_count,
                        "m": alert.checklist_count,
                    },
                )
                return redirect("emergency:alert_detail", alert_id=alert.pk)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    centre = next((r for r in regions if r.centre_lat is not None), None)
    area_map = {
        "tiles": getattr(settings, "SHEQU_MAP_TILE_URL", "") or "",
        "attribution": getattr(settings, "SHEQU_MAP_TILE_ATTRIBUTION", ""),
        "lat": centre.centre_lat if centre else None,
        "lng": centre.centre_lng if centre else None,
    }
    return render(
        request,
        "emergency/alerts/form.html",
        {"form": form, "preview": preview, "map": area_map},
        status=422 if form.errors else 200,
    )


def _board_context(user: Any, alert: Alert) -> dict[str, Any]:
    return {"alert": alert, "board": queries.board(user, alert)}


@permission_required(VIEW)
@require_GET
def detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    user: Any = request.user
    alert = queries.alert(user, alert_id)
    return render(
        request,
        "emergency/alerts/detail.html",
        {
            **_board_context(user, alert),
            "targets": list(alert.target_regions.order_by("path")),
            "may_close": queries.may_close(user, alert),
            "close_form": forms.CloseForm(),
            "may_confirm": user.has_permission(CONFIRM),
        },
    )


@never_cache
@permission_required(VIEW)
@require_GET
def board(request: HttpRequest, alert_id: int) -> HttpResponse:
    """The board alone, for htmx to poll every few seconds."""
    user: Any = request.user
    alert = queries.alert(user, alert_id)
    return render(request, "emergency/alerts/_board.html", _board_context(user, alert))


@permission_required(ISSUE)
@require_POST
def close(request: HttpRequest, alert_id: int) -> HttpResponse:
    user: Any = request.user
    alert = queries.alert(user, alert_id)
    try:
        run_action(
            request,
            forms.CloseForm(request.POST),
            lambda d: actions.close_alert(alert=alert, reason=d["reason"], by=user),
            _("预警已解除。"),
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("emergency:alert_detail", alert_id=alert.pk)


# --- The grid worker's checklist -------------------------------------------------------------------------


def _row(item: ReachItem, revealed: str | None = None) -> dict[str, Any]:
    resident = item.resident
    return {
        "item": item,
        "name": mask_name(resident.name),
        "phone": mask_phone(resident.phone) if resident.phone_index else "",
        "revealed": revealed,
        "reasons": [REASONS.get(r, r) for r in item.reasons],
        "done": item.status != ReachStatus.PENDING,
    }


def _checklist_page(
    request: HttpRequest,
    revealed: dict[int, str] | None = None,
    form_for: tuple[int, Any] | None = None,
) -> HttpResponse:
    user: Any = request.user
    items = queries.checklist(user)
    status = request.GET.get("status", "pending")
    if status == "pending":
        items = items.filter(status=ReachStatus.PENDING)
    page, query = paged(request, items, CHECKLIST_PAGE)
    rows = [_row(i, (revealed or {}).get(i.pk)) for i in page.object_list]
    return render(
        request,
        "emergency/alerts/checklist.html",
        {
            "rows": rows,
            "page_obj": page,
            "query": query,
            "status": status,
            "confirm_form": forms.ConfirmForm(),
            "statuses": ReachStatus,
        },
    )


@permission_required(CONFIRM)
@require_GET
def checklist(request: HttpRequest) -> HttpResponse:
    return _checklist_page(request)


@permission_required(CONFIRM)
@require_POST
def confirm(request: HttpRequest, reach_item_id: int) -> HttpResponse:
    user: Any = request.user
    item = queries.checklist_item(user, reach_item_id)
    form = forms.ConfirmForm(request.POST)
    if form.is_valid():
        try:
            actions.confirm_reach(
                item=item,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                by=user,
            )
            messages.success(
                request,
                _("已记录：%(name)s %(status)s。")
                % {"name": mask_name(item.resident.name), "status": item.get_status_display()},
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("emergency:my_checklist")


@never_cache
@permission_required(CONFIRM)
@require_POST
def reveal(request: HttpRequest, reach_item_id: int) -> HttpResponse:
    """The phone in clear for the call, recorded as a reveal ("emergency contact"); shown in the
    answer to this POST only, never in a URL."""
    user: Any = request.user
    item = queries.checklist_item(user, reach_item_id)
    try:
        phone = actions.reveal_phone(item=item, by=user)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("emergency:my_checklist")
    if getattr(request, "htmx", False):
        return render(request, "emergency/alerts/_phone.html", {"row": _row(item, phone)})
    return _checklist_page(request, revealed={item.pk: phone})


# --- Residents ------------------------------------------------------------------------------------------


@resident_only
@require_GET
def my_alerts(request: HttpRequest) -> HttpResponse:
    resident = queries.own_resident(request.user)
    alerts = list(queries.alerts_for_resident(resident)[:20])
    return render(
        request, "emergency/alerts/my_alerts.html", {"resident": resident, "alerts": alerts}
    )


A = "alerts/<int:alert_id>/"
urls: list[URLPattern] = [
    path("", console, name="console"),
    path("alerts/new/", create, name="alert_create"),
    path(A, detail, name="alert_detail"),
    path(A + "board/", board, name="reach_board"),
    path(A + "close/", close, name="alert_close"),
    path("checklist/", checklist, name="my_checklist"),
    path("checklist/<int:reach_item_id>/confirm/", confirm, name="confirm_reach"),
    path("checklist/<int:reach_item_id>/reveal/", reveal, name="reach_reveal"),
    path("me/alerts/", my_alerts, name="my_alerts"),
]
