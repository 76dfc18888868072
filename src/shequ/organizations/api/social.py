"""API of organizations: social (being built)."""

from ninja import Router

router = Router(tags=["organizations"])
