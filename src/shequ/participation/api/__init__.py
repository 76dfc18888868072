"""The participation API, mounted by ``shequ.api`` at ``/api/v1/participation``: one router per
feature."""

from ninja import Router

from shequ.participation.api.deliberation import router as deliberation_router
from shequ.participation.api.disclosures import router as disclosures_router
from shequ.participation.api.elections import router as elections_router
from shequ.participation.api.lists import router as lists_router
from shequ.participation.api.meetings import router as meetings_router
from shequ.participation.api.talk import router as talk_router

router = Router(tags=["participation"])
router.add_router("", deliberation_router)
router.add_router("", meetings_router)
router.add_router("", disclosures_router)
router.add_router("", talk_router)
router.add_router("", elections_router)
router.add_router("", lists_router)
