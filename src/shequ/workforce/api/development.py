"""API of workforce: development (being built)."""

from ninja import Router

router = Router(tags=["workforce"])
