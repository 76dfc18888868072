"""``/api/v1/cases``: the admitted service catalogue, as the caller may see it; the cases themselves
under ``/api/v1/cases/cases`` (``cases.api.cases``).

Without ``community`` the list holds the items of the caller's places and of every level above them;
with ``community`` (a community code), those a resident there may ask for. Errors in the shape of
``core.api``: an unknown community or item → 404 ``not_found``.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from shequ.cases import queries
from shequ.cases.api.cases import router as cases_router
from shequ.cases.models import Category, ServiceItem
from shequ.cases.schemas import ServiceItemDetailOut, ServiceItemOut
from shequ.core.api import ApiError, ErrorOut, PagePagination

router = Router(tags=["cases"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
router.add_router("/cases", cases_router)


def _not_found(field: str) -> ApiError:
    message = _("找不到该对象。")
    return ApiError(404, "not_found", message, [{"field": field, "message": message}])


@router.get(
    "/catalog",
    response={200: list[ServiceItemOut], **ERRORS},
    summary="已准入的服务事项目录",
)
@paginate(PagePagination)
def list_catalog(
    request: HttpRequest,
    category: str = Query("", description="类别代码"),
    community: str = Query("", max_length=12, description="村(社区)区划代码"),
) -> QuerySet[ServiceItem]:
    if category and category not in Category.values:
        raise ApiError(
            422, "invalid", _("类别不正确。"), [{"field": "category", "message": _("类别不正确。")}]
        )
    region = None
    if community:
        try:
            region = queries.community(community)
        except Http404:
            raise _not_found("community") from None
    return queries.admitted_catalog(request.user, region=region, category=category)


@router.get(
    "/catalog/{item_id}",
    response={200: ServiceItemDetailOut, **ERRORS},
    summary="一个已准入的服务事项，含一次告知材料清单和网上申报字段",
)
def get_catalog_item(request: HttpRequest, item_id: int) -> ServiceItem:
    try:
        return queries.admitted_item(item_id)
    except Http404:
        raise _not_found("item_id") from None
