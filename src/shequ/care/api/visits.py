"""API of the care app's `visits` feature."""

from ninja import Router

router = Router()
