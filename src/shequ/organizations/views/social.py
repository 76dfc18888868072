"""Pages of organizations: social (being built)."""

from django.urls import URLPattern

urls: list[URLPattern] = []
