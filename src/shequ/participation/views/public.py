"""The public entrance: find a community by name and open what it has published."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from shequ.participation.queries.public import MAX_MATCHES, communities_matching


@require_GET
def public_index(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")[:50]
    return render(
        request,
        "participation/public/index.html",
        {"q": text, "matches": communities_matching(text), "limit": MAX_MATCHES},
    )


urls: list[URLPattern] = [
    path("public/", public_index, name="public_index"),
]
