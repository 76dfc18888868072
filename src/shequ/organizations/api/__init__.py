"""The organizations API, mounted by ``shequ.api`` at ``/api/v1/organizations``: one router per feature."""

from ninja import Router

from shequ.organizations.api.charity import router as charity_router
from shequ.organizations.api.providers import router as providers_router
from shequ.organizations.api.social import router as social_router

router = Router(tags=["organizations"])
router.add_router("", social_router)
router.add_router("", charity_router)
router.add_router("", providers_router)
