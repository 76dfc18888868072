"""Jurisdiction: every staff role is held at a place and sees that subtree only.

``scoped(queryset, user, perm)`` is the one gate every list, detail, search, export, API and admin
screen goes through. ``get_scoped_or_404`` answers 404 — not 403 — for anything outside it, so that the
existence of an object elsewhere is not revealed.

The user object supplies ``jurisdiction(perm)`` (``accounts.User`` implements it); a model declares where
its territory is with ``scope_region_field`` (a lookup to a ``Region``, or ``"self"``),
``scope_grid_field`` (a lookup to a ``Grid``, ``"self"`` or ``None``) and, for work handed to
departments, ``scope_unit_field`` (a lookup to a ``HandlingUnit``, or ``"self"``) or a classmethod
``scope_units_q(unit_ids)`` returning the filter for rows several units share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Jurisdiction:
    """Where a user may see, for one permission.

    ``region_paths``: subtrees held at regions. ``grid_paths``: subtrees held at grids, with
    ``grid_community_paths`` the communities those grids are in (a grid worker may open their
    community's own page, but no sibling grid). ``unit_ids``: handling units (departments).
    """

    region_paths: tuple[str, ...] = ()
    grid_paths: tuple[str, ...] = ()
    grid_community_paths: tuple[str, ...] = ()
    unit_ids: tuple[int, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (self.region_paths or self.grid_paths or self.unit_ids)

    def covers_path(self, path: str) -> bool:
        return any(path.startswith(p) for p in (*self.region_paths, *self.grid_paths))


class HasJurisdiction(Protocol):
    is_authenticated: bool

    def jurisdiction(self, perm: str | None = None) -> Jurisdiction: ...


def _lookup(field_path: str) -> str:
    return "path" if field_path == "self" else f"{field_path}__path"


def scope_q(model: type[models.Model], jurisdiction: Jurisdiction) -> Q | None:
    """The filter for ``model`` rows inside ``jurisdiction``; ``None`` when nothing is visible."""
    region_field: str | None = getattr(model, "scope_region_field", None)
    grid_field: str | None = getattr(model, "scope_grid_field", None)
    unit_field: str | None = getattr(model, "scope_unit_field", None)
    if region_field is None and grid_field is None and unit_field is None:
        raise TypeError(f"{model.__name__} declares no scope_region_field / scope_grid_field")
    conditions: list[Q] = []
    if region_field is not None:
        lookup = _lookup(region_field)
        conditions += [Q(**{f"{lookup}__under": p}) for p in jurisdiction.region_paths]
    if grid_field is not None:
        lookup = _lookup(grid_field)
        conditions += [Q(**{f"{lookup}__under": p}) for p in jurisdiction.grid_paths]
    elif region_field is not None:
        # Rows that belong to a community but to no grid: a grid's holder sees their own community's.
        lookup = _lookup(region_field)
        conditions += [Q(**{lookup: p}) for p in jurisdiction.grid_community_paths]
    if unit_field is not None and jurisdiction.unit_ids:
        lookup = "pk__in" if unit_field == "self" else f"{unit_field}__in"
        conditions.append(Q(**{lookup: list(jurisdiction.unit_ids)}))
    units_q = getattr(model, "scope_units_q", None)
    if units_q is not None and jurisdiction.unit_ids:
        # Rows handed to several departments at once (a case's lead and co-handling units).
        conditions.append(units_q(list(jurisdiction.unit_ids)))
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def scoped(queryset: models.QuerySet[M], user: Any, perm: str | None = None) -> models.QuerySet[M]:
    """Restrict ``queryset`` to the rows ``user`` may see for ``perm`` (any held role when ``None``)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return queryset.none()
    condition = scope_q(queryset.model, user.jurisdiction(perm))
    if condition is None:
        return queryset.none()
    return queryset.filter(condition)


def get_scoped_or_404(
    queryset: models.QuerySet[M], user: Any, perm: str | None = None, **lookup: Any
) -> M:
    try:
        return scoped(queryset, user, perm).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def require_place(by: Any, perm: str, path: str, refusal: str) -> None:
    """For writes: ``by`` must hold ``perm`` over the place with this materialised path, or the action
    is refused with ``refusal``. ``by=None`` is the system (imports, demo, scheduled jobs)."""
    if by is None:
        return
    if not by.has_permission(perm) or not by.jurisdiction(perm).covers_path(path):
        raise PermissionDenied(refusal)
