"""API of the emergency app's `preparedness` feature."""

from ninja import Router

router = Router()
