"""API: deliberation."""

from ninja import Router

router = Router()
