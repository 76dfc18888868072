"""The territory API's shapes."""

from __future__ import annotations

from ninja import Schema


class RegionOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    kind_label: str
    parent_code: str | None
    is_urban: bool
    is_virtual: bool
    child_count: int
    grid_count: int

    @staticmethod
    def resolve_kind_label(obj: object) -> str:
        return str(obj.get_kind_display())  # type: ignore[attr-defined]


class CrumbOut(Schema):
    code: str
    name: str
    level: str


class PlaceOut(Schema):
    code: str
    name: str


class KindCountOut(Schema):
    kind: str
    label: str
    n: int
    virtual: int

    @staticmethod
    def resolve_label(obj: dict[str, object]) -> str:
        return str(obj["label"])


class RegionDetailOut(RegionOut):
    """Built from a region returned by ``queries.region_detail``, with ``breadcrumbs`` and
    ``children_by_kind`` attached by the endpoint."""

    level_label: str
    admin_parent: PlaceOut | None
    breadcrumbs: list[CrumbOut]
    children_by_kind: list[KindCountOut]

    @staticmethod
    def resolve_level_label(obj: object) -> str:
        return str(obj.get_level_display())  # type: ignore[attr-defined]


class GridOut(Schema):
    code: str
    name: str
    community_code: str
    parent_code: str | None
    is_micro: bool
    micro_count: int


class EstateOut(Schema):
    name: str
    address: str
    is_natural_village: bool
    grid_code: str | None


class GridDetailOut(GridOut):
    community_name: str
    micro_grids: list[GridOut]
    estates: list[EstateOut]
