"""The page a resident sees when they cannot take part: their account is not linked to a registry
record still on the register, or the record is not of the community. One template for every feature
(``participation/not_linked.html``): the feature's title and the reason."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

TEMPLATE = "participation/not_linked.html"


def not_linked(
    request: HttpRequest, title: str, message: str, *, heading: str = "", status: int = 200
) -> HttpResponse:
    """The refusal page: ``title`` names the feature, ``heading`` (default: the title) heads the page."""
    context = {"title": title, "heading": heading or title, "message": message}
    return render(request, TEMPLATE, context, status=status)
