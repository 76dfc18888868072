"""Pages: meetings."""

from django.urls import URLPattern

urls: list[URLPattern] = []
