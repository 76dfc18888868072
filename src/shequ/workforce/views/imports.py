"""Pages of workforce: imports (being built)."""

from django.urls import URLPattern

urls: list[URLPattern] = []
