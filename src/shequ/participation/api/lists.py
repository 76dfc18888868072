"""API: lists."""

from ninja import Router

router = Router()
