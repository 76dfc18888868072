"""Volunteer statistics: the public page (no sign-in; aggregates and place names only, drilling down
from the city) and the staff CSV export for upload to the provincial and national volunteer systems
(``docs/volunteer-export.md``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shequ.core.decorators import permission_required
from shequ.volunteering.forms.statistics import StatisticsForm
from shequ.volunteering.permissions import VolunteeringPerm
from shequ.volunteering.queries import statistics as queries


@require_GET
def public_statistics(request: HttpRequest) -> HttpResponse:
    form = StatisticsForm(request.GET)
    period = form.chosen_period()
    for error in form.period_errors:
        messages.error(request, error)
    code = form.region_code()
    roots = queries.public_roots()
    if code:
        region = queries.public_region(code)
    elif len(roots) == 1:
        region = roots[0]
    else:
        region = None
    table = queries.public_statistics(region, period) if region is not None else None
    trail = []
    place = region
    while place is not None:
        trail.insert(0, place)
        place = place.parent if place.parent_id else None
    user: Any = request.user
    can_export = bool(
        getattr(user, "is_authenticated", False)
        and user.has_permission(VolunteeringPerm.STATISTICS)
    )
    return render(
        request,
        "volunteering/statistics/public.html",
        {
            "form": form,
            "period": period,
            "table": table,
            "roots": roots,
            "trail": trail,
            "can_export": can_export,
        },
    )


@permission_required(VolunteeringPerm.STATISTICS)
@require_GET
@never_cache
def statistics_export(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = StatisticsForm(request.GET)
    try:
        period = form.chosen_period(strict=True)
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain")
    code = form.region_code()
    region = queries.staff_region(user, code) if code else queries.staff_top_region(user)
    if region is None:
        raise PermissionDenied
    filename, content = queries.export_csv(region, period)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


urls: list[URLPattern] = [
    path("statistics/", public_statistics, name="statistics"),
    path("statistics/export/", statistics_export, name="statistics_export"),
]
