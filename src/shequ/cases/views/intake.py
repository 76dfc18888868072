"""Intake pages: the window (一窗受理 / 代办) with its likely-duplicates check and printed receipt, the
grid worker's mobile report; and the desk's tables and queues: routing rules (分拨规则), pending
suspension and extension requests, callbacks after bad ratings (回访)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.cases import kiosk, queries
from shequ.cases.actions import handling, ratings
from shequ.cases.actions import routing as routing_actions
from shequ.cases.actions.intake import CertificateAbolished, submit_once
from shequ.cases.forms import intake as forms
from shequ.cases.numbers import grouped
from shequ.cases.permissions import CasesPerm
from shequ.cases.queries import cases as case_queries
from shequ.cases.queries import intake as intake_queries
from shequ.cases.queries import routing as routing_queries
from shequ.core import calendar
from shequ.core.decorators import permission_required
from shequ.core.forms import apply_action_errors
from shequ.core.masking import mask_name, mask_phone

GET_POST = ["GET", "POST"]
PER_PAGE = 50
REPORT_DONE = "cases_report_done"


def _token_data(request: HttpRequest) -> tuple[Any, bool]:
    """The POST data with a usable one-time token: a missing or malformed one is replaced (and the
    submission refused), so the page the user sees next can be submitted."""
    data = request.POST.copy()
    if forms.valid_form_token(data.get("form_token")):
        return data, True
    data["form_token"] = forms.new_form_token()
    return data, False


def _stale_form() -> str:
    return _("表单已失效（页面打开太久或被复制），未保存。请核对内容后重新提交。")


def _submit(request: HttpRequest, form: Any) -> Any:
    """Submit the form's case once per token: a second post of the same form gets the first case."""
    token = form.cleaned_data["form_token"]
    case, created = submit_once(
        form.intake(),
        key=token,
        owner=intake_queries.form_owner(request.user),
        fingerprint=token,
        by=request.user,
    )
    if not created:
        _tell_already_submitted(request)
    return case


def _tell_already_submitted(request: HttpRequest) -> None:
    messages.info(request, _("这份表单已经提交过，没有重复登记；下面是第一次提交生成的工单。"))


# --- 一窗受理 / 代办 ----------------------------------------------------------------------------------


def _render_intake(request: HttpRequest, form: Any, **extra: Any) -> HttpResponse:
    items = form.offered_items()
    context = {
        "form": form,
        "item": form.item,
        "pick_form": forms.ItemPickForm(
            initial={"item": str(form.item.pk) if form.item else ""}, items=items
        ),
        "nearby": None,
        "radius": case_queries.DUPLICATE_RADIUS_M,
        "abolished": None,
        "photos_dropped": form.is_bound and bool(request.FILES),
    }
    context.update(extra)
    return render(request, "cases/intake/intake.html", context)


@permission_required(CasesPerm.INTAKE)
@require_http_methods(GET_POST)
def intake(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method != "POST":
        initial: dict[str, Any] = {"form_token": forms.new_form_token()}
        chosen = request.GET.get("item", "")
        if chosen.isdigit():
            initial["service_item"] = chosen
        form = forms.IntakeForm(initial=initial, user=user)
        if chosen and form.item is None:
            messages.warning(request, _("所选服务事项不存在或尚未准入，请重新选择。"))
        form.preselect_only_community()
        return _render_intake(request, form)

    data, token_ok = _token_data(request)
    if token_ok:
        earlier = intake_queries.case_for_form_token(user, data["form_token"])
        if earlier is not None:
            _tell_already_submitted(request)
            return redirect("cases:receipt", case_id=earlier.pk)
    form = forms.IntakeForm(data, request.FILES, user=user)
    if not form.is_valid():
        return _render_intake(request, form)
    if not token_ok:
        form.add_error(None, _stale_form())
        return _render_intake(request, form)
    nearby = case_queries.nearby_open_cases(
        category=form.case_category(),
        latitude=form.cleaned_data.get("latitude"),
        longitude=form.cleaned_data.get("longitude"),
        user=user,
    )
    if nearby and not form.cleaned_data.get("confirm_new"):
        form.add_error(
            None,
            _(
                "附近 %(m)d 米内已有 %(n)d 件同类未办结的诉求，请先核对是否为同一件事。"
                "不是同一件事的，勾选“仍作为新诉求提交”后再提交。"
            )
            % {"m": case_queries.DUPLICATE_RADIUS_M, "n": len(nearby)},
        )
        return _render_intake(request, form, nearby=nearby)
    try:
        case = _submit(request, form)
    except CertificateAbolished as exc:
        return _render_intake(request, form, abolished=exc.certificate)
    except ValidationError as exc:
        apply_action_errors(form, exc)
        return _render_intake(request, form, nearby=nearby or None)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("您没有此项权限。"))
        return _render_intake(request, form)
    messages.success(request, _("已登记。请把工单编号告诉申请人。"))
    return redirect("cases:receipt", case_id=case.pk)


