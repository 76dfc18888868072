"""The care API, mounted by ``shequ.api`` at ``/api/v1/care``: one router per feature."""

from ninja import Router

from shequ.care.api.bookings import router as bookings_router
from shequ.care.api.compliance import router as compliance_router
from shequ.care.api.homeservices import router as homeservices_router
from shequ.care.api.visits import router as visits_router

router = Router(tags=["care"])
router.add_router("", visits_router)
router.add_router("", compliance_router)
router.add_router("", homeservices_router)
router.add_router("", bookings_router)
