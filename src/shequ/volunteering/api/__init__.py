"""The volunteering API, mounted by ``shequ.api`` at ``/api/v1/volunteering``: one router per feature."""

from ninja import Router

from shequ.volunteering.api.activities import router as activities_router
from shequ.volunteering.api.party import router as party_router
from shequ.volunteering.api.statistics import router as statistics_router
from shequ.volunteering.api.timebank import router as timebank_router
from shequ.volunteering.api.volunteers import router as volunteers_router
from shequ.volunteering.api.wishes import router as wishes_router

router = Router(tags=["volunteering"])
router.add_router("", volunteers_router)
router.add_router("", activities_router)
router.add_router("", party_router)
router.add_router("", wishes_router)
router.add_router("", timebank_router)
router.add_router("", statistics_router)