@permission_required(CasesPerm.INTAKE)
@require_GET
def intake_nearby(request: HttpRequest) -> HttpResponse:
    """Open cases of the same category within 250 m of the typed position (htmx fragment)."""
    position = forms.NearbyForm(request.GET, user=request.user).position()
    nearby = case_queries.nearby_open_cases(**position, user=request.user) if position else []
    return render(
        request,
        "cases/intake/_nearby.html",
        {"nearby": nearby, "radius": case_queries.DUPLICATE_RADIUS_M, "confirm_checked": False},
    )


@permission_required(CasesPerm.INTAKE)
@require_GET
def receipt(request: HttpRequest, case_id: int) -> HttpResponse:
    """The confirmation and printed receipt (一次告知): the number, the materials, the time limit."""
    case = case_queries.case_detail(request.user, case_id)
    return render(
        request,
        "cases/intake/receipt.html",
        {
            "case": case,
            "item": case.service_item,
            "requester_name": mask_name(case.requester_name),
            "requester_phone": mask_phone(case.requester_phone),
            "proxy_name": mask_name(case.proxy_name),
        },
    )


# --- 网格巡查上报 -------------------------------------------------------------------------------------


def _render_report(request: HttpRequest, form: Any) -> HttpResponse:
    recent = intake_queries.my_reports(request.user)
    done_id = request.session.pop(REPORT_DONE, None) if request.method == "GET" else None
    done = next((case for case in recent if case.pk == done_id), None)
    return render(
        request,
        "cases/intake/report.html",
        {
            "form": form,
            "recent": recent,
            "done": done,
            "photos_dropped": form.is_bound and bool(request.FILES),
        },
    )


@permission_required(CasesPerm.REPORT)
@require_http_methods(GET_POST)
def grid_report(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method != "POST":
        form = forms.GridReportForm(initial={"form_token": forms.new_form_token()}, user=user)
        return _render_report(request, form)
    data, token_ok = _token_data(request)
    if token_ok:
        earlier = intake_queries.case_for_form_token(user, data["form_token"])
        if earlier is not None:
            request.session[REPORT_DONE] = earlier.pk
            _tell_already_submitted(request)
            return redirect("cases:grid_report")
    form = forms.GridReportForm(data, request.FILES, user=user)
    if not form.is_valid():
        return _render_report(request, form)
    if not token_ok:
        form.add_error(None, _stale_form())
        return _render_report(request, form)
    try:
        case = _submit(request, form)
    except ValidationError as exc:
        apply_action_errors(form, exc)
        return _render_report(request, form)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("您没有此项权限。"))
        return _render_report(request, form)
    request.session[REPORT_DONE] = case.pk
    if case.resolved_on_spot:
        messages.success(request, _("已上报并办结（就地解决）。"))
    else:
        messages.success(request, _("已上报，等待社区受理。"))
    return redirect("cases:grid_report")


# --- 自助终端设置 -------------------------------------------------------------------------------------


