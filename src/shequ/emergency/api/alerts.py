"""API of the emergency app's `alerts` feature."""

from ninja import Router

router = Router()
