"""Pages of the care app's `bookings` feature."""

from django.urls import URLPattern

urls: list[URLPattern] = []
