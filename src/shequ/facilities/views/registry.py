"""The facility registry pages (L1): the list with its filters and Excel export, a facility (new,
detail, edit) with its photos served through the facility's scope, the community floor areas with the
inputs of the plan's area indicators, and candidate sites.

Every read goes through ``facilities.queries`` (a facility outside the jurisdiction answers 404, as one
that does not exist), every write is one action of ``facilities.actions``.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import permission_required
from shequ.core.forms import apply_action_errors
from shequ.core.page_views import export_or_back, paged, submit
from shequ.facilities import actions, queries
from shequ.facilities.forms import registry as forms
from shequ.facilities.models import Facility, FacilityCategory, FacilityStatus
from shequ.facilities.permissions import FacilitiesPerm

PER_PAGE = 50
GET_POST = ["GET", "POST"]
# Where a picker opens when neither the facility nor the user's communities have a position.
XUZHOU_CENTRE = (34.2610, 117.1849)


def _label(facilities: Any) -> None:
    """``category_label`` and ``status_label`` for a page of rows, each label translated once."""
    categories = {value: str(label) for value, label in FacilityCategory.choices}
    statuses = {value: str(label) for value, label in FacilityStatus.choices}
    for facility in facilities:
        facility.category_label = categories.get(facility.category, facility.category)
        facility.status_label = statuses.get(facility.status, facility.status)


def _map(centre: tuple[float, float] | None) -> dict[str, Any]:
    """What the map and the position picker need; without a tile URL they stay hidden and the
    position is typed (the inputs are always there)."""
    lat, lng = centre or XUZHOU_CENTRE
    return {
        "tiles": getattr(settings, "SHEQU_MAP_TILE_URL", "") or "",
        "attribution": getattr(settings, "SHEQU_MAP_TILE_ATTRIBUTION", "") or "",
        "lat": f"{lat:.6f}",
        "lng": f"{lng:.6f}",
    }


def _may_edit(user: Any, facility: Facility) -> bool:
    return user.has_permission(FacilitiesPerm.EDIT) and user.jurisdiction(
        FacilitiesPerm.EDIT
    ).covers_path(facility.community.path)


# --- The list and its export ----------------------------------------------------------------------


@permission_required(FacilitiesPerm.VIEW)
@require_GET
def facility_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.FacilityFilterForm(request.GET, user=user)
    found = queries.search_facilities(user, form.filters())
    page, query = paged(request, found, PER_PAGE)
    _label(page.object_list)
    return render(
        request,
        "facilities/facility_list.html",
        {
            "form": form,
            "page_obj": page,
            "can_edit": user.has_permission(FacilitiesPerm.EDIT),
            "export_query": query,
        },
    )


@permission_required(FacilitiesPerm.VIEW)
@require_GET
@never_cache
def facility_export(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.FacilityFilterForm(request.GET, user=user)
    return export_or_back(
        request,
        lambda: queries.export_facilities(user=user, filters=form.filters()),
        "facilities:facility_list",
    )


# --- A facility -----------------------------------------------------------------------------------


def _render_form(
    request: HttpRequest, form: forms.FacilityForm, facility: Facility | None
) -> HttpResponse:
    if facility is not None:
        centre: tuple[float, float] | None = (facility.lat, facility.lng)
    else:
        centre = queries.map_centre(request.user)
    return render(
        request,
        "facilities/facility_form.html",
        {"form": form, "facility": facility, "map": _map(centre)},
    )


# A suggested site on the coverage page opens the new-facility form filled in with these.
PREFILL = ("community", "category", "lat", "lng")


@permission_required(FacilitiesPerm.EDIT)
@require_http_methods(GET_POST)
def facility_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    communities = queries.editable_communities(user)
    if request.method == "POST":
        form = forms.FacilityForm(request.POST, request.FILES, communities=communities)
        if form.is_valid():
            try:
                facility = actions.register_facility(
                    community=form.cleaned_data["community"],
                    by=user,
                    photos=form.cleaned_data.get("photos") or [],
                    **form.values(),
                )
            except ValidationError as exc:
                form.apply_errors(exc)
            else:
                messages.success(request, _("已登记设施“%(name)s”。") % {"name": facility.name})
                return redirect("facilities:facility_detail", facility_id=facility.pk)
    else:
        initial = {}
        only = list(communities.values_list("code", flat=True)[:2])
        if len(only) == 1:
            initial["community"] = only[0]
        initial.update(
            {key: request.GET[key] for key in PREFILL if request.GET.get(key, "").strip()}
        )
        form = forms.FacilityForm(communities=communities, initial=initial)
    return _render_form(request, form, None)


@permission_required(FacilitiesPerm.VIEW)
@require_GET
def facility_detail(request: HttpRequest, facility_id: int) -> HttpResponse:
    user: Any = request.user
    facility = queries.facility_detail(user, facility_id)
    may_edit = _may_edit(user, facility)
    return render(
        request,
        "facilities/facility_detail.html",
        {
            "facility": facility,
            "hours": queries.opening_hours_rows(facility),
            "photos": list(queries.facility_photos(facility)),
            "can_edit": may_edit,
            "photos_form": forms.PhotosForm() if may_edit else None,
            "map": _map((facility.lat, facility.lng)),
        },
    )


@permission_required(FacilitiesPerm.EDIT)
@require_http_methods(GET_POST)
def facility_edit(request: HttpRequest, facility_id: int) -> HttpResponse:
    user: Any = request.user
    facility = queries.editable_facility(user, facility_id)
    if request.method == "POST":
        form = forms.FacilityForm(request.POST, facility=facility)
        if form.is_valid():
            try:
                actions.update_facility(
                    facility=facility,
                    by=user,
                    version=form.cleaned_data.get("version") or facility.version,
                    **form.values(),
                )
            except ValidationError as exc:
                form.apply_errors(exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect("facilities:facility_detail", facility_id=facility.pk)
    else:
        form = forms.FacilityForm(facility=facility)
    return _render_form(request, form, facility)


# --- Photos ---------------------------------------------------------------------------------------


@permission_required(FacilitiesPerm.EDIT)
@require_POST
def photo_add(request: HttpRequest, facility_id: int) -> HttpResponse:
    user: Any = request.user
    facility = queries.editable_facility(user, facility_id)
    form = forms.PhotosForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("facilities:facility_detail", facility_id=facility.pk)
    try:
        actions.add_photos(facility=facility, photos=form.cleaned_data["photos"], by=user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("照片已上传。"))
    return redirect("facilities:facility_detail", facility_id=facility.pk)


@permission_required(FacilitiesPerm.VIEW)
@require_GET
def photo(request: HttpRequest, facility_id: int, facility_photo_id: int) -> HttpResponseBase:
    """A photo, only to those who may see its facility (never a public media URL)."""
    found = queries.photo_for(request.user, facility_id, facility_photo_id)
    try:
        handle = found.image.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    content_type = mimetypes.guess_type(found.image.name)[0] or "image/jpeg"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@permission_required(FacilitiesPerm.EDIT)
@require_POST
def photo_remove(request: HttpRequest, facility_id: int, facility_photo_id: int) -> HttpResponse:
    user: Any = request.user
    found = queries.photo_for(user, facility_id, facility_photo_id, FacilitiesPerm.EDIT)
    actions.remove_photo(photo=found, by=user)
    messages.success(request, _("照片已删除。"))
    return redirect("facilities:facility_detail", facility_id=facility_id)


# --- Community floor areas ------------------------------------------------------------------------


@permission_required(FacilitiesPerm.VIEW)
@require_http_methods(GET_POST)
def floor_areas(request: HttpRequest) -> HttpResponse:
    """Each community's total building floor area for a year, beside the facility figures the plan's
    area indicators divide by it; staff who may edit enter or correct the total here."""
    user: Any = request.user
    can_edit = user.has_permission(FacilitiesPerm.EDIT)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    filters = forms.FloorAreaFilterForm(request.GET, user=user)
    year = filters.chosen_year()
    entry = None
    if can_edit:
        communities = queries.editable_communities(user)
        if request.method == "POST":
            entry = forms.FloorAreaForm(request.POST, communities=communities)
            if entry.is_valid():
                data = entry.cleaned_data
                try:
                    actions.record_floor_area(
                        community=data["community"],
                        year=data["year"],
                        total_floor_area_m2=data["total_floor_area_m2"],
                        source=data["source"],
                        by=user,
                    )
                except ValidationError as exc:
                    apply_action_errors(entry, exc)
                else:
                    messages.success(
                        request,
                        _("已保存%(community)s %(year)s 年的社区总建筑面积。")
                        % {"community": data["community"].name, "year": data["year"]},
                    )
                    return redirect(
                        reverse("facilities:floor_areas") + "?" + urlencode({"year": data["year"]})
                    )
        else:
            initial: dict[str, Any] = {"year": year}
            if request.GET.get("community"):
                initial["community"] = request.GET["community"]
            entry = forms.FloorAreaForm(communities=communities, initial=initial)
    rows = queries.floor_area_rows(user, year, filters.chosen_region_path())
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.indicators = queries.area_indicators(row)
    return render(
        request,
        "facilities/floor_areas.html",
        {"filters": filters, "year": year, "page_obj": page, "entry": entry},
    )


# --- Candidate sites ------------------------------------------------------------------------------


@permission_required(FacilitiesPerm.VIEW)
@require_http_methods(GET_POST)
def candidate_sites(request: HttpRequest) -> HttpResponse:
    """Vacant premises offered for new facilities (siting weighs them); staff who may edit add them
    here and withdraw those no longer available."""
    user: Any = request.user
    can_edit = user.has_permission(FacilitiesPerm.EDIT)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    filters = forms.CandidateFilterForm(request.GET)
    form = None
    if can_edit:
        communities = queries.editable_communities(user)
        if request.method == "POST":
            form = forms.CandidateSiteForm(request.POST, communities=communities)
            done = submit(
                request,
                form,
                lambda data: actions.add_candidate_site(by=user, **data),
                lambda site: _("已添加候选场地“%(name)s”。") % {"name": site.name},
                lambda _r: redirect("facilities:candidate_sites"),
            )
            if done:
                return done
        else:
            form = forms.CandidateSiteForm(communities=communities)
    found = queries.candidate_sites(user, available_only=filters.available_only())
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    editable = user.jurisdiction(FacilitiesPerm.EDIT) if can_edit else None
    for site in page.object_list:
        site.may_withdraw = bool(
            editable and site.is_available and editable.covers_path(site.community.path)
        )
    return render(
        request,
        "facilities/candidate_sites.html",
        {
            "filters": filters,
            "page_obj": page,
            "form": form,
            "map": _map(queries.map_centre(user) if can_edit else None),
        },
    )


@permission_required(FacilitiesPerm.EDIT)
@require_POST
def candidate_site_withdraw(request: HttpRequest, candidate_site_id: int) -> HttpResponse:
    user: Any = request.user
    site = queries.candidate_site(user, candidate_site_id, FacilitiesPerm.EDIT)
    actions.withdraw_candidate_site(site=site, by=user)
    messages.success(request, _("已撤下候选场地“%(name)s”。") % {"name": site.name})
    return redirect("facilities:candidate_sites")


urls: list[URLPattern] = [
    path("", facility_list, name="facility_list"),
    path("export.xlsx", facility_export, name="facility_export"),
    path("new/", facility_new, name="facility_new"),
    path("<int:facility_id>/", facility_detail, name="facility_detail"),
    path("<int:facility_id>/edit/", facility_edit, name="facility_edit"),
    path("<int:facility_id>/photos/", photo_add, name="facility_photo_add"),
    path("<int:facility_id>/photos/<int:facility_photo_id>/", photo, name="facility_photo"),
    path(
        "<int:facility_id>/photos/<int:facility_photo_id>/remove/",
        photo_remove,
        name="facility_photo_remove",
    ),
    path("floor-areas/", floor_areas, name="floor_areas"),
    path("candidate-sites/", candidate_sites, name="candidate_sites"),
    path(
        "candidate-sites/<int:candidate_site_id>/withdraw/",
        candidate_site_withdraw,
        name="candidate_site_withdraw",
    ),
]
