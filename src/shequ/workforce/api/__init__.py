"""The workforce API, mounted by ``shequ.api`` at ``/api/v1/workforce``: one router per feature."""

from ninja import Router

from shequ.workforce.api.development import router as development_router
from shequ.workforce.api.workers import router as workers_router

router = Router(tags=["workforce"])
router.add_router("", workers_router)
router.add_router("", development_router)
