"""API: statistics (being built)."""

from ninja import Router

router = Router()
