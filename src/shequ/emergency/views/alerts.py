"""Pages of the emergency app's `alerts` feature."""

from django.urls import URLPattern

urls: list[URLPattern] = []
