"""Baselines and targets of the plan's indicators for a region: the region's own and those it
takes from above, a plan's file uploaded (another city's plan, or a county's stricter one), one
value entered or removed by hand, and the region's own as a file. Holders of
``indicators.targets`` only, inside their jurisdiction (404 outside)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core import audit
from shequ.core.decorators import permission_required
from shequ.core.forms import apply_action_errors
from shequ.indicators.actions import targets as actions
from shequ.indicators.forms.targets import TargetForm, TargetsFileForm
from shequ.indicators.models import IndicatorTarget
from shequ.indicators.permissions import IndicatorPerm
from shequ.indicators.queries import targets as queries
from shequ.territory.models import Region
from shequ.territory.queries import region_in_scope

Perm = IndicatorPerm


def _region(user: Any, code: str) -> Region:
    if code:
        return region_in_scope(user, code, Perm.TARGETS)
    paths = sorted(user.jurisdiction(Perm.TARGETS).region_paths, key=len)
    if not paths:
        raise Http404
    return Region.objects.defer("geometry").get(path=paths[0])


def _page(request: HttpRequest, region: Region, **forms: Any) -> HttpResponse:
    status = 400 if any(form.is_bound and form.errors for form in forms.values()) else 200
    return render(
        request,
        "indicators/targets.html",
        {
            "region": region,
            "rows": queries.target_table(region),
            "file_form": forms.get("file_form") or TargetsFileForm(),
            "target_form": forms.get("target_form") or TargetForm(),
        },
        status=status,
    )


def _back(region: Region) -> HttpResponse:
    return redirect(f"{reverse('indicators:targets')}?region={region.code}")


@permission_required(Perm.TARGETS)
@require_GET
def targets(request: HttpRequest) -> HttpResponse:
    return _page(request, _region(request.user, request.GET.get("region", "")))


@permission_required(Perm.TARGETS)
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = _region(user, request.POST.get("region", ""))
    form = TargetsFileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            count = actions.load_targets(
                form.cleaned_data["file"],
                region=region,
                by=user,
                source=form.cleaned_data["source"],
            )
        except ValidationError as refused:
            form.add_error("file", refused.messages)
        else:
            messages.success(
                request,
                _("已为%(place)s载入 %(count)s 个基线和目标值。")
                % {"place": region.name, "count": count},
            )
            return _back(region)
    return _page(request, region, file_form=form)


@permission_required(Perm.TARGETS)
@require_POST
def enter(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = _region(user, request.POST.get("region", ""))
    form = TargetForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.set_target(
                region=region,
                indicator=data["indicator"],
                year=data["year"],
                value=data["value"],
                is_baseline=data["kind"] == "baseline",
                is_binding=data["is_binding"],
                source=data["source"],
                by=user,
            )
        except ValidationError as refused:
            apply_action_errors(form, refused)
        else:
            messages.success(request, _("已保存。"))
            return _back(region)
    return _page(request, region, target_form=form)


@permission_required(Perm.TARGETS)
@require_http_methods(["POST"])
def remove(request: HttpRequest, target_id: int) -> HttpResponse:
    user: Any = request.user
    region = _region(user, request.POST.get("region", ""))
    target = IndicatorTarget.objects.filter(pk=target_id, region=region).first()
    if target is None:
        raise Http404
    actions.remove_target(target, by=user)
    messages.success(request, _("已删除，该地区改用上级的目标。"))
    return _back(region)


@permission_required(Perm.TARGETS)
@require_GET
def download(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = _region(user, request.GET.get("region", ""))
    audit.record("indicators.export_targets", actor=user, region=region)
    response = HttpResponse(
        "\ufeff" + queries.targets_file(region), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="targets-{region.code}.csv"'
    return response


urlpatterns: list[URLPattern] = [
    path("targets/", targets, name="targets"),
    path("targets/upload/", upload, name="targets_upload"),
    path("targets/enter/", enter, name="targets_enter"),
    path("targets/<int:target_id>/remove/", remove, name="targets_remove"),
    path("targets/file.csv", download, name="targets_file"),
]
