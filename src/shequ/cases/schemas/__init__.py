from __future__ import annotations

from datetime import datetime

from ninja import Schema


class MaterialOut(Schema):
    name: str
    note: str = ""
    copies: int = 1
    original_required: bool = False


class AttributeValueOut(Schema):
    key: str
    name: str


class AttributeOut(Schema):
    code: str
    datatype: str
    required: bool
    description: str
    order: int
    values: list[AttributeValueOut] = []


class UnitOut(Schema):
    code: str
    name: str


class ServiceItemOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    category: str
    region_code: str
    region_name: str
    time_limit_value: int
    time_limit_unit: str
    channels: list[str]
    fee: str
    home_visit_possible: bool
    appointment_possible: bool

    @staticmethod
    def resolve_region_code(obj: object) -> str:
        return obj.region.code  # type: ignore[attr-defined]

    @staticmethod
    def resolve_region_name(obj: object) -> str:
        return obj.region.name  # type: ignore[attr-defined]


class ServiceItemDetailOut(ServiceItemOut):
    description: str
    legal_basis: str
    required_materials: list[MaterialOut]
    attributes: list[AttributeOut]
    handling_units: list[UnitOut]
    admitted_at: datetime | None

    @staticmethod
    def resolve_handling_units(obj: object) -> list[object]:
        return list(obj.handling_units.all())  # type: ignore[attr-defined]
