"""API: wishes (being built)."""

from ninja import Router

router = Router()
