"""Visit pages: the rules (county and city), the plan list with generation and assignment (staff),
the visitor's phone page (today's, this week's and overdue visits), recording a planned or an
unplanned visit, and a visit's page. Reads through ``queries.visits``, writes through
``actions.visits``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.care.actions import visits as actions
from shequ.care.forms import visits as forms
from shequ.care.models import Finding, VisitPlan, VisitPlanStatus
from shequ.care.permissions import CarePerm
from shequ.care.queries import visits as queries
from shequ.core import calendar
from shequ.core.decorators import permission_required
from shequ.core.forms import apply_action_errors
from shequ.core.page_views import flash_errors, paged, submit
from shequ.registry.models import Resident

VIEW = CarePerm.VIEW
VISIT = CarePerm.VISIT
PLAN = CarePerm.PLAN
CONFIGURE = CarePerm.CONFIGURE
PER_PAGE = 50


def _layout(user: Any) -> str:
    return "layouts/resident.html" if getattr(user, "is_resident", False) else "layouts/staff.html"


# --- Rules ------------------------------------------------------------------------------------------


@permission_required(VIEW)
@require_http_methods(["GET", "POST"])
def rule_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    regions = queries.rule_regions(user) if user.has_permission(CONFIGURE) else None
    defaults = forms.DefaultRulesForm(request.POST or None, regions=regions) if regions else None
    if request.method == "POST":
        if defaults is None:
            raise PermissionDenied
        done = submit(
            request,
            defaults,
            lambda d: actions.load_default_rules(region=d["region"], by=user),
            lambda n: _("已添加 %(n)d 条推荐规则。") % {"n": n},
            lambda n: redirect("care:rule_list"),
            refusal_on_form=True,
        )
        if done:
            return done
    return render(
        request,
        "care/visits/rule_list.html",
        {
            "rules": list(queries.visible_rules(user)),
            "defaults_form": defaults,
            "can_configure": defaults is not None,
        },
    )


@permission_required(CONFIGURE)
@require_http_methods(["GET", "POST"])
def rule_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.RuleForm(request.POST or None, regions=queries.rule_regions(user))
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda d: actions.create_rule(by=user, **d),
            _("探访规则已保存。"),
            lambda r: redirect("care:rule_list"),
            refusal_on_form="region",
        )
        if done:
            return done
    return render(
        request, "care/visits/rule_form.html", {"form": form, "rule": None},
        status=422 if form.errors else 200,
    )  # fmt: skip


@permission_required(CONFIGURE)
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, visit_rule_id: int) -> HttpResponse:
    user: Any = request.user
    rule = queries.rule_to_edit(user, visit_rule_id)
    form = (
        forms.RuleEditForm(request.POST)
        if request.method == "POST"
        else forms.RuleEditForm.for_rule(rule)
    )
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda d: actions.edit_rule(rule=rule, by=user, **d),
            _("探访规则已修改。"),
            lambda r: redirect("care:rule_list"),
            refusal_on_form=True,
        )
        if done:
            return done
    return render(
        request, "care/visits/rule_form.html", {"form": form, "rule": rule},
        status=422 if form.errors else 200,
    )  # fmt: skip


# --- Plans ------------------------------------------------------------------------------------------


@permission_required(VIEW)
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    regions = queries.staff_regions(user).filter(level__in=("county", "township", "community"))
    form = forms.PlanFilterForm(request.GET or None, regions=regions[:500])
    page, query = paged(request, queries.plans(user, form.filters()), PER_PAGE)
    can_plan = user.has_permission(PLAN)
    return render(
        request,
        "care/visits/plan_list.html",
        {
            "form": form,
            "page_obj": page,
            "query": query,
            "can_plan": can_plan,
            "plan_regions": list(queries.staff_regions(user, PLAN)[:200]) if can_plan else [],
            "today": calendar.localdate(),
        },
    )


@permission_required(PLAN)
@require_POST
def generate_plans(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = queries.staff_regions(user, PLAN).filter(code=request.POST.get("region", "")).first()
    month = forms._month(request.POST.get("month", "")) or calendar.localdate().replace(day=1)
    if region is None:
        messages.error(request, _("请选择您辖区内的区域。"))
        return redirect("care:plan_list")
    try:
        made = actions.generate_plans(region=region, period_start=month, by=user)
    except ValidationError as exc:
        flash_errors(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("已生成 %(created)d 条探访计划，取消 %(cancelled)d 条。")
            % {"created": made.created, "cancelled": made.cancelled},
        )
    return redirect(reverse("care:plan_list") + f"?month={month:%Y-%m}&region={region.code}")


def _visitor_choices(user: Any, plan: VisitPlan) -> list[tuple[int, str]]:
    return [(u.pk, u.full_name or u.username) for u in queries.assignable_visitors(user, plan)]


@permission_required(PLAN)
@require_http_methods(["GET", "POST"])
def assign_plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    user: Any = request.user
    plan = queries.plan(user, plan_id, PLAN)
    form = forms.AssignForm(
        request.POST or None,
        choices=_visitor_choices(user, plan),
        initial={"version": plan.version},
    )
    if request.method == "POST":
        from shequ.accounts.models import User

        def act(d: dict[str, Any]) -> VisitPlan:
            visitor = User.objects.filter(pk=d["visitor"]).first()
            return actions.assign_plan(plan=plan, visitor=visitor, version=d["version"], by=user)

        done = submit(
            request, form, act, _("已指派探访人。"), lambda p: redirect("care:plan_list"),
            refusal_on_form=True,
        )  # fmt: skip
        if done:
            return done
    return render(
        request, "care/visits/assign.html", {"form": form, "plan": plan},
        status=422 if form.errors else 200,
    )  # fmt: skip


# --- The visitor's pages ----------------------------------------------------------------------------


def _visitor_only(user: Any) -> None:
    if not (user.has_permission(VISIT) or queries.has_assigned_plans(user)):
        raise PermissionDenied


@login_required
@require_GET
def my_visits(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _visitor_only(user)
    today = calendar.localdate()
    rows = list(queries.my_visits(user)[:200])
    return render(
        request,
        "care/visits/my_visits.html",
        {
            "layout": _layout(user),
            "overdue": [p for p in rows if p.due_date < today],
            "today_rows": [p for p in rows if p.due_date == today],
            "week": [p for p in rows if p.due_date > today],
            "today": today,
        },
    )


def _record(request: HttpRequest, *, plan: VisitPlan | None, resident: Resident) -> HttpResponse:
    user: Any = request.user
    checklist = list(plan.rule.checklist) if plan is not None else []
    mode = plan.mode if plan is not None else ""
    if request.method == "POST":
        form = forms.VisitForm(request.POST, request.FILES, checklist=checklist, mode=mode)
        if form.is_valid():
            d = form.cleaned_data
            data = actions.VisitInput(
                mode=d["mode"],
                visited_at=form.visited(),
                answers=form.answers(),
                findings=d["findings"],
                note=d["note"],
                photo=d["photo"],
                photo_consent=d["photo_consent"],
                latitude=d["latitude"],
                longitude=d["longitude"],
                located_at=d["located_at"],
                request_key=d["request_key"],
            )
            try:
                visit = actions.record_visit(by=user, data=data, plan=plan, resident=resident)
            except ValidationError as exc:
                apply_action_errors(form, exc)
            except PermissionDenied:
                raise Http404 from None
            else:
                if visit.case_id:
                    messages.success(
                        request,
                        _("探访已记录，发现的问题已转为工单 %(number)s。")
                        % {"number": visit.case.number},
                    )
                else:
                    messages.success(request, _("探访已记录。"))
                return redirect("care:visit_detail", visit_id=visit.pk)
    else:
        form = forms.VisitForm(checklist=checklist, mode=mode)
    return render(
        request,
        "care/visits/record.html",
        {"layout": _layout(user), "form": form, "plan": plan, "resident": resident},
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_visit(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = queries.plan_to_record(request.user, plan_id)
    if plan.status != VisitPlanStatus.PLANNED and request.method == "GET":
        messages.info(request, _("该探访计划已完成或已取消。"))
        return redirect("care:my_visits")
    return _record(request, plan=plan, resident=plan.resident)


@permission_required(VISIT)
@require_http_methods(["GET", "POST"])
def record_unplanned_visit(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = queries.resident_to_visit(request.user, resident_id)
    return _record(request, plan=None, resident=resident)


@login_required
@require_GET
def visit_detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    user: Any = request.user
    # Scoped for care.view holders; anyone else sees only the visits they made (or a 404).
    visit = queries.visit(user, visit_id)
    return render(
        request,
        "care/visits/visit_detail.html",
        {
            "layout": _layout(user),
            "visit": visit,
            "finding_labels": [
                str(Finding(f).label) for f in visit.findings if f in Finding.values
            ],
            "show_note": queries.may_read_note(user, visit),
        },
    )


urls: list[URLPattern] = [
    path("visits/", my_visits, name="my_visits"),
    path("visits/rules/", rule_list, name="rule_list"),
    path("visits/rules/new/", rule_create, name="rule_create"),
    path("visits/rules/<int:visit_rule_id>/edit/", rule_edit, name="rule_edit"),
    path("visits/plans/", plan_list, name="plan_list"),
    path("visits/plans/generate/", generate_plans, name="generate_plans"),
    path("visits/plans/<int:plan_id>/assign/", assign_plan, name="assign_plan"),
    path("visits/plans/<int:plan_id>/record/", record_visit, name="record_visit"),
    path(
        "visits/residents/<int:resident_id>/record/",
        record_unplanned_visit,
        name="record_unplanned_visit",
    ),
    path("visits/<int:visit_id>/", visit_detail, name="visit_detail"),
]
