"""API of the care app's `homeservices` feature."""

from ninja import Router

router = Router()
