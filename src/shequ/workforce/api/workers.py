"""API of workforce: workers (being built)."""

from ninja import Router

router = Router(tags=["workforce"])
