"""API: timebank (being built)."""

from ninja import Router

router = Router()
