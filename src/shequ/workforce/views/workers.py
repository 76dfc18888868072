"""Pages of workforce: workers (being built)."""

from django.urls import URLPattern

urls: list[URLPattern] = []
