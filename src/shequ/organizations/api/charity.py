"""API of organizations: charity (being built)."""

from ninja import Router

router = Router(tags=["organizations"])
