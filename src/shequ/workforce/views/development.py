"""Pages of workforce: development (being built)."""

from django.urls import URLPattern

urls: list[URLPattern] = []
