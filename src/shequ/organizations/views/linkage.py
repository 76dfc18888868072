"""Pages of organizations: linkage (being built)."""

from django.urls import URLPattern

urls: list[URLPattern] = []
