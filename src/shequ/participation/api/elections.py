"""API: elections."""

from ninja import Router

router = Router()
