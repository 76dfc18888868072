"""API: disclosures."""

from ninja import Router

router = Router()
