"""Pages of the care app's `compliance` feature."""

from django.urls import URLPattern

urls: list[URLPattern] = []
