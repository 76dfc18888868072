"""API of the care app's `compliance` feature."""

from ninja import Router

router = Router()
