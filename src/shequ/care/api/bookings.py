"""API of the care app's `bookings` feature."""

from ninja import Router

router = Router()
