"""Pages of organizations: providers (being built)."""

from django.urls import URLPattern

urls: list[URLPattern] = []
