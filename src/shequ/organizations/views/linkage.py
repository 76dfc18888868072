"""The five-party linkage page (五社联动): a place's communities per child region, covered and lacking
per party, for a quarter or a year; a township drills down to its communities, each with ✓/✗ per
party and what it lacks in words; Excel export. The rule is ``organizations.linkage``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shequ.core.decorators import permission_required
from shequ.core.page_views import xlsx_response
from shequ.organizations import linkage
from shequ.organizations.forms.social import LinkageForm
from shequ.organizations.permissions import OrganizationsPerm
from shequ.organizations.queries import linkage as queries
from shequ.organizations.queries.social import region_in_scope, top_region


def _chosen(request: HttpRequest) -> tuple[Any, Any, LinkageForm]:
    """The place (in scope, else 404) and the period (malformed: the current quarter, with the form
    saying why)."""
    user: Any = request.user
    form = LinkageForm(request.GET)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    code = (data.get("region") or "").strip()
    region = region_in_scope(user, code) if code else top_region(user)
    if region is None:
        raise Http404
    period = linkage.current_period()
    text = (data.get("period") or "").strip()
    if text:
        try:
            period = linkage.parse_period(text)
        except ValidationError as exc:
            form.add_error("period", exc.message_dict["period"])
    return region, period, form


def _crumbs(user: Any, region: Any) -> list[Any]:
    """The places above ``region`` up to the top of the user's jurisdiction, linked."""
    where = user.jurisdiction(OrganizationsPerm.VIEW)
    tops = [*where.region_paths, *where.grid_community_paths]
    crumbs = []
    node = region.parent
    while node is not None and any(node.path.startswith(top) for top in tops):
        crumbs.append(node)
        node = node.parent
    return list(reversed(crumbs))


@permission_required(OrganizationsPerm.VIEW)
@require_GET
def linkage_page(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region, period, form = _chosen(request)
    found = queries.report(user, region, period)
    return render(
        request,
        "organizations/linkage/linkage.html",
        {
            "form": form,
            "report": found,
            "crumbs": _crumbs(user, region),
            "period_code": period.code,
        },
    )


@permission_required(OrganizationsPerm.VIEW)
@require_GET
@never_cache
def linkage_export(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region, period, _form = _chosen(request)
    filename, content = queries.export(user=user, region=region, period=period)
    return xlsx_response(content, filename)


urls: list[URLPattern] = [
    path("linkage/", linkage_page, name="linkage"),
    path("linkage/export.xlsx", linkage_export, name="linkage_export"),
]
