"""Pages: deliberation."""

from django.urls import URLPattern

urls: list[URLPattern] = []
