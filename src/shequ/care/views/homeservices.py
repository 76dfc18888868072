"""Home-service pages: the resident's own and their household's orders (request, follow, cancel,
confirm and rate); staff's list, request on behalf, an order's page (schedule, mark delivered,
cancel, decline) and indicator 9 per child region. Reads through ``queries.homeservices``, writes
through ``actions.homeservices``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.care.actions import homeservices as actions
from shequ.care.forms import homeservices as forms
from shequ.care.models.homeservices import HomeServiceKind, HomeServiceOrder
from shequ.care.permissions import CarePerm
from shequ.care.queries import homeservices as queries
from shequ.core import calendar
from shequ.core.decorators import permission_required, resident_only
from shequ.core.page_views import paged, run_action, submit
from shequ.organizations.models import Provider
from shequ.territory import queries as places
from shequ.territory.models import Region

VIEW = CarePerm.VIEW
HOME_SERVICES = CarePerm.HOME_SERVICES
STATISTICS = CarePerm.STATISTICS
PER_PAGE = 30
KIND_ICONS: dict[str, str] = {
    HomeServiceKind.MEAL: "egg-fried",
    HomeServiceKind.CLEANING: "stars",
    HomeServiceKind.MEDICAL: "capsule",
    HomeServiceKind.MOBILITY: "person-walking",
    HomeServiceKind.BATHING: "droplet",
    HomeServiceKind.EMERGENCY: "telephone-plus",
}


def _kinds() -> list[tuple[str, str, str]]:
    return [(value, str(label), KIND_ICONS[value]) for value, label in HomeServiceKind.choices]


# --- Staff ----------------------------------------------------------------------------------------


@permission_required(VIEW)
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    regions = list(places.narrowing_regions(user, VIEW))
    providers = [(p.pk, p.name) for p in queries.filter_providers(user)]
    form = forms.ListFilterForm(
        request.GET or None,
        providers=providers,
        regions=[(r.code, r.name) for r in regions],
    )
    paths = {r.code: r.path for r in regions}
    page, query = paged(request, queries.order_list(user, form.filters(paths)), PER_PAGE)
    return render(
        request,
        "care/homeservices/list.html",
        {
            "form": form,
            "page_obj": page,
            "query": query,
            "can_request": user.has_permission(HOME_SERVICES),
            "can_see_statistics": user.has_permission(STATISTICS),
        },
    )


@permission_required(HOME_SERVICES)
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    search = forms.SearchForm(request.GET or None)
    found = []
    if search.is_valid():
        found = list(queries.residents_to_serve(user, search.cleaned_data["q"]))
    chosen = None
    chosen_id = request.POST.get("resident") or request.GET.get("resident")
    if chosen_id and str(chosen_id).isdigit():
        chosen = queries.resident_to_serve(user, int(chosen_id))
    form = forms.StaffRequestForm(
        request.POST or None, initial={"resident": chosen.pk if chosen else None}
    )
    if request.method == "POST":

        def post(d: dict[str, Any]) -> HomeServiceOrder:
            person = queries.resident_to_serve(user, d["resident"])
            return actions.request_service(
                resident=person,
                by=user,
                kind=d["kind"],
                details=d["details"],
                preferred_date=d["preferred_date"],
                request_key=d["request_key"],
            )

        done = submit(
            request,
            form,
            post,
            lambda o: _("已代居民申请居家服务 %(number)s。") % {"number": o.number},
            lambda o: redirect("care:home_service_detail", order_id=o.pk),
            refusal_on_form=True,
        )
        if done:
            return done
    return render(
        request,
        "care/homeservices/create.html",
        {"search": search, "found": found, "chosen": chosen, "form": form},
        status=422 if form.errors else 200,
    )


def _provider_choices(order: HomeServiceOrder) -> list[tuple[int, str]]:
    return [
        (p.pk, _("%(name)s（%(kind)s）") % {"name": p.name, "kind": p.get_kind_display()})
        for p in queries.providers_for(order.community)
    ]


@permission_required(VIEW)
@require_GET
def detail(request: HttpRequest, order_id: int) -> HttpResponse:
    user: Any = request.user
    order = queries.order(user, order_id)
    may = queries.may_handle(user, order)
    status = order.status
    return render(
        request,
        "care/homeservices/detail.html",
        {
            "order": order,
            "may": may,
            "may_schedule": may and status in actions.SCHEDULE_FROM,
            "may_deliver": may and status in actions.DELIVER_FROM,
            "may_cancel": may and status in actions.CANCEL_FROM,
            "may_decline": may and status in actions.DECLINE_FROM,
            "schedule_form": forms.ScheduleForm(providers=_provider_choices(order))
            if may and status in actions.SCHEDULE_FROM
            else None,
            "deliver_form": forms.DeliverForm(
                initial={"delivered_at": calendar.localtime().replace(second=0, microsecond=0)}
            ),
            "reason_form": forms.ReasonForm(),
            "may_confirm": may and status in actions.CONFIRM_FROM,
            "callback_due": status in actions.CONFIRM_FROM
            and order.delivered_at is not None
            and order.delivered_at < queries.callback_due_before(),
            "rate_form": forms.RateForm(),
            "age": order.resident.age_on(calendar.localdate()),
        },
    )


def _staff_step(request: HttpRequest, order_id: int, form: Any, act: Any, said: str) -> Any:
    user: Any = request.user
    order = queries.order(user, order_id, HOME_SERVICES)
    try:
        run_action(request, form, lambda d: act(order, user, d), said)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("care:home_service_detail", order_id=order.pk)


@permission_required(HOME_SERVICES)
@require_POST
def schedule(request: HttpRequest, order_id: int) -> HttpResponse:
    order = queries.order(request.user, order_id, HOME_SERVICES)
    form = forms.ScheduleForm(request.POST, providers=_provider_choices(order))

    def act(o: HomeServiceOrder, u: Any, d: dict[str, Any]) -> HomeServiceOrder:
        provider = Provider.objects.select_related("region").filter(pk=d["provider"]).first()
        return actions.schedule(order=o, by=u, provider=provider, scheduled_for=d["scheduled_for"])

    return _staff_step(request, order_id, form, act, _("已安排上门服务。"))


@permission_required(HOME_SERVICES)
@require_POST
def deliver(request: HttpRequest, order_id: int) -> HttpResponse:
    return _staff_step(
        request,
        order_id,
        forms.DeliverForm(request.POST),
        lambda o, u, d: actions.mark_delivered(
            order=o, by=u, delivered_at=d["delivered_at"], minutes=d["minutes"], note=d["note"]
        ),
        _("已登记服务完成，等待居民确认。"),
    )


@permission_required(HOME_SERVICES)
@require_POST
def staff_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    return _staff_step(
        request,
        order_id,
        forms.ReasonForm(request.POST),
        lambda o, u, d: actions.cancel(order=o, by=u, reason=d["reason"]),
        _("服务单已取消。"),
    )


@permission_required(HOME_SERVICES)
@require_POST
def staff_decline(request: HttpRequest, order_id: int) -> HttpResponse:
    return _staff_step(
        request,
        order_id,
        forms.ReasonForm(request.POST),
        lambda o, u, d: actions.decline(order=o, by=u, reason=d["reason"]),
        _("已不予安排。"),
    )


@permission_required(HOME_SERVICES)
@require_POST
def staff_confirm(request: HttpRequest, order_id: int) -> HttpResponse:
    """Staff record the resident's confirmation and rating given on a callback."""
    return _staff_step(
        request,
        order_id,
        forms.RateForm(request.POST),
        lambda o, u, d: actions.confirm_and_rate(
            order=o, by=u, rating=d["rating"], comment=d["comment"]
        ),
        _("已登记居民的确认和评价。"),
    )