@never_cache
@permission_required(CasesPerm.INTAKE)
@require_http_methods(GET_POST)
def kiosk_setup(request: HttpRequest) -> HttpResponse:
    """Set up a service hall's kiosk terminal: the page shows the start URL to open on it. Only a
    kiosk opened from such a URL takes in cases (see ``cases/kiosk.py``)."""
    form = forms.KioskSetupForm(request.POST or None, user=request.user)
    terminal: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        community, label = form.cleaned_data["community"], form.cleaned_data["label"]
        try:
            token = kiosk.kiosk_token(community=community, label=label, by=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error("community", str(exc))
        else:
            terminal = {
                "community": community,
                "label": label,
                "url": request.build_absolute_uri(kiosk.kiosk_start_url(token)),
            }
    return render(
        request,
        "cases/intake/kiosk_setup.html",
        {"form": form, "terminal": terminal, "idle_seconds": kiosk.IDLE_SECONDS},
        status=400 if form.errors else 200,
    )


# --- 分拨规则 -----------------------------------------------------------------------------------------


@permission_required(CasesPerm.MANAGE_ROUTING)
@require_GET
def routing(request: HttpRequest) -> HttpResponse:
    rules = case_queries.routing_rules(request.user).order_by("region__path", "category", "pk")
    page = Paginator(rules, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "cases/intake/routing.html", {"page_obj": page})


@permission_required(CasesPerm.MANAGE_ROUTING)
@require_http_methods(GET_POST)
def routing_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = forms.RoutingRuleForm(
        request.POST or None,
        regions=routing_queries.routing_regions(user),
        units=routing_queries.routing_units(user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            routing_actions.set_routing_rule(by=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error("region", str(exc))
        else:
            messages.success(request, _("分拨规则已保存。"))
            return redirect("cases:routing")
    return render(request, "cases/intake/routing_form.html", {"form": form, "rule": None})


@permission_required(CasesPerm.MANAGE_ROUTING)
@require_http_methods(GET_POST)
def routing_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    user = request.user
    rule = routing_queries.routing_rule(user, rule_id)
    form = forms.RoutingRuleForm(
        request.POST or None,
        units=queries.units_for(rule.region),
        editing=True,
        initial={"unit": rule.unit_id, "co_units": [u.pk for u in rule.co_units.all()]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            routing_actions.set_routing_rule(
                region=rule.region, category=rule.category, by=user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("分拨规则已保存。"))
            return redirect("cases:routing")
    return render(request, "cases/intake/routing_form.html", {"form": form, "rule": rule})


@permission_required(CasesPerm.MANAGE_ROUTING)
@require_http_methods(GET_POST)
def routing_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = routing_queries.routing_rule(request.user, rule_id)
    if request.method == "POST":
        try:
            routing_actions.remove_routing_rule(rule=rule, by=request.user)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("分拨规则已删除。"))
        return redirect("cases:routing")
    return render(request, "cases/intake/routing_delete.html", {"rule": rule})


# --- 挂起、延期审批；差评回访 -------------------------------------------------------------------------


def _refusals(request: HttpRequest, exc: ValidationError, labels: dict[str, str]) -> None:
    """An action's refusal as messages, each naming the field it is about."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            messages.error(request, message)
        return
    for field, errors in exc.message_dict.items():
        for message in errors:
            label = labels.get(field)
            messages.error(request, f"{label}：{message}" if label else message)


@permission_required(CasesPerm.APPROVE)
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    pending = case_queries.pending_approvals(request.user)
    page = Paginator(pending, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "cases/intake/approvals.html", {"page_obj": page})


@permission_required(CasesPerm.APPROVE)
@require_POST
def approval_decide(request: HttpRequest, approval_id: int) -> HttpResponse:
    approval = get_object_or_404(case_queries.pending_approvals(request.user), pk=approval_id)
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择批准或不批准。"))
        return redirect("cases:approvals")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        handling.decide_approval(
            approval=approval, by=request.user, approve=approve, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        _refusals(request, exc, {"note": _("审批意见")})
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您没有此项权限。"))
    else:
        messages.success(
            request,
            (_("已批准：%(number)s") if approve else _("已不批准：%(number)s"))
            % {"number": grouped(approval.case.number)},
        )
    return redirect("cases:approvals")


@permission_required(CasesPerm.ACCEPT)
@require_GET
def callbacks(request: HttpRequest) -> HttpResponse:
    page = Paginator(case_queries.open_callbacks(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    now = calendar.now()
    rows = [
        {
            "callback": callback,
            "overdue": callback.due_at < now,
            "name": mask_name(callback.case.requester_name),
            "phone": mask_phone(callback.case.requester_phone),
        }
        for callback in page.object_list
    ]
    return render(request, "cases/intake/callbacks.html", {"page_obj": page, "rows": rows})


@permission_required(CasesPerm.ACCEPT)
@require_POST
def callback_record(request: HttpRequest, callback_id: int) -> HttpResponse:
    callback = get_object_or_404(case_queries.open_callbacks(request.user), pk=callback_id)
    form = forms.CallbackForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect("cases:callbacks")
    try:
        ratings.record_callback(callback=callback, by=request.user, note=form.cleaned_data["note"])
    except ValidationError as exc:
        _refusals(request, exc, {"note": _("回访情况")})
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您没有此项权限。"))
    else:
        messages.success(
            request, _("回访已登记：%(number)s") % {"number": grouped(callback.case.number)}
        )
    return redirect("cases:callbacks")


urls: list[URLPattern] = [
    path("new/", intake, name="intake"),
    path("new/nearby/", intake_nearby, name="intake_nearby"),
    path("new/<int:case_id>/receipt/", receipt, name="receipt"),
    path("report/", grid_report, name="grid_report"),
    path("kiosk-setup/", kiosk_setup, name="kiosk_setup"),
    path("routing/", routing, name="routing"),
    path("routing/new/", routing_new, name="routing_new"),
    path("routing/<int:rule_id>/edit/", routing_edit, name="routing_edit"),
    path("routing/<int:rule_id>/delete/", routing_delete, name="routing_delete"),
    path("approvals/", approvals, name="approvals"),
    path("approvals/<int:approval_id>/", approval_decide, name="approval_decide"),
    path("callbacks/", callbacks, name="callbacks"),
    path("callbacks/<int:callback_id>/", callback_record, name="callback_record"),
]
