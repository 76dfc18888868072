"""Pages of the emergency app's `preparedness` feature."""

from django.urls import URLPattern

urls: list[URLPattern] = []