def _period(request: HttpRequest) -> tuple[date, date]:
    """``?from=&to=`` (dates), by default this month so far."""
    today = calendar.localdate()
    start, end = today.replace(day=1), today
    try:
        if request.GET.get("from"):
            start = date.fromisoformat(request.GET["from"])
        if request.GET.get("to"):
            end = date.fromisoformat(request.GET["to"])
    except ValueError:
        messages.error(request, _("日期格式不正确，已显示本月的统计。"))
        return today.replace(day=1), today
    if end < start or end - start > timedelta(days=366):
        messages.error(request, _("统计期间须在一年以内，且结束日期不早于开始日期。"))
        return today.replace(day=1), today
    return start, end


def _top_region(user: Any) -> Region:
    where = user.jurisdiction(STATISTICS)
    paths = sorted({*where.region_paths, *where.grid_community_paths}, key=len)
    top = Region.objects.defer("geometry").filter(path__in=paths[:1]).first()
    if top is None:
        raise Http404
    return top


@permission_required(STATISTICS)
@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    """Indicator 9 per child region with drill-down. Behind ``care.statistics``, not ``care.view``:
    a grid worker sees only their grid's residents, but the indicator counts whole regions."""
    user: Any = request.user
    code = request.GET.get("region", "")
    region = places.region_in_scope(user, code, STATISTICS) if code else _top_region(user)
    start, end = _period(request)
    children = places.child_regions(user, region, STATISTICS)
    coverage = queries.home_service_coverage(region, start, end, children)
    return render(
        request,
        "care/homeservices/statistics.html",
        {
            "coverage": coverage,
            "crumbs": places.breadcrumbs(region, user),
            "start": start,
            "end": end,
        },
    )


