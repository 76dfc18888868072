"""Pages of workforce: staffing (being built)."""

from django.urls import URLPattern

urls: list[URLPattern] = []
