"""API: talk."""

from ninja import Router

router = Router()
