"""Open311 GeoReport v2, mounted at ``/open311/v2/``. The format is the resource's suffix."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponse
from django.urls import URLPattern, path

from shequ.cases.open311 import views

app_name = "open311"


def _both(route: str, view: Callable[..., HttpResponse], name: str) -> list[URLPattern]:
    """``route.json`` and ``route.xml``, one name: ``reverse(name, kwargs={"fmt": "xml", …})``."""
    return [path(f"{route}.{fmt}", view, {"fmt": fmt}, name=name) for fmt in ("json", "xml")]


urlpatterns: list[URLPattern] = [
    *_both("discovery", views.discovery, "discovery"),
    *_both("services", views.services, "services"),
    *_both("services/<str:service_code>", views.service_definition, "service"),
    *_both("requests", views.requests, "requests"),
    *_both("requests/<str:service_request_id>", views.request_detail, "request"),
]
