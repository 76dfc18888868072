"""The living-circle pages (L2): the coverage map with its gaps and siting, the estate table and its
Excel export, walking networks, and the standard."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import permission_required
from shequ.core.forms import apply_action_errors
from shequ.core.page_views import xlsx_response
from shequ.core.scoping import get_scoped_or_404
from shequ.facilities.actions import coverage as computing
from shequ.facilities.actions import networks as network_actions
from shequ.facilities.actions import standard as standard_actions
from shequ.facilities.forms.coverage import CircleForm, CoverageForm, NetworkImportForm
from shequ.facilities.models import FacilityCategory, LivingCircle
from shequ.facilities.permissions import FacilitiesPerm
from shequ.facilities.queries import coverage as queries
from shequ.facilities.queries.siting import suggest_sites
from shequ.territory.models import Level, Region

GAP_ROWS = 50
TABLE_ROWS = 100


def _map_settings() -> dict[str, str]:
    return {
        "map_tiles": getattr(settings, "SHEQU_MAP_TILE_URL", ""),
        "map_attribution": getattr(settings, "SHEQU_MAP_TILE_ATTRIBUTION", ""),
    }


def _chosen(request: HttpRequest) -> tuple[CoverageForm, Region, Any]:
    """The form, the region the page is about and the requirement to show (None if none is set)."""
    form = CoverageForm(request.GET or None)
    form.is_valid()
    region = queries.place(request.user, form.cleaned_data.get("region") if form.is_bound else None)
    key = form.requirement_key()
    requirement = queries.requirement(*key) if key else None
    return form, region, requirement


def _map_data(
    rows: list[queries.EstateRow], facilities: list[dict[str, Any]], sites: Any
) -> dict[str, Any]:
    """What the map draws, compact (a county has thousands of estates): each estate as
    ``[lat, lng, households, distance or null, state, name, nearest facility]`` with state 0 covered,
    1 not covered, 2 unreachable; each facility as ``[lat, lng, name]``."""
    return {
        "estates": [
            [r.lat, r.lng, r.households,
             None if r.distance_m is None else round(r.distance_m),
             2 if r.unreachable else 0 if r.covered else 1, r.name, r.facility]
            for r in rows
            if r.lat is not None and r.lng is not None
        ],
        "facilities": [[f["lat"], f["lng"], f["name"]] for f in facilities],
        "sites": [
            [s.rank, s.lat, s.lng, s.households, s.premises]
            for s in (sites.sites if sites else [])
        ],
    }  # fmt: skip


@require_GET
@never_cache
@permission_required(FacilitiesPerm.VIEW)
def coverage_map(request: HttpRequest) -> HttpResponse:
    """Which estates reach a requirement's facilities within its walking distance, the gaps, the
    coverage of each lower region, and — on request — where new facilities would cover the most."""
    user = request.user
    form, region, requirement = _chosen(request)
    run = queries.latest_run(region)
    context: dict[str, Any] = {
        "form": form,
        "region": region,
        "requirement": requirement,
        "run": run,
        "pending": queries.pending_run(region),
        "failure": queries.last_failure(region, run),
        "crumbs": queries.crumbs(user, region),
        "may_analyse": user.has_permission(FacilitiesPerm.ANALYSE),
        "may_edit": user.has_permission(FacilitiesPerm.EDIT),
        **_map_settings(),
    }
    if run is not None and requirement is not None:
        rows = queries.estate_rows(user, run, region, requirement)
        total, parts = queries.summary(user, region, run)
        sites = None
        if form.is_bound and form.cleaned_data.get("sites"):
            if not user.has_permission(FacilitiesPerm.ANALYSE):
                raise PermissionDenied
            sites = suggest_sites(
                user, run, region, requirement,
                k=form.cleaned_data["sites"], use_premises=bool(form.cleaned_data.get("premises")),
            )  # fmt: skip
        key = (requirement.circle_id, requirement.category)
        context.update(
            gaps=[r for r in rows if not r.covered][:GAP_ROWS],
            gap_count=sum(1 for r in rows if not r.covered),
            gap_households=sum(r.households for r in rows if not r.covered),
            total=total,
            share=total.by_requirement.get(key),
            parts=[(p, p.by_requirement.get(key)) for p in parts],
            sites=sites,
            map_data=_map_data(
                rows, queries.facilities_on_map(user, region, requirement.category), sites
            ),
            query=_query(region, requirement),
        )
    return render(request, "facilities/coverage.html", context)


def _query(region: Region, requirement: Any) -> str:
    return urlencode(
        {"region": region.code, "requirement": f"{requirement.circle_id}:{requirement.category}"}
    )


@require_GET
@never_cache
@permission_required(FacilitiesPerm.VIEW)
def coverage_table(request: HttpRequest) -> HttpResponse:
    """Every estate of the region with its distance for the chosen requirement, paged."""
    user = request.user
    form, region, requirement = _chosen(request)
    run = queries.latest_run(region)
    page = None
    gaps_only = request.GET.get("gaps") == "1"
    if run is not None and requirement is not None:
        rows = queries.estate_rows(user, run, region, requirement, gaps_only=gaps_only)
        page = Paginator(rows, TABLE_ROWS).get_page(request.GET.get("page"))
    return render(
        request,
        "facilities/coverage_table.html",
        {
            "form": form, "region": region, "requirement": requirement, "run": run, "page": page,
            "gaps_only": gaps_only, "crumbs": queries.crumbs(user, region),
            "may_analyse": user.has_permission(FacilitiesPerm.ANALYSE),
            "query": _query(region, requirement) if requirement is not None else "",
        },
    )  # fmt: skip


@require_GET
@never_cache
@permission_required(FacilitiesPerm.VIEW)
def coverage_export(request: HttpRequest) -> HttpResponse:
    """Every estate of the region with its distance to each category and each requirement."""
    user = request.user
    _form, region, _requirement = _chosen(request)
    run = queries.latest_run(region)
    if run is None:
        messages.error(request, _("还没有生活圈覆盖的计算结果。"))
        return redirect("facilities:coverage")
    content, filename = queries.export_workbook(user, run, region)
    return xlsx_response(content, filename)


@require_POST
@permission_required(FacilitiesPerm.ANALYSE)
def coverage_refresh(request: HttpRequest) -> HttpResponse:
    region = queries.place(request.user, request.POST.get("region"))
    try:
        computing.refresh_now(region=region, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("已安排重新计算生活圈覆盖，完成后本页即显示新结果。"))
    return redirect(f"{reverse('facilities:coverage')}?{urlencode({'region': region.code})}")


# --- Walking networks ----------------------------------------------------------------------------


def _network_regions(user: Any) -> list[tuple[str, str]]:
    regions = (
        queries.analysable_regions(user)
        .exclude(level=Level.COMMUNITY)
        .order_by("depth", "path")
        .values_list("code", "name")
    )
    return [
        (code, _("%(name)s（%(code)s）") % {"name": name, "code": code}) for code, name in regions
    ]


@require_http_methods(["GET", "POST"])
@permission_required(FacilitiesPerm.ANALYSE)
def networks(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = NetworkImportForm(
        request.POST or None, request.FILES or None, regions=_network_regions(user)
    )
    if request.method == "POST" and form.is_valid():
        region = get_scoped_or_404(
            Region.objects.defer("geometry"), user, FacilitiesPerm.ANALYSE,
            code=form.cleaned_data["region"],
        )  # fmt: skip
        try:
            walking = network_actions.import_network(
                region=region, upload=form.cleaned_data["file"], name=form.cleaned_data["name"],
                by=user,
            )  # fmt: skip
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "路网“%(name)s”已导入：%(nodes)d 个节点、%(edges)d 条路段。生活圈覆盖将重新计算。"
                )
                % {"name": walking.name, "nodes": walking.node_count, "edges": walking.edge_count},
            )
            return redirect("facilities:networks")
    return render(
        request,
        "facilities/networks.html",
        {"form": form, "networks": queries.networks(user)[:50]},
        status=400 if form.errors else 200,
    )


@require_POST
@permission_required(FacilitiesPerm.ANALYSE)
def network_deactivate(request: HttpRequest, network_id: int) -> HttpResponse:
    walking = get_object_or_404(queries.networks(request.user), pk=network_id)
    try:
        network_actions.deactivate_network(walking=walking, by=request.user)
    except PermissionDenied:
        messages.error(request, _("您没有此项权限。"))
    else:
        messages.success(request, _("路网“%(name)s”已停用。") % {"name": walking.name})
    return redirect("facilities:networks")


# --- The standard --------------------------------------------------------------------------------


@require_GET
@permission_required(FacilitiesPerm.VIEW)
def standard(request: HttpRequest) -> HttpResponse:
    circles = LivingCircle.objects.prefetch_related("requirements")
    return render(
        request,
        "facilities/standard.html",
        {
            "circles": circles,
            "may_edit": request.user.has_permission(FacilitiesPerm.MANAGE_STANDARD),
        },
    )


def _circle_initial(circle: LivingCircle) -> dict[str, Any]:
    return {
        "code": circle.code, "name": circle.name, "name_en": circle.name_en,
        "service_radius_m": circle.service_radius_m, "minutes": circle.minutes, "applies_to": circle.applies_to,
        "basis": circle.basis,
        "categories": [r.category for r in circle.requirements.all()],
    }  # fmt: skip


@require_http_methods(["GET", "POST"])
@permission_required(FacilitiesPerm.MANAGE_STANDARD)
def circle_edit(request: HttpRequest, circle_id: int | None = None) -> HttpResponse:
    circle = get_object_or_404(LivingCircle, pk=circle_id) if circle_id is not None else None
    form = CircleForm(request.POST or None, initial=_circle_initial(circle) if circle else None)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        code = values.pop("code")
        try:
            if circle is None:
                circle = standard_actions.add_circle(by=request.user, code=code, **values)
            else:
                standard_actions.update_circle(circle=circle, by=request.user, **values)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("生活圈标准已保存，覆盖情况将重新计算。"))
            return redirect("facilities:standard")
    return render(
        request,
        "facilities/circle_form.html",
        {"form": form, "circle": circle, "categories": FacilityCategory.choices},
        status=400 if form.errors else 200,
    )


urls: list[URLPattern] = [
    path("coverage/", coverage_map, name="coverage"),
    path("coverage/estates/", coverage_table, name="coverage_table"),
    path("coverage/export.xlsx", coverage_export, name="coverage_export"),
    path("coverage/refresh/", coverage_refresh, name="coverage_refresh"),
    path("networks/", networks, name="networks"),
    path("networks/<int:network_id>/deactivate/", network_deactivate, name="network_deactivate"),
    path("standard/", standard, name="standard"),
    path("standard/new/", circle_edit, name="circle_new"),
    path("standard/<int:circle_id>/edit/", circle_edit, name="circle_edit"),
]
