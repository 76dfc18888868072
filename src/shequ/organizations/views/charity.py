"""Pages of organizations: charity (being built)."""

from django.urls import URLPattern

urls: list[URLPattern] = []
