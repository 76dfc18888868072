"""API of organizations: providers (being built)."""

from ninja import Router

router = Router(tags=["organizations"])
