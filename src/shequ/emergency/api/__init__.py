"""The emergency API, mounted by ``shequ.api`` at ``/api/v1/emergency``: one router per feature."""

from ninja import Router

from shequ.emergency.api.alerts import router as alerts_router
from shequ.emergency.api.preparedness import router as preparedness_router

router = Router(tags=["emergency"])
router.add_router("", alerts_router)
router.add_router("", preparedness_router)
