"""Reads about open affairs: the staff list and detail (scoped, 404 outside the jurisdiction), the
supervision committee's queue of open objections, a community's published disclosures for its
residents and for the public archive, a resident's own objections, and who may fetch an attachment.
Drafts are seen only by staff whose jurisdiction holds the community."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.participation.models.disclosures import (
    Disclosure,
    DisclosureAttachment,
    DisclosureStatus,
    Objection,
    ObjectionStatus,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.territory.models import Level, Region

Perm = ParticipationPerm
DS = DisclosureStatus


def may(user: Any, perm: str, community: Region) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.has_permission(perm)
        and user.jurisdiction(perm).covers_path(community.path)
    )


def _base() -> QuerySet[Disclosure]:
    return Disclosure.objects.select_related("community", "supersedes", "superseded_by")


@dataclass(frozen=True)
class Filters:
    category: str = ""
    status: str = ""
    period_from: date | None = None
    period_to: date | None = None
    q: str = ""


def _filter(found: QuerySet[Disclosure], filters: Filters) -> QuerySet[Disclosure]:
    if filters.category:
        found = found.filter(category=filters.category)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.period_from:
        found = found.filter(period_end__gte=filters.period_from)
    if filters.period_to:
        found = found.filter(period_start__lte=filters.period_to)
    if filters.q:
        found = found.filter(Q(title__icontains=filters.q) | Q(number__icontains=filters.q))
    return found


def disclosures(user: Any, filters: Filters | None = None) -> QuerySet[Disclosure]:
    """Staff: every disclosure in the user's subtree, with its count of open objections."""
    found = _filter(scoped(_base(), user, Perm.VIEW), filters or Filters())
    return found.annotate(
        open_objections=Count("objections", filter=Q(objections__status=ObjectionStatus.OPEN))
    ).order_by("status", "-published_at", "-pk")


def disclosure(user: Any, disclosure_id: int, perm: str = Perm.VIEW) -> Disclosure:
    return get_scoped_or_404(_base(), user, perm, pk=disclosure_id)


def disclosable_communities(user: Any) -> QuerySet[Region]:
    """The communities where the user may publish."""
    return scoped(Region.objects.filter(level=Level.COMMUNITY), user, Perm.DISCLOSE).order_by(
        "path"
    )


def attachments(item: Disclosure) -> list[DisclosureAttachment]:
    return list(DisclosureAttachment.objects.filter(disclosure=item).order_by("pk"))


def objections_of(item: Disclosure) -> list[Objection]:
    return list(
        Objection.objects.filter(disclosure=item)
        .select_related("resident", "responded_by")
        .order_by("created_at", "pk")
    )


# --- The supervision committee ---------------------------------------------------------------------


def _supervised(user: Any) -> QuerySet[Objection]:
    visible = scoped(Disclosure.objects.all(), user, Perm.SUPERVISE).values("pk")
    return Objection.objects.filter(disclosure__in=visible).select_related(
        "disclosure__community", "resident", "responded_by"
    )


def objection_queue(user: Any, *, status: str = ObjectionStatus.OPEN) -> QuerySet[Objection]:
    found = _supervised(user)
    if status:
        found = found.filter(status=status)
    return found.order_by("created_at", "pk")


def supervised_objection(user: Any, objection_id: int) -> Objection:
    found = _supervised(user).filter(pk=objection_id).first()
    if found is None:
        raise Http404
    return found


# --- Residents and the public ----------------------------------------------------------------------


def published(community: Region, filters: Filters | None = None) -> QuerySet[Disclosure]:
    """A community's published disclosures, newest first."""
    found = _base().filter(community=community, status=DS.PUBLISHED)
    return _filter(found, filters or Filters()).order_by("-published_at", "-pk")


def published_disclosure(disclosure_id: int, community: Region | None = None) -> Disclosure:
    """A published disclosure (of ``community`` when given); drafts and others are 404."""
    found = _base().filter(pk=disclosure_id, status=DS.PUBLISHED)
    if community is not None:
        found = found.filter(community=community)
    item = found.first()
    if item is None:
        raise Http404
    return item


def archive(community: Region) -> list[tuple[int, list[tuple[str, list[Disclosure]]]]]:
    """The permanent archive, grouped by the year of the period and then by category."""
    from shequ.participation.models.disclosures import DisclosureCategory

    labels = dict(DisclosureCategory.choices)
    years: dict[int, dict[str, list[Disclosure]]] = {}
    rows = published(community).order_by("-period_start", "category", "-published_at", "-pk")
    for item in rows:
        years.setdefault(item.period_start.year, {}).setdefault(item.category, []).append(item)
    return [
        (
            year,
            [
                (str(labels.get(category, category)), items)
                for category, items in sorted(
                    groups.items(), key=lambda kv: DisclosureCategory.values.index(kv[0])
                )
            ],
        )
        for year, groups in years.items()
    ]


def my_objections(user: Any) -> QuerySet[Objection]:
    return (
        Objection.objects.filter(user=user)
        .select_related("disclosure__community")
        .order_by("-created_at", "-pk")
    )


def attachment_for(user: Any, attachment_id: int) -> DisclosureAttachment:
    """An attachment of a published disclosure (public), or of a draft the user may see as staff."""
    found = (
        DisclosureAttachment.objects.select_related("disclosure__community")
        .filter(pk=attachment_id)
        .first()
    )
    if found is None:
        raise Http404
    item = found.disclosure
    if item.status == DS.PUBLISHED:
        return found
    if scoped(Disclosure.objects.filter(pk=item.pk), user, Perm.VIEW).exists():
        return found
    raise Http404


def with_attachments(items: QuerySet[Disclosure]) -> QuerySet[Disclosure]:
    return items.prefetch_related(
        Prefetch("attachments", queryset=DisclosureAttachment.objects.order_by("pk"))
    )
