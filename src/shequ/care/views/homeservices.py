"""Pages of the care app's `homeservices` feature."""

from django.urls import URLPattern

urls: list[URLPattern] = []
