"""Reads behind the intake pages: where a staff member may enter a case (communities, grids, service
items), a grid worker's own grids and recent reports, and the case a form token already made."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from shequ.cases.models import Case, CaseKind, IdempotencyRecord, ItemStatus, ServiceItem
from shequ.cases.permissions import CasesPerm
from shequ.cases.queries.cases import visible_cases
from shequ.core.scoping import scoped
from shequ.territory.models import Grid, Level, Region

RECENT_REPORTS = 10


def _ancestors(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


def intake_communities(user: Any) -> QuerySet[Region]:
    """Communities where the user takes cases in (一窗受理): those in their ``cases.intake``
    jurisdiction (a grid worker: the community of their grid)."""
    return scoped(Region.objects.filter(level=Level.COMMUNITY), user, CasesPerm.INTAKE).order_by(
        "path"
    )


def intake_grids(user: Any) -> QuerySet[Grid]:
    return (
        scoped(Grid.objects.filter(is_micro=False), user, CasesPerm.INTAKE)
        .select_related("community")
        .order_by("path")
    )


def intake_items(user: Any) -> QuerySet[ServiceItem]:
    """Admitted items that apply somewhere the user takes cases in: items of their places, of every
    level above them, and of the places below them. The action checks the chosen community."""
    where = user.jurisdiction(CasesPerm.INTAKE)
    roots = [*where.region_paths, *where.grid_community_paths]
    if not roots:
        return ServiceItem.objects.none()
    above: set[str] = set()
    for path in roots:
        above.update(_ancestors(path))
    condition = Q(region__path__in=sorted(above))
    for path in where.region_paths:
        condition |= Q(region__path__under=path)
    return (
        ServiceItem.objects.filter(condition, status=ItemStatus.ADMITTED)
        .select_related("region")
        .order_by("category", "code")
    )


def report_grids(user: Any) -> QuerySet[Grid]:
    """The grids a grid worker reports in (the manual fallback when the phone cannot locate)."""
    return (
        scoped(Grid.objects.filter(is_micro=False), user, CasesPerm.REPORT)
        .select_related("community")
        .order_by("path")
    )


def my_reports(user: Any, limit: int = RECENT_REPORTS) -> list[Case]:
    """The grid events this user reported most recently (still inside their jurisdiction)."""
    return list(
        visible_cases(user)
        .filter(entered_by=user, kind=CaseKind.GRID_EVENT)
        .select_related("region", "grid")
        .order_by("-submitted_at", "-id")[:limit]
    )


def form_owner(user: Any) -> str:
    """The idempotency owner of a page form: one namespace per staff member."""
    return f"form:{user.pk}"


def case_for_form_token(user: Any, token: str) -> Case | None:
    """The case a form with this one-time token already made for this user, if any."""
    if not token:
        return None
    record = (
        IdempotencyRecord.objects.filter(owner=form_owner(user), key=token)
        .select_related("case")
        .first()
    )
    return record.case if record is not None else None


def keyed_cases_since(owner: str, since: Any, *, besides: str = "") -> int:
    """How many cases ``owner`` (an idempotency owner: a kiosk terminal, a client) made since ``since``,
    not counting the one keyed ``besides``."""
    return (
        IdempotencyRecord.objects.filter(owner=owner, created_at__gte=since)
        .exclude(key=besides.strip())
        .count()
    )