# --- The resident's own ---------------------------------------------------------------------------


@resident_only
@require_GET
def my_orders(request: HttpRequest) -> HttpResponse:
    resident = actions.own_resident(request.user)
    page = None
    if resident is not None:
        page, _query = paged(request, queries.own_orders(resident), PER_PAGE)
    return render(
        request, "care/homeservices/my_list.html", {"resident": resident, "page_obj": page}
    )


@resident_only
@require_http_methods(["GET", "POST"])
def my_request(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    resident = actions.own_resident(user)
    people = queries.elderly_in_household(resident) if resident is not None else []
    today = calendar.localdate()
    choices = [
        (
            p.pk,
            _("本人（%(name)s）") % {"name": p.name}
            if p.pk == getattr(resident, "pk", None)
            else _("%(name)s（%(age)s岁）") % {"name": p.name, "age": p.age_on(today)},
        )
        for p in people
    ]
    form = forms.ResidentRequestForm(request.POST or None, people=choices)
    if request.method == "POST" and resident is not None and people:
        by_pk = {p.pk: p for p in people}

        def post(d: dict[str, Any]) -> HomeServiceOrder:
            return actions.request_service(
                resident=by_pk[d["served"]],
                by=user,
                kind=d["kind"],
                details=d["details"],
                preferred_date=d["preferred_date"],
                request_key=d["request_key"],
            )

        done = submit(
            request,
            form,
            post,
            _("申请已提交，社区会尽快为您安排。"),
            lambda o: redirect("care:my_home_service", order_id=o.pk),
            refusal_on_form=True,
        )
        if done:
            return done
    return render(
        request,
        "care/homeservices/my_request.html",
        {"resident": resident, "people": people, "form": form, "kinds": _kinds()},
        status=422 if form.errors else 200,
    )


@resident_only
@require_GET
def my_order(request: HttpRequest, order_id: int) -> HttpResponse:
    if actions.own_resident(request.user) is None:
        return redirect("care:my_home_services")
    order = queries.own_order(request.user, order_id)
    return render(
        request,
        "care/homeservices/my_detail.html",
        {
            "order": order,
            "may_cancel": order.status in actions.CANCEL_FROM,
            "may_confirm": order.status in actions.CONFIRM_FROM,
            "rate_form": forms.RateForm(),
            "cancel_form": forms.ResidentCancelForm(),
            "stars": range(1, 6),
        },
    )


def _own_step(request: HttpRequest, order_id: int, form: Any, act: Any, said: str) -> Any:
    user: Any = request.user
    if actions.own_resident(user) is None:
        return redirect("care:my_home_services")
    order = queries.own_order(user, order_id)
    try:
        run_action(request, form, lambda d: act(order, user, d), said)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:  # pragma: no cover - run_action flashes these
        messages.error(request, " ".join(exc.messages))
    return redirect("care:my_home_service", order_id=order.pk)


@resident_only
@require_POST
def my_confirm(request: HttpRequest, order_id: int) -> HttpResponse:
    return _own_step(
        request,
        order_id,
        forms.RateForm(request.POST),
        lambda o, u, d: actions.confirm_and_rate(
            order=o, by=u, rating=d["rating"], comment=d["comment"]
        ),
        _("感谢您的评价！"),
    )


@resident_only
@require_POST
def my_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    return _own_step(
        request,
        order_id,
        forms.ResidentCancelForm(request.POST),
        lambda o, u, d: actions.cancel(order=o, by=u, reason=d["reason"]),
        _("服务单已取消。"),
    )


H = "home-services/<int:order_id>/"
M = "me/home-services/<int:order_id>/"
urls: list[URLPattern] = [
    path("home-services/", order_list, name="home_service_list"),
    path("home-services/new/", create, name="home_service_create"),
    path("home-services/statistics/", statistics, name="home_service_statistics"),
    path(H, detail, name="home_service_detail"),
    path(H + "schedule/", schedule, name="home_service_schedule"),
    path(H + "deliver/", deliver, name="home_service_deliver"),
    path(H + "cancel/", staff_cancel, name="home_service_cancel"),
    path(H + "decline/", staff_decline, name="home_service_decline"),
    path(H + "confirm/", staff_confirm, name="home_service_confirm"),
    path("me/home-services/", my_orders, name="my_home_services"),
    path("me/home-services/new/", my_request, name="request_home_service"),
    path(M, my_order, name="my_home_service"),
    path(M + "confirm/", my_confirm, name="my_home_service_confirm"),
    path(M + "cancel/", my_cancel, name="my_home_service_cancel"),
]
