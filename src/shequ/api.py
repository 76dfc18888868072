"""The JSON API at /api/v1/ (OpenAPI docs at /api/v1/docs). Each app contributes a router."""

from __future__ import annotations

from ninja import NinjaAPI

from shequ.accounts.api import router as accounts_router
from shequ.accounts.api_auth import SessionAuth, TokenAuth
from shequ.care.api import router as care_router
from shequ.cases.api import router as cases_router
from shequ.core.api import ErrorOut, install_error_handlers
from shequ.emergency.api import router as emergency_router
from shequ.facilities.api import router as facilities_router
from shequ.organizations.api import router as organizations_router
from shequ.participation.api import router as participation_router
from shequ.registry.api import router as registry_router
from shequ.territory.api import router as territory_router
from shequ.volunteering.api import router as volunteering_router
from shequ.workforce.api import router as workforce_router

api = NinjaAPI(
    title="shequ API",
    version="1",
    description="社区服务平台开放接口。所有数据按调用者的管辖范围过滤。",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
)
install_error_handlers(api)

api.add_router("/accounts", accounts_router)
api.add_router("/territory", territory_router)
api.add_router("/registry", registry_router)
api.add_router("/cases", cases_router)
api.add_router("/facilities", facilities_router)
api.add_router("/workforce", workforce_router)
api.add_router("/participation", participation_router)
api.add_router("/organizations", organizations_router)
api.add_router("/volunteering", volunteering_router)
api.add_router("/care", care_router)
api.add_router("/emergency", emergency_router)

__all__ = ["ErrorOut", "api"]
