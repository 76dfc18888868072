"""Reads for the public read-only pages: which community a public URL names, and finding one by name.

Public pages show what a community has published (answers, decisions, minutes, disclosures,
micro-renewal accounts) to anyone; they never show residents' names."""

from __future__ import annotations

from django.http import Http404

from shequ.territory.models import Level, Region

MAX_MATCHES = 30


def public_community(code: str) -> Region:
    """The community a public URL names by its code, or a 404."""
    found = Region.objects.filter(code=code, level=Level.COMMUNITY).first()
    if found is None:
        raise Http404
    return found


def communities_matching(text: str) -> list[Region]:
    """Communities whose name or code contains ``text`` (at most ``MAX_MATCHES``), with their
    township and county for telling same-named villages apart."""
    text = text.strip()
    if not text:
        return []
    field = "code__startswith" if text.isdigit() else "name__icontains"
    return list(
        Region.objects.filter(level=Level.COMMUNITY, is_virtual=False, **{field: text})
        .select_related("parent__parent")
        .order_by("path")[:MAX_MATCHES]
    )
