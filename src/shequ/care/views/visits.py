"""Pages of the care app's `visits` feature."""

from django.urls import URLPattern

urls: list[URLPattern] = []
